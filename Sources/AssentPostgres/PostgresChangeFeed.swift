import AssentStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Tells every server sharing the database of the changes any of them commits, so that each can keep its caches
/// (the property cache, the latest decisions) on: PostgreSQL's LISTEN/NOTIFY. Writes send `NOTIFY` inside their
/// own transaction (`PostgresStore.notify`, and the append statement), so a notification goes out exactly when
/// the change is committed and never for one rolled back. This service holds one connection of its own, outside
/// the pool, that LISTENs; it publishes `live` once LISTEN is in place, every change as it comes, and `lost` when
/// the connection ends or stops answering, then connects again with a growing pause (up to `maximumPause`).
/// Notifications sent while no connection listened are gone, so a receiver drops everything on `live`.
public final class PostgresChangeListener: Service, Sendable {
    /// The channel every write notifies and every server listens on.
    public static let channel = "assent_changes"
    /// The `application_name` of the listening connection (operators and tests find its backend by it).
    public static let applicationName = "assent changes"

    public let feed: ChangeFeed
    let store: PostgresStore
    let logger: Logger
    let firstPause: Duration
    let maximumPause: Duration
    /// How often the listening connection is asked a trivial query, and how long it may take: a connection
    /// whose peer vanished without closing it (a network cut) would otherwise look alive and deliver nothing.
    let pingInterval: Duration

    public init(
        store: PostgresStore, feed: ChangeFeed = ChangeFeed(), firstPause: Duration = .milliseconds(100),
        maximumPause: Duration = .seconds(5), pingInterval: Duration = .seconds(2)
    ) {
        self.store = store
        self.feed = feed
        self.logger = store.logger
        self.firstPause = firstPause
        self.maximumPause = maximumPause
        self.pingInterval = pingInterval
    }

    /// Listens until the task is cancelled or a graceful shutdown is asked for.
    public func run() async {
        await cancelWhenGracefulShutdown { [self] in await listenAgainAndAgain() }
    }

    private func listenAgainAndAgain() async {
        var pause = firstPause
        while !Task.isCancelled {
            do {
                try await listenOnce()
            } catch {
                if !Task.isCancelled {
                    logger.warning(
                        "the PostgreSQL change feed stopped; caches are bypassed until it is back",
                        metadata: ["reason": "\(PostgresStore.reason(error))"])
                }
            }
            let wasLive = feed.isLive
            if wasLive { feed.publish(.lost) }
            // A connection that was listening is tried again at once; failed attempts wait longer each time.
            pause = wasLive ? firstPause : min(pause * 2, maximumPause)
            try? await Task.sleep(for: pause)
        }
    }

    /// One connection: LISTEN, `live`, the changes as they come, until the connection ends or a ping fails.
    private func listenOnce() async throws {
        var configuration = try store.connectionConfiguration()
        configuration.options.additionalStartupParameters = [("application_name", Self.applicationName)]
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            try await listen(on: connection)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func listen(on connection: PostgresConnection) async throws {
        try await connection.listen(on: Self.channel) { notifications in
            feed.publish(.live)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [feed] in
                    for try await notification in notifications {
                        for change in ChangePayload.decode(notification.payload) { feed.publish(.changed(change)) }
                    }
                    throw PostgresStoreError("the listening connection closed")
                }
                group.addTask { [self] in try await keepPinging(connection) }
                // Either ends only by failing; the other is cancelled.
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }

    private func keepPinging(_ connection: PostgresConnection) async throws {
        while true {
            try await Task.sleep(for: pingInterval)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { [logger] in
                    _ = try await connection.query("SELECT 1", logger: logger).collect()
                    return true
                }
                group.addTask { [pingInterval] in
                    try await Task.sleep(for: pingInterval)
                    return false
                }
                defer { group.cancelAll() }
                guard try await group.next() == true else {
                    throw PostgresStoreError("the listening connection did not answer within \(pingInterval)")
                }
            }
        }
    }
}

extension PostgresStore {
    /// Sends the changes to every listening server when the transaction on `connection` commits.
    func notify(_ changes: [StoreChange], on connection: PostgresConnection) async throws {
        let payloads = ChangePayload.encode(changes)
        if payloads.isEmpty { return }
        try await rows(
            "SELECT pg_notify(\(PostgresChangeListener.channel), p) FROM unnest(\(payloads)::text[]) AS p",
            on: connection)
    }
}
