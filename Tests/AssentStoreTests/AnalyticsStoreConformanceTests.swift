import AssentCore
import AssentPostgres
import AssentStore
import Foundation
import Testing

/// The analytics part of the storage contract; every store must pass it.
@Suite("Analytics store conformance")
struct AnalyticsStoreConformanceTests {
    static let day = CivilDate("2026-11-29")!.daysSinceEpoch

    static func cell(_ property: String = "demo", day: Int = day, region: String = "FR", lang: String = "en")
        -> AnalyticsCell
    {
        AnalyticsCell(property: property, day: day, region: region, regime: "opt-in", policyVersion: 1, lang: lang)
    }

    static func sorted(_ counts: [AnalyticsCount]) -> [AnalyticsCount] {
        counts.sorted {
            ($0.cell.property, $0.cell.day, $0.cell.region, $0.cell.lang, $0.metric)
                < ($1.cell.property, $1.cell.day, $1.cell.region, $1.cell.lang, $1.metric)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func batchesAddUpAndReadsFilterByPropertyAndDay(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.addAnalytics([
                AnalyticsCount(cell: Self.cell(), metric: "banner_shown", count: 3),
                AnalyticsCount(cell: Self.cell(), metric: "banner_shown", count: 2),
                AnalyticsCount(cell: Self.cell(), metric: "decisions", count: 1),
                AnalyticsCount(cell: Self.cell(day: Self.day + 1), metric: "decisions", count: 7),
                AnalyticsCount(cell: Self.cell("other"), metric: "decisions", count: 4),
            ])
            try await store.addAnalytics([AnalyticsCount(cell: Self.cell(), metric: "banner_shown", count: 10)])
            try await store.addAnalytics([])
            let read = try await store.analytics(property: "demo", fromDay: Self.day, toDay: Self.day)
            #expect(
                Self.sorted(read) == [
                    AnalyticsCount(cell: Self.cell(), metric: "banner_shown", count: 15),
                    AnalyticsCount(cell: Self.cell(), metric: "decisions", count: 1),
                ])
            #expect(try await store.analytics(property: "demo", fromDay: Self.day, toDay: Self.day + 1).count == 3)
            #expect(try await store.analytics(property: "nope", fromDay: 0, toDay: Int(Int32.max)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func replacingDecisionsKeepsBannerCountsAndOtherProperties(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.addAnalytics([
                AnalyticsCount(cell: Self.cell(), metric: "banner_shown", count: 5),
                AnalyticsCount(cell: Self.cell(), metric: "preferences_shown", count: 1),
                AnalyticsCount(cell: Self.cell(), metric: "decisions", count: 9),
                AnalyticsCount(cell: Self.cell(day: Self.day - 1), metric: "decisions", count: 2),
                AnalyticsCount(cell: Self.cell("other"), metric: "decisions", count: 4),
            ])
            try await store.replaceDecisionAnalytics(
                property: "demo", fromDay: Self.day,
                with: [AnalyticsCount(cell: Self.cell(), metric: "action.save", count: 1)])
            let read = try await store.analytics(property: "demo", fromDay: 0, toDay: Self.day + 10)
            #expect(
                Self.sorted(read) == [
                    AnalyticsCount(cell: Self.cell(day: Self.day - 1), metric: "decisions", count: 2),
                    AnalyticsCount(cell: Self.cell(), metric: "action.save", count: 1),
                    AnalyticsCount(cell: Self.cell(), metric: "banner_shown", count: 5),
                    AnalyticsCount(cell: Self.cell(), metric: "preferences_shown", count: 1),
                ])
            #expect(try await store.analytics(property: "other", fromDay: 0, toDay: Self.day).count == 1)
            try await store.replaceDecisionAnalytics(property: nil, fromDay: nil, with: [])
            #expect(try await store.analytics(property: "other", fromDay: 0, toDay: Self.day).isEmpty)
            #expect(try await store.analytics(property: "demo", fromDay: 0, toDay: Self.day).count == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func retentionDropsOldDays(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.addAnalytics([
                AnalyticsCount(cell: Self.cell(day: Self.day - 800), metric: "decisions", count: 1),
                AnalyticsCount(cell: Self.cell(day: Self.day - 800), metric: "banner_shown", count: 1),
                AnalyticsCount(cell: Self.cell(day: Self.day - 762), metric: "decisions", count: 1),
            ])
            #expect(try await store.deleteAnalytics(beforeDay: Self.day - 762) == 2)
            let left = try await store.analytics(property: "demo", fromDay: 0, toDay: Self.day)
            #expect(left.map(\.cell.day) == [Self.day - 762])
        }
    }

    /// Decisions written through the ledger writer and counted again from the stored records equal a count over
    /// the entries as recorded, first decisions, changes and withdrawals included.
    @Test(arguments: StoreKind.allCases)
    func rebuildFromTheLedgerEqualsACountOverTheEntries(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let writer = makeWriter(store)
            let subjects = (0..<4).map { "0190aaaa-0000-7000-8000-00000000000\($0)" }
            var entries: [LedgerEntry] = []
            for i in 0..<30 {
                var entry = makeEntry(
                    i * 60_000_000, subject: subjects[i % 4],
                    choices: ["necessary": true, "analytics": i % 3 == 0, "marketing": i % 5 == 0])
                entry.action = [ConsentAction.acceptAll, .rejectAll, .save][i % 3]
                entry.region = ["FR", "US-CA", "DE"][i % 3]
                entry.gpc = i % 4 == 1
                entry.gpcConflicts = i % 8 == 1 ? ["marketing"] : []
                entries.append(entry)
                _ = try await writer.append(entry)
            }
            // Banner counts stay as they are.
            try await store.addAnalytics([AnalyticsCount(cell: Self.cell(), metric: "banner_shown", count: 40)])
            #expect(try await AnalyticsRebuild.run(store: store, property: "demo", pageSize: 7) == 30)
            let expected = AnalyticsMetric.decisions(entries)
            let stored = try await store.analytics(property: "demo", fromDay: 0, toDay: Self.day + 100)
            #expect(Self.sorted(stored.filter { AnalyticsMetric.isDecision($0.metric) }) == Self.sorted(expected))
            #expect(stored.contains(AnalyticsCount(cell: Self.cell(), metric: "banner_shown", count: 40)))
            let total = { (metric: String) in expected.filter { $0.metric == metric }.map(\.count).reduce(0, +) }
            #expect(total("decisions") == 30)
            #expect(total("first") == 4)
            #expect(total("change") == 26)
            #expect(total("withdrawal") > 0)

            // From a day on: earlier rows stay, later ones are recounted with the earlier history.
            let from = CivilDate(milliseconds: entries[15].recordedAt).daysSinceEpoch
            try await store.replaceDecisionAnalytics(property: "demo", fromDay: from, with: [])
            try await AnalyticsRebuild.run(store: store, property: "demo", fromDay: from)
            let again = try await store.analytics(property: "demo", fromDay: 0, toDay: Self.day + 100)
            #expect(Self.sorted(again) == Self.sorted(stored))
        }
    }

    /// Several servers on one PostgreSQL database flushing at once: every count lands.
    @Test(.enabled(if: TestPostgres.isAvailable))
    func severalWritersOnPostgresAddUp() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { first in
                try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { second in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for server in [first, second, first, second] {
                            group.addTask {
                                for round in 0..<25 {
                                    try await server.addAnalytics(
                                        ["FR", "DE", "US-CA"].map {
                                            AnalyticsCount(
                                                cell: Self.cell(region: $0), metric: "banner_shown", count: round + 1)
                                        } + [AnalyticsCount(cell: Self.cell(), metric: "decisions", count: 1)])
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let read = try await second.analytics(property: "demo", fromDay: Self.day, toDay: Self.day)
                    let perServer = (1...25).reduce(0, +)
                    for region in ["FR", "DE", "US-CA"] {
                        #expect(
                            read.first { $0.cell.region == region && $0.metric == "banner_shown" }?.count
                                == 4 * perServer)
                    }
                    #expect(read.first { $0.metric == "decisions" }?.count == 100)
                }
            }
        }
    }
}
