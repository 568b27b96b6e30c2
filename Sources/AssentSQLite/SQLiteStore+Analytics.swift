import AssentCore
import AssentStore
import Foundation
import GRDB

/// Daily analytics counters: one row per cell and metric, added to by upsert.
extension SQLiteStore {
    static func registerAnalyticsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-analytics") { db in
            try db.execute(
                sql: """
                    CREATE TABLE analytics_daily (
                        property TEXT NOT NULL,
                        day INTEGER NOT NULL,
                        region TEXT NOT NULL,
                        regime TEXT NOT NULL,
                        policy_version INTEGER NOT NULL,
                        lang TEXT NOT NULL,
                        metric TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        PRIMARY KEY (property, day, region, regime, policy_version, lang, metric)
                    ) WITHOUT ROWID;
                    CREATE INDEX analytics_daily_by_day ON analytics_daily (day);
                    """)
        }
    }

    private static let analyticsUpsert = """
        INSERT INTO analytics_daily (property, day, region, regime, policy_version, lang, metric, count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (property, day, region, regime, policy_version, lang, metric)
        DO UPDATE SET count = count + excluded.count
        """

    private static func insert(_ counts: [AnalyticsCount], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: analyticsUpsert)
        for count in counts {
            let c = count.cell
            try statement.execute(
                arguments: [c.property, c.day, c.region, c.regime, c.policyVersion, c.lang, count.metric, count.count])
        }
    }

    public func addAnalytics(_ counts: [AnalyticsCount]) async throws {
        let counts = Self.merged(counts)
        if counts.isEmpty { return }
        try await pool.write { db in try Self.insert(counts, db) }
    }

    public func analytics(property: String, fromDay: Int, toDay: Int) async throws -> [AnalyticsCount] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT day, region, regime, policy_version, lang, metric, count FROM analytics_daily
                    WHERE property = ? AND day >= ? AND day <= ?
                    """, arguments: [property, fromDay, toDay]
            ).map { row in
                AnalyticsCount(
                    cell: AnalyticsCell(
                        property: property, day: row["day"], region: row["region"], regime: row["regime"],
                        policyVersion: row["policy_version"], lang: row["lang"]),
                    metric: row["metric"], count: row["count"])
            }
        }
    }

    public func replaceDecisionAnalytics(property: String?, fromDay: Int?, with counts: [AnalyticsCount]) async throws {
        let counts = Self.merged(counts)
        try await pool.write { db in
            var sql = "DELETE FROM analytics_daily WHERE metric NOT IN ("
            sql += AnalyticsEvent.allCases.map { _ in "?" }.joined(separator: ",") + ")"
            var arguments: [any DatabaseValueConvertible] = AnalyticsEvent.allCases.map(\.rawValue)
            if let property {
                sql += " AND property = ?"
                arguments.append(property)
            }
            if let fromDay {
                sql += " AND day >= ?"
                arguments.append(fromDay)
            }
            try db.execute(sql: sql, arguments: StatementArguments(arguments))
            try Self.insert(counts, db)
        }
    }

    public func deleteAnalytics(beforeDay day: Int) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM analytics_daily WHERE day < ?", arguments: [day])
            return db.changesCount
        }
    }
}
