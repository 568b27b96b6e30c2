import AssentCore
import Foundation

/// Something a visit observed that the visitor's choice (or the absence of one) does not allow, with its
/// evidence.
public struct Violation: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case cookie
        case storage
        case request
        /// A cookie of a revoked category that was there before Reject All and still is after it.
        case notDeleted = "not-deleted"
    }

    public enum Rule: String, Sendable {
        /// Opt-in region, before any choice: only the required category may set or send anything.
        case beforeConsent = "before-consent"
        /// After Reject All: only the required category.
        case afterRejectAll = "after-reject-all"
        /// With Global Privacy Control: nothing for sale, sharing or targeted advertising.
        case gpc
        /// After Reject All the widget must delete what the revoked categories had set.
        case notDeletedAfterRejectAll = "not-deleted-after-reject-all"
    }

    public var kind: Kind
    /// The cookie's or storage key's name; for a request, its host.
    public var name: String
    /// The cookie's domain, the storage key's origin, or the request's URL.
    public var location: String
    /// The property category it was classified in; nil when unclassified.
    public var category: String?
    public var source: ClassificationSource
    public var page: String
    public var region: String
    public var visit: VisitKind
    public var frameURL: String?
    public var initiator: Initiator?
    /// Milliseconds after navigation started.
    public var atMs: Int
    public var rule: Rule
    /// Why, in a sentence a privacy officer can read.
    public var reason: String
    /// How many requests of the same host the same visit made (1 for cookies and storage keys).
    public var count: Int

    public init(
        kind: Kind, name: String, location: String, category: String?, source: ClassificationSource, page: String,
        region: String, visit: VisitKind, frameURL: String? = nil, initiator: Initiator? = nil, atMs: Int = 0,
        rule: Rule, reason: String, count: Int = 1
    ) {
        self.kind = kind
        self.name = name
        self.location = location
        self.category = category
        self.source = source
        self.page = page
        self.region = region
        self.visit = visit
        self.frameURL = frameURL
        self.initiator = initiator
        self.atMs = atMs
        self.rule = rule
        self.reason = reason
        self.count = count
    }
}

/// Finds the violations in a scan's visits.
///
/// A violation is a cookie, storage key or request to a third-party tracker host of a category the visit does
/// not allow, or an unclassified third-party cookie or storage key (a third party's frame: it cannot be shown to
/// be necessary; the issue names cookies, and a third party's storage is the same capability): before any choice in
/// an opt-in region (only required categories), after Reject All (only required categories), and with GPC
/// (no category for sale, sharing or targeted advertising). After Reject All, a first-party cookie of a revoked
/// category that was there before the click and is still there is `notDeleted` (a third party's is not the
/// widget's to delete, and is not counted). Failed visits, and choice visits where
/// the scanner could not click the button, prove nothing and are skipped.
///
/// Assent's own traces are never violations: the decision cookie `assent_<property>`, the server's form
/// cookie `assent_csrf`, the widget's caches in `localStorage` (`assent:<property>:<language>`, `assent:<property>#s`), and
/// requests to the Assent server (`assentOrigin` when given; else the widget's files `/assent.js`,
/// `/assent.css`, `/assent-signals.js` and the property's public API under `/v1/properties/<property>/`).
public enum Violations {
    public static func find(
        in visits: [VisitRecord], property: Property, classifier: Classifier, assentOrigin: String? = nil
    ) -> [Violation] {
        var found: [Violation] = []
        for visit in visits {
            found += find(in: visit, property: property, classifier: classifier, assentOrigin: assentOrigin)
        }
        return found
    }

    /// What a visit may hold: a category key → allowed; nil for visits that are not judged.
    static func judged(_ visit: VisitRecord, property: Property) -> (rule: Violation.Rule, allowed: (String?) -> Bool)?
    {
        guard visit.outcome == .ok else { return nil }
        let regime = property.regimes.regime(for: visit.region)
        func requiredOnly(_ key: String?) -> Bool { key.flatMap { property.category($0)?.required } ?? false }
        switch visit.kind {
        case .beforeChoice:
            guard regime == .optIn else { return nil }
            return (.beforeConsent, requiredOnly)
        case .rejectAll:
            guard visit.clicked else { return nil }
            return (.afterRejectAll, requiredOnly)
        case .gpc:
            return (
                .gpc,
                { key in
                    guard let key else { return false }
                    return property.category(key).map { !$0.optedOutByGPC } ?? true
                }
            )
        case .acceptAll:
            return nil
        }
    }

