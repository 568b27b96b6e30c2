import AssentCore
import AssentStore
import Foundation
import PostgresNIO
import Testing

@testable import AssentPostgres

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test func aFullURL() throws {
        let url = try PostgresURL("postgres://assent:s3cret@db.example:6543/consents?sslmode=require")
        #expect(
            url
                == PostgresURL(
                    host: "db.example", port: 6543, user: "assent", password: "s3cret", database: "consents",
                    tls: .require))
    }

    @Test func defaultsAsPostgreSQLHasThem() throws {
        let url = try PostgresURL("postgresql://localhost")
        #expect(url.host == "localhost")
        #expect(url.port == 5432)
        #expect(url.user == "postgres")
        #expect(url.password == nil)
        #expect(url.database == "postgres", "the database defaults to the user's name")
        #expect(url.tls == .prefer)
        #expect(try PostgresURL("postgres://ana@h/").database == "ana")
    }

    @Test func bracketedIPv6AndPercentEncoding() throws {
        let url = try PostgresURL("postgres://us%40er:p%3Aw%2Fd%3F@[::1]:5433/d%C3%A9mo?sslmode=disable")
        #expect(url.host == "::1")
        #expect(url.port == 5433)
        #expect(url.user == "us@er")
        #expect(url.password == "p:w/d?")
        #expect(url.database == "démo")
        #expect(url.tls == .disable)
        #expect(try PostgresURL("postgres://u@[::1]/x").port == 5432)
    }

    @Test(arguments: [
        ("disable", PostgresURL.TLSMode.disable), ("allow", .prefer), ("prefer", .prefer), ("require", .require),
        ("verify-ca", .require), ("verify-full", .require),
    ])
    func sslModes(mode: String, expected: PostgresURL.TLSMode) throws {
        #expect(try PostgresURL("postgres://u@h/d?sslmode=\(mode)").tls == expected)
    }

    @Test(arguments: [
        ("mysql://u@h/d", "scheme"), ("postgres:/h", "not a URL"), ("postgres://u:pw@:5432/d", "no host"),
        ("postgres://u@h:99999/d", "port"), ("postgres://u@h:abc/d", "port"), ("postgres://u@[::1/d", "bracket"),
        ("postgres://u@h/d?sslmode=sometimes", "sslmode"), ("postgres://u@h/d?connect_timeout=5", "unknown parameter"),
        ("postgres://u%zz@h/d", "percent"), ("postgres://u@h/a/b", "\"/\""),
    ])
    func malformedURLsAreNamed(text: String, problem: String) {
        #expect {
            try PostgresURL(text)
        } throws: { error in
            "\(error)".contains(problem)
        }
    }

    @Test func thePasswordStaysOutOfMessages() throws {
        let url = try PostgresURL("postgres://assent:hunter2@db:5432/consents?sslmode=disable")
        #expect(url.description == "postgres://assent:***@db:5432/consents?sslmode=disable")
        #expect {
            try PostgresURL("postgres://assent:hunter2@db:5432/consents?sslmode=maybe")
        } throws: { error in
            !"\(error)".contains("hunter2")
        }
        #expect(url.with(database: "other").database == "other")
    }
}

/// What only a shared database shows: several servers (each with its own pool) writing one log, and migrations
/// racing. The conformance suites run against PostgreSQL too.
@Suite("PostgreSQL store", .enabled(if: TestPostgres.isAvailable, "ASSENT_TEST_DATABASE_URL is not set"))
struct PostgresStoreTests {
    /// Batches built by several writers from the same tree state, as servers whose trees were equally current
    /// would build them: entries of the given count, all starting where `tree` ends.
    static func batch(count: Int, from tree: MerkleFrontier, log: Int = 0) throws -> (LedgerBatch, MerkleFrontier) {
        var next = tree
        let entries = (0..<count).map { makeEntry($0) }
        let bytes = entries.map(\.canonicalBytes)
        let (nodes, _) = next.appendBatch(bytes.map { Merkle.leafHash($0) })
        let head = try testSigner.sign(TreeHead(log: log, size: next.size, root: next.root(), timestamp: 1))
        let batch = LedgerBatch(
            log: log, startIndex: tree.size, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head)
        return (batch, next)
    }

