import AssentCore
import AssentStore
import Foundation
import GRDB

/// The published signing keys: one row per key that ever signed a tree head.
extension SQLiteStore {
    /// Frozen once shipped like every migration.
    static func registerSigningKeyMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-signing-keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE signing_keys (
                        key_id TEXT PRIMARY KEY,
                        public_key BLOB NOT NULL,
                        first_used_at INTEGER NOT NULL
                    );
                    """)
        }
    }

    /// A publisher root key's certificate beside each key (see `KeyTrust`). Frozen once shipped.
    static func registerKeyCertificateMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-key-certificates") { db in
            try db.execute(sql: "ALTER TABLE signing_keys ADD COLUMN certificate BLOB")
        }
    }

    public func publishKey(_ key: PublishedKey) async throws {
        try await pool.write { db in
            if let stored = try Row.fetchOne(
                db, sql: "SELECT public_key, certificate FROM signing_keys WHERE key_id = ?", arguments: [key.keyID])
            {
                guard Array(stored["public_key"] as Data) == key.publicKey else {
                    throw StoreError.corrupt("signing key \(key.keyID) is stored with other key bytes")
                }
                if let certificate = key.certificate, (stored["certificate"] as Data?).map(Array.init) != certificate {
                    try db.execute(
                        sql: "UPDATE signing_keys SET certificate = ? WHERE key_id = ?",
                        arguments: [Data(certificate), key.keyID])
                }
                return
            }
            try db.execute(
                sql: "INSERT INTO signing_keys (key_id, public_key, first_used_at, certificate) VALUES (?, ?, ?, ?)",
                arguments: [key.keyID, Data(key.publicKey), key.firstUsedAt, key.certificate.map { Data($0) }])
        }
    }

    public func publishedKeys() async throws -> [PublishedKey] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT key_id, public_key, first_used_at, certificate FROM signing_keys ORDER BY first_used_at, key_id"
            ).map { row in
                PublishedKey(
                    keyID: row["key_id"], publicKey: Array(row["public_key"] as Data),
                    firstUsedAt: row["first_used_at"],
                    certificate: (row["certificate"] as Data?).map(Array.init))
            }
        }
    }
}
