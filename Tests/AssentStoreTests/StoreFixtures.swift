import AssentCore
import AssentPostgres
import AssentSQLite
import AssentStore
import Foundation
import Logging
import Testing

/// The stores the conformance suite runs against: SQLite always, PostgreSQL when `ASSENT_TEST_DATABASE_URL` names a
/// server to make test databases on.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var allCases: [StoreKind] { TestPostgres.isAvailable ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, empty store backed by a real database, removed afterwards.
    func withStore<Result: Sendable>(_ body: (any AssentStorage) async throws -> Result) async throws -> Result {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assent-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = try SQLiteStore(path: dir.appendingPathComponent("db.sqlite").path)
            return try await body(store)
        case .postgres:
            return try await TestPostgres.withStore { try await body($0) }
        }
    }

    /// A fresh SQLite store and what removes it. PostgreSQL's test database is dropped asynchronously, which a
    /// synchronous cleanup cannot do: tests that run against every kind use `withStore`.
    func makeStore() throws -> (store: any AssentStorage, cleanup: @Sendable () -> Void) {
        guard self == .sqlite else {
            throw TestPostgresError("makeStore() makes SQLite stores only; use withStore { } for \(rawValue)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assent-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: dir.appendingPathComponent("db.sqlite").path)
        return (store, { try? FileManager.default.removeItem(at: dir) })
    }
}

/// A fixed signing key for tests (Core takes key bytes from outside).
let testSigner = try! TreeHeadSigner(rawPrivateKey: Array(repeating: 7, count: 32))
let testKeys = [testSigner.keyID: testSigner.publicKeyBytes]

func makeEntry(
    _ n: Int, property: String = "demo", subject: String? = nil, choices: [String: Bool] = ["necessary": true],
    at time: Int64 = 1_795_969_185_000
) -> LedgerEntry {
    LedgerEntry(
        id: UUID().uuidString.lowercased(), property: property,
        subject: subject ?? UUID().uuidString.lowercased(), choices: choices, action: .save, regime: .optIn,
        region: "FR", gpc: false, gpcConflicts: [], policyVersion: 1, textsHash: String(repeating: "a", count: 64),
        lang: "en", recordedAt: time + Int64(n))
}

func makeWriter(_ store: any LedgerStore, log: Int = 0) -> LedgerWriter {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return LedgerWriter(store: store, signer: testSigner, log: log, logger: logger, clock: { 1_795_969_185_000 })
}