    /// A writer whose frontier is the stored one appends in one statement (the log's lock held only while
    /// PostgreSQL runs it). One whose log another server moved takes the locked transaction, and keeps to it until
    /// enough batches in a row find that nobody else appended since.
    @Test func aWriterOnTheStoredFrontierAppendsInOneStatement() async throws {
        try await TestPostgres.withStore { store in
            let first = makeWriter(store)
            let second = makeWriter(store)
            let quiet = PostgresStore.quietBatchesBeforeOneStatement
            func appends() -> [Int] { [store.ledgerAppends.oneStatement, store.ledgerAppends.locked] }
            var n = 0
            func append(_ writer: LedgerWriter) async throws {
                _ = try await writer.append(makeEntry(n))
                n += 1
            }
            try await append(first)
            #expect(appends() == [0, 1], "a writer with no frontier yet reads the stored one")
            try await append(second)
            try await append(first)
            #expect(appends() == [0, 3], "the statement on a moved log wrote nothing; the locked one did")
            #expect(first.batchesRebuilt == 1 && first.batchesRetried == 0)
            for _ in 1..<quiet { try await append(first) }
            try await append(second)
            try await append(first)
            #expect(appends() == [0, 3 + quiet + 1], "the other writer again: the count of quiet batches starts over")
            for _ in 0..<quiet { try await append(first) }
            #expect(appends() == [0, 3 + 2 * quiet + 1], "a contended log goes on locked")
            for _ in 0..<3 { try await append(first) }
            #expect(appends() == [3, 3 + 2 * quiet + 1], "after enough quiet batches: one statement each")
            #expect(try await store.treeSize(log: 0) == n)
            let report = try await LedgerVerifier.verify(store: store, publicKeys: testKeys)
            #expect(report.ok && report.records == n, "\(report.problem ?? "")")
        }
    }

    /// The one-statement append names a record whose id is taken, as the locked one does, and writes nothing.
    @Test func theOneStatementAppendNamesATakenID() async throws {
        try await TestPostgres.withStore { store in
            let writer = makeWriter(store)
            let taken = makeEntry(0)
            _ = try await writer.append(taken)
            _ = try await writer.append(makeEntry(1))
            var again = makeEntry(2)
            again.id = taken.id
            await #expect(throws: StoreError.duplicateRecordID(taken.id)) { try await writer.append(again) }
            #expect(store.ledgerAppends.oneStatement >= 1)
            #expect(try await store.treeSize(log: 0) == 2)
            _ = try await writer.append(makeEntry(3))
            let report = try await LedgerVerifier.verify(store: store, publicKeys: testKeys)
            #expect(report.ok && report.records == 3, "\(report.problem ?? "")")
        }
    }

