import AssentCore
import AssentStore
import GRDB

/// Analytics totals, summed by SQLite over the primary key's (property, day) prefix.
extension SQLiteStore {
    public func analyticsTotals(property: String, fromDay: Int, toDay: Int) async throws -> [String: Int] {
        try await pool.read { db in
            var totals: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT metric, SUM(count) AS total FROM analytics_daily
                    WHERE property = ? AND day >= ? AND day <= ? GROUP BY metric
                    """, arguments: [property, fromDay, toDay])
            {
                totals[row["metric"]] = row["total"]
            }
            return totals
        }
    }
}
