import AssentCore
import AssentStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The data directory's own public keys, kept as files so that trust in them does not rest on the database they
/// check: `public-keys.json` (a JWKS of every key this directory has signed with, the current one with its
/// certificate when it has one), the current `signing-key.ed25519` and, for directories made before the JWKS file,
/// the keys in `retired-keys/`. See docs/ledger-trust.md.
extension DataDirectory {
    public static func publicKeysPath(_ configuration: ServerConfiguration) -> String {
        (configuration.dataDirectory as NSString).appendingPathComponent("public-keys.json")
    }

    static func retiredKeysPath(_ configuration: ServerConfiguration) -> String {
        (configuration.dataDirectory as NSString).appendingPathComponent("retired-keys")
    }

    /// Reads a JSON Web Key Set file (`jwks.json` saved earlier, `public-keys.json`, a root key's public file).
    public static func readKeySet(_ path: String) throws -> [PublicKeyEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataDirectoryError("cannot read the key set \(path)")
        }
        do {
            return try JWKS.parse(Array(data))
        } catch {
            throw DataDirectoryError("\(path): \(error)")
        }
    }

    /// Writes a JSON Web Key Set file (whole, through a temporary file), in the form `readKeySet` reads.
    public static func writeKeySet(_ path: String, _ keys: [PublicKeyEntry]) throws {
        try writeReplacing(path, CanonicalJSON.orderedBytes(JWKS.document(keys)) + [UInt8(ascii: "\n")])
    }

    /// Every public key of the data directory's own: `public-keys.json`, the current key and the retired keys.
    /// Missing files are no error (a verifier may pin keys of its own instead).
    public static func ownPublicKeys(_ configuration: ServerConfiguration) throws -> [PublicKeyEntry] {
        let fm = FileManager.default
        var keys: [PublicKeyEntry] = []
        func add(_ key: PublicKeyEntry) {
            if let at = keys.firstIndex(where: { $0.keyID == key.keyID }) {
                if keys[at].certificate == nil { keys[at].certificate = key.certificate }
            } else {
                keys.append(key)
            }
        }
        if fm.fileExists(atPath: publicKeysPath(configuration)) {
            for key in try readKeySet(publicKeysPath(configuration)) { add(key) }
        }
        let retired = retiredKeysPath(configuration)
        for name in ((try? fm.contentsOfDirectory(atPath: retired)) ?? []).sorted() where name.hasSuffix(".ed25519") {
            let path = (retired as NSString).appendingPathComponent(name)
            guard let raw = fm.contents(atPath: path), raw.count == 32 else { continue }
            add(PublicKeyEntry(publicKey: try TreeHeadSigner(rawPrivateKey: Array(raw)).publicKeyBytes))
        }
        if let raw = fm.contents(atPath: configuration.signingKeyPath) {
            guard raw.count == 32 else {
                throw DataDirectoryError("signing key \(configuration.signingKeyPath) is not a 32-byte Ed25519 key")
            }
            add(PublicKeyEntry(publicKey: try TreeHeadSigner(rawPrivateKey: Array(raw)).publicKeyBytes))
        }
        return keys
    }

    /// Adds keys to `public-keys.json` (a key already listed keeps its place; a certificate given replaces the
    /// listed one), written whole to a temporary file and renamed over the old one.
    public static func recordPublicKeys(_ added: [PublicKeyEntry], _ configuration: ServerConfiguration) throws {
        let path = publicKeysPath(configuration)
        var keys = FileManager.default.fileExists(atPath: path) ? try readKeySet(path) : []
        var changed = false
        for key in added {
            if let at = keys.firstIndex(where: { $0.keyID == key.keyID }) {
                if let certificate = key.certificate, keys[at].certificate != certificate {
                    keys[at].certificate = certificate
                    changed = true
                }
            } else {
                keys.append(key)
                changed = true
            }
        }
        guard changed || !FileManager.default.fileExists(atPath: path) else { return }
        try writeKeySet(path, keys)
    }

    /// The certificate `public-keys.json` holds for `publicKey`.
    public static func certificate(for publicKey: [UInt8], _ configuration: ServerConfiguration) throws
        -> KeyCertificate?
    {
        let path = publicKeysPath(configuration)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let keyID = TreeHeadSigner.keyID(raw: publicKey)
        return try readKeySet(path).first { $0.keyID == keyID }?.certificate
    }

    /// What a verifier of this configuration trusts: the data directory's own keys and the `--trusted-keys`
    /// files, pinned; the `--root-key` files, as roots.
    public static func keyTrust(_ configuration: ServerConfiguration) throws -> KeyTrust {
        var trust = try keyTrust(
            trustedKeyFiles: configuration.trustedKeyFiles, rootKeyFiles: configuration.rootKeyFiles)
        for key in try ownPublicKeys(configuration) { trust.pin(key.publicKey) }
        return trust
    }

    /// The keys of `--trusted-keys` files, pinned, and of `--root-key` files, as roots: what a verifier without a
    /// data directory of its own (a witness) trusts.
    public static func keyTrust(trustedKeyFiles: [String], rootKeyFiles: [String]) throws -> KeyTrust {
        var trust = KeyTrust()
        for path in trustedKeyFiles {
            for key in try readKeySet(path) { trust.pin(key.publicKey) }
        }
        for path in rootKeyFiles {
            let roots = try readKeySet(path)
            guard !roots.isEmpty else { throw DataDirectoryError("\(path) holds no Ed25519 key") }
            for key in roots { trust.addRoot(key.publicKey) }
        }
        return trust
    }

    /// Writes `bytes` to `path` through a temporary file renamed over it, so a reader never sees half a file. The
    /// file is made with `permissions` from the start (a private key is never readable by others, even briefly).
    public static func writeReplacing(_ path: String, _ bytes: [UInt8], permissions: mode_t = 0o644) throws {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL, permissions)
        guard fd >= 0 else { throw DataDirectoryError("cannot create \(temporary): errno \(errno)") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        // chmod: the mode exactly as asked, whatever the umask took away at creation.
        guard written == bytes.count, synced, chmod(temporary, permissions) == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw DataDirectoryError("cannot write \(path): errno \(errno)")
        }
    }
}
