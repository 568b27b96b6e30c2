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
    /// The server configuration these options and the data directory name.
    func configuration(_ data: DataOptions) -> ServerConfiguration {
        var configuration = ServerConfiguration(dataDirectory: data.dataDirectory)
        configuration.databaseURL = databaseURL
        return configuration
    }

    /// Commands log only what goes wrong.
    static var logger: Logger {
        var logger = Logger(label: "assent")
        logger.logLevel = .warning
        return logger
    }

    /// Runs `body` with the store these options and the data directory name: PostgreSQL when a database URL is
    /// given, else the data directory's SQLite. `existing`: open what is there without creating or migrating
    /// anything (for commands that only read).
    func withStore<Result: Sendable>(
        _ data: DataOptions, existing: Bool = false, _ body: (any AssentStorage) async throws -> Result
    ) async throws -> Result {
        if existing { return try await withExistingStore(data) { store, _ in try await body(store) } }
        return try await DataDirectory.withStorage(configuration(data), logger: Self.logger) { opened in
            try await body(opened.store)
        }
    }

    /// The existing store, with the data directory's public key when it has one.
    func withExistingStore<Result: Sendable>(
        _ data: DataOptions, _ body: (any AssentStorage, _ publicKey: [UInt8]?) async throws -> Result
    ) async throws -> Result {
        try await DataDirectory.withExistingStorage(configuration(data), logger: Self.logger, body)
    }
}
