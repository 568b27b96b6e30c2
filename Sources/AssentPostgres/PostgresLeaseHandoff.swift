import AssentStore
import Logging
import NIOCore
import PostgresNIO

// The lease hand-off: a call waits for a pooled connection no longer than `leaseLimit`, and not at all once the
// circuit is open (PostgresCircuitBreaker.swift). The lease waits in a task of its own, so that a deadline or the
// circuit can end the caller's wait at once, without cancelling the caller; the connection is handed over to the
// caller, and goes back to the pool when the caller gives it back (at once, should it come too late). After
// `leaseTimeout` the wait asks for a probe, since a busy pool and a pool cut off from PostgreSQL look alike from
// here; while PostgreSQL answers the probe, the call keeps waiting. The deadlines cover only the wait for a
// connection: once a call's first statement may have been sent, nothing times it out, so a COMMIT whose outcome
// nobody knows yet is never reported as failed (if the connection breaks under it, the call ends in `unavailable`
// and the client tries again; the ledger writer reads the stored tree before its next batch).
//
// Works around PostgresNIO 1.33 (checked against 1.33.2): `PostgresClient.withConnection` has no deadline (its
// pool's `leaseConnection()` waits until a connection is free or the task is cancelled, and
// `PostgresClient.Configuration.Options` has no lease timeout), and it counts nothing about its pool (hence
// `PoolUsageCounts`, fed here). Remove this file when PostgresClient takes a lease timeout (or fails waiting
// leases promptly while it cannot connect, see PostgresCircuitBreaker.swift) and reports its pool's usage.

extension PostgresStore {
    /// How long a call waits for a pooled connection before the store checks that PostgreSQL can be reached.
    public static let defaultLeaseTimeout: Duration = .seconds(2)
    /// How long a call waits for a pooled connection at most, PostgreSQL reachable or not.
    public static let defaultLeaseLimit: Duration = .seconds(10)

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

    private func leaseFailure(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let open = error as? CircuitOpen { return StoreError.unavailable(open.reason) }
        if error is LeaseTimedOut { return StoreError.unavailable("no connection to PostgreSQL within \(leaseLimit)") }
        availability.requestProbe()
        return StoreError.unavailable("no connection to PostgreSQL: \(Self.reason(error))")
    }

}

struct LeaseTimedOut: Error {}

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
