import AssentStore
import Logging
import NIOCore
import PostgresNIO

// While PostgreSQL is away, the store answers at once with `StoreError.unavailable` (the server turns it into 503
// with Retry-After) instead of letting requests queue on the pool, and it finds PostgreSQL again by itself:
//
// - A connection-level failure (refused, lost, server shutting down), or a pooled connection closing, has a probe
//   (a connection of its own, outside the pool) try PostgreSQL. When the probe cannot connect, the circuit opens:
//   calls then fail at once, and so do those waiting for a pooled connection, until a probe gets through. The
//   probe runs in the store's `run()`, again and again while PostgreSQL stays away. One connection lost while
//   PostgreSQL answers (a backend ended by an administrator, say) fails only the call that was using it.
// - A call waiting for a pooled connection longer than `leaseTimeout` asks for a probe too, so that a pool cut off
//   from PostgreSQL without noticing is found out; while PostgreSQL answers the probe (the pool is merely busy),
//   the call keeps waiting, but never longer than `leaseLimit`. The deadlines cover only the wait for a
//   connection: once a call's first statement may have been sent, nothing times it out, so a COMMIT whose outcome
//   nobody knows yet is never reported as failed (if the connection breaks under it, the call ends in
//   `unavailable` and the client tries again; the ledger writer reads the stored tree before its next batch).
// - A statement whose connection closes before it is answered is `unavailable` too. PostgresNIO 1.33 never answers
//   a statement written to a connection whose channel is already gone (the write is dropped with no one told, and
//   the statement waits for ever: upstream's fix, postgres-nio #487, was reverted by #501), so every statement
//   runs in a task of its own, and a statement still unanswered a moment after its connection closed is left
//   behind: its caller gets `unavailable`, the task stays suspended (a small leak, once per statement caught so,
//   at a failure). Statements on a connection already seen closed fail at once.

extension PostgresStore {
    /// How long a call waits for a pooled connection before the store checks that PostgreSQL can be reached.
    public static let defaultLeaseTimeout: Duration = .seconds(2)
    /// How long a call waits for a pooled connection at most, PostgreSQL reachable or not.
    public static let defaultLeaseLimit: Duration = .seconds(10)
    /// How long a probe waits for its connection.
    static let probeTimeout: Duration = .seconds(10)

