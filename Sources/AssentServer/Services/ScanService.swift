import AssentCore
import AssentScanner
import AssentStore
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle

/// What a scan visits: from the request, else the property's `scan` settings, else the defaults.
public struct ScanOptions: Sendable, Equatable {
    public static let maxDepth = 10

    public var startURLs: [String]
    public var regions: [Region]
    public var maxPages: Int
    public var depth: Int

    public init(startURLs: [String], regions: [Region], maxPages: Int = 50, depth: Int = 3) {
        self.startURLs = startURLs
        self.regions = regions
        self.maxPages = maxPages
        self.depth = depth
    }

    /// The options of a scan of `property`: each given value checked, each missing one from the property's scan
    /// settings or the defaults. Throws 400 `invalid_scan` naming what is wrong.
    public static func resolve(
        property: Property, startURLs: [String]?, regions: [String]?, maxPages: Int?, depth: Int?
    ) throws -> ScanOptions {
        func invalid(_ message: String) -> AssentError { AssentError.badRequest(message, code: "invalid_scan") }
        let settings = property.scan ?? ScanSettings()
        let urls = startURLs ?? settings.startURLs
        guard !urls.isEmpty else {
            throw invalid(
                "startURLs: give at least one start URL (or set scan.startURLs in property \(property.id))")
        }
        guard urls.count <= ScanSettings.maximumStartURLs else {
            throw invalid("startURLs: at most \(ScanSettings.maximumStartURLs) start URLs")
        }
        for url in urls where !ScanSettings.isStartURL(url) {
            throw invalid("startURLs: \"\(url)\" is not an absolute http or https URL")
        }
        var resolved: [Region] = []
        for code in regions ?? settings.regions {
            guard let region = Region(code) else {
                throw invalid("regions: \"\(code)\" is not a region code such as FR or US-CA")
            }
            if !resolved.contains(region) { resolved.append(region) }
        }
        if resolved.isEmpty { resolved = property.regimes.representativeRegions }
        guard resolved.count <= 10 else { throw invalid("regions: at most 10 regions") }
        let pages = maxPages ?? settings.maxPages
        guard (1...ScanSettings.maximumPagesLimit).contains(pages) else {
            throw invalid("maxPages: expected 1 to \(ScanSettings.maximumPagesLimit), got \(pages)")
        }
        let depth = depth ?? 3
        guard (0...maxDepth).contains(depth) else { throw invalid("depth: expected 0 to \(maxDepth), got \(depth)") }
        return ScanOptions(startURLs: urls, regions: resolved, maxPages: pages, depth: depth)
    }

    /// The options as stored with the scan (`StoredScan.request`).
    public func jsonValue(trigger: String) -> JSONValue {
        .object([
            ("startURLs", .array(startURLs.map(JSONValue.string))),
            ("regions", .array(regions.map { .string($0.code) })),
            ("maxPages", .int(maxPages)), ("depth", .int(depth)), ("trigger", .string(trigger)),
        ])
    }
}

/// Runs compliance scans (docs/scanning.md): one at a time on this server, from a bounded queue; progress stored
/// as visits finish; the report stored with its difference from the property's scan before; the last `keep`
/// finished scans kept per property; and each property's `scan.schedule` started when due.
public final class ScanService: Service, Sendable {
    /// Scans waiting or running on this server at most; one more is a 429.
    public static let defaultQueueLimit = 4
    /// Finished scans kept per property.
    public static let defaultKeep = 10

