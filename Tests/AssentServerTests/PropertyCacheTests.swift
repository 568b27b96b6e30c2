import AssentCore
import AssentPostgres
import AssentSQLite
import AssentStore
import Foundation
import Testing

@testable import AssentServer

/// Several servers on one database each cache the properties; a change saved through any of them (or through
/// the command line) must reach every other within a second.
@Suite("Property cache")
struct PropertyCacheTests {
    @Test("a property changed by another writer of the database is served within one second")
    func changeElsewhereIsSeenWithinASecond() async throws {
        if TestServer.storeKind == .postgres {
            // Two servers on one PostgreSQL database, each with its own connection pool.
            try await TestPostgres.withStore { mine in
                try await PostgresStore.withStore(url: mine.url, migrate: false, logger: TestPostgres.logger) { other in
                    try await Self.changeElsewhere(mine: mine, other: other)
                }
            }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-cache-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { TestServer.removeDirectory(directory.path) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let mine = try SQLiteStore(path: path)
        // The other server: its own connections to the same database.
        let other = try SQLiteStore(path: path)
        try await Self.changeElsewhere(mine: mine, other: other)
    }

    static func changeElsewhere(mine: some PropertyStore, other: some PropertyStore) async throws {
        var property = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
        _ = try await other.saveProperty(property, at: 1)

        let cache = PropertyCache(store: mine)
        let first = try #require(try await cache.current("news"))
        #expect(first.current.property.name == "News")

        property.name = "News Daily"
        _ = try await other.saveProperty(property, at: 2)
        let saved = ContinuousClock.now
        while try await cache.current("news")?.current.property.name != "News Daily" {
            #expect(saved.duration(to: .now) < .seconds(1), "still the old revision after a second")
            if saved.duration(to: .now) > .seconds(1) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await cache.current("news")?.current.revision == 2)
    }

    @Test("with a live change feed, a revision is served until the feed names a later one or is lost")
    func aLiveFeedReplacesTheChecks() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-cache-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { TestServer.removeDirectory(directory.path) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let mine = try SQLiteStore(path: path)
        let other = try SQLiteStore(path: path)
        var property = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
        _ = try await other.saveProperty(property, at: 1)
        // Without the feed every read would check the store again (ttl zero).
        let cache = PropertyCache(store: mine, ttl: .zero)
        let feed = ChangeFeed()
        cache.follow(feed)
        feed.publish(.live)
        #expect(try await cache.current("news")?.current.revision == 1)

        property.name = "News Daily"
        _ = try await other.saveProperty(property, at: 2)
        #expect(try await cache.current("news")?.current.revision == 1, "trusted: the feed named no change")
        feed.publish(.changed(.property(id: "news", revision: 2)))
        #expect(try await cache.current("news")?.current.property.name == "News Daily")

        property.name = "News Weekly"
        _ = try await other.saveProperty(property, at: 3)
        feed.publish(.lost)
        #expect(try await cache.current("news")?.current.revision == 3, "feed lost: checked against the store")
    }
}
