import AssentCore
import AssentStore
import PostgresNIO

/// API tokens and the secrets kept per property, the same for every server.
extension PostgresStore {
    public func saveToken(_ token: APIToken) async throws {
        try await rows(
            """
            INSERT INTO api_tokens (id, secret_hash, scope, property, label, created_at, revoked_at)
            VALUES (\(token.id), \(token.secretHash), \(token.scope.rawValue), \(token.property), \(token.label),
                \(token.createdAt), \(token.revokedAt))
            ON CONFLICT (id) DO UPDATE SET label = excluded.label, revoked_at = excluded.revoked_at
            """)
    }

    public func token(secretHash: String) async throws -> APIToken? {
        try await rows(
            """
            SELECT id, secret_hash, scope, property, label, created_at, revoked_at, last_used_at FROM api_tokens
            WHERE secret_hash = \(secretHash)
            """
        ).first.flatMap(Self.decodeToken)
    }

    public func tokens() async throws -> [APIToken] {
        try await rows(
            """
            SELECT id, secret_hash, scope, property, label, created_at, revoked_at, last_used_at FROM api_tokens
            ORDER BY created_at, id
            """
        ).compactMap(Self.decodeToken)
    }

    public func markTokenUsed(id: String, at: Int64) async throws {
        try await rows(
            """
            UPDATE api_tokens SET last_used_at = \(at)
            WHERE id = \(id) AND (last_used_at IS NULL OR last_used_at < \(at))
            """)
    }

    /// When a token was last used: a column, filled from then on.
    static let tokenUseMigration = PostgresMigration(
        version: 11, name: "token use", statements: ["ALTER TABLE api_tokens ADD COLUMN last_used_at bigint"])

    public func secret(property: String, kind: String, candidate: [UInt8]) async throws -> [UInt8] {
        let inserted = try await rows(
            """
            INSERT INTO property_secrets (property, kind, secret) VALUES (\(property), \(kind),
                \(ByteBuffer(bytes: candidate)))
            ON CONFLICT DO NOTHING
            RETURNING secret
            """)
        if let row = inserted.first { return Self.bytes(try row.decode(ByteBuffer.self)) }
        // Another caller was first; this statement sees what it committed.
        guard
            let stored = try await rows(
                "SELECT secret FROM property_secrets WHERE property = \(property) AND kind = \(kind)"
            ).first
        else { throw StoreError.corrupt("secret \(kind) of property \(property) vanished") }
        return Self.bytes(try stored.decode(ByteBuffer.self))
    }

    private static func decodeToken(_ row: PostgresRow) -> APIToken? {
        guard
            let (id, secretHash, scope, property, label, createdAt, revokedAt, lastUsedAt) = try? row.decode(
                (String, String, String, String?, String, Int64, Int64?, Int64?).self),
            let scope = APIToken.Scope(rawValue: scope)
        else { return nil }
        return APIToken(
            id: id, secretHash: secretHash, scope: scope, property: property, label: label, createdAt: createdAt,
            revokedAt: revokedAt, lastUsedAt: lastUsedAt)
    }
}
