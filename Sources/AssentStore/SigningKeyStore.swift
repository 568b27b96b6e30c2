import AssentCore

/// A public key that has signed tree heads, as the ledger publishes it.
public struct PublishedKey: Sendable, Equatable {
    /// `TreeHeadSigner.keyID` of the key: the first 16 hex digits of SHA-256 of the raw public key.
    public var keyID: String
    /// The raw 32-byte Ed25519 public key.
    public var publicKey: [UInt8]
    /// When a server first signed with it (milliseconds since the Unix epoch).
    public var firstUsedAt: Int64
    /// A publisher root key's certificate for the key (`KeyCertificate.bytes`), when the server has one. The
    /// store keeps what it is given; verifiers check it against the root they pin.
    public var certificate: [UInt8]?

    public init(keyID: String, publicKey: [UInt8], firstUsedAt: Int64, certificate: [UInt8]? = nil) {
        self.keyID = keyID
        self.publicKey = publicKey
        self.firstUsedAt = firstUsedAt
        self.certificate = certificate
    }

    /// The key as a key set lists it (an unreadable certificate is left out: it certifies nothing).
    public var entry: PublicKeyEntry {
        PublicKeyEntry(publicKey: publicKey, certificate: certificate.flatMap(KeyCertificate.init(bytes:)))
    }
}

/// Every public key that ever signed a tree head of this ledger. Each server registers its key before it signs.
/// Keys are never removed: a receipt signed years ago must still check out. The table is a directory, not a
/// trust root: whoever can write the database can add a key, so verifiers trust only keys pinned out of band or
/// certified by a pinned root (`KeyTrust`).
public protocol SigningKeyStore: Sendable {
    /// Adds the key if it is not there yet. Registering it again changes nothing but a certificate given anew,
    /// which replaces the stored one.
    func publishKey(_ key: PublishedKey) async throws
    /// Oldest first.
    func publishedKeys() async throws -> [PublishedKey]
}
