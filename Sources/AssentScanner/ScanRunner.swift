import AssentCore
import Foundation
import Logging

/// What to scan and how.
public struct ScanRequest: Sendable {
    public var startURLs: [String]
    public var property: Property
    public var regions: [Region]
    public var maxPages: Int = 50
    public var depth: Int = 3
    /// Tabs open at once in the one browser.
    public var tabs: Int = 2
    public var pageTimeout: Duration = .seconds(20)
    /// The Assent server's origin ("http://127.0.0.1:8080"): requests to it get the region and scan headers.
    public var assentOrigin: String
    public var regionHeader: String = "X-Assent-Region"
    /// Sent as `Assent-Scan: <secret>` on requests to `assentOrigin` only (never to anyone else).
    public var scanSecret: String
    /// Extra Chromium `--host-resolver-rules` (tests map fixture host names to loopback).
    public var hostResolverRules: String? = nil
    public var chromium: String = ScanRequest.defaultChromium
    /// A page's network counts as quiet after this long without a request in flight.
    public var quietWindow: Duration = .milliseconds(600)

    /// Debian's chromium package, where every scan looks unless told otherwise.
    public static let defaultChromium = "/usr/bin/chromium"

    public init(
        startURLs: [String], property: Property, regions: [Region], maxPages: Int = 50, depth: Int = 3,
        tabs: Int = 2, pageTimeout: Duration = .seconds(20), assentOrigin: String,
        regionHeader: String = "X-Assent-Region", scanSecret: String, hostResolverRules: String? = nil,
        chromium: String = ScanRequest.defaultChromium
    ) {
        self.startURLs = startURLs
        self.property = property
        self.regions = regions
        self.maxPages = maxPages
        self.depth = depth
        self.tabs = tabs
        self.pageTimeout = pageTimeout
        self.assentOrigin = assentOrigin.hasSuffix("/") ? String(assentOrigin.dropLast()) : assentOrigin
        self.regionHeader = regionHeader
        self.scanSecret = scanSecret
        self.hostResolverRules = hostResolverRules
        self.chromium = chromium
    }
}

public struct ScanProgress: Sendable, Equatable {
    public var pagesDone: Int
    public var pagesKnown: Int
    public var visitsDone: Int
    public var visitsPlanned: Int
    public var elapsed: Duration
}

/// Runs a scan: one Chromium, `tabs` visits at once, every page × region × the four visit kinds, pages found as it
/// goes. A failed visit is recorded as failed and the scan goes on; a browser that crashed or hangs is restarted.
public struct ScanRunner: Sendable {
    public let request: ScanRequest
    let logger: Logger

    public init(request: ScanRequest, logger: Logger) {
        self.request = request
        self.logger = logger
    }

