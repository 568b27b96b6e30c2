import AssentStore
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import AssentPostgres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// While PostgreSQL is away, a store answers `StoreError.unavailable` rather than waiting on the pool; a busy pool
/// makes calls wait up to the lease limit, never longer, and never times out a statement already sent; the circuit
/// fails the calls waiting for a connection when it opens; a connection lost under a call fails that call alone,
/// and the store carries on.
@Suite("PostgreSQL availability")
struct PostgresAvailabilityTests {
    static let leaseTimeout: Duration = .milliseconds(300)
    static let leaseLimit: Duration = .milliseconds(600)
    /// Generous (the suites run in parallel on few cores): what is checked is that calls end, where a pool
    /// without a deadline waits for ever, not how close to the timeout they end.
    static let bound: Duration = .seconds(60)

    /// Runs `body` with a store on `url` whose pool runs beside it, without checking the connection first (as
    /// `PostgresStore.withStore` would).
    static func withRunningStore<Result: Sendable>(
        url: PostgresURL, maximumConnections: Int = 4, leaseLimit: Duration = leaseLimit,
        _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        let store = PostgresStore(
            url: url, maximumConnections: maximumConnections, leaseTimeout: leaseTimeout, leaseLimit: leaseLimit,
            logger: TestPostgres.logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    /// Calls `operation`, which must fail with `StoreError.unavailable`; returns how long it took.
    static func unavailable(_ operation: () async throws -> Void) async -> Duration {
        let started = ContinuousClock.now
        await #expect {
            try await operation()
        } throws: { error in
            if case StoreError.unavailable = error { return true }
            return false
        }
        return ContinuousClock.now - started
    }

    @Test func aStoreWithNoServerBehindItAnswersUnavailableWithinTheTimeout() async throws {
        let port = try ClosedPort()
        defer { port.close() }
        let url = PostgresURL(host: "127.0.0.1", port: port.number, tls: .disable)
        try await Self.withRunningStore(url: url) { store in
            for _ in 0..<3 {
                let took = await Self.unavailable { _ = try await store.treeSize(log: 0) }
                #expect(took < Self.bound, "a call waited \(took)")
            }
            // The probe cannot connect either, so the circuit opens, and calls fail from it, without a lease.
            let deadline = ContinuousClock.now + Self.bound
            while store.availability.isAvailable && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(!store.availability.isAvailable, "the circuit did not open")
            await #expect {
                _ = try await store.latestTreeHead(log: 0)
            } throws: { error in
                guard case StoreError.unavailable(let why) = error else { return false }
                return why.hasPrefix("cannot connect to PostgreSQL")
            }
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "ASSENT_TEST_DATABASE_URL is not set"))
    func aBusyPoolMakesCallsWaitUpToTheLimitButNeverTimesOutAStatementInFlight() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { _ in }  // migrated
            try await Self.withRunningStore(url: url, maximumConnections: 1) { store in
                let (holding, held) = AsyncStream<Void>.makeStream()
                let (released, release) = AsyncStream<Void>.makeStream()
                // The pool's only connection, in a transaction that lasts well beyond the lease limit.
                async let transaction: Int = store.transaction { connection in
                    try await store.rows("SELECT 1", on: connection)
                    held.yield()
                    for await _ in released { break }
                    try await store.rows("SELECT pg_sleep(0.5)", on: connection)
                    return try await store.rows("SELECT 41 + 1", on: connection).first!.decode(Int.self)
                }
                for await _ in holding { break }
                // PostgreSQL answers the probe, so the call waits past the lease timeout, up to the limit.
                let took = await Self.unavailable { _ = try await store.treeSize(log: 0) }
                #expect(took >= Self.leaseLimit - .milliseconds(50) && took < Self.bound, "took \(took)")
                #expect(store.availability.isAvailable)
                release.yield()
                let answer = try await transaction
                #expect(answer == 42, "the transaction outlived the lease timeout unharmed")
                let size = try await store.treeSize(log: 0)
                #expect(size == 0, "a busy pool does not open the circuit")
                #expect(store.availability.isAvailable)
            }
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "ASSENT_TEST_DATABASE_URL is not set"))
    func theCircuitOpeningFailsTheCallsWaitingForAConnection() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { _ in }  // migrated
            try await Self.withRunningStore(url: url, maximumConnections: 1, leaseLimit: Self.bound) { store in
                let (holding, held) = AsyncStream<Void>.makeStream()
                let (released, release) = AsyncStream<Void>.makeStream()
                async let transaction: Void = store.transaction { connection in
                    try await store.rows("SELECT 1", on: connection)
                    held.yield()
                    for await _ in released { break }
                }
                for await _ in holding { break }
                // A call waits for the only connection; the circuit opens (as when a probe cannot connect).
                let waiting = Task { try await store.treeSize(log: 0) }
                let deadline = ContinuousClock.now + Self.bound
                while store.availability.waitingCalls == 0 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                store.availability.trip("PostgreSQL went away (test)")
                await #expect {
                    _ = try await waiting.value
                } throws: { error in
                    guard case StoreError.unavailable(let why) = error else { return false }
                    return why == "PostgreSQL went away (test)"
                }
                release.yield()
                try await transaction
                _ = store.availability.recovered()
                let size = try await store.treeSize(log: 0)
                #expect(size == 0)
            }
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "ASSENT_TEST_DATABASE_URL is not set"))
    func aLostConnectionFailsItsCallAndTheStoreCarriesOn() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { _ in }  // migrated
            try await Self.withRunningStore(url: url) { store in
                let size = try await store.treeSize(log: 0)
                #expect(size == 0)
                // The server ends the session under the call (as a restart would, but PostgreSQL stays up).
                _ = await Self.unavailable {
                    try await store.transaction { connection in
                        _ = try await store.rows("SELECT pg_terminate_backend(pg_backend_pid())", on: connection)
                    }
                }
                let deadline = ContinuousClock.now + Self.bound
                var answer: Int?
                while answer == nil && ContinuousClock.now < deadline {
                    answer = try? await store.treeSize(log: 0)
                    if answer == nil { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(answer == 0, "the store did not carry on within \(Self.bound)")
                #expect(store.availability.isAvailable, "PostgreSQL answers the probe, so the circuit stays closed")
            }
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "ASSENT_TEST_DATABASE_URL is not set"))
    func aStatementSentOnAClosedConnectionIsAnsweredUnavailable() async throws {
        // PostgresNIO 1.33 never answers a statement written to a connection whose channel is gone; the watch
        // answers it instead, a moment after the connection closed.
        let store = PostgresStore(url: TestPostgres.adminURL!, logger: TestPostgres.logger)
        let connection = try await PostgresConnection.connect(
            configuration: try store.connectionConfiguration(), id: 1, logger: TestPostgres.logger)
        try await connection.close()
        let watch = StatementWatch(onClose: {})
        let wait = StatementWait<[PostgresRow]>()
        let key = watch.add(connection) { wait.finish(.failure($0)) }
        defer { watch.remove(key, connection: connection.id) }
        Task {
            do {
                let rows = try await connection.query("SELECT 1", logger: TestPostgres.logger).collect()
                wait.finish(.success(Unchecked(value: rows)))
            } catch {
                wait.finish(.failure(error))
            }
        }
        await #expect(throws: (any Error).self) { _ = try await wait.value() }
    }
}

/// A loopback TCP port bound but not listening, so connecting to it is refused and no one else takes it meanwhile.
private struct ClosedPort {
    let descriptor: Int32
    let number: Int

    init() throws {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw TestPostgresError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            Self.close(descriptor)
            throw TestPostgresError("cannot bind a loopback port")
        }
        self.descriptor = descriptor
        number = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Self.close(descriptor) }

    private static func close(_ descriptor: Int32) {
        #if canImport(Glibc)
            _ = Glibc.close(descriptor)
        #else
            _ = Darwin.close(descriptor)
        #endif
    }
}
