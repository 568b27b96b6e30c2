import AssentCore
import AssentStore
import Logging
import Metrics
import ServiceLifecycle

/// The counts of this server not yet written: a table in memory that requests add to (a lock held for a few
/// dictionary updates) and the writer empties about once a second. Counting never writes per request.
final class AnalyticsCounter: Sendable {
    /// False: nothing is counted (`--analytics off`).
    let enabled: Bool
    /// By cell: a decision adds one to its shape there (turned into its ten or so counters when drained), an
    /// event or a restored count to its metric.
    private let pending = Locked<[AnalyticsCell: Tally]>([:])

    private struct Tally {
        var metrics: [String: Int] = [:]
        var shapes: [DecisionShape: Int] = [:]

        /// Every count, the shapes' as counters.
        var counts: [String: Int] {
            var counts = metrics
            for (shape, n) in shapes {
                for metric in shape.metrics { counts[metric, default: 0] += n }
            }
            return counts
        }
    }
    /// Flushes take turns: counts drained by one flush are in neither the table nor the store until its write
    /// commits, so a report that flushed meanwhile and read the store would miss them.
    private let turns = Locked(Turns())

    private struct Turns {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    init(enabled: Bool) { self.enabled = enabled }

    /// Runs `body` (a flush) once no other flush runs: after the one in flight, if any, has written its counts.
    func inTurn<T: Sendable>(_ body: () async -> T) async -> T {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = turns.withLock { t -> Bool in
                if t.busy {
                    t.waiting.append(turn)
                    return false
                }
                t.busy = true
                return true
            }
            if now { turn.resume() }
        }
        let result = await body()
        let next = turns.withLock { t -> CheckedContinuation<Void, Never>? in
            if t.waiting.isEmpty {
                t.busy = false
                return nil
            }
            return t.waiting.removeFirst()
        }
        next?.resume()
        return result
    }

    /// Flushes waiting for their turn (tests wait for a report's flush to be queued behind a slow one).
    var flushesWaiting: Int { turns.withLock { $0.waiting.count } }

    /// Counts a recorded decision; `earlier` is the subject's decision before it on the property.
    func countDecision(_ entry: LedgerEntry, earlier: LedgerEntry?) {
        guard enabled else { return }
        let cell = AnalyticsCell(decision: entry)
        let shape = DecisionShape(entry, earlier: earlier)
        pending.withLock { $0[cell, default: Tally()].shapes[shape, default: 0] += 1 }
    }

    func countEvent(_ event: AnalyticsEvent, cell: AnalyticsCell) {
        guard enabled else { return }
        pending.withLock { $0[cell, default: Tally()].metrics[event.rawValue, default: 0] += 1 }
    }

    /// Takes everything counted so far.
    func drain() -> [AnalyticsCount] {
        let table = pending.withLock { table in
            defer { table = [:] }
            return table
        }
        return table.flatMap { cell, tally in
            tally.counts.map { AnalyticsCount(cell: cell, metric: $0.key, count: $0.value) }
        }
    }

    /// Puts back counts a failed write did not store, to go with the next one.
    func restore(_ counts: [AnalyticsCount]) {
        pending.withLock { table in
            for count in counts { table[count.cell, default: Tally()].metrics[count.metric, default: 0] += count.count }
        }
    }
}

/// The one writer of a server's analytics: flushes the counter as one upsert batch about every second and once
/// more at shutdown, and drops rows older than the retention hourly. A crash loses at most the last second of
/// counts; decision counts can be rebuilt from the ledger (`assent analytics rebuild`).
struct AnalyticsWriter: Service {
    let counter: AnalyticsCounter
    let store: any AnalyticsStore
    let retentionDays: Int
    let logger: Logger
    let clock: @Sendable () -> Int64
    var interval: Duration = .seconds(1)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRetention: Int64?
            while !Task.isCancelled {
                if lastRetention.map({ clock() - $0 >= 3_600_000 }) ?? true {
                    lastRetention = clock()
                    await dropExpired()
                }
                try? await Task.sleep(for: interval)
                await flush()
            }
        }
        // Shutting down: what was counted since the last flush.
        await flush()
    }

    /// Writes what the counter holds; on failure the counts go back for the next try.
    @discardableResult
    func flush() async -> Int {
        await Self.flush(counter, to: store, logger: logger)
    }

    /// Writes what the counter holds, after any flush in flight has written its own: once this returns, the store
    /// holds every count made before it was called (or the counter holds them again, when a write failed).
    @discardableResult
    static func flush(_ counter: AnalyticsCounter, to store: any AnalyticsStore, logger: Logger) async -> Int {
        await counter.inTurn {
            let counts = counter.drain()
            if counts.isEmpty { return 0 }
            do {
                try await store.addAnalytics(counts)
            } catch {
                counter.restore(counts)
                logger.warning(
                    "cannot write analytics counts", metadata: ["error": "\(error)", "rows": "\(counts.count)"])
                return 0
            }
            AnalyticsMetrics.record(counts)
            return counts.count
        }
    }

    /// Deletes the rows of days older than the retention; returns how many went.
    @discardableResult
    func dropExpired() async -> Int {
        let today = CivilDate(milliseconds: clock()).daysSinceEpoch
        do {
            let dropped = try await store.deleteAnalytics(beforeDay: today - retentionDays)
            if dropped > 0 { logger.info("dropped old analytics rows", metadata: ["rows": "\(dropped)"]) }
            return dropped
        } catch {
            logger.error("cannot drop old analytics rows", metadata: ["error": "\(error)"])
            return 0
        }
    }
}

/// Prometheus counters for the totals: by property, event or action, and country only (never a subdivision or
/// anything finer).
enum AnalyticsMetrics {
    static func record(_ counts: [AnalyticsCount], factory: any MetricsFactory = MetricsSystem.factory) {
        var totals: [[String]: Int] = [:]
        for count in counts {
            let country = String(count.cell.region.prefix(2))
            if let event = AnalyticsEvent(rawValue: count.metric) {
                totals[["events", count.cell.property, "event", event.rawValue, country], default: 0] += count.count
            } else if count.metric.hasPrefix(AnalyticsMetric.actionPrefix) {
                let action = String(count.metric.dropFirst(AnalyticsMetric.actionPrefix.count))
                totals[["decisions", count.cell.property, "action", action, country], default: 0] += count.count
            }
        }
        for (labels, total) in totals {
            Counter(
                label: "assent_analytics_\(labels[0])_total",
                dimensions: [("property", labels[1]), (labels[2], labels[3]), ("country", labels[4])],
                factory: factory
            ).increment(by: total)
        }
    }
}