    /// `visited` is called after every visit (the CLI counts violations as they come, the server stores progress).
    public func run(visited: @escaping @Sendable (ScanProgress, VisitRecord) async -> Void) async throws
        -> ScanObservations
    {
        let started = Date()
        let clock = ContinuousClock.now
        let crawler = Crawler(startURLs: request.startURLs, maxPages: request.maxPages, maxDepth: request.depth)
        guard !crawler.pages.isEmpty else { throw ScanError("no start URL to scan (http or https)") }
        guard !request.regions.isEmpty else { throw ScanError("no region to scan") }
        let schedule = VisitSchedule(crawler: crawler, regions: request.regions)
        let browser = BrowserSlot(request: request, logger: logger)
        // Fails here, before any visit, when Chromium cannot start at all.
        let product = try await browser.current().product
        let settings = VisitSettings(
            assentOrigin: request.assentOrigin, regionHeader: request.regionHeader, scanSecret: request.scanSecret,
            pageTimeout: request.pageTimeout, quietWindow: request.quietWindow)

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, request.tabs) {
                    group.addTask {
                        while let job = await schedule.next() {
                            try Task.checkCancellation()
                            let findings = await visit(job, browser: browser, settings: settings)
                            let progress = await schedule.finished(
                                job, findings: findings, elapsed: clock.duration(to: .now))
                            await visited(progress, findings.record)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            await browser.close()
            throw error
        }
        await browser.close()
        let (pages, visits) = await schedule.results()
        return ScanObservations(
            startURLs: request.startURLs, propertyID: request.property.id, regions: request.regions, pages: pages,
            visits: visits, startedAt: started.timeIntervalSince1970, finishedAt: Date().timeIntervalSince1970,
            browser: product)
    }

    private func visit(_ job: VisitSchedule.Job, browser: BrowserSlot, settings: VisitSettings) async -> VisitFindings {
        let chromium: Chromium
        do { chromium = try await browser.current() } catch {
            return VisitFindings(
                record: VisitRecord(
                    pageURL: job.url, finalURL: job.url, region: job.region, kind: job.kind,
                    outcome: .failed("the browser could not be started: \(error)")))
        }
        let visit = PageVisit(connection: chromium.connection, settings: settings, logger: logger)
        let findings = await visit.run(
            page: job.url, region: job.region, kind: job.kind, discover: job.discover, sitemap: job.sitemap)
        if findings.browserFailed || findings.record.outcome != .ok, await !chromium.responds() {
            logger.warning("chromium stopped answering; restarting it", metadata: ["page": "\(job.url)"])
            await browser.restart(replacing: chromium)
        }
        return findings
    }
}

/// The one browser of a scan, started on first use and restarted when it died or hung.
actor BrowserSlot {
    private let request: ScanRequest
    private let logger: Logger
    private var chromium: Chromium?
    private var starting: Task<Chromium, any Error>?

    init(request: ScanRequest, logger: Logger) {
        self.request = request
        self.logger = logger
    }

    func current() async throws -> Chromium {
        if let chromium { return chromium }
        if let starting { return try await starting.value }
        let request = self.request
        let logger = self.logger
        let task = Task {
            try await Chromium.launch(
                executable: request.chromium, hostResolverRules: request.hostResolverRules, logger: logger)
        }
        starting = task
        defer { starting = nil }
        let started = try await task.value
        chromium = started
        return started
    }

    /// Closes `old` and lets the next `current()` start a new browser, unless another tab already did.
    func restart(replacing old: Chromium) async {
        guard chromium === old else { return }
        chromium = nil
        await old.close()
    }

    func close() async {
        await chromium?.close()
        chromium = nil
    }
}

/// The visits still to make, in page order, each page's discovering visit (its first region, before any choice)
/// first so that links are found early; workers wait while a discovering visit may still add pages.
actor VisitSchedule {
    struct Job: Sendable {
        var page: Int
        var url: String
        var depth: Int
        var region: Region
        var kind: VisitKind
        var discover: Bool
        var sitemap: Bool
    }

    private var crawler: Crawler
    private let regions: [Region]
    private var queue: [Job] = []
    private var discovering = 0
    private var waiting: [CheckedContinuation<Job?, Never>] = []
    private var sitemapOrigins: Set<String> = []
    private var visits: [(Job, VisitRecord)] = []
    private var remaining: [Int: Int] = [:]
    private var pagesDone = 0

    init(crawler: Crawler, regions: [Region]) {
        self.crawler = crawler
        self.regions = regions
        for (index, page) in crawler.pages.enumerated() {
            Self.enqueue(page, index: index, regions: regions, into: &queue, sitemaps: &sitemapOrigins)
            remaining[index] = regions.count * VisitKind.allCases.count
        }
    }

    private static func enqueue(
        _ page: Crawler.Page, index: Int, regions: [Region], into queue: inout [Job], sitemaps: inout Set<String>
    ) {
        let origin =
            URLComponents(string: page.url).map { "\($0.scheme ?? "")://\($0.host ?? ""):\($0.port ?? 0)" } ?? ""
        let sitemap = sitemaps.insert(origin).inserted
        for region in regions {
            for kind in VisitKind.allCases {
                let discover = region == regions[0] && kind == .beforeChoice
                queue.append(
                    Job(
                        page: index, url: page.url, depth: page.depth, region: region, kind: kind, discover: discover,
                        sitemap: discover && sitemap))
            }
        }
    }

    func next() async -> Job? {
        if let job = take() { return job }
        if discovering == 0 { return nil }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func take() -> Job? {
        // Discovering visits first: they grow the queue.
        let index = queue.firstIndex(where: \.discover) ?? queue.indices.first
        guard let index else { return nil }
        let job = queue.remove(at: index)
        if job.discover { discovering += 1 }
        return job
    }

    func finished(_ job: Job, findings: VisitFindings, elapsed: Duration) -> ScanProgress {
        visits.append((job, findings.record))
        if job.discover {
            discovering -= 1
            let before = crawler.pages.count
            crawler.found(findings.sitemap, depth: 1)
            crawler.found(findings.links, depth: job.depth + 1)
            for index in before..<crawler.pages.count {
                Self.enqueue(
                    crawler.pages[index], index: index, regions: regions, into: &queue, sitemaps: &sitemapOrigins)
                remaining[index] = regions.count * VisitKind.allCases.count
            }
        }
        remaining[job.page, default: 1] -= 1
        if remaining[job.page] == 0 { pagesDone += 1 }
        // Wake waiting workers: with work for them, or with nil once nothing can add more.
        while !waiting.isEmpty {
            if let next = take() {
                waiting.removeFirst().resume(returning: next)
            } else if discovering == 0 {
                waiting.removeFirst().resume(returning: nil)
            } else {
                break
            }
        }
        let planned = crawler.pages.count * regions.count * VisitKind.allCases.count
        return ScanProgress(
            pagesDone: pagesDone, pagesKnown: crawler.pages.count, visitsDone: visits.count, visitsPlanned: planned,
            elapsed: elapsed)
    }

    func results() -> (pages: [String], visits: [VisitRecord]) {
        let kinds = VisitKind.allCases
        let ordered = visits.sorted { a, b in
            if a.0.page != b.0.page { return a.0.page < b.0.page }
            let ra = regions.firstIndex(of: a.0.region) ?? 0, rb = regions.firstIndex(of: b.0.region) ?? 0
            if ra != rb { return ra < rb }
            return (kinds.firstIndex(of: a.0.kind) ?? 0) < (kinds.firstIndex(of: b.0.kind) ?? 0)
        }
        return (crawler.pages.map(\.url), ordered.map(\.1))
    }
}
