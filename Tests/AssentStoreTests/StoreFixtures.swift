import AssentCore
import AssentSQLite
import AssentStore
import Foundation
import Logging
import Testing

/// The stores the conformance suite runs against. PostgreSQL joins this list with its store.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite

    var testDescription: String { rawValue }

    /// A fresh, empty store backed by a real database.
    func makeStore() throws -> (store: any AssentStorage, cleanup: @Sendable () -> Void) {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assent-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let store = try SQLiteStore(path: dir.appendingPathComponent("db.sqlite").path)
            return (store, { try? FileManager.default.removeItem(at: dir) })
        }
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
