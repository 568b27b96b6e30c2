// Fills a ledger fast, for benchmarks at scale: appends records straight to the store in large signed batches
// (no HTTP, no group-commit wait), with the data directory's signing key, so that `assent serve` and
// `assent ledger verify` work on the result exactly as on a ledger the server wrote.
//   assent-ledger-fill DATA_DIR RECORDS [SUBJECTS] [DATABASE_URL]
// Record n has subject `subject(n % SUBJECTS)`; bench-growth asks for those subjects.
import AssentCore
import AssentServer
import AssentStore
import Foundation
import Logging

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, let total = Int(arguments[1]), total > 0 else {
    FileHandle.standardError.write(Data("usage: assent-ledger-fill DATA_DIR RECORDS [SUBJECTS] [DATABASE_URL]\n".utf8))
    exit(2)
}
let subjects = arguments.count > 2 ? max(1, Int(arguments[2]) ?? total) : total
var configuration = ServerConfiguration(dataDirectory: arguments[0])
configuration.databaseURL = arguments.count > 3 ? arguments[3] : nil
var logger = Logger(label: "fill")
logger.logLevel = .warning

/// Subject k as a UUID string (version 4 layout, so the server accepts it).
func subject(_ k: Int) -> String {
    let hex = String(format: "%012llx", UInt64(k))
    return "5ab1ec70-0000-4000-8000-" + hex
}

func entry(_ n: Int, at time: Int64) -> LedgerEntry {
    let hex = String(format: "%012llx", UInt64(n))
    return LedgerEntry(
        id: "f1110000-0000-4000-8000-" + hex, property: "demo", subject: subject(n % subjects),
        choices: [
            "necessary": true, "functional": n % 2 == 0, "performance": n % 3 == 0, "targeting": false,
            "social": true, "sale": false,
        ],
        action: .save, regime: .optOut, region: "US-CA", gpc: false, gpcConflicts: [], policyVersion: 1,
        textsHash: String(repeating: "ab", count: 32), lang: "en", recordedAt: time + Int64(n / 1000))
}

try await DataDirectory.withStorage(configuration, logger: logger) { opened in
    let store = opened.store
    let signer = opened.signer
    try await store.publishKey(
        PublishedKey(keyID: signer.keyID, publicKey: signer.publicKeyBytes, firstUsedAt: 0))
    var tree = try await store.frontier(log: 0)
    let first = tree.size
    let batchSize = 5000
    let started = ContinuousClock.now
    let time = Int64(Date().timeIntervalSince1970 * 1000) - Int64(total / 1000) - 1
    var n = first
    while n < first + total {
        let entries = (n..<min(n + batchSize, first + total)).map { entry($0, at: time) }
        let bytes = entries.map(\.canonicalBytes)
        let start = tree.size
        let (nodes, _) = tree.appendBatch(bytes.map { Merkle.leafHash($0) })
        let head = try signer.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: time))
        try await store.append(
            LedgerBatch(log: 0, startIndex: start, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head))
        n += entries.count
        if (n - first) % 500_000 < batchSize {
            let seconds = started.duration(to: .now) / .seconds(1)
            FileHandle.standardError.write(
                Data(String(format: "%d records, %.0f records/s\n", n - first, Double(n - first) / seconds).utf8))
        }
    }
    let seconds = started.duration(to: .now) / .seconds(1)
    print(
        String(
            format: "filled %d records (%d subjects) in %.1f s: %.0f records/s", total, subjects, seconds,
            Double(total) / seconds))
}