    static func find(
        in visit: VisitRecord, property: Property, classifier: Classifier, assentOrigin: String?
    ) -> [Violation] {
        guard let (rule, allowed) = judged(visit, property: property) else { return [] }
        let region = visit.region.code
        var found: [Violation] = []
        func describe(_ c: Classification) -> String {
            c.category.map { "category \"\($0)\"" } ?? "unclassified"
        }
        func because(_ c: Classification) -> String {
            switch rule {
            case .beforeConsent: "\(describe(c)) before any choice in \(region), an opt-in region"
            case .afterRejectAll: "\(describe(c)) after Reject All"
            case .gpc:
                "\(describe(c)) with Global Privacy Control on, which opts out of sale, sharing and targeted advertising"
            case .notDeletedAfterRejectAll: "\(describe(c)) still present after Reject All"
            }
        }

        var seenCookies: Set<String> = []
        for cookie in visit.cookies.sorted(by: { $0.atMs < $1.atMs }) {
            guard !isAssent(cookie: cookie.name, property: property) else { continue }
            guard seenCookies.insert("\(cookie.name)\u{0}\(cookie.domain)\u{0}\(cookie.path)").inserted else {
                continue
            }
            let c = classifier.classify(cookie)
            // An unclassified first-party cookie is not known to be anything but necessary.
            guard c.category != nil || cookie.thirdParty, !allowed(c.category) else { continue }
            let before =
                rule == .afterRejectAll && !cookie.blocked
                && visit.cookiesBeforeClick.contains {
                    $0.name == cookie.name && $0.domain == cookie.domain && $0.path == cookie.path
                }
            // Another site's cookie from before the click is not the widget's to delete; what it sets anew is judged.
            if before && cookie.thirdParty { continue }
            var reason =
                before
                ? "\(describe(c)) was set before the choice and is still there after Reject All; the widget should have deleted it"
                : "\(cookie.thirdParty ? "third-party " : "")cookie of \(because(c))"
            if cookie.blocked { reason += " (this browser refused to store it; others may not)" }
            found.append(
                Violation(
                    kind: before ? .notDeleted : .cookie, name: cookie.name, location: cookie.domain,
                    category: c.category, source: c.source, page: visit.pageURL, region: region, visit: visit.kind,
                    frameURL: cookie.frameURL, initiator: cookie.setBy, atMs: cookie.atMs,
                    rule: before ? .notDeletedAfterRejectAll : rule, reason: reason))
        }

        var seenKeys: Set<String> = []
        for key in visit.storage.sorted(by: { $0.atMs < $1.atMs }) {
            guard !isAssent(storageKey: key.key, property: property) else { continue }
            guard seenKeys.insert("\(key.area.rawValue)\u{0}\(key.origin)\u{0}\(key.key)").inserted else { continue }
            let c = classifier.classify(key)
            // Like a cookie: an unclassified key of a third party's frame cannot be shown to be necessary.
            guard c.category != nil || key.thirdParty, !allowed(c.category) else { continue }
            found.append(
                Violation(
                    kind: .storage, name: key.key, location: key.origin, category: c.category, source: c.source,
                    page: visit.pageURL, region: region, visit: visit.kind, frameURL: key.frameURL, atMs: key.atMs,
                    rule: rule,
                    reason: "\(key.thirdParty ? "third-party " : "")\(key.area.rawValue) key of \(because(c))"))
        }

        var byHost: [String: Int] = [:]
        let from = requestsJudgedFrom(visit, property: property)
        for request in visit.requests.sorted(by: { $0.atMs < $1.atMs })
        where request.thirdParty && from.map({ request.atMs >= $0 }) ?? false {
            guard let host = URLComponents(string: request.url)?.host?.lowercased(),
                !isAssent(request: request.url, property: property, assentOrigin: assentOrigin)
            else { continue }
            if let i = byHost[host] {
                found[i].count += 1
                continue
            }
            let c = classifier.classify(host: host)
            guard c.tracker, !allowed(c.category) else { continue }
            byHost[host] = found.count
            found.append(
                Violation(
                    kind: .request, name: host, location: request.url, category: c.category, source: c.source,
                    page: visit.pageURL, region: region, visit: visit.kind, frameURL: request.frameURL,
                    initiator: request.initiator, atMs: request.atMs, rule: rule,
                    reason: "\(request.type) request to a tracker host, \(because(c))"))
        }
        return found
    }

    /// From when a visit's requests are judged (milliseconds after navigation), nil: not at all. After Reject
    /// All only what follows the click counts: the click's time where the browser side recorded it, else the
    /// decision it sends (the first request to the property's `consents`); without either, an opt-in region's
    /// visit is judged whole (nothing optional was allowed before the click either) and any other is not judged.
    static func requestsJudgedFrom(_ visit: VisitRecord, property: Property) -> Int? {
        guard visit.kind == .rejectAll else { return 0 }
        if let clicked = visit.clickedAtMs { return clicked }
        let decision = visit.requests.filter {
            URLComponents(string: $0.url)?.path == "/v1/properties/\(property.id)/consents"
        }.map(\.atMs).min()
        if let decision { return decision }
        return property.regimes.regime(for: visit.region) == .optIn ? 0 : nil
    }

    /// Assent's decision cookie and the server's form cookie.
    public static func isAssent(cookie name: String, property: Property) -> Bool {
        name == "assent_\(property.id)" || name == "assent_csrf"
    }

    /// The widget's caches: the configuration `assent:<property>:<language>`, the signals `assent:<property>#s`.
    public static func isAssent(storageKey key: String, property: Property) -> Bool {
        let own = "assent:\(property.id)"
        return key == own || key.hasPrefix(own + ":") || key.hasPrefix(own + "#")
    }

    public static func isAssent(request url: String, property: Property, assentOrigin: String?) -> Bool {
        guard let components = URLComponents(string: url) else { return false }
        if let assentOrigin, let origin = URLComponents(string: assentOrigin),
            origin.scheme == components.scheme, origin.host?.lowercased() == components.host?.lowercased(),
            origin.port == components.port
        {
            return true
        }
        let path = components.path
        return ["/assent.js", "/assent.css", "/assent-signals.js"].contains { path.hasSuffix($0) }
            || path.hasPrefix("/v1/properties/\(property.id)/")
    }
}
