import AssentCore
import AssentPostgres
import AssentStore
import Foundation
import Logging

/// The one place the store is chosen: PostgreSQL when the configuration has a database URL, SQLite in the data
/// directory otherwise. The data directory holds the signing key (and the mail outbox) either way.
extension DataDirectory {
    /// Opens the store (creating the data directory, signing key, database file or schema as needed) and runs
    /// `body` while it is open. PostgreSQL's connection pool runs beside `body` and closes when it returns, so
    /// everything that uses the store, serving included, happens inside.
    public static func withStorage<Result: Sendable>(
        _ configuration: ServerConfiguration, logger: Logger, _ body: (Opened) async throws -> Result
    ) async throws -> Result {
        guard let databaseURL = configuration.databaseURL else {
            return try await body(open(configuration))
        }
        let url = try PostgresURL(databaseURL)
        try makePrivate(configuration, database: false)
        let (signer, created) = try loadOrCreateKey(at: configuration.signingKeyPath)
        logger.info("using PostgreSQL", metadata: ["database": "\(url)"])
        return try await PostgresStore.withStore(url: url, logger: logger) { store in
            try await body(Opened(store: store, signer: signer, createdKey: created))
        }
    }

    /// Opens an existing store without creating or migrating anything (for `assent ledger verify`), with the
    /// data directory's public key when it has one.
    public static func withExistingStorage<Result: Sendable>(
        _ configuration: ServerConfiguration, logger: Logger,
        _ body: (any AssentStorage, _ publicKey: [UInt8]?) async throws -> Result
    ) async throws -> Result {
        guard let databaseURL = configuration.databaseURL else {
            let (store, publicKey) = try openExisting(configuration)
            return try await body(store, publicKey)
        }
        let url = try PostgresURL(databaseURL)
        let publicKey = try FileManager.default.contents(atPath: configuration.signingKeyPath).map {
            try TreeHeadSigner(rawPrivateKey: Array($0)).publicKeyBytes
        }
        return try await PostgresStore.withStore(url: url, migrate: false, logger: logger) { store in
            let known = PostgresStore.schemaVersionKnown
            guard let version = try await store.schemaVersion() else {
                throw DataDirectoryError("no Assent schema in the database \(url)")
            }
            guard version >= known else {
                throw DataDirectoryError(
                    "the database \(url) has schema version \(version) and this assent needs \(known): start `assent serve` on it once to migrate it"
                )
            }
            return try await body(store, publicKey)
        }
    }
}
