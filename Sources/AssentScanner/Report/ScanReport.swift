import AssentCore
import Foundation

/// What one visit came to, kept in the report instead of everything it recorded.
public struct VisitSummary: Sendable, Equatable {
    public var page: String
    public var region: String
    public var kind: VisitKind
    /// nil when the visit finished; else why it failed.
    public var failure: String?
    public var bannerShown: Bool
    public var clicked: Bool
    public var cookies: Int
    public var storageKeys: Int
    public var requests: Int
    public var thirdPartyRequests: Int
    public var violations: Int
    public var durationMs: Int

    public init(
        page: String, region: String, kind: VisitKind, failure: String? = nil, bannerShown: Bool = false,
        clicked: Bool = false, cookies: Int = 0, storageKeys: Int = 0, requests: Int = 0,
        thirdPartyRequests: Int = 0, violations: Int = 0, durationMs: Int = 0
    ) {
        self.page = page
        self.region = region
        self.kind = kind
        self.failure = failure
        self.bannerShown = bannerShown
        self.clicked = clicked
        self.cookies = cookies
        self.storageKeys = storageKeys
        self.requests = requests
        self.thirdPartyRequests = thirdPartyRequests
        self.violations = violations
        self.durationMs = durationMs
    }
}

/// What changed since the scan before.
public struct ScanDifference: Sendable, Equatable {
    public var violationsAdded: [Violation]
    public var violationsResolved: [Violation]
    /// Labels ("kind name@domain") of list entries seen now and not then, and then and not now.
    public var entriesAdded: [String]
    public var entriesGone: [String]

    public init(
        violationsAdded: [Violation] = [], violationsResolved: [Violation] = [], entriesAdded: [String] = [],
        entriesGone: [String] = []
    ) {
        self.violationsAdded = violationsAdded
        self.violationsResolved = violationsResolved
        self.entriesAdded = entriesAdded
        self.entriesGone = entriesGone
    }
}

/// A scan's compliance report: the violations with their evidence, the proposed cookie list and its difference
/// from the property's, the configuration's lint findings, and what every visit came to. Written as versioned
/// JSON (`json()`, read back by `init(json:)`) and as a self-contained HTML page (`html()`).
public struct ScanReport: Sendable, Equatable {
    public static let version = 1

    public var propertyID: String
    public var propertyName: String
    public var policyVersion: Int
    public var startURLs: [String]
    public var regions: [String]
    /// Each region's regime, in `regions` order.
    public var regimes: [String]
    public var pages: [String]
    public var startedAt: Double
    public var finishedAt: Double
    public var browser: String
    /// What classified hosts besides the property and the database (EasyPrivacy's path), if anything.
    public var trackerList: String?
    public var visits: [VisitSummary]
    public var violations: [Violation]
    public var proposal: CookieListProposal
    public var lint: [LintFinding]
    public var difference: ScanDifference?

    public init(
        propertyID: String, propertyName: String, policyVersion: Int, startURLs: [String], regions: [String],
        regimes: [String], pages: [String], startedAt: Double, finishedAt: Double, browser: String,
        trackerList: String?, visits: [VisitSummary], violations: [Violation], proposal: CookieListProposal,
        lint: [LintFinding], difference: ScanDifference?
    ) {
        self.propertyID = propertyID
        self.propertyName = propertyName
        self.policyVersion = policyVersion
        self.startURLs = startURLs
        self.regions = regions
        self.regimes = regimes
        self.pages = pages
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.browser = browser
        self.trackerList = trackerList
        self.visits = visits
        self.violations = violations
        self.proposal = proposal
        self.lint = lint
        self.difference = difference
    }

    /// Analyses a scan. `assentOrigin` (the Assent server the pages use) lets its requests be recognised by
    /// origin as well as by path.
    public init(
        observations: ScanObservations, property: Property, classifier: Classifier, previous: ScanReport? = nil,
        assentOrigin: String? = nil
    ) {
        let observedAt = observations.finishedAt > 0 ? observations.finishedAt : observations.startedAt
        var violations: [Violation] = []
        var visits: [VisitSummary] = []
        var lifetimes: [ObservedLifetime] = []
        for visit in observations.visits {
            let found = Violations.find(
                in: [visit], property: property, classifier: classifier, assentOrigin: assentOrigin)
            violations += found
            var failure: String?
            if case .failed(let why) = visit.outcome { failure = why }
            visits.append(
                VisitSummary(
                    page: visit.pageURL, region: visit.region.code, kind: visit.kind, failure: failure,
                    bannerShown: visit.bannerShown, clicked: visit.clicked, cookies: visit.cookies.count,
                    storageKeys: visit.storage.count, requests: visit.requests.count,
                    thirdPartyRequests: visit.requests.filter(\.thirdParty).count, violations: found.count,
                    durationMs: visit.durationMs))
            if observedAt > 0, visit.outcome == .ok {
                for cookie in visit.cookies where !cookie.blocked {
                    guard let expires = cookie.expires else { continue }
                    lifetimes.append(
                        ObservedLifetime(
                            name: cookie.name, domain: cookie.domain, region: visit.region.code,
                            days: (expires - observedAt) / 86_400, category: classifier.classify(cookie).category))
                }
            }
        }
        let proposal = CookieListProposal(
            visits: observations.visits, property: property, classifier: classifier, observedAt: observedAt)
        self.init(
            propertyID: property.id, propertyName: property.name, policyVersion: property.policyVersion,
            startURLs: observations.startURLs, regions: observations.regions.map(\.code),
            regimes: observations.regions.map { property.regimes.regime(for: $0).rawValue },
            pages: observations.pages, startedAt: observations.startedAt, finishedAt: observations.finishedAt,
            browser: observations.browser, trackerList: classifier.trackerHosts?.source, visits: visits,
            violations: violations, proposal: proposal,
            lint: PropertyLint.lint(property, observed: lifetimes), difference: nil)
        if let previous { difference = Self.difference(from: previous, to: self) }
    }

    public var errors: Int { lint.filter { $0.severity == .error }.count }
    public var warnings: Int { lint.filter { $0.severity == .warning }.count }
    public var failedVisits: Int { visits.filter { $0.failure != nil }.count }

    /// What identifies a violation across scans: the same thing, in the same place, for the same reason.
    static func identity(_ v: Violation) -> String {
        [
            v.kind.rawValue, v.name, v.kind == .request ? "" : v.location, v.page, v.region, v.visit.rawValue,
            v.rule.rawValue,
        ]
        .joined(separator: "\u{0}")
    }

    static func label(_ e: CookieListProposal.Entry) -> String { "\(e.kind.rawValue) \(e.label)@\(e.domain)" }

    static func difference(from previous: ScanReport, to current: ScanReport) -> ScanDifference {
        let before = Set(previous.violations.map(identity))
        let now = Set(current.violations.map(identity))
        let entriesBefore = Set(previous.proposal.entries.map(label))
        let entriesNow = Set(current.proposal.entries.map(label))
        return ScanDifference(
            violationsAdded: current.violations.filter { !before.contains(identity($0)) },
            violationsResolved: previous.violations.filter { !now.contains(identity($0)) },
            entriesAdded: current.proposal.entries.map(label).filter { !entriesBefore.contains($0) },
            entriesGone: previous.proposal.entries.map(label).filter { !entriesNow.contains($0) })
    }
}
