import AssentStore
import Metrics
import MetricsTestKit
import PostgresNIO
import Testing

@testable import AssentPostgres

/// The store counts the connections its calls hold, in `poolUsage` and in the metrics it was given: the count
/// rises while a lease is held and falls back however the call ends (a result, a failing query, a cancellation),
/// and a call that gets no connection within the lease limit counts as a lease timeout.
@Suite("PostgreSQL pool usage")
struct PostgresPoolUsageTests {
    /// Runs `body` with a store on a fresh database whose pool runs beside it, reporting to `metrics`. Unless a test is about the limit, a lease may wait
    /// up to two minutes rather than the production 10 s: the pool's connections are made by tasks that share the
    /// test process's few threads with every other test, and on a busy two-core machine they have taken longer.
    static func withRunningStore<Result: Sendable>(
        metrics: TestMetrics, maximumConnections: Int = 3, leaseTimeout: Duration = PostgresStore.defaultLeaseTimeout,
        leaseLimit: Duration = .seconds(120), _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        try await TestPostgres.withDatabase { url in
            let store = PostgresStore(
                url: url, maximumConnections: maximumConnections, leaseTimeout: leaseTimeout, leaseLimit: leaseLimit,
                logger: TestPostgres.logger, metrics: metrics)
            return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                return try await body(store)
            }
        }
    }

    /// The store's count and the `assent_db_pool_connections_in_use` metric, which must agree.
    static func inUse(_ store: PostgresStore, _ metrics: TestMetrics) throws -> Int {
        let meter = try metrics.expectMeter("assent_db_pool_connections_in_use").lastValue ?? 0
        #expect(Int(meter) == store.poolUsage.connectionsInUse, "the metric and the store's count disagree")
        return store.poolUsage.connectionsInUse
    }

    /// A lease held until `release` is yielded to; returns once the lease is held, and throws the lease's error
    /// when it could not be taken (the stream ends either way, so a failed lease never leaves the test waiting).
    static func holdLease(
        _ store: PostgresStore, until released: AsyncStream<Void>
    ) async throws -> Task<Void, any Error> {
        let (holding, held) = AsyncStream<Void>.makeStream()
        let task = Task {
            defer { held.finish() }
            try await store.withPooledConnection { connection in
                try await store.rows("SELECT 1", on: connection)
                held.yield()
                for await _ in released { break }
            }
        }
        var leased = false
        for await _ in holding {
            leased = true
            break
        }
        if !leased { try await task.value }
        return task
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "ASSENT_TEST_DATABASE_URL is not set"))
    func theInUseCountRisesWhileALeaseIsHeldAndFallsBackHoweverTheCallEnds() async throws {
        let metrics = TestMetrics()
        try await Self.withRunningStore(metrics: metrics) { store in
            #expect(
                store.poolUsage
                    == PostgresPoolUsage(connectionsInUse: 0, maximumConnections: 3, leases: 0, leaseTimeouts: 0))
            #expect(try metrics.expectGauge("assent_db_pool_connections_max").lastValue == 3)
            #expect(try Self.inUse(store, metrics) == 0)

            let (released, release) = AsyncStream<Void>.makeStream()
            let holder = try await Self.holdLease(store, until: released)
            #expect(try Self.inUse(store, metrics) == 1)
            // A second call while the first holds its lease.
            let inside = try await store.withPooledConnection { connection in
                try await store.rows("SELECT 1", on: connection)
                return try Self.inUse(store, metrics)
            }
            #expect(inside == 2)
            #expect(try Self.inUse(store, metrics) == 1)
            release.yield()
            try await holder.value
            #expect(try Self.inUse(store, metrics) == 0)

            // A failing query, alone and in a transaction.
            await #expect(throws: PSQLError.self) { try await store.rows("SELECT * FROM no_such_table") }
            #expect(try Self.inUse(store, metrics) == 0)
            await #expect(throws: PSQLError.self) {
                try await store.transaction { connection in
                    #expect(try Self.inUse(store, metrics) == 1)
                    try await store.rows("SELECT 1 / 0", on: connection)
                }
            }
            #expect(try Self.inUse(store, metrics) == 0)

            // A call cancelled while it holds its connection.
            let (holding, held) = AsyncStream<Void>.makeStream()
            let cancelled = Task {
                defer { held.finish() }
                try await store.withPooledConnection { _ in
                    held.yield()
                    try await Task.sleep(for: .seconds(600))
                }
            }
            for await _ in holding { break }
            #expect(try Self.inUse(store, metrics) == 1)
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            #expect(try Self.inUse(store, metrics) == 0)

            // Every lease's wait was timed; none timed out.
            let usage = store.poolUsage
            #expect(usage.leases == 5)
            #expect(try metrics.expectTimer("assent_db_pool_lease_wait_seconds").values.count == usage.leases)
            #expect(usage.leaseTimeouts == 0)
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "ASSENT_TEST_DATABASE_URL is not set"))
    func aCallThatGetsNoConnectionWithinTheLimitCountsAsALeaseTimeout() async throws {
        let metrics = TestMetrics()
        try await Self.withRunningStore(
            metrics: metrics, maximumConnections: 1, leaseTimeout: .milliseconds(200), leaseLimit: .seconds(1)
        ) { store in
            let (released, release) = AsyncStream<Void>.makeStream()
            // On a loaded machine even opening the pool's only connection can take longer than the limit: the
            // holder tries until it has it (each try bounded by the limit), and the counts start from there.
            var holder: Task<Void, any Error>?
            var tries = 0
            while holder == nil && tries < 20 {
                tries += 1
                holder = try? await Self.holdLease(store, until: released)
            }
            let held = try #require(holder, "no connection in \(tries) tries")
            let before = store.poolUsage
            let counter = { try metrics.expectCounter("assent_db_pool_lease_timeouts_total").totalValue }
            let counted = try counter()
            // The pool's only connection is taken: the call waits out the lease limit and is answered unavailable.
            await #expect {
                try await store.rows("SELECT 1")
            } throws: { error in
                if case StoreError.unavailable = error { return true }
                return false
            }
            #expect(store.poolUsage.leaseTimeouts == before.leaseTimeouts + 1)
            #expect(try counter() == counted + 1)
            #expect(try Self.inUse(store, metrics) == 1, "a call that got no connection holds none")
            release.yield()
            try await held.value
            #expect(try Self.inUse(store, metrics) == 0)
            #expect(
                store.poolUsage
                    == PostgresPoolUsage(
                        connectionsInUse: 0, maximumConnections: 1, leases: before.leases,
                        leaseTimeouts: before.leaseTimeouts + 1))
        }
    }
}
