import AssentCore
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
