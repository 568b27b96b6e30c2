import AssentCore
import AssentStore
import Foundation

extension DataDirectory {
    public struct Rotation: Sendable {
        public let retiredKeyID: String?
        public let retiredPath: String?
        public let newKeyID: String
    }

    /// Replaces the data directory's signing key with a new one. Both public keys are published in the store
    /// first, so every receipt signed so far keeps verifying (`/.well-known/jwks.json`, `assent ledger verify`)
    /// and the new key's receipts verify on every server from its first use. The old private key is moved to
    /// `retired-keys/` (mode 0600) for the operator to destroy; the server signs with the new key from its next
    /// start.
    public static func rotateKey(_ configuration: ServerConfiguration, store: any SigningKeyStore) async throws
        -> Rotation
    {
        let fm = FileManager.default
        let path = configuration.signingKeyPath
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var retiredKeyID: String?
        var retiredPath: String?
        if let raw = fm.contents(atPath: path) {
            let old = try TreeHeadSigner(rawPrivateKey: Array(raw))
            try await store.publishKey(PublishedKey(keyID: old.keyID, publicKey: old.publicKeyBytes, firstUsedAt: now))
            let directory = (configuration.dataDirectory as NSString).appendingPathComponent("retired-keys")
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let destination = (directory as NSString).appendingPathComponent("\(old.keyID).ed25519")
            if fm.fileExists(atPath: destination) { try fm.removeItem(atPath: destination) }
            try fm.moveItem(atPath: path, toPath: destination)
            retiredKeyID = old.keyID
            retiredPath = destination
        }
        let (signer, _) = try loadOrCreateKey(at: path)
        try await store.publishKey(
            PublishedKey(keyID: signer.keyID, publicKey: signer.publicKeyBytes, firstUsedAt: now + 1))
        return Rotation(retiredKeyID: retiredKeyID, retiredPath: retiredPath, newKeyID: signer.keyID)
    }
}
