import AssentCore
import AssentStore
import PostgresNIO

/// The published signing keys: one row per key that ever signed a tree head, never removed.
extension PostgresStore {
    public func publishKey(_ key: PublishedKey) async throws {
        let certificate = key.certificate.map { ByteBuffer(bytes: $0) }
        let inserted = try await rows(
            """
            INSERT INTO signing_keys (key_id, public_key, first_used_at, certificate)
            VALUES (\(key.keyID), \(ByteBuffer(bytes: key.publicKey)), \(key.firstUsedAt), \(certificate))
            ON CONFLICT (key_id) DO NOTHING
            RETURNING key_id
            """)
        if !inserted.isEmpty { return }
        // Registered already (perhaps by another server a moment ago): it must be the same key.
        let stored = try await rows("SELECT public_key FROM signing_keys WHERE key_id = \(key.keyID)").first
        guard let stored, Self.bytes(try stored.decode(ByteBuffer.self)) == key.publicKey else {
            throw StoreError.corrupt("signing key \(key.keyID) is stored with other key bytes")
        }
        if let certificate {
            _ = try await rows(
                """
                UPDATE signing_keys SET certificate = \(certificate)
                WHERE key_id = \(key.keyID) AND certificate IS DISTINCT FROM \(certificate)
                """)
        }
    }

    public func publishedKeys() async throws -> [PublishedKey] {
        try await rows(
            "SELECT key_id, public_key, first_used_at, certificate FROM signing_keys ORDER BY first_used_at, key_id"
        )
        .map { row in
            let (keyID, publicKey, firstUsedAt, certificate) = try row.decode(
                (String, ByteBuffer, Int64, ByteBuffer?).self)
            return PublishedKey(
                keyID: keyID, publicKey: Self.bytes(publicKey), firstUsedAt: firstUsedAt,
                certificate: certificate.map(Self.bytes))
        }
    }
}
