import AssentStore
import Logging
import NIOCore
import PostgresNIO

// The statement watchdog: a statement whose connection closes before it is answered ends in
// `StoreError.unavailable`, never in a wait for ever. Statements on a connection already seen closed fail at once.
//
// Works around PostgresNIO 1.33 (checked against 1.33.2): `PostgresConnection.query` and `execute` write the
// statement with `channel.write(_:promise: nil)` and wait for its answer on a promise of their own. Written to a
// connection whose channel is already gone (its handlers removed), the write is failed with no one told, and that
// promise is never completed: the statement waits for ever, and so does its call, holding a pooled connection.
// Upstream's fix, postgres-nio #487, was reverted by #501. So every statement runs in a task of its own, and a
// statement still unanswered a moment after its connection closed is left behind: its caller gets
// `unavailable`, the task stays suspended (a small leak, once per statement caught so, at a failure). Remove
// this file when PostgresConnection fails a statement written after its channel closed.
//
// The task costs a healthy PostgreSQL too little to see: running statements on their connection's event loop
// instead (a task executor there, where the check that the channel is open and the write cannot be split, so no
// task is needed) measured the same in alternating rounds of `scripts/bench-consent`'s pg1 load (POST and GET
// within ±5%, CPU per request too); in a debug build, one statement after another, it spent about 60 µs less CPU
// per statement but answered about 30 µs later (the hops to the event loop and back). See this file's history
// (issue 14) to bring it back should a profile ever show the task.

extension PostgresStore {
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
