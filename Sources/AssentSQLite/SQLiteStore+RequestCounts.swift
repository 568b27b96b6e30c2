import AssentCore
import AssentStore
import GRDB

/// The overview's request counts: one grouped query over the open requests due by the horizon.
extension SQLiteStore {
    /// The console's queue and overview read open requests by deadline (the overview's counts from the covering
    /// per-property index alone): without these, each read visits every request (10–15 ms with 10,000).
    /// Indexes only; no stored row changes.
    static func registerRequestDeadlineMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v10-request-deadlines") { db in
            try db.execute(
                sql: """
                    CREATE INDEX requests_open_by_due ON requests (due_end, property)
                        WHERE status NOT IN ('completed', 'denied');
                    CREATE INDEX requests_open_by_property ON requests (property, due_end)
                        WHERE status NOT IN ('completed', 'denied');
                    CREATE INDEX requests_by_property_due ON requests (property, due_end, id);
                    """)
        }
    }

    public func openRequestCounts(at now: Int64, dueBy: Int64) async throws -> [String: OpenRequestCounts] {
        try await pool.read { db in
            var counts: [String: OpenRequestCounts] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT property, SUM(due_end <= ?) AS overdue, SUM(due_end > ?) AS soon FROM requests
                    WHERE status NOT IN ('completed', 'denied') AND due_end <= ?
                    GROUP BY property
                    """, arguments: [now, now, max(now, dueBy)])
            for row in rows {
                counts[row["property"]] = OpenRequestCounts(overdue: row["overdue"], dueSoon: row["soon"])
            }
            return counts
        }
    }
}