    let store: any AssentStorage
    let logger: Logger
    /// The Assent server the scanned pages use: requests to it carry the region and scan headers.
    let assentOrigin: String
    let regionHeader: String
    let queueLimit: Int
    let keep: Int
    let chromium: String
    let clock: @Sendable () -> Int64
    /// Scans waiting here, in order, with their secrets (kept only in memory and as a hash in the store).
    private let queue = Locked<(waiting: [(id: String, secret: String)], running: String?)>(([], nil))
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    public init(
        store: any AssentStorage, assentOrigin: String, regionHeader: String = "X-Assent-Region",
        queueLimit: Int = defaultQueueLimit, keep: Int = defaultKeep, chromium: String = ScanRequest.defaultChromium,
        logger: Logger, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.assentOrigin = assentOrigin
        self.regionHeader = regionHeader
        self.queueLimit = max(1, queueLimit)
        self.keep = max(1, keep)
        self.chromium = chromium
        self.logger = logger
        self.clock = clock
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// How long a scan may take before its secret expires: every visit at the page time limit, two at a time,
    /// and a margin.
    static func timeLimitMilliseconds(_ options: ScanOptions) -> Int64 {
        Int64(options.maxPages * options.regions.count * VisitKind.allCases.count) * 20_000 / 2 + 600_000
    }

    // MARK: Creating

    /// Stores a queued scan of `property` with a new secret, without queueing it here: returns the scan and the
    /// secret (the command line runs such a scan itself with `execute`).
    public func create(property: Property, options: ScanOptions, trigger: String) async throws -> (
        StoredScan, secret: String
    ) {
        let now = clock()
        let (secret, hash) = ScanSecret.issue()
        let scan = StoredScan(
            id: RandomID.uuid(milliseconds: now), property: property.id, status: .queued,
            request: CanonicalJSON.orderedBytes(options.jsonValue(trigger: trigger)), createdAt: now,
            secretHash: hash, secretExpiresAt: now + Self.timeLimitMilliseconds(options))
        try await store.createScan(scan, keep: keep)
        return (scan, secret)
    }

    /// Queues a scan on this server: 429 `scan_queue_full` when `queueLimit` scans are waiting or running.
    func enqueue(property: Property, options: ScanOptions, trigger: String) async throws -> StoredScan {
        let admitted = queue.withLock { q in q.waiting.count + (q.running == nil ? 0 : 1) < queueLimit }
        guard admitted else { throw Self.queueFull(queueLimit) }
        let (scan, secret) = try await create(property: property, options: options, trigger: trigger)
        let queued = queue.withLock { q -> Bool in
            guard q.waiting.count + (q.running == nil ? 0 : 1) < queueLimit else { return false }
            q.waiting.append((scan.id, secret))
            return true
        }
        guard queued else {
            var dropped = scan
            dropped.status = .failed
            dropped.error = "the scan queue was full"
            dropped.finishedAt = clock()
            try await store.updateScan(dropped)
            throw Self.queueFull(queueLimit)
        }
        wake.yield()
        return scan
    }

    static func queueFull(_ limit: Int) -> AssentError {
        AssentError(
            .tooManyRequests, "scan_queue_full",
            "this server already has \(limit) scans waiting or running (one runs at a time); try again when one is done",
            headers: [.retryAfter: "60"])
    }

    // MARK: Running

    public func run() async throws {
        let schedules = Task { await runSchedules() }
        defer { schedules.cancel() }
        await cancelWhenGracefulShutdown {
            for await _ in self.wakes {
                while let next = self.queue.withLock({ q -> (id: String, secret: String)? in
                    guard !q.waiting.isEmpty else { return nil }
                    let next = q.waiting.removeFirst()
                    q.running = next.id
                    return next
                }) {
                    if Task.isCancelled { break }
                    if let scan = try? await self.store.scan(id: next.id) {
                        _ = await self.execute(scan, secret: next.secret)
                    }
                    self.queue.withLock { $0.running = nil }
                }
                if Task.isCancelled { break }
            }
        }
    }

    /// Runs a stored scan to its end and stores what it came to: done with its report, or failed with why (a scan
    /// in which no visit succeeded is failed too, with its report). `visited` sees the progress after each visit.
    public func execute(
        _ stored: StoredScan, secret: String,
        visited: @escaping @Sendable (ScanProgressCounts) async -> Void = { _ in }
    ) async -> StoredScan {
        var scan = stored
        scan.status = .running
        scan.startedAt = clock()
        do {
            try await store.updateScan(scan)
            guard let property = try await store.currentProperty(id: scan.property)?.property else {
                throw ScanError("property \(scan.property) no longer exists")
            }
            let options = try Self.options(scan)
            let classifier = Classifier(
                property: property, database: try CookieDatabase.bundled(), trackerHosts: TrackerHosts.easyPrivacy())
            let request = ScanRequest(
                startURLs: options.startURLs, property: property, regions: options.regions,
                maxPages: options.maxPages, depth: options.depth, assentOrigin: assentOrigin,
                regionHeader: regionHeader, scanSecret: secret, chromium: chromium)
            let progress = Locked(ScanProgressCounts())
            let origin = assentOrigin
            let observations = try await ScanRunner(request: request, logger: logger).run { [store, scan] p, visit in
                let found = Violations.find(
                    in: [visit], property: property, classifier: classifier, assentOrigin: origin
                ).count
                let counts = progress.withLock { c -> ScanProgressCounts in
                    c = ScanProgressCounts(
                        pagesDone: p.pagesDone, pagesKnown: p.pagesKnown, visitsDone: p.visitsDone,
                        visitsPlanned: p.visitsPlanned, violations: c.violations + found)
                    return c
                }
                var running = scan
                running.progress = counts
                _ = try? await store.updateScan(running)
                await visited(counts)
            }
            scan.progress = progress.withLock { $0 }
            let previous = try await store.previousDoneScan(property: scan.property, before: scan.createdAt)
                .flatMap(\.report).flatMap { try? ScanReport(json: JSONParser.parse($0)) }
            let report = ScanReport(
                observations: observations, property: property, classifier: classifier, previous: previous,
                assentOrigin: assentOrigin)
            scan.report = CanonicalJSON.orderedBytes(report.json())
            scan.progress.violations = report.violations.count
            if report.visits.isEmpty || report.failedVisits == report.visits.count {
                let why = report.visits.first?.failure ?? "no page was visited"
                scan.status = .failed
                scan.error = "could not scan: no visit succeeded (\(why))"
            } else {
                scan.status = .done
            }
        } catch {
            scan.status = .failed
            scan.error = "could not scan: \(error)"
        }
        scan.finishedAt = clock()
        do {
            try await store.updateScan(scan)
        } catch {
            logger.error("could not store a scan's result", metadata: ["scan": "\(scan.id)", "error": "\(error)"])
        }
        logger.info(
            "scan finished",
            metadata: [
                "scan": "\(scan.id)", "property": "\(scan.property)", "status": "\(scan.status.rawValue)",
                "violations": "\(scan.progress.violations)",
            ])
        return scan
    }

    /// The options a scan was stored with.
    static func options(_ scan: StoredScan) throws -> ScanOptions {
        let json = try JSONParser.parse(scan.request)
        let urls = json["startURLs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let regions = json["regions"]?.arrayValue?.compactMap { $0.stringValue.flatMap(Region.init) } ?? []
        return ScanOptions(
            startURLs: urls, regions: regions, maxPages: json["maxPages"]?.intValue ?? 50,
            depth: json["depth"]?.intValue ?? 3)
    }

    // MARK: Schedules

    /// Every minute: marks scans whose time ran out as failed, and queues each property's scheduled scan when due.
    func runSchedules() async {
        while !Task.isCancelled {
            do {
                _ = try await store.failExpiredScans(reason: "the scan did not finish in its time limit", at: clock())
                try await startDueScans()
            } catch {
                logger.warning("scan schedules could not be checked", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(60))
        }
    }

    /// Queues the scheduled scan of every property whose schedule is due (never run, or run longer ago than its
    /// interval); returns the scans queued. Each run is claimed in the store first (compare-and-set on the last
    /// run this server read), so of several servers sharing a database exactly one starts it.
    @discardableResult
    func startDueScans() async throws -> [StoredScan] {
        let now = clock()
        let lastRuns = Dictionary(
            try await store.scanScheduleStates().map { ($0.property, $0.lastRunAt) }, uniquingKeysWith: max)
        var started: [StoredScan] = []
        for id in try await store.propertyIDs().sorted() {
            guard let property = try await store.currentProperty(id: id)?.property,
                let schedule = property.scan?.schedule
            else { continue }
            let last = lastRuns[id]
            if let last, now - last < schedule.intervalMilliseconds { continue }
            // A full queue leaves the run unclaimed: the next check, here or on another server, tries again.
            guard hasRoom else { break }
            guard try await store.claimScanScheduleRun(property: id, previous: last, at: now) else { continue }
            do {
                let options = try ScanOptions.resolve(
                    property: property, startURLs: nil, regions: nil, maxPages: nil, depth: nil)
                started.append(try await enqueue(property: property, options: options, trigger: "schedule"))
            } catch {
                logger.warning(
                    "a scheduled scan could not be queued",
                    metadata: ["property": "\(id)", "error": "\(error)"])
            }
        }
        return started
    }

    /// Whether this server's queue takes one more scan.
    var hasRoom: Bool { queue.withLock { q in q.waiting.count + (q.running == nil ? 0 : 1) < queueLimit } }

    /// When the property's schedule next queues a scan (nil: no schedule): its last run plus its interval, or now
    /// when it never ran.
    func nextScheduledRun(_ property: Property) async throws -> (last: Int64?, next: Int64?) {
        let last = try await store.scanScheduleStates().first { $0.property == property.id }?.lastRunAt
        guard let schedule = property.scan?.schedule else { return (last, nil) }
        return (last, last.map { $0 + schedule.intervalMilliseconds } ?? clock())
    }
}
