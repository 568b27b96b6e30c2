import AssentCore
import AssentStore
import Foundation
import GRDB

/// API tokens and the secrets kept per property.
extension SQLiteStore {
    public func saveToken(_ token: APIToken) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_tokens (id, secret_hash, scope, property, label, created_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET label = excluded.label, revoked_at = excluded.revoked_at
                    """,
                arguments: [
                    token.id, token.secretHash, token.scope.rawValue, token.property, token.label, token.createdAt,
                    token.revokedAt,
                ])
        }
    }

    public func token(secretHash: String) async throws -> APIToken? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_tokens WHERE secret_hash = ?", arguments: [secretHash])
                .flatMap(Self.decodeToken)
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_tokens ORDER BY created_at, id").compactMap(Self.decodeToken)
        }
    }

    public func markTokenUsed(id: String, at: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE api_tokens SET last_used_at = ?
                    WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)
                    """, arguments: [at, id, at])
        }
    }

    /// When a token was last used: a column, filled from then on.
    static func registerTokenUseMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v11-token-use") { db in
            try db.execute(sql: "ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER")
        }
    }

    public func secret(property: String, kind: String, candidate: [UInt8]) async throws -> [UInt8] {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO property_secrets (property, kind, secret) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [property, kind, Data(candidate)])
            let stored = try Data.fetchOne(
                db, sql: "SELECT secret FROM property_secrets WHERE property = ? AND kind = ?",
                arguments: [property, kind])
            return Array(stored ?? Data(candidate))
        }
    }

    private static func decodeToken(_ row: Row) -> APIToken? {
        guard let scope = APIToken.Scope(rawValue: row["scope"]) else { return nil }
        return APIToken(
            id: row["id"], secretHash: row["secret_hash"], scope: scope, property: row["property"],
            label: row["label"], createdAt: row["created_at"], revokedAt: row["revoked_at"],
            lastUsedAt: row["last_used_at"])
    }
}
