import AssentCore
import AssentStore
import Foundation
import Testing

@testable import AssentPostgres

/// Changes as notification text: split below PostgreSQL's payload limit, read back exactly, unknown lines skipped.
@Suite("Change payloads")
struct ChangePayloadTests {
    @Test func changesRoundTripAndLongBatchesSplitBelowTheLimit() {
        let changes: [StoreChange] =
            (0..<200).map {
                .decision(property: "news", subject: UUID().uuidString.lowercased(), record: "r\($0)")
            } + [.property(id: "news", revision: 12)]
        let payloads = ChangePayload.encode(changes)
        #expect(payloads.count > 1)
        #expect(payloads.allSatisfy { $0.utf8.count <= ChangePayload.limit })
        #expect(payloads.flatMap(ChangePayload.decode) == changes)
    }

    @Test func aLineThisVersionDoesNotKnowIsSkipped() {
        #expect(
            ChangePayload.decode("x\tnew\tkind\np\tdemo\t3\np\tdemo\tnot-a-number\nd\tdemo\tonly-two")
                == [.property(id: "demo", revision: 3)])
        #expect(ChangePayload.encode([]).isEmpty)
    }
}

/// The feed over PostgreSQL's LISTEN/NOTIFY: live once listening, every committed property save and ledger batch
/// heard (from another store, as from another server), nothing for a rolled-back write, and a lost listening
/// connection is told as `lost`, then `live` again once it is back.
@Suite("PostgreSQL change feed", .enabled(if: TestPostgres.isAvailable, "ASSENT_TEST_DATABASE_URL is not set"))
struct PostgresChangeFeedTests {
    /// The feed's events, as they come.
    final class Heard: Sendable {
        let stream: AsyncStream<ChangeFeedEvent>
        private let continuation: AsyncStream<ChangeFeedEvent>.Continuation

        init(_ feed: ChangeFeed) {
            (stream, continuation) = AsyncStream.makeStream(of: ChangeFeedEvent.self)
            feed.subscribe { [continuation] in continuation.yield($0) }
        }

        /// The events up to and including the first `until` accepts, or a failure after `within`.
        func events(
            within: Duration = .seconds(30), until done: @escaping @Sendable (ChangeFeedEvent) -> Bool
        ) async throws -> [ChangeFeedEvent] {
            try await withThrowingTaskGroup(of: [ChangeFeedEvent]?.self) { group in
                group.addTask { [stream] in
                    var seen: [ChangeFeedEvent] = []
                    for await event in stream {
                        seen.append(event)
                        if done(event) { return seen }
                    }
                    return seen
                }
                group.addTask {
                    try await Task.sleep(for: within)
                    return nil
                }
                defer { group.cancelAll() }
                guard let seen = try await group.next() ?? nil else {
                    throw TestPostgresError("the awaited event did not come within \(within)")
                }
                return seen
            }
        }
    }

    static func withListener<Result: Sendable>(
        url: PostgresURL, _ body: (PostgresStore, PostgresChangeListener) async throws -> Result
    ) async throws -> Result {
        try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { store in
            let listener = PostgresChangeListener(store: store, firstPause: .milliseconds(20))
            return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
                group.addTask { await listener.run() }
                defer { group.cancelAll() }
                return try await body(store, listener)
            }
        }
    }

    @Test func committedWritesOfAnotherServerAreHeardAndRolledBackOnesAreNot() async throws {
        try await TestPostgres.withDatabase { url in
            try await Self.withListener(url: url) { _, listener in
                let heard = Heard(listener.feed)
                _ = try await heard.events { $0 == .live }
                try await PostgresStore.withStore(url: url, migrate: false, logger: TestPostgres.logger) { other in
                    let property = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
                    _ = try await other.saveProperty(property, at: 1)
                    #expect(try await heard.events { $0 != .live } == [.changed(.property(id: "news", revision: 1))])

                    // A batch that fails (its start index is stale) notifies nothing; the next one, committed,
                    // names each record.
                    let (batch, _) = try PostgresStoreTests.batch(count: 3, from: MerkleFrontier())
                    var stale = batch
                    stale.startIndex = 5
                    await #expect(throws: StoreError.self) { try await other.append(stale) }
                    try await other.append(batch)
                    let expected = batch.entries.map {
                        ChangeFeedEvent.changed(.decision(property: $0.property, subject: $0.subject, record: $0.id))
                    }
                    #expect(try await heard.events { $0 == expected.last } == expected)
                }
            }
        }
    }

    @Test func aLostListeningConnectionIsToldAndTheFeedComesBack() async throws {
        try await TestPostgres.withDatabase { url in
            try await Self.withListener(url: url) { store, listener in
                let heard = Heard(listener.feed)
                _ = try await heard.events { $0 == .live }
                let terminated = try await TestPostgres.execute(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = '\(url.database)' AND application_name = '\(PostgresChangeListener.applicationName)'
                    """, on: url)
                #expect(terminated == 1)
                #expect(try await heard.events { $0 == .live } == [.lost, .live])
                // Listening again: a change made now is heard.
                _ = try await store.saveProperty(
                    Property.standard(id: "news", name: "News", origins: ["https://news.example"]), at: 1)
                #expect(try await heard.events { $0 != .live } == [.changed(.property(id: "news", revision: 1))])
            }
        }
    }
}
