import Crypto

extension SignedTreeHead {
    /// Checks the signature with a raw 32-byte Ed25519 public key (false for bytes that are no such key).
    public func isValid(publicKeyBytes: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKeyBytes) else { return false }
        return isValid(publicKey: key)
    }
}

/// A publisher root key's statement that a server's signing key signs for this ledger. The root key is kept off
/// the servers, so whoever can write the database cannot make one for a key of their own.
public struct KeyCertificate: Sendable, Equatable {
    /// The key id of the root key that signed.
    public var rootKeyID: String
    public var signature: [UInt8]

    public init(rootKeyID: String, signature: [UInt8]) {
        self.rootKeyID = rootKeyID
        self.signature = signature
    }

    /// What the root key signs. Its own `type` keeps a certificate's signature from ever passing for a tree
    /// head's (whose bytes name `assent-tree-head-v1`), and the other way round.
    public static func signedBytes(keyID: String, publicKey: [UInt8], rootKeyID: String) -> [UInt8] {
        CanonicalJSON.bytes(
            .object([
                ("type", .string("assent-key-certificate-v1")), ("keyId", .string(keyID)),
                ("publicKey", .string(Base64URL.encode(publicKey))), ("rootKeyId", .string(rootKeyID)),
            ]))
    }

    /// Certifies `publicKey` with the root's private key.
    public static func issue(for publicKey: [UInt8], root: Curve25519.Signing.PrivateKey) throws -> KeyCertificate {
        let rootKeyID = TreeHeadSigner.keyID(raw: Array(root.publicKey.rawRepresentation))
        let message = signedBytes(
            keyID: TreeHeadSigner.keyID(raw: publicKey), publicKey: publicKey, rootKeyID: rootKeyID)
        return KeyCertificate(rootKeyID: rootKeyID, signature: Array(try root.signature(for: message)))
    }

    /// True when this certificate was made by `root` for `publicKey`.
    public func verifies(publicKey: [UInt8], root: [UInt8]) -> Bool {
        guard TreeHeadSigner.keyID(raw: root) == rootKeyID,
            let rootKey = try? Curve25519.Signing.PublicKey(rawRepresentation: root)
        else { return false }
        let message = Self.signedBytes(
            keyID: TreeHeadSigner.keyID(raw: publicKey), publicKey: publicKey, rootKeyID: rootKeyID)
        return rootKey.isValidSignature(signature, for: message)
    }

    public var jsonValue: JSONValue {
        .object([("rootKeyId", .string(rootKeyID)), ("signature", .string(Base64URL.encode(signature)))])
    }

    public init?(json: JSONValue) {
        guard let rootKeyID = json["rootKeyId"]?.stringValue, let text = json["signature"]?.stringValue,
            let signature = Base64URL.decode(text), signature.count == 64
        else { return nil }
        self.init(rootKeyID: rootKeyID, signature: signature)
    }

    /// The form a store keeps it in: its JSON, canonical.
    public var bytes: [UInt8] { CanonicalJSON.bytes(jsonValue) }

    public init?(bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes) else { return nil }
        self.init(json: json)
    }
}

/// One Ed25519 public key of a JSON Web Key Set, with the certificate Assent carries beside it.
public struct PublicKeyEntry: Sendable, Equatable {
    public var keyID: String
    public var publicKey: [UInt8]
    public var certificate: KeyCertificate?

    public init(publicKey: [UInt8], certificate: KeyCertificate? = nil) {
        keyID = TreeHeadSigner.keyID(raw: publicKey)
        self.publicKey = publicKey
        self.certificate = certificate
    }
}

