import AssentCore
import AssentStore
import Crypto

/// Random secrets from the system generator, and how they are kept: only their SHA-256, so a copy of the
/// database grants nothing. One place for tokens, status links, salts and per-property keys.
enum Secrets {
    static func randomBytes(_ count: Int = 32) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// 32 random bytes as 43 base64url characters.
    static func token() -> String { Base64URL.encode(randomBytes()) }

    static func sha256Hex(_ secret: String) -> String { Hex.encode(SHA256.hash(data: Array(secret.utf8))) }
}

/// A secret every server of one database shares (the key behind signed-in readers' subjects, the CSRF key): the
/// first server that asks makes it in the store, and each server reads it once and keeps it.
final class SharedSecret: Sendable {
    /// The store's owner name for secrets of the whole deployment rather than of one property.
    static let owner = "*"

    private let kind: String
    private let store: any CredentialStore
    private let value = Locked<[UInt8]?>(nil)

    init(kind: String, store: any CredentialStore) {
        self.kind = kind
        self.store = store
    }

    func bytes() async throws -> [UInt8] {
        if let known = value.withLock({ $0 }) { return known }
        let stored = try await store.secret(property: Self.owner, kind: kind, candidate: Secrets.randomBytes())
        value.withLock { $0 = stored }
        return stored
    }
}
