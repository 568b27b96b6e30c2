// Durable ledger throughput without HTTP: concurrent appenders through the group-commit writer into a fresh
// SQLite store, beside the store alone taking pre-built batches, in the same run.
//   swift run -c release assent-ledger-bench [SECONDS=5] [CONCURRENCY=64]
//   swift run -c release assent-ledger-bench json [ROUNDS=15]   (JSONBench.swift)
import AssentCore
import AssentSQLite
import AssentStore
import Foundation
import Logging

if CommandLine.arguments.dropFirst().first == "json" {
    try runJSONBench(rounds: Int(CommandLine.arguments.dropFirst(2).first ?? "") ?? 15)
    exit(0)
}
let seconds = Double(CommandLine.arguments.dropFirst().first ?? "") ?? 5
let concurrency = Int(CommandLine.arguments.dropFirst(2).first ?? "") ?? 64
let signer = try TreeHeadSigner(rawPrivateKey: Array(repeating: 9, count: 32))
let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

func freshStore() throws -> (SQLiteStore, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assent-ledger-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return (try SQLiteStore(path: dir.appendingPathComponent("db.sqlite").path), dir)
}

func entry(_ n: Int64) -> LedgerEntry {
    // Time-ordered ids, as the server makes them.
    let id = String(format: "%012llx-7000-8000-%012llx", 1_795_969_185_000 + n, n)
    return LedgerEntry(
        id: String(id.prefix(8)) + "-" + String(id.dropFirst(8).prefix(4)) + String(id.dropFirst(12)),
        property: "demo", subject: id,
        choices: [
            "necessary": true, "functional": true, "performance": false,
            "targeting": false, "social": true, "sale": false,
        ],
        action: .save, regime: .optIn, region: "FR", gpc: false, gpcConflicts: [], policyVersion: 1,
        textsHash: String(repeating: "ab", count: 32), lang: "en", recordedAt: 1_795_969_185_000 + n)
}

// 1. Through the writer, as the server does.
do {
    let (store, dir) = try freshStore()
    defer { try? FileManager.default.removeItem(at: dir) }
    let writer = LedgerWriter(store: store, signer: signer, logger: logger, clock: { 0 })
    let deadline = ContinuousClock.now + .seconds(seconds)
    let start = ContinuousClock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for t in 0..<concurrency {
            group.addTask {
                var n = 0
                var i = Int64(t) << 32
                while ContinuousClock.now < deadline {
                    _ = try await writer.append(entry(i))
                    i += 1
                    n += 1
                }
                return n
            }
        }
        var sum = 0
        for try await n in group { sum += n }
        return sum
    }
    let elapsed = ContinuousClock.now - start
    let rate = Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    let batches = writer.batchesCommitted
    print(
        String(
            format: "writer, %d appenders: %.0f records/s, %.1f records per batch", concurrency, rate,
            Double(total) / Double(batches)))
}

// 2. The store alone, batches of the same mean size built beforehand.
do {
    let (store, dir) = try freshStore()
    defer { try? FileManager.default.removeItem(at: dir) }
    var tree = MerkleFrontier()
    var batches: [LedgerBatch] = []
    let size = 32
    for b in 0..<2000 {
        let entries = (0..<size).map { entry(Int64(b * size + $0)) }
        let bytes = entries.map(\.canonicalBytes)
        let start = tree.size
        let (nodes, _) = tree.appendBatch(bytes.map { Merkle.leafHash($0) })
        let head = try signer.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 0))
        batches.append(
            LedgerBatch(log: 0, startIndex: start, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head))
    }
    let start = ContinuousClock.now
    var written = 0
    for batch in batches {
        try await store.append(batch)
        written += batch.entries.count
        if ContinuousClock.now - start > .seconds(seconds) { break }
    }
    let elapsed = ContinuousClock.now - start
    let secondsTaken = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(
        String(
            format: "store alone, batches of %d: %.0f records/s, %.2f ms per batch", size,
            Double(written) / secondsTaken, secondsTaken * 1000 / Double(written / size)))
}

// 3. The serial work the writer does per batch besides the store: tree append with proofs, and signing.
do {
    var tree = MerkleFrontier()
    let leaves = (0..<32).map { Merkle.leafHash(entry(Int64($0)).canonicalBytes) }
    for _ in 0..<1000 { _ = tree.appendBatch(leaves) }  // grow to a realistic size first
    let rounds = 2000
    var start = ContinuousClock.now
    for _ in 0..<rounds { _ = tree.appendBatch(leaves) }
    var elapsed = ContinuousClock.now - start
    let treeMicros =
        (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(rounds)
    start = ContinuousClock.now
    for _ in 0..<rounds { _ = try signer.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 0)) }
    elapsed = ContinuousClock.now - start
    let signMicros =
        (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(rounds)
    start = ContinuousClock.now
    for i in 0..<rounds * 32 { _ = Merkle.leafHash(entry(Int64(i)).canonicalBytes) }
    elapsed = ContinuousClock.now - start
    let entryMicros =
        (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(rounds * 32)
    print(
        String(
            format:
                "per batch of 32: tree append and proofs %.0f µs, signing %.0f µs; per record: entry bytes and leaf hash %.1f µs",
            treeMicros, signMicros, entryMicros))
}

// 4. The pure per-request work of a consent POST in Core: parse and check the body, evaluate, build the entry.
do {
    let property = Property.standard(id: "demo", name: "Demo", origins: [])
    let body = Array(
        #"{"choices":{"functional":true,"performance":true,"targeting":false,"social":true,"sale":false},"action":"save","policyVersion":1,"lang":"en"}"#
            .utf8)
    let rounds = 20000
    let start = ContinuousClock.now
    var sink = 0
    for i in 0..<rounds {
        let submission = try ConsentSubmission.parse(try JSONParser.parse(body))
        try submission.validate(against: property, knownPolicyVersions: [1], gpcSignal: false)
        let region = Region("FR")!
        let regime = property.regimes.regime(for: region)
        let decision = Policy.evaluate(
            regime: regime, categories: property.categories, action: submission.action,
            choices: submission.choices, gpc: false)
        let entry = LedgerEntry(
            decision: decision, id: "id-\(i)", property: property, subject: "subject-\(i)", action: submission.action,
            regime: regime, region: region, lang: "en", textsHash: "ab", recordedAt: Int64(i))
        sink &+= entry.canonicalBytes.count
    }
    let elapsed = ContinuousClock.now - start
    let micros =
        (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(rounds)
    print(
        String(
            format: "per request, Core only (parse, validate, evaluate, entry bytes): %.1f µs (%d)", micros, sink % 2))
}
