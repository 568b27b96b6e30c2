import AssentCore
import AssentStore
import Crypto
import Foundation

extension DataDirectory {
    public struct Rotation: Sendable {
        public let retiredKeyID: String?
        public let retiredPath: String?
        public let newKeyID: String
        /// The retired key had a publisher root's certificate: the new key needs one too (`assent key certify`).
        public let retiredWasCertified: Bool
    }

    /// Replaces the data directory's signing key with a new one. Both public keys are written to the data
    /// directory's `public-keys.json` (what verifiers pin, so every receipt signed so far keeps verifying without
    /// trusting the database) and published in the store. The old private key is moved to `retired-keys/` (mode
    /// 0600) for the operator to destroy; the server signs with the new key from its next start.
    public static func rotateKey(_ configuration: ServerConfiguration, store: any SigningKeyStore) async throws
        -> Rotation
    {
        let fm = FileManager.default
        let path = configuration.signingKeyPath
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var retiredKeyID: String?
        var retiredPath: String?
        var retiredWasCertified = false
        if let raw = fm.contents(atPath: path) {
            let old = try TreeHeadSigner(rawPrivateKey: Array(raw))
            let certificate = try certificate(for: old.publicKeyBytes, configuration)
            retiredWasCertified = certificate != nil
            try recordPublicKeys([PublicKeyEntry(publicKey: old.publicKeyBytes)], configuration)
            try await store.publishKey(
                PublishedKey(
                    keyID: old.keyID, publicKey: old.publicKeyBytes, firstUsedAt: now, certificate: certificate?.bytes))
            let directory = retiredKeysPath(configuration)
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let destination = (directory as NSString).appendingPathComponent("\(old.keyID).ed25519")
            if fm.fileExists(atPath: destination) { try fm.removeItem(atPath: destination) }
            try fm.moveItem(atPath: path, toPath: destination)
            retiredKeyID = old.keyID
            retiredPath = destination
        }
        let (signer, _) = try loadOrCreateKey(at: path)
        try recordPublicKeys([PublicKeyEntry(publicKey: signer.publicKeyBytes)], configuration)
        try await store.publishKey(
            PublishedKey(keyID: signer.keyID, publicKey: signer.publicKeyBytes, firstUsedAt: now + 1))
        return Rotation(
            retiredKeyID: retiredKeyID, retiredPath: retiredPath, newKeyID: signer.keyID,
            retiredWasCertified: retiredWasCertified)
    }

    /// Certifies the data directory's current signing key (made now when the directory has none yet) with a
    /// publisher root's private key: the certificate is written beside the key in `public-keys.json`, and the
    /// server publishes it with its key from its next start. Returns the key id and the root key id.
    public static func certifyKey(_ configuration: ServerConfiguration, rootPrivateKey: [UInt8]) throws -> (
        keyID: String, rootKeyID: String
    ) {
        // A new server is provisioned before its first start: its key is made here, certified, and used by serve.
        // A directory that has signed before (its public keys are here) but lacks the private key is a copy or a
        // mistake: certifying a fresh key there would vouch for a key no server uses.
        let fm = FileManager.default
        if !fm.fileExists(atPath: configuration.signingKeyPath), fm.fileExists(atPath: publicKeysPath(configuration)) {
            throw DataDirectoryError(
                "\(configuration.dataDirectory) has public-keys.json but no signing key: certify on the server's own data directory"
            )
        }
        try makePrivate(configuration, database: false)
        let (signer, _) = try loadOrCreateKey(at: configuration.signingKeyPath)
        guard rootPrivateKey.count == 32 else { throw DataDirectoryError("the root key is not a 32-byte Ed25519 key") }
        let root = try Curve25519.Signing.PrivateKey(rawRepresentation: rootPrivateKey)
        let certificate = try KeyCertificate.issue(for: signer.publicKeyBytes, root: root)
        try recordPublicKeys(
            [PublicKeyEntry(publicKey: signer.publicKeyBytes, certificate: certificate)], configuration)
        return (signer.keyID, certificate.rootKeyID)
    }
}

/// A publisher root key: kept off the servers, it certifies each server's signing key (`assent key certify`), and
/// its public part is the one thing a verifier of several servers' ledger pins (docs/ledger-trust.md).
public enum RootKey {
    /// Where the public JWKS of the root key at `privatePath` is written: beside it, `.jwks.json` for `.ed25519`.
    public static func publicPath(for privatePath: String) -> String {
        let base = privatePath.hasSuffix(".ed25519") ? String(privatePath.dropLast(".ed25519".count)) : privatePath
        return base + ".jwks.json"
    }

    /// Makes a new root key: the private key at `privatePath` (mode 0600, never overwritten) and its public JWKS
    /// beside it. Returns the key id and the public file's path.
    public static func create(at privatePath: String) throws -> (keyID: String, publicPath: String) {
        guard !FileManager.default.fileExists(atPath: privatePath) else {
            throw DataDirectoryError("\(privatePath) exists already: a root key is never overwritten")
        }
        let key = Curve25519.Signing.PrivateKey()
        try DataDirectory.writeReplacing(privatePath, Array(key.rawRepresentation), permissions: 0o600)
        let entry = PublicKeyEntry(publicKey: Array(key.publicKey.rawRepresentation))
        let publicPath = publicPath(for: privatePath)
        try DataDirectory.writeKeySet(publicPath, [entry])
        return (entry.keyID, publicPath)
    }

    /// Reads a root private key file.
    public static func read(_ path: String) throws -> [UInt8] {
        guard let raw = FileManager.default.contents(atPath: path) else {
            throw DataDirectoryError("cannot read the root key \(path)")
        }
        guard raw.count == 32 else { throw DataDirectoryError("\(path) is not a 32-byte Ed25519 private key") }
        return Array(raw)
    }
}
