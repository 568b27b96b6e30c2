import Crypto
import Foundation

/// The state of one log at the end of a commit batch.
public struct TreeHead: Sendable, Equatable {
    public var log: Int
    public var size: Int
    public var root: MerkleHash
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64

    public init(log: Int, size: Int, root: MerkleHash, timestamp: Int64) {
        self.log = log
        self.size = size
        self.root = root
        self.timestamp = timestamp
    }

    /// What the signature covers.
    public func signedBytes(keyID: String) -> [UInt8] {
        CanonicalJSON.bytes(
            .object([
                ("type", .string("assent-tree-head-v1")), ("keyId", .string(keyID)), ("log", .int(log)),
                ("size", .int(size)), ("root", .string(root.hex)), ("timestamp", .int64(timestamp)),
            ]))
    }
}

public struct SignedTreeHead: Sendable, Equatable {
    public var head: TreeHead
    public var keyID: String
    public var signature: [UInt8]

    public init(head: TreeHead, keyID: String, signature: [UInt8]) {
        self.head = head
        self.keyID = keyID
        self.signature = signature
    }

    public var jsonValue: JSONValue {
        .object([
            ("log", .int(head.log)), ("size", .int(head.size)), ("root", .string(head.root.hex)),
            ("timestamp", .int64(head.timestamp)), ("keyId", .string(keyID)),
            ("signature", .string(Base64URL.encode(signature))),
        ])
    }

    public init?(json: JSONValue) {
        guard let log = json["log"]?.intValue, let size = json["size"]?.intValue, size >= 0,
            let rootHex = json["root"]?.stringValue, let root = MerkleHash(hex: rootHex),
            let timestamp = json["timestamp"]?.int64Value, let keyID = json["keyId"]?.stringValue,
            let sig = json["signature"]?.stringValue, let signature = Base64URL.decode(sig)
        else { return nil }
        self.init(
            head: TreeHead(log: log, size: size, root: root, timestamp: timestamp), keyID: keyID, signature: signature)
    }

    public func isValid(publicKey: Curve25519.Signing.PublicKey) -> Bool {
        publicKey.isValidSignature(signature, for: head.signedBytes(keyID: keyID))
    }
}

/// The Ed25519 key that signs tree heads. The key bytes come from outside (Core makes no randomness).
public struct TreeHeadSigner: Sendable {
    private let key: SigningKey
    public let keyID: String
    public let publicKeyBytes: [UInt8]

    /// The private key, derived once (deriving it again for every batch cost a scalar multiplication).
    private final class SigningKey: @unchecked Sendable {
        // Immutable after init, and Curve25519 signing does not mutate the key: safe to share.
        let key: Curve25519.Signing.PrivateKey
        init(_ key: Curve25519.Signing.PrivateKey) { self.key = key }
    }

    public init(rawPrivateKey: [UInt8]) throws {
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
        key = SigningKey(privateKey)
        publicKeyBytes = Array(privateKey.publicKey.rawRepresentation)
        keyID = Self.keyID(for: privateKey.publicKey)
    }

    public var publicKey: Curve25519.Signing.PublicKey {
        // The bytes came from a valid key, so this cannot fail.
        try! Curve25519.Signing.PublicKey(rawRepresentation: publicKeyBytes)
    }

    /// The first 16 hex digits of SHA-256 over the raw public key.
    public static func keyID(for key: Curve25519.Signing.PublicKey) -> String {
        keyID(raw: Array(key.rawRepresentation))
    }

    /// The key id of a raw 32-byte Ed25519 public key, for tools that hold only its bytes.
    public static func keyID(raw publicKey: [UInt8]) -> String {
        String(Hex.encode(SHA256Digest.of(publicKey)).prefix(16))
    }

    public func sign(_ head: TreeHead) throws -> SignedTreeHead {
        let signature = try key.key.signature(for: head.signedBytes(keyID: keyID))
        return SignedTreeHead(head: head, keyID: keyID, signature: Array(signature))
    }

    /// The public key as a JSON Web Key (RFC 8037).
    public static func jwk(_ key: Curve25519.Signing.PublicKey) -> JSONValue {
        JWKS.jwk(PublicKeyEntry(publicKey: Array(key.rawRepresentation)))
    }
}
