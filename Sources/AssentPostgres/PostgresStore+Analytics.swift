import AssentCore
import AssentStore
import PostgresNIO

/// Daily analytics counters: one row per cell and metric, added to by upsert, so that several servers add up.
extension PostgresStore {
    /// One statement for the whole batch (arrays unnested), rows in a fixed order: two servers flushing at once
    /// lock shared rows in the same order and never deadlock.
    private func upsert(_ counts: [AnalyticsCount], on connection: PostgresConnection) async throws {
        func order(_ c: AnalyticsCount) -> String {
            [
                c.cell.property, String(c.cell.day), c.cell.region, c.cell.regime, String(c.cell.policyVersion),
                c.cell.lang, c.metric,
            ].joined(separator: "\u{0}")
        }
        let counts = Self.merged(counts).map { (order($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
        if counts.isEmpty { return }
        let properties = counts.map(\.cell.property)
        let days = counts.map { Int64($0.cell.day) }
        let regions = counts.map(\.cell.region)
        let regimes = counts.map(\.cell.regime)
        let versions = counts.map { Int64($0.cell.policyVersion) }
        let langs = counts.map(\.cell.lang)
        let metrics = counts.map(\.metric)
        let values = counts.map { Int64($0.count) }
        try await rows(
            """
            INSERT INTO analytics_daily AS a (property, day, region, regime, policy_version, lang, metric, count)
            SELECT * FROM unnest(\(properties)::text[], \(days)::bigint[], \(regions)::text[], \(regimes)::text[],
                \(versions)::bigint[], \(langs)::text[], \(metrics)::text[], \(values)::bigint[])
            ON CONFLICT (property, day, region, regime, policy_version, lang, metric)
            DO UPDATE SET count = a.count + excluded.count
            """, on: connection)
    }

    public func addAnalytics(_ counts: [AnalyticsCount]) async throws {
        if counts.isEmpty { return }
        try await transaction { connection in try await upsert(counts, on: connection) }
    }

    public func analytics(property: String, fromDay: Int, toDay: Int) async throws -> [AnalyticsCount] {
        try await rows(
            """
            SELECT day, region, regime, policy_version, lang, metric, count FROM analytics_daily
            WHERE property = \(property) AND day >= \(Int64(fromDay)) AND day <= \(Int64(toDay))
            """
        ).map { row in
            let (day, region, regime, version, lang, metric, count) = try row.decode(
                (Int64, String, String, Int64, String, String, Int64).self)
            return AnalyticsCount(
                cell: AnalyticsCell(
                    property: property, day: Int(day), region: region, regime: regime, policyVersion: Int(version),
                    lang: lang),
                metric: metric, count: Int(count))
        }
    }

    public func replaceDecisionAnalytics(property: String?, fromDay: Int?, with counts: [AnalyticsCount]) async throws {
        let events = AnalyticsEvent.allCases.map(\.rawValue)
        try await transaction { connection in
            // Rebuilds of one database take turns; live flushes only add and never wait for this lock.
            try await rows("SELECT pg_advisory_xact_lock(hashtext('assent analytics rebuild'))", on: connection)
            try await rows(
                """
                DELETE FROM analytics_daily
                WHERE metric <> ALL(\(events)::text[])
                AND (\(property)::text IS NULL OR property = \(property))
                AND (\(fromDay.map(Int64.init))::bigint IS NULL OR day >= \(fromDay.map(Int64.init)))
                """, on: connection)
            try await upsert(counts, on: connection)
        }
    }

    public func deleteAnalytics(beforeDay day: Int) async throws -> Int {
        try await rows("DELETE FROM analytics_daily WHERE day < \(Int64(day)) RETURNING 1").count
    }
}
