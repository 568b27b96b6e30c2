import AssentCore
import AssentStore
import Foundation
import GRDB

/// Compliance scans: one row per scan (its report included once done), and when each property's schedule last ran.
extension SQLiteStore {
    static func registerScanMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-scans") { db in
            try db.execute(
                sql: """
                    CREATE TABLE scans (
                        id TEXT NOT NULL PRIMARY KEY,
                        property TEXT NOT NULL,
                        status TEXT NOT NULL,
                        request BLOB NOT NULL,
                        pages_done INTEGER NOT NULL,
                        pages_known INTEGER NOT NULL,
                        visits_done INTEGER NOT NULL,
                        visits_planned INTEGER NOT NULL,
                        violations INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        started_at INTEGER,
                        finished_at INTEGER,
                        error TEXT,
                        report BLOB,
                        secret_hash BLOB NOT NULL UNIQUE,
                        secret_expires_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX scans_by_property ON scans (property, created_at);
                    CREATE TABLE scan_schedules (
                        property TEXT NOT NULL PRIMARY KEY,
                        last_run_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    private static let scanColumns = """
        id, property, status, request, pages_done, pages_known, visits_done, visits_planned, violations, created_at,
        started_at, finished_at, error, secret_hash, secret_expires_at
        """

    private static func scan(_ row: Row, report: [UInt8]?) throws -> StoredScan {
        let id: String = row["id"]
        let statusName: String = row["status"]
        guard let status = ScanStatus(rawValue: statusName) else {
            throw StoreError.corrupt("scan \(id) has status \"\(statusName)\"")
        }
        let request: Data = row["request"]
        let secretHash: Data = row["secret_hash"]
        return StoredScan(
            id: id, property: row["property"], status: status, request: Array(request),
            progress: ScanProgressCounts(
                pagesDone: row["pages_done"], pagesKnown: row["pages_known"], visitsDone: row["visits_done"],
                visitsPlanned: row["visits_planned"], violations: row["violations"]),
            createdAt: row["created_at"], startedAt: row["started_at"], finishedAt: row["finished_at"],
            error: row["error"], report: report, secretHash: Array(secretHash),
            secretExpiresAt: row["secret_expires_at"])
    }

    public func createScan(_ scan: StoredScan, keep: Int) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO scans (\(Self.scanColumns), report)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    scan.id, scan.property, scan.status.rawValue, Data(scan.request), scan.progress.pagesDone,
                    scan.progress.pagesKnown, scan.progress.visitsDone, scan.progress.visitsPlanned,
                    scan.progress.violations, scan.createdAt, scan.startedAt, scan.finishedAt, scan.error,
                    Data(scan.secretHash), scan.secretExpiresAt, scan.report.map { Data($0) },
                ])
            try db.execute(
                sql: """
                    DELETE FROM scans WHERE property = ? AND status IN ('done', 'failed') AND id NOT IN (
                        SELECT id FROM scans WHERE property = ? AND status IN ('done', 'failed')
                        ORDER BY created_at DESC, id DESC LIMIT ?)
                    """, arguments: [scan.property, scan.property, max(keep, 0)])
        }
    }

    @discardableResult
    public func updateScan(_ scan: StoredScan) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE scans SET status = ?, pages_done = ?, pages_known = ?, visits_done = ?, visits_planned = ?,
                        violations = ?, started_at = ?, finished_at = ?, error = ?, report = ?
                    WHERE id = ?
                    """,
                arguments: [
                    scan.status.rawValue, scan.progress.pagesDone, scan.progress.pagesKnown, scan.progress.visitsDone,
                    scan.progress.visitsPlanned, scan.progress.violations, scan.startedAt, scan.finishedAt, scan.error,
                    scan.report.map { Data($0) }, scan.id,
                ])
            return db.changesCount > 0
        }
    }

    public func scan(id: String) async throws -> StoredScan? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.scanColumns), report FROM scans WHERE id = ?", arguments: [id])
            else { return nil }
            let report: Data? = row["report"]
            return try Self.scan(row, report: report.map { Array($0) })
        }
    }

    public func scans(property: String, limit: Int) async throws -> [StoredScan] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.scanColumns) FROM scans WHERE property = ?
                    ORDER BY created_at DESC, id DESC LIMIT ?
                    """, arguments: [property, max(limit, 0)]
            ).map { try Self.scan($0, report: nil) }
        }
    }

    public func previousDoneScan(property: String, before createdAt: Int64) async throws -> StoredScan? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Self.scanColumns), report FROM scans
                        WHERE property = ? AND status = 'done' AND created_at < ?
                        ORDER BY created_at DESC, id DESC LIMIT 1
                        """, arguments: [property, createdAt])
            else { return nil }
            let report: Data? = row["report"]
            return try Self.scan(row, report: report.map { Array($0) })
        }
    }

    public func scanSecret(hash: [UInt8]) async throws -> ScanSecretGrant? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, property, secret_expires_at FROM scans WHERE secret_hash = ?",
                arguments: [Data(hash)]
            ).map { ScanSecretGrant(scanID: $0["id"], property: $0["property"], expiresAt: $0["secret_expires_at"]) }
        }
    }

    public func failExpiredScans(reason: String, at time: Int64) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE scans SET status = 'failed', error = ?, finished_at = ?
                    WHERE status IN ('queued', 'running') AND secret_expires_at < ?
                    """, arguments: [reason, time, time])
            return db.changesCount
        }
    }

    public func setScanScheduleRun(property: String, at time: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO scan_schedules (property, last_run_at) VALUES (?, ?)
                    ON CONFLICT (property) DO UPDATE SET last_run_at = excluded.last_run_at
                    """, arguments: [property, time])
        }
    }

    public func claimScanScheduleRun(property: String, previous: Int64?, at time: Int64) async throws -> Bool {
        try await pool.write { db in
            if let previous {
                try db.execute(
                    sql: "UPDATE scan_schedules SET last_run_at = ? WHERE property = ? AND last_run_at = ?",
                    arguments: [time, property, previous])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO scan_schedules (property, last_run_at) VALUES (?, ?)
                        ON CONFLICT (property) DO NOTHING
                        """, arguments: [property, time])
            }
            return db.changesCount > 0
        }
    }

    public func scanScheduleStates() async throws -> [ScanScheduleState] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT property, last_run_at FROM scan_schedules ORDER BY property").map {
                ScanScheduleState(property: $0["property"], lastRunAt: $0["last_run_at"])
            }
        }
    }
}
