import AssentCore
import AssentSQLite
import AssentStore
import Foundation
import Logging
import Testing

@testable import AssentServer

/// A report flushes the counter and then reads the store. The background writer may have drained counts and not
/// yet committed them: the report's flush waits for it, so the report counts them.
@Suite("Analytics flushes")
struct AnalyticsFlushTests {
    /// The real store, whose first write waits until the test lets it go.
    struct HeldStore: AnalyticsStore {
        let store: SQLiteStore
        let entered: AsyncStream<Void>.Continuation
        let gate: Locked<AsyncStream<Void>?>

        func addAnalytics(_ counts: [AnalyticsCount]) async throws {
            if let held = gate.withLock({ g in
                defer { g = nil }; return g
            }) {
                entered.yield()
                for await _ in held { break }
            }
            try await store.addAnalytics(counts)
        }
        func analytics(property: String, fromDay: Int, toDay: Int) async throws -> [AnalyticsCount] {
            try await store.analytics(property: property, fromDay: fromDay, toDay: toDay)
        }
        func replaceDecisionAnalytics(property: String?, fromDay: Int?, with counts: [AnalyticsCount]) async throws {
            try await store.replaceDecisionAnalytics(property: property, fromDay: fromDay, with: counts)
        }
        func deleteAnalytics(beforeDay day: Int) async throws -> Int { try await store.deleteAnalytics(beforeDay: day) }
    }

    @Test func aReportWaitsForTheCountsAWriteInFlightHolds() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-flush-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { TestServer.removeDirectory(directory.path) }
        let sqlite = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path)
        let (entered, enter) = AsyncStream<Void>.makeStream()
        let (gate, open) = AsyncStream<Void>.makeStream()
        let store = HeldStore(store: sqlite, entered: enter, gate: Locked(gate))
        let logger = Logger(label: "analytics-flush-test")
        let cell = AnalyticsCell(
            property: "news", day: 20_000, region: "FR", regime: "opt-in", policyVersion: 1, lang: "en")
        let counter = AnalyticsCounter(enabled: true)

        counter.countEvent(.bannerShown, cell: cell)
        let background = Task { await AnalyticsWriter.flush(counter, to: store, logger: logger) }
        for await _ in entered { break }  // the writer holds the first count, not yet stored
        counter.countEvent(.bannerShown, cell: cell)
        let done = Locked(false)
        let report = Task {
            _ = await AnalyticsWriter.flush(counter, to: store, logger: logger)
            defer { done.withLock { $0 = true } }
            return try await store.analytics(property: "news", fromDay: 20_000, toDay: 20_000).map(\.count).reduce(0, +)
        }
        // Lets the first write go once the report's flush is queued behind it (or, wrongly, has already read).
        let deadline = ContinuousClock.now + .seconds(30)
        while counter.flushesWaiting == 0, !done.withLock({ $0 }), ContinuousClock.now < deadline { await Task.yield() }
        open.yield()
        open.finish()
        #expect(await background.value == 1)
        #expect(try await report.value == 2, "the report counts what the write in flight held")
    }

    /// The counter adds decisions up by shape and turns them into counters when drained; what it drains must be
    /// what the ledger rebuild (`AnalyticsMetric.decisions`) counts from the same records, events and restored
    /// counts added.
    @Test func theCounterCountsWhatTheRebuildCounts() {
        func entry(_ subject: String, _ choices: [String: Bool], _ action: ConsentAction, gpc: Bool = false, at: Int64)
            -> LedgerEntry
        {
            LedgerEntry(
                id: "r-\(subject)-\(at)", property: "news", subject: subject, choices: choices, action: action,
                regime: .optIn, region: "fr", gpc: gpc, gpcConflicts: gpc ? ["targeting"] : [], policyVersion: 1,
                textsHash: "h", lang: "en", recordedAt: 1_750_000_000_000 + at)
        }
        let all = ["performance": true, "targeting": true]
        let some = ["performance": true, "targeting": false]
        let records = [
            entry("a", all, .acceptAll, at: 1), entry("b", all, .acceptAll, at: 2), entry("c", some, .save, at: 3),
            entry("a", some, .save, at: 4),  // a change that withdraws targeting
            entry("b", all, .save, at: 5),  // a change that withdraws nothing
            entry("d", some, .save, gpc: true, at: 6), entry("c", some, .save, at: 7),
        ]
        let counter = AnalyticsCounter(enabled: true)
        var latest: [String: LedgerEntry] = [:]
        for record in records {
            counter.countDecision(record, earlier: latest[record.subject])
            latest[record.subject] = record
        }
        let cell = AnalyticsCell(decision: records[0])
        counter.countEvent(.bannerShown, cell: cell)
        counter.restore([AnalyticsCount(cell: cell, metric: AnalyticsMetric.decisions, count: 5)])

        func table(_ counts: [AnalyticsCount]) -> [AnalyticsKey: Int] {
            counts.reduce(into: [:]) { $0[AnalyticsKey(cell: $1.cell, metric: $1.metric), default: 0] += $1.count }
        }
        var expected = table(AnalyticsMetric.decisions(records))
        expected[AnalyticsKey(cell: cell, metric: AnalyticsEvent.bannerShown.rawValue), default: 0] += 1
        expected[AnalyticsKey(cell: cell, metric: AnalyticsMetric.decisions), default: 0] += 5
        let drained = table(counter.drain())
        #expect(drained == expected)
        #expect(drained[AnalyticsKey(cell: cell, metric: AnalyticsMetric.decisions)] == 12)
        #expect(drained[AnalyticsKey(cell: cell, metric: AnalyticsMetric.withdrawal)] == 1)
        #expect(drained[AnalyticsKey(cell: cell, metric: AnalyticsMetric.change)] == 3)
        #expect(drained[AnalyticsKey(cell: cell, metric: AnalyticsMetric.savedPrefix + "performance")] == 5)
        #expect(counter.drain().isEmpty, "draining empties the table")
    }
}
