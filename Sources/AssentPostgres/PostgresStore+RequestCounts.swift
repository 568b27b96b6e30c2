import AssentCore
import AssentStore
import PostgresNIO

/// The overview's request counts: one grouped query over the open requests due by the horizon.
extension PostgresStore {
    /// The console's queue and overview read open requests by deadline (the overview's counts from the covering
    /// per-property index alone): without these, each read visits every request.
    /// Indexes only; no stored row changes.
    static let requestDeadlineMigration = PostgresMigration(
        version: 10, name: "request deadlines",
        statements: [
            """
            CREATE INDEX requests_open_by_due ON requests (due_end, property)
                WHERE status NOT IN ('completed', 'denied')
            """,
            """
            CREATE INDEX requests_open_by_property ON requests (property, due_end)
                WHERE status NOT IN ('completed', 'denied')
            """,
            "CREATE INDEX requests_by_property_due ON requests (property, due_end, id)",
        ])

    public func openRequestCounts(at now: Int64, dueBy: Int64) async throws -> [String: OpenRequestCounts] {
        var counts: [String: OpenRequestCounts] = [:]
        for row in try await rows(
            """
            SELECT property, count(*) FILTER (WHERE due_end <= \(now)),
                count(*) FILTER (WHERE due_end > \(now)) FROM requests
            WHERE status NOT IN ('completed', 'denied') AND due_end <= \(max(now, dueBy))
            GROUP BY property
            """)
        {
            let (property, overdue, soon) = try row.decode((String, Int64, Int64).self)
            counts[property] = OpenRequestCounts(overdue: Int(overdue), dueSoon: Int(soon))
        }
        return counts
    }
}
