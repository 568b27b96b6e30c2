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
}