/// JSON Web Key Sets (RFC 7517) of Ed25519 keys (RFC 8037): `jwks.json`, the data directory's
/// `public-keys.json` and a root key's public file share the form. A key's certificate, when it has one, is
/// the member `assentCertificate`, which other JWK readers ignore.
public enum JWKS {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public static func jwk(_ key: PublicKeyEntry) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("kty", .string("OKP")), ("crv", .string("Ed25519")), ("x", .string(Base64URL.encode(key.publicKey))),
            ("kid", .string(key.keyID)), ("alg", .string("EdDSA")), ("use", .string("sig")),
        ]
        if let certificate = key.certificate { members.append(("assentCertificate", certificate.jsonValue)) }
        return .object(members)
    }

    public static func document(_ keys: [PublicKeyEntry]) -> JSONValue {
        .object([("keys", .array(keys.map(jwk)))])
    }

    /// The Ed25519 keys of a key set; keys of other types are left out. A `kid` must be the key's own id.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> [PublicKeyEntry] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ParseError("not JSON: \(error)")
        }
        guard let items = json["keys"]?.arrayValue else { throw ParseError("no \"keys\" array (not a JWKS)") }
        var keys: [PublicKeyEntry] = []
        for (index, item) in items.enumerated() {
            guard item["kty"]?.stringValue == "OKP", item["crv"]?.stringValue == "Ed25519" else { continue }
            guard let x = item["x"]?.stringValue, let raw = Base64URL.decode(x), raw.count == 32,
                (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
            else { throw ParseError("keys[\(index)]: \"x\" is not a 32-byte Ed25519 public key") }
            var key = PublicKeyEntry(publicKey: raw)
            if let kid = item["kid"], kid.stringValue != key.keyID {
                throw ParseError("keys[\(index)]: \"kid\" is not the key's id \(key.keyID)")
            }
            if let certificate = item["assentCertificate"] {
                guard let parsed = KeyCertificate(json: certificate) else {
                    throw ParseError("keys[\(index)]: \"assentCertificate\" is malformed")
                }
                key.certificate = parsed
            }
            keys.append(key)
        }
        return keys
    }
}

/// Which signing keys a verifier trusts: keys pinned out of band (the data directory's own key files, a
/// `jwks.json` saved earlier) and keys certified by a pinned root. A key that only the database vouches for is
/// never trusted: whoever can write the database could have put it there.
public struct KeyTrust: Sendable {
    public enum Verdict: Sendable, Equatable {
        case pinned
        case certified(rootKeyID: String)
        case untrusted(reason: String)

        public var isTrusted: Bool { if case .untrusted = self { false } else { true } }
    }

    /// Key id → raw public key.
    public private(set) var pinned: [String: [UInt8]] = [:]
    public private(set) var roots: [String: [UInt8]] = [:]

    public init(pinned: [[UInt8]] = [], roots: [[UInt8]] = []) {
        for key in pinned { pin(key) }
        for key in roots { self.roots[TreeHeadSigner.keyID(raw: key)] = key }
    }

    public mutating func pin(_ publicKey: [UInt8]) { pinned[TreeHeadSigner.keyID(raw: publicKey)] = publicKey }

    public mutating func addRoot(_ publicKey: [UInt8]) { roots[TreeHeadSigner.keyID(raw: publicKey)] = publicKey }

    public var isEmpty: Bool { pinned.isEmpty && roots.isEmpty }

    public func verdict(keyID: String, publicKey: [UInt8], certificate: KeyCertificate?) -> Verdict {
        guard TreeHeadSigner.keyID(raw: publicKey) == keyID else {
            return .untrusted(reason: "key \(keyID) is not the id of its key bytes")
        }
        if pinned[keyID] == publicKey { return .pinned }
        guard let certificate else {
            return .untrusted(reason: "key \(keyID) is known only to the database (not pinned, no certificate)")
        }
        guard let root = roots[certificate.rootKeyID] else {
            return .untrusted(
                reason:
                    "key \(keyID) is known only to the database (not pinned; its certificate is from root key \(certificate.rootKeyID), which is not pinned)"
            )
        }
        guard certificate.verifies(publicKey: publicKey, root: root) else {
            return .untrusted(
                reason: "key \(keyID)'s certificate does not verify under root key \(certificate.rootKeyID)")
        }
        return .certified(rootKeyID: certificate.rootKeyID)
    }

    /// The keys to check signatures with: every pinned key and every candidate that earns trust; the others
    /// with the reason they are not trusted.
    public func evaluate(_ candidates: [PublicKeyEntry]) -> (trusted: [String: [UInt8]], untrusted: [String: String]) {
        var trusted = pinned
        var untrusted: [String: String] = [:]
        for key in candidates where trusted[key.keyID] == nil {
            switch verdict(keyID: key.keyID, publicKey: key.publicKey, certificate: key.certificate) {
            case .pinned, .certified: trusted[key.keyID] = key.publicKey
            case .untrusted(let reason): untrusted[key.keyID] = reason
            }
        }
        return (trusted, untrusted)
    }
}
