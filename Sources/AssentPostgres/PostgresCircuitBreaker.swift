import AssentStore
import Logging
import NIOCore
import PostgresNIO

// The circuit breaker: while PostgreSQL is away, the store answers at once with `StoreError.unavailable` (the
// server turns it into 503 with Retry-After) instead of letting calls queue on the pool, and finds PostgreSQL
// again by itself.
//
// A connection-level failure (refused, lost, server shutting down), a pooled connection closing, or a call that
// waited `leaseTimeout` for a connection asks for a probe: a connection of its own, outside the pool. When the
// probe cannot connect, the circuit opens: calls then fail at once, and so do those waiting for a pooled
// connection (see PostgresLeaseHandoff.swift), until a probe gets through. The probe runs in the store's `run()`,
// again and again, backing off to once a second, while PostgreSQL stays away. One connection lost while
// PostgreSQL answers (a backend ended by an administrator, say) fails only the call that was using it.
//
// Works around PostgresNIO 1.33 (checked against 1.33.2): `PostgresClient` has a breaker of its own in its pool
// (ConnectionPoolModule's `circuitBreakerTripAfter`), but it opens only after 60 s of failed connection attempts,
// and only once no connection at all is open; `PostgresClient.Configuration.Options` offers no way to shorten it
// (`ConnectionPoolConfiguration.init(_:)` in Pool/PostgresClient.swift leaves the default), so for a minute
// calls would queue on a pool that cannot connect. Remove this file when PostgresClient lets the trip time be
// configured (a few seconds) and fails waiting leases when it trips; `leaseTimeout` then becomes that setting.

extension PostgresStore {
    /// How long a probe waits for its connection.
    static let probeTimeout: Duration = .seconds(10)

    /// Probes PostgreSQL whenever a call asked for it, and again and again while it cannot be reached, closing the
    /// circuit once a connection gets through. Runs until cancelled.
    func watchAvailability() async {
        for await _ in availability.probeRequests {
            var pause = Duration.milliseconds(100)
            while true {
                do {
                    try await probe()
                    if let away = availability.recovered() {
                        logger.notice(
                            "PostgreSQL answers again; serving from the database",
                            metadata: ["database": "\(url)", "unavailableFor": "\(away)"])
                    }
                    break
                } catch {
                    if Task.isCancelled { return }
                    availability.trip("cannot connect to PostgreSQL: \(Self.reason(error))")
                }
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    return
                }
                pause = min(pause * 2, .seconds(1))
            }
        }
    }

    /// One connection of its own, outside the pool, opened and closed.
    private func probe() async throws {
        var configuration = try connectionConfiguration()
        configuration.options.connectTimeout = TimeAmount(Self.probeTimeout)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        try? await connection.close()
    }
}

/// Whether PostgreSQL is known to be away (the circuit is open), the calls waiting for a pooled connection (failed
/// when it opens), and the requests for a probe.
final class PostgresCircuitBreaker: Sendable {
    private struct Outage {
        let since: ContinuousClock.Instant
        var reason: String
    }

    private struct State {
        var outage: Outage?
        var nextWaiter = 0
        var waiters: [Int: @Sendable (String) -> Void] = [:]
    }

    private let state = Locked(State())
    private let logger: Logger
    let probeRequests: AsyncStream<Void>
    private let probeContinuation: AsyncStream<Void>.Continuation

    init(logger: Logger) {
        self.logger = logger
        // Requests made while one is pending are one request.
        (probeRequests, probeContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    var isAvailable: Bool { state.withLock { $0.outage == nil } }

    /// How many calls wait for a pooled connection.
    var waitingCalls: Int { state.withLock { $0.waiters.count } }

    /// Registers a call about to wait for a pooled connection: `fail` is called with the reason if the circuit
    /// opens before `doneWaiting`. Throws `StoreError.unavailable` at once while the circuit is open.
    func wait(_ fail: @escaping @Sendable (String) -> Void) throws -> Int {
        let registered = state.withLock { state -> Result<Int, StoreError> in
            if let outage = state.outage { return .failure(.unavailable(outage.reason)) }
            state.nextWaiter += 1
            state.waiters[state.nextWaiter] = fail
            return .success(state.nextWaiter)
        }
        return try registered.get()
    }

    func doneWaiting(_ waiter: Int) {
        state.withLock { _ = $0.waiters.removeValue(forKey: waiter) }
    }

    /// Opens the circuit (a probe could not connect), failing the calls waiting for a pooled connection; while it
    /// is open, a new reason replaces the old.
    func trip(_ reason: String) {
        let opened = state.withLock { state -> [@Sendable (String) -> Void]? in
            guard state.outage == nil else {
                state.outage?.reason = reason
                return nil
            }
            state.outage = Outage(since: .now, reason: reason)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        if let waiting = opened {
            logger.warning(
                "PostgreSQL cannot be reached; answering unavailable until it can",
                metadata: ["error": "\(reason)", "waitingCalls": "\(waiting.count)"])
            for fail in waiting { fail(reason) }
        }
    }

    func requestProbe() { probeContinuation.yield() }

    /// Closes the circuit; returns how long it was open, nil when it was not.
    func recovered() -> Duration? {
        state.withLock { state in
            defer { state.outage = nil }
            return state.outage.map { ContinuousClock.now - $0.since }
        }
    }
}

struct CircuitOpen: Error {
    let reason: String
}
