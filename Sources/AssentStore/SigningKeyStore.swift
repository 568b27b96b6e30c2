import AssentCore

/// A public key that has signed tree heads, as the ledger publishes it.
public struct PublishedKey: Sendable, Equatable {
    /// `TreeHeadSigner.keyID` of the key: the first 16 hex digits of SHA-256 of the raw public key.
    public var keyID: String
    /// The raw 32-byte Ed25519 public key.
    public var publicKey: [UInt8]
    /// When a server first signed with it (milliseconds since the Unix epoch).
    public var firstUsedAt: Int64

    public init(keyID: String, publicKey: [UInt8], firstUsedAt: Int64) {
        self.keyID = keyID
        self.publicKey = publicKey
        self.firstUsedAt = firstUsedAt
    }
}

/// Every public key that ever signed a tree head of this ledger. Each server registers its key before it signs,
/// so receipts from any server, and from keys since rotated away, verify against the published set. Keys are
/// never removed: a receipt signed years ago must still check out.
public protocol SigningKeyStore: Sendable {
    /// Adds the key if it is not there yet (registering it again changes nothing).
    func publishKey(_ key: PublishedKey) async throws
    /// Oldest first.
    func publishedKeys() async throws -> [PublishedKey]
}