    /// Runs `body` on a pooled connection. Errors come out translated (see `translated`): lost connections, and a
    /// connection not had because PostgreSQL cannot be reached or within `leaseLimit`, are
    /// `StoreError.unavailable`.
    func withPooledConnection<Result>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        // The lease waits in a task of its own, so that a deadline or the circuit can end the wait without waiting
        // for the pool to take a cancellation in; the connection is handed over to this task, which uses it, and
        // goes back to the pool when this task gives it back (at once, should it come too late).
        let asked = ContinuousClock.now
        let handoff = LeaseHandoff()
        let waiter = try availability.wait { why in handoff.fail(CircuitOpen(reason: why)) }
        let lease = Task { [client] in
            do {
                try await client.withConnection { connection in
                    guard handoff.offer(connection) else { return }
                    await handoff.returned()
                }
            } catch {
                handoff.fail(error)
            }
        }
        // A busy pool and a pool cut off from PostgreSQL look alike from here: after `leaseTimeout` the probe tells
        // them apart (and the circuit fails this call if PostgreSQL cannot be reached); `leaseLimit` ends the wait.
        let timers = PostgresClient.defaultEventLoopGroup.any()
        let probeTimer = timers.scheduleTask(in: TimeAmount(leaseTimeout)) { [availability] in
            availability.requestProbe()
        }
        let limitTimer = timers.scheduleTask(in: TimeAmount(leaseLimit)) { handoff.fail(LeaseTimedOut()) }
        let connection: PostgresConnection
        do {
            connection = try await withTaskCancellationHandler {
                try await handoff.connection()
            } onCancel: {
                handoff.fail(CancellationError())
            }
        } catch {
            availability.doneWaiting(waiter)
            probeTimer.cancel()
            limitTimer.cancel()
            lease.cancel()
            if error is LeaseTimedOut { poolCounts.leaseTimedOut() }
            throw leaseFailure(error)
        }
        availability.doneWaiting(waiter)
        probeTimer.cancel()
        limitTimer.cancel()
        // Counted as in use from here until the connection is given back, however `body` ends.
        poolCounts.leased(after: ContinuousClock.now - asked)
        defer {
            handoff.giveBack()
            poolCounts.released()
        }
        do {
            return try await body(connection)
        } catch {
            let translated = Self.translated(error)
            if case StoreError.unavailable = translated { availability.requestProbe() }
            throw translated
        }
    }

    /// Runs one statement on a leased connection, in a task of its own; when the connection closes before the
    /// statement is answered, the caller gets `StoreError.unavailable` even if PostgresNIO never answers it.
    func statement<Value>(
        on connection: PostgresConnection, _ run: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        if connection.isClosed { throw StoreError.unavailable("the connection to PostgreSQL is closed") }
        let wait = StatementWait<Value>()
        let key = statements.add(connection) { wait.finish(.failure($0)) }
        defer { statements.remove(key, connection: connection.id) }
        Task {
            do {
                wait.finish(.success(Unchecked(value: try await run())))
            } catch {
                wait.finish(.failure(error))
            }
        }
        return try await wait.value()
    }

    private func leaseFailure(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let open = error as? CircuitOpen { return StoreError.unavailable(open.reason) }
        if error is LeaseTimedOut { return StoreError.unavailable("no connection to PostgreSQL within \(leaseLimit)") }
        availability.requestProbe()
        return StoreError.unavailable("no connection to PostgreSQL: \(Self.reason(error))")
    }

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
final class PostgresAvailability: Sendable {
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

struct LeaseTimedOut: Error {}

struct CircuitOpen: Error {
    let reason: String
}

/// A pooled connection handed from the task that leased it to the task that uses it, and back: whichever comes
/// first of the connection, a failure and the deadline settles what the user gets; a connection that comes too
/// late goes straight back to the pool.
final class LeaseHandoff: Sendable {
    private enum Delivery {
        case pending
        case awaited(CheckedContinuation<PostgresConnection, any Error>)
        case leased(PostgresConnection)
        case failed(any Error)
        case settled
    }

    private enum Return {
        case inUse
        case awaited(CheckedContinuation<Void, Never>)
        case returned
    }

    private let delivery = Locked(Delivery.pending)
    private let giveBackState = Locked(Return.inUse)

    /// The leasing task offers the connection; false when the user no longer waits for it.
    func offer(_ connection: PostgresConnection) -> Bool {
        let waiting = delivery.withLock { state -> CheckedContinuation<PostgresConnection, any Error>?? in
            switch state {
            case .pending:
                state = .leased(connection)
                return .some(nil)
            case .awaited(let continuation):
                state = .settled
                return .some(continuation)
            case .leased, .failed, .settled:
                return nil
            }
        }
        guard let waiting else { return false }
        waiting?.resume(returning: connection)
        return true
    }

    /// The lease failed or the deadline passed; ignored once the connection was handed over.
    func fail(_ error: any Error) {
        let waiting = delivery.withLock { state -> CheckedContinuation<PostgresConnection, any Error>? in
            switch state {
            case .pending:
                state = .failed(error)
                return nil
            case .awaited(let continuation):
                state = .settled
                return continuation
            case .leased, .failed, .settled:
                return nil
            }
        }
        waiting?.resume(throwing: error)
    }

