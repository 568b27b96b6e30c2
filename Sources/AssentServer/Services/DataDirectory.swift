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
        try makePrivate(configuration, database: true)
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

    /// The data directory holds addresses, request details, suppression keys and the signing key: it is made (or
    /// set) 0700 whatever the umask, and the database 0600 before SQLite first opens it. SQLite gives its WAL and
    /// shared-memory files the database file's mode, and any left from an older start are set 0600 here too.
    static func makePrivate(_ configuration: ServerConfiguration, database: Bool) throws {
        let directory = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard chmod(directory, 0o700) == 0 else {
            throw DataDirectoryError("cannot make the data directory \(directory) private (mode 0700): errno \(errno)")
        }
        guard database else { return }
        let path = configuration.databasePath
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DataDirectoryError("cannot create the database \(path): errno \(errno)") }
        close(fd)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            guard chmod(file, 0o600) == 0 else {
                throw DataDirectoryError("cannot make \(file) private (mode 0600): errno \(errno)")
            }
        }
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
