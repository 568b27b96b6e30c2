import AssentCore
import AssentStore
import PostgresNIO

/// Compliance scans: one row per scan (its report included once done), and when each property's schedule last ran.
extension PostgresStore {
    private static let scanColumns = """
        id, property, status, request, pages_done, pages_known, visits_done, visits_planned, violations, created_at,
        started_at, finished_at, error, secret_hash, secret_expires_at
        """

    private static func scan(_ row: PostgresRow, withReport: Bool) throws -> StoredScan {
        let columns = row.makeRandomAccess()
        let id = try columns["id"].decode(String.self)
        let statusName = try columns["status"].decode(String.self)
        guard let status = ScanStatus(rawValue: statusName) else {
            throw StoreError.corrupt("scan \(id) has status \"\(statusName)\"")
        }
        func int(_ name: String) throws -> Int { Int(try columns[name].decode(Int64.self)) }
        return StoredScan(
            id: id, property: try columns["property"].decode(String.self), status: status,
            request: bytes(try columns["request"].decode(ByteBuffer.self)),
            progress: ScanProgressCounts(
                pagesDone: try int("pages_done"), pagesKnown: try int("pages_known"),
                visitsDone: try int("visits_done"), visitsPlanned: try int("visits_planned"),
                violations: try int("violations")),
            createdAt: try columns["created_at"].decode(Int64.self),
            startedAt: try columns["started_at"].decode(Int64?.self),
            finishedAt: try columns["finished_at"].decode(Int64?.self),
            error: try columns["error"].decode(String?.self),
            report: withReport ? try columns["report"].decode(ByteBuffer?.self).map(bytes) : nil,
            secretHash: bytes(try columns["secret_hash"].decode(ByteBuffer.self)),
            secretExpiresAt: try columns["secret_expires_at"].decode(Int64.self))
    }

    public func createScan(_ scan: StoredScan, keep: Int) async throws {
        let p = scan.progress
        let report = scan.report.map { ByteBuffer(bytes: $0) }
        try await transaction { connection in
            try await rows(
                """
                INSERT INTO scans (id, property, status, request, pages_done, pages_known, visits_done, visits_planned,
                    violations, created_at, started_at, finished_at, error, secret_hash, secret_expires_at, report)
                VALUES (\(scan.id), \(scan.property), \(scan.status.rawValue), \(ByteBuffer(bytes: scan.request)),
                    \(Int64(p.pagesDone)), \(Int64(p.pagesKnown)), \(Int64(p.visitsDone)), \(Int64(p.visitsPlanned)),
                    \(Int64(p.violations)), \(scan.createdAt), \(scan.startedAt), \(scan.finishedAt), \(scan.error),
                    \(ByteBuffer(bytes: scan.secretHash)), \(scan.secretExpiresAt), \(report))
                """, on: connection)
            try await rows(
                """
                DELETE FROM scans WHERE property = \(scan.property) AND status IN ('done', 'failed') AND id NOT IN (
                    SELECT id FROM scans WHERE property = \(scan.property) AND status IN ('done', 'failed')
                    ORDER BY created_at DESC, id DESC LIMIT \(Int64(max(keep, 0))))
                """, on: connection)
        }
    }

    @discardableResult
    public func updateScan(_ scan: StoredScan) async throws -> Bool {
        let p = scan.progress
        let report = scan.report.map { ByteBuffer(bytes: $0) }
        return
            !(try await rows(
                """
                UPDATE scans SET status = \(scan.status.rawValue), pages_done = \(Int64(p.pagesDone)),
                    pages_known = \(Int64(p.pagesKnown)), visits_done = \(Int64(p.visitsDone)),
                    visits_planned = \(Int64(p.visitsPlanned)), violations = \(Int64(p.violations)),
                    started_at = \(scan.startedAt), finished_at = \(scan.finishedAt), error = \(scan.error),
                    report = \(report)
                WHERE id = \(scan.id) RETURNING 1
                """
            ).isEmpty)
    }

    public func scan(id: String) async throws -> StoredScan? {
        try await rows(
            PostgresQuery(unsafeSQL: "SELECT \(Self.scanColumns), report FROM scans WHERE id = $1", binds: binds(id))
        )
        .first.map { try Self.scan($0, withReport: true) }
    }

    public func scans(property: String, limit: Int) async throws -> [StoredScan] {
        var b = PostgresBindings()
        b.append(property)
        b.append(Int64(max(limit, 0)))
        return try await rows(
            PostgresQuery(
                unsafeSQL:
                    "SELECT \(Self.scanColumns) FROM scans WHERE property = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                binds: b)
        ).map { try Self.scan($0, withReport: false) }
    }

    public func previousDoneScan(property: String, before createdAt: Int64) async throws -> StoredScan? {
        var b = PostgresBindings()
        b.append(property)
        b.append(createdAt)
        return try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.scanColumns), report FROM scans
                    WHERE property = $1 AND status = 'done' AND created_at < $2
                    ORDER BY created_at DESC, id DESC LIMIT 1
                    """, binds: b)
        ).first.map { try Self.scan($0, withReport: true) }
    }

    public func scanSecret(hash: [UInt8]) async throws -> ScanSecretGrant? {
        try await rows(
            "SELECT id, property, secret_expires_at FROM scans WHERE secret_hash = \(ByteBuffer(bytes: hash))"
        ).first.map { row in
            let (id, property, expiresAt) = try row.decode((String, String, Int64).self)
            return ScanSecretGrant(scanID: id, property: property, expiresAt: expiresAt)
        }
    }

    public func failExpiredScans(reason: String, at time: Int64) async throws -> Int {
        try await rows(
            """
            UPDATE scans SET status = 'failed', error = \(reason), finished_at = \(time)
            WHERE status IN ('queued', 'running') AND secret_expires_at < \(time) RETURNING 1
            """
        ).count
    }

    public func setScanScheduleRun(property: String, at time: Int64) async throws {
        try await rows(
            """
            INSERT INTO scan_schedules (property, last_run_at) VALUES (\(property), \(time))
            ON CONFLICT (property) DO UPDATE SET last_run_at = excluded.last_run_at
            """)
    }

    public func claimScanScheduleRun(property: String, previous: Int64?, at time: Int64) async throws -> Bool {
        // One statement either way: the row's lock decides between servers claiming at once.
        if let previous {
            return try await rows(
                """
                UPDATE scan_schedules SET last_run_at = \(time)
                WHERE property = \(property) AND last_run_at = \(previous) RETURNING 1
                """
            ).count == 1
        }
        return try await rows(
            """
            INSERT INTO scan_schedules (property, last_run_at) VALUES (\(property), \(time))
            ON CONFLICT (property) DO NOTHING RETURNING 1
            """
        ).count == 1
    }

    public func scanScheduleStates() async throws -> [ScanScheduleState] {
        try await rows("SELECT property, last_run_at FROM scan_schedules ORDER BY property").map { row in
            let (property, lastRunAt) = try row.decode((String, Int64).self)
            return ScanScheduleState(property: property, lastRunAt: lastRunAt)
        }
    }

    private func binds(_ value: String) -> PostgresBindings {
        var b = PostgresBindings()
        b.append(value)
        return b
    }
}
