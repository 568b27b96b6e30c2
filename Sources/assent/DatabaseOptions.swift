import ArgumentParser
import AssentPostgres
import AssentServer
import AssentStore
import Logging

/// The PostgreSQL database, for the commands that can use one instead of the data directory's SQLite.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: """
            Store in PostgreSQL instead of SQLite in the data directory (which still holds the signing key): \
            postgres://user:password@host:port/database?sslmode=disable|prefer|require (env ASSENT_DATABASE_URL).
            """)
    var databaseURLFlag: String?

    // Read here: a default on an optional @Option is deprecated.
    var databaseURL: String? { databaseURLFlag ?? env("ASSENT_DATABASE_URL") }

    func validate() throws {
        guard let databaseURL else { return }
        do {
            _ = try PostgresURL(databaseURL)
        } catch {
            throw ValidationError("--database-url: \(error)")
        }
    }
}

extension DatabaseOptions {
    /// Runs `body` with the store these options and the data directory name: PostgreSQL when a database URL is
    /// given, else the data directory's SQLite. `existing`: open what is there without creating or migrating
    /// anything (for commands that only read).
    func withStore<Result: Sendable>(
        _ data: DataOptions, existing: Bool = false, _ body: (any AssentStorage) async throws -> Result
    ) async throws -> Result {
        var configuration = ServerConfiguration(dataDirectory: data.dataDirectory)
        configuration.databaseURL = databaseURL
        var logger = Logger(label: "assent")
        logger.logLevel = .warning
        if existing {
            return try await DataDirectory.withExistingStorage(configuration, logger: logger) { store, _ in
                try await body(store)
            }
        }
        return try await DataDirectory.withStorage(configuration, logger: logger) { opened in
            try await body(opened.store)
        }
    }
}
