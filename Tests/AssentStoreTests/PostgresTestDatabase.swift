import AssentPostgres
import Foundation
import Logging
import PostgresNIO

/// PostgreSQL for the tests: the server named by `ASSENT_TEST_DATABASE_URL` (an administrator's URL, such as
/// `postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable`; `scripts/test` starts one of its own), with a
/// fresh database per test. Without the variable the PostgreSQL tests are left out. The server tests compile this
/// same file (`Tests/AssentServerTests/Support/PostgresTestDatabase.swift` is a link to it).
enum TestPostgres {
    /// The variable's text, as given (the parsed URL below describes itself without the password).
    static let adminText: String? = {
        guard let text = ProcessInfo.processInfo.environment["ASSENT_TEST_DATABASE_URL"], !text.isEmpty else {
            return nil
        }
        return text
    }()

    static let adminURL: PostgresURL? = {
        guard let text = adminText else { return nil }
        do {
            return try PostgresURL(text)
        } catch {
            fatalError("ASSENT_TEST_DATABASE_URL: \(error)")
        }
    }()

    static var isAvailable: Bool { adminURL != nil }

    static let logger: Logger = {
        var logger = Logger(label: "assent-postgres-test")
        logger.logLevel = .critical
        return logger
    }()

    /// Creates an empty database, runs `body` with its URL, and drops the database whatever happens.
    static func withDatabase<Result: Sendable>(_ body: (PostgresURL) async throws -> Result) async throws -> Result {
        let admin = try requireAdmin()
        let name = freshName()
        try await createDatabase(name)
        let result: Result
        do {
            result = try await body(admin.with(database: name))
        } catch {
            try? await dropDatabase(name)
            throw error
        }
        try await dropDatabase(name)
        return result
    }

    /// A database name no other test uses (letters, digits and underscores only, so it needs no quoting).
    static func freshName() -> String {
        "assent_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Creates the empty database `name`.
    static func createDatabase(_ name: String) async throws {
        let sql = "CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        try await execute(sql, on: requireAdmin())
    }

    /// Drops the database `name` if there is one, closing the connections still open to it.
    static func dropDatabase(_ name: String) async throws {
        try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: requireAdmin())
    }

    static func databaseExists(_ name: String) async throws -> Bool {
        try await execute("SELECT 1 FROM pg_database WHERE datname = '\(name)'", on: requireAdmin()) > 0
    }

    /// The administrator's URL as text with another database, for what takes a URL as text (`--database-url`,
    /// `ServerConfiguration.databaseURL`): the text up to the path, the name, then the query, as `PostgresURL`
    /// splits it.
    static func urlText(database name: String) throws -> String {
        guard let text = adminText else { throw TestPostgresError("ASSENT_TEST_DATABASE_URL is not set") }
        var rest = Substring(text)
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[mark...]
            rest = rest[..<mark]
        }
        let schemeEnd = rest.firstRange(of: "://")?.upperBound ?? rest.startIndex
        let authorityEnd = rest[schemeEnd...].firstIndex(of: "/") ?? rest.endIndex
        return String(rest[..<authorityEnd]) + "/" + name + query
    }

    private static func requireAdmin() throws -> PostgresURL {
        guard let admin = adminURL else { throw TestPostgresError("ASSENT_TEST_DATABASE_URL is not set") }
        return admin
    }

    /// A store on a fresh, migrated database, its pool running for the length of `body`.
    static func withStore<Result: Sendable>(_ body: (PostgresStore) async throws -> Result) async throws -> Result {
        try await withDatabase { url in
            try await PostgresStore.withStore(url: url, logger: logger) { try await body($0) }
        }
    }

    /// Runs one statement on its own connection (CREATE and DROP DATABASE cannot run in a transaction or a pool's
    /// session of another database).
    /// Returns the number of rows it answered.
    @discardableResult
    static func execute(_ sql: String, on url: PostgresURL) async throws -> Int {
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        let rows: Int
        do {
            rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect().count
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return rows
    }
}

struct TestPostgresError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
