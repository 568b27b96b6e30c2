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

    public func publishKey(_ key: PublishedKey) async throws {
        try await pool.write { db in
            if let stored = try Data.fetchOne(
                db, sql: "SELECT public_key FROM signing_keys WHERE key_id = ?", arguments: [key.keyID])
            {
                guard Array(stored) == key.publicKey else {
                    throw StoreError.corrupt("signing key \(key.keyID) is stored with other key bytes")
                }
                return
            }
            try db.execute(
                sql: "INSERT INTO signing_keys (key_id, public_key, first_used_at) VALUES (?, ?, ?)",
                arguments: [key.keyID, Data(key.publicKey), key.firstUsedAt])
        }
    }

    public func publishedKeys() async throws -> [PublishedKey] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT key_id, public_key, first_used_at FROM signing_keys ORDER BY first_used_at, key_id"
            ).map { row in
                PublishedKey(
                    keyID: row["key_id"], publicKey: Array(row["public_key"] as Data), firstUsedAt: row["first_used_at"]
                )
            }
        }
    }
}