    /// The user waits for the connection, or for the reason there is none.
    func connection() async throws -> PostgresConnection {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = delivery.withLock { state -> Swift.Result<PostgresConnection, any Error>? in
                switch state {
                case .pending:
                    state = .awaited(continuation)
                    return nil
                case .leased(let connection):
                    state = .settled
                    return .success(connection)
                case .failed(let error):
                    state = .settled
                    return .failure(error)
                case .awaited, .settled:
                    preconditionFailure("a lease is waited for once")
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// The user is done with the connection.
    func giveBack() {
        let waiting = giveBackState.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state = .returned }
            if case .awaited(let continuation) = state { return continuation }
            return nil
        }
        waiting?.resume()
    }

    /// The leasing task waits for the user to be done, then lets the pool have the connection back.
    func returned() async {
        await withCheckedContinuation { continuation in
            let done = giveBackState.withLock { state -> Bool in
                if case .returned = state { return true }
                state = .awaited(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}

/// The statements waiting on each pooled connection, so that those still unanswered a moment after it closed can
/// be answered `unavailable` (see the top of this file). One entry per connection seen, removed when it closes.
/// A connection closing also asks for a probe: when PostgreSQL goes away, the circuit opens at once rather than
/// after the first lease that times out.
final class StatementWatch: Sendable {
    private struct State {
        var nextKey = 0
        var waiting: [PostgresConnection.ID: [Int: @Sendable (any Error) -> Void]] = [:]
    }

    private let state = Locked(State())
    private let onClose: @Sendable () -> Void
    /// How long PostgresNIO is given to answer, after the connection closed, what it still can.
    static let grace: TimeAmount = .milliseconds(250)

    init(onClose: @escaping @Sendable () -> Void) {
        self.onClose = onClose
    }

    /// Registers a statement on `connection`; `abandon` is called if the connection closes before `remove`.
    func add(_ connection: PostgresConnection, abandon: @escaping @Sendable (any Error) -> Void) -> Int {
        let (key, firstSeen) = state.withLock { state -> (Int, Bool) in
            state.nextKey += 1
            let firstSeen = state.waiting[connection.id] == nil
            state.waiting[connection.id, default: [:]][state.nextKey] = abandon
            return (state.nextKey, firstSeen)
        }
        if firstSeen {
            // Once per connection (and again if it is seen after it closed, when this runs at once).
            let id = connection.id
            let eventLoop = connection.eventLoop
            connection.closeFuture.whenComplete { _ in
                self.onClose()
                eventLoop.scheduleTask(in: Self.grace) { self.closed(id) }
            }
        }
        return key
    }

    func remove(_ key: Int, connection: PostgresConnection.ID) {
        state.withLock { _ = $0.waiting[connection]?.removeValue(forKey: key) }
    }

    private func closed(_ connection: PostgresConnection.ID) {
        let abandoned = state.withLock { $0.waiting.removeValue(forKey: connection) ?? [:] }
        for abandon in abandoned.values {
            abandon(StoreError.unavailable("the connection to PostgreSQL closed before the statement was answered"))
        }
    }
}

/// One statement's outcome, from its task or from `StatementWatch`, whichever comes first.
final class StatementWait<Value>: Sendable {
    private enum State {
        case pending
        case awaited(CheckedContinuation<Unchecked<Value>, any Error>)
        case finished(Result<Unchecked<Value>, any Error>)
        case delivered
    }

    private let state = Locked(State.pending)

    func finish(_ outcome: Result<Unchecked<Value>, any Error>) {
        let waiting = state.withLock { state -> CheckedContinuation<Unchecked<Value>, any Error>? in
            switch state {
            case .pending:
                state = .finished(outcome)
                return nil
            case .awaited(let continuation):
                state = .delivered
                return continuation
            case .finished, .delivered:
                return nil
            }
        }
        waiting?.resume(with: outcome)
    }

    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> Result<Unchecked<Value>, any Error>? in
                switch state {
                case .pending:
                    state = .awaited(continuation)
                    return nil
                case .finished(let outcome):
                    state = .delivered
                    return outcome
                case .awaited, .delivered:
                    preconditionFailure("a statement is waited for once")
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }.value
    }
}

/// A value handed once from the task that made it to the task that waits for it.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
}
