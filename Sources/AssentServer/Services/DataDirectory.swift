import AssentCore
import AssentSQLite
import AssentStore
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The data directory of the embedded setup: the SQLite database and the Ed25519 signing key (mode 0600). With
/// PostgreSQL it holds the key alone (see `withStorage`).
public enum DataDirectory {
    public struct Opened: Sendable {
        public let store: any AssentStorage
        public let signer: TreeHeadSigner
        public let createdKey: Bool
    }

    /// Opens (creating if needed) the SQLite store of the data directory and the signing key.
    public static func open(_ configuration: ServerConfiguration) throws -> Opened {
        if configuration.databaseURL != nil {
            throw DataDirectoryError("a PostgreSQL store is opened with DataDirectory.withStorage, not open")
        }
        let fm = FileManager.default
        try fm.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let (signer, created) = try loadOrCreateKey(at: configuration.signingKeyPath)
        let store = try SQLiteStore(path: configuration.databasePath)
        return Opened(store: store, signer: signer, createdKey: created)
    }

    /// Opens an existing data directory without creating anything (for `assent ledger verify`).
    public static func openExisting(_ configuration: ServerConfiguration) throws -> (SQLiteStore, publicKey: [UInt8]?) {
        guard FileManager.default.fileExists(atPath: configuration.databasePath) else {
            throw DataDirectoryError("no database at \(configuration.databasePath)")
        }
        let store = try SQLiteStore(path: configuration.databasePath)
        var publicKey: [UInt8]?
        if let raw = FileManager.default.contents(atPath: configuration.signingKeyPath) {
            publicKey = try TreeHeadSigner(rawPrivateKey: Array(raw)).publicKeyBytes
        }
        return (store, publicKey)
    }

    static func loadOrCreateKey(at path: String) throws -> (TreeHeadSigner, created: Bool) {
        if let raw = FileManager.default.contents(atPath: path) {
            guard raw.count == 32 else { throw DataDirectoryError("signing key \(path) is not a 32-byte Ed25519 key") }
            return (try TreeHeadSigner(rawPrivateKey: Array(raw)), false)
        }
        let key = Curve25519.Signing.PrivateKey()
        let raw = key.rawRepresentation
        // Create with 0600 from the start so the key is never readable by others, even briefly.
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw DataDirectoryError("cannot create signing key \(path): errno \(errno)") }
        defer { close(fd) }
        let written = raw.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == raw.count, fsync(fd) == 0 else { throw DataDirectoryError("cannot write signing key \(path)") }
        return (try TreeHeadSigner(rawPrivateKey: Array(raw)), true)
    }
}

public struct DataDirectoryError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Key ids as the ledger names them, for tools that only hold a public key.
public enum TreeHeadSignerID {
    public static func keyID(_ publicKey: [UInt8]) -> String {
        String(Hex.encode(SHA256Digest.of(publicKey)).prefix(16))
    }
}
