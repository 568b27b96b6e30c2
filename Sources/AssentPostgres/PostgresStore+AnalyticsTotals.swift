import AssentCore
import AssentStore
import PostgresNIO

/// Analytics totals, summed by PostgreSQL over the primary key's (property, day) prefix.
extension PostgresStore {
    public func analyticsTotals(property: String, fromDay: Int, toDay: Int) async throws -> [String: Int] {
        var totals: [String: Int] = [:]
        for row in try await rows(
            """
            SELECT metric, SUM(count)::bigint FROM analytics_daily
            WHERE property = \(property) AND day >= \(Int64(fromDay)) AND day <= \(Int64(toDay)) GROUP BY metric
            """)
        {
            let (metric, total) = try row.decode((String, Int64).self)
            totals[metric] = Int(total)
        }
        return totals
    }
}