    @Test func twoServersRacingForALogEachStartIndexHasOneWinner() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { first in
                try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { second in
                    let servers = [first, second]
                    var tree = MerkleFrontier()
                    var recordIDs: [String] = []
                    for _ in 0..<20 {
                        // Four writers, two on each server, with batches of 1 to 4 records: the size the log
                        // grew by tells which one won.
                        let start = tree.size
                        let attempts = try (1...4).map { try Self.batch(count: $0, from: tree) }
                        let outcomes = await withTaskGroup(of: (Int, (any Error)?).self) { group in
                            for (i, attempt) in attempts.enumerated() {
                                let server = servers[i % 2]
                                group.addTask {
                                    do {
                                        try await server.append(attempt.0)
                                        return (i, nil)
                                    } catch {
                                        return (i, error)
                                    }
                                }
                            }
                            return await group.reduce(into: [(Int, (any Error)?)]()) { $0.append($1) }
                        }
                        let winners = outcomes.filter { $0.1 == nil }.map(\.0)
                        try #require(winners.count == 1, "exactly one batch lands per start index: \(outcomes)")
                        let winner = attempts[winners[0]]
                        for (_, error) in outcomes {
                            guard let error else { continue }
                            #expect(
                                error as? StoreError
                                    == .logMoved(log: 0, expected: start, actual: start + winner.0.entries.count))
                        }
                        tree = winner.1
                        recordIDs += winner.0.entries.map(\.id)
                    }
                    for server in servers {
                        #expect(try await server.treeSize(log: 0) == tree.size)
                        #expect(try await server.frontier(log: 0) == tree)
                        #expect(try await server.treeHeads(log: 0).count == 20)
                    }
                    let stored = try await first.rawRecords(log: 0, from: 0, limit: 1000).map(\.id)
                    #expect(stored == recordIDs, "no loser wrote anything")
                    let report = try await LedgerVerifier.verify(store: second, publicKeys: testKeys)
                    #expect(report.ok, "\(report.problem ?? "")")
                    #expect(report.records == tree.size)
                }
            }
        }
    }

    @Test func migrationsRunConcurrentlyAndAgainHarmlessly() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresStore.withStore(url: url, migrate: false, logger: TestPostgres.logger) { store in
                let version = try await store.schemaVersion()
                #expect(version == nil, "an empty database has no schema")
            }
            // Four servers starting at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { _ in } }
                }
                try await group.waitForAll()
            }
            try await PostgresStore.withStore(url: url, migrate: false, logger: TestPostgres.logger) { store in
                func applied() async throws -> [Int] {
                    try await store.rows("SELECT version FROM schema_migrations ORDER BY version").map {
                        try $0.decode(Int.self)
                    }
                }
                let all = Array(1...PostgresStore.migrations.count)
                #expect(try await applied() == all)
                #expect(try await store.schemaVersion() == PostgresStore.migrations.count)
                try await store.migrate()
                try await store.migrate()
                #expect(try await applied() == all)
                let (revision, changed) = try await store.saveProperty(
                    Property.standard(id: "news", name: "News", origins: ["https://news.example"]), at: 1)
                #expect(changed && revision.revision == 1)
            }
        }
    }

    @Test func concurrentSavesOfOnePropertyTakeTurns() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { first in
                try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { second in
                    // Two servers seeding the same property at once: both succeed, one revision results.
                    let property = Property.standard(id: "demo", name: "Demo", origins: ["https://demo.example"])
                    let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                        for server in [first, second, first, second] {
                            group.addTask { try await server.saveProperty(property, at: 5).changed }
                        }
                        return try await group.reduce(into: [Bool]()) { $0.append($1) }
                    }
                    #expect(results.filter { $0 }.count == 1)
                    #expect(try await first.currentRevision(id: "demo") == 1)
                }
            }
        }
    }

    @Test func commitsAreDurable() async throws {
        try await TestPostgres.withStore { store in
            let setting = try await store.rows("SHOW synchronous_commit").first?.decode(String.self)
            #expect(setting == "on", "a decision is acknowledged only once its commit is on disk")
        }
    }

    @Test func requestHistoryRefusesChanges() async throws {
        try await TestPostgres.withStore { store in
            let request = RequestStoreConformanceTests.makeRequest(1)
            try await store.createRequest(
                request, event: RequestStoreConformanceTests.created(request), challenge: nil, suppression: nil,
                webhook: nil)
            for sql in [
                "UPDATE request_events SET actor = 'someone else'", "DELETE FROM request_events",
                "TRUNCATE request_events",
            ] {
                await #expect {
                    try await store.rows(PostgresQuery(unsafeSQL: sql))
                } throws: { error in
                    (error as? PSQLError)?.serverInfo?[.message] == "request history is append-only"
                }
            }
            #expect(try await store.requestEvents(requestID: request.id).map(\.action) == ["created"])
        }
    }
}
