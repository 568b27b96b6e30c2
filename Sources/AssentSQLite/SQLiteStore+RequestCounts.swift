import AssentCore
import AssentStore
import GRDB

/// The overview's request counts: one grouped query over the open requests due by the horizon.
extension SQLiteStore {
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
