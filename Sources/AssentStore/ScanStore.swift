import AssentCore

/// Where a compliance scan is in its life.
public enum ScanStatus: String, Sendable, CaseIterable {
    case queued, running, done, failed

    /// Done or failed: nothing will change it any more.
    public var isFinished: Bool { self == .done || self == .failed }
}

/// How far a running scan has come (the scanner's own counts, and the violations found so far).
public struct ScanProgressCounts: Sendable, Equatable {
    public var pagesDone: Int
    public var pagesKnown: Int
    public var visitsDone: Int
    public var visitsPlanned: Int
    public var violations: Int

    public init(
        pagesDone: Int = 0, pagesKnown: Int = 0, visitsDone: Int = 0, visitsPlanned: Int = 0, violations: Int = 0
    ) {
        self.pagesDone = pagesDone
        self.pagesKnown = pagesKnown
        self.visitsDone = visitsDone
        self.visitsPlanned = visitsPlanned
        self.violations = violations
    }
}

/// One compliance scan as stored: what was asked, where it is, and its report once done. The scan secret is kept
/// only as its SHA-256, so a read of the database cannot make the scanner's requests.
public struct StoredScan: Sendable, Equatable {
    public var id: String
    public var property: String
    public var status: ScanStatus
    /// What was asked (start URLs, regions, maximum pages, depth, what started it), as canonical JSON.
    public var request: [UInt8]
    public var progress: ScanProgressCounts
    /// Milliseconds since the Unix epoch.
    public var createdAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?
    /// Why a failed scan failed.
    public var error: String?
    /// The report (`ScanReport.json()`), as canonical JSON, once done.
    public var report: [UInt8]?
    /// SHA-256 of the scan secret, and when the secret stops being accepted.
    public var secretHash: [UInt8]
    public var secretExpiresAt: Int64

    public init(
        id: String, property: String, status: ScanStatus = .queued, request: [UInt8],
        progress: ScanProgressCounts = ScanProgressCounts(), createdAt: Int64, startedAt: Int64? = nil,
        finishedAt: Int64? = nil, error: String? = nil, report: [UInt8]? = nil, secretHash: [UInt8],
        secretExpiresAt: Int64
    ) {
        self.id = id
        self.property = property
        self.status = status
        self.request = request
        self.progress = progress
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.report = report
        self.secretHash = secretHash
        self.secretExpiresAt = secretExpiresAt
    }
}

/// The scan a secret was issued for.
public struct ScanSecretGrant: Sendable, Equatable {
    public var scanID: String
    public var property: String
    public var expiresAt: Int64

    public init(scanID: String, property: String, expiresAt: Int64) {
        self.scanID = scanID
        self.property = property
        self.expiresAt = expiresAt
    }
}

/// When a property's scheduled scans last ran (the schedule itself is the property's `scan.schedule`).
public struct ScanScheduleState: Sendable, Equatable {
    public var property: String
    public var lastRunAt: Int64

    public init(property: String, lastRunAt: Int64) {
        self.property = property
        self.lastRunAt = lastRunAt
    }
}

/// Compliance scans (docs/scanning.md): the last few per property, their progress and reports, the secrets issued
/// for them, and when each property's schedule last ran.
public protocol ScanStore: Sendable {
    /// Stores a new scan, then keeps only the newest `keep` finished scans of its property (by creation time):
    /// older finished ones are deleted in the same transaction; queued and running ones are never deleted.
    func createScan(_ scan: StoredScan, keep: Int) async throws
    /// Replaces the mutable part of a stored scan (status, progress, times, error, report); false when there is
    /// no scan with that id (deleted meanwhile).
    @discardableResult
    func updateScan(_ scan: StoredScan) async throws -> Bool
    func scan(id: String) async throws -> StoredScan?
    /// The scans of a property, newest first, at most `limit`, without their reports (`report` nil).
    func scans(property: String, limit: Int) async throws -> [StoredScan]
    /// The newest done scan of a property created before `before` (for the difference from the scan before).
    func previousDoneScan(property: String, before createdAt: Int64) async throws -> StoredScan?
    /// The scan a secret (by its SHA-256) was issued for, expired or not: the caller compares the time.
    func scanSecret(hash: [UInt8]) async throws -> ScanSecretGrant?
    /// Queued or running scans whose secret expired before `time` (their server stopped, or they ran past their
    /// time limit): marked failed with `reason`; returns how many. Safe with several servers on one database, since
    /// a live scan's secret has not expired.
    func failExpiredScans(reason: String, at time: Int64) async throws -> Int
    /// Sets when a property's scheduled scan last ran.
    func setScanScheduleRun(property: String, at time: Int64) async throws
    /// Claims a property's scheduled run: sets its last run to `time` only if it is still `previous` (nil: it has
    /// never run). Of several servers that find the same schedule due, exactly one gets true and starts the scan.
    func claimScanScheduleRun(property: String, previous: Int64?, at time: Int64) async throws -> Bool
    func scanScheduleStates() async throws -> [ScanScheduleState]
}
