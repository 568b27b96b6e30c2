import AssentCore
import AssentStore
import Crypto
import Foundation
import Logging
import Testing

/// Several writers on one database: two servers' writers on the same log, and the ledger split into shards.
@Suite("Ledger shards and concurrent writers")
struct LedgerShardTests {
    /// Checks a receipt offline: the entry's leaf is in the signed tree head, and the head's signature holds.
    static func holds(_ receipt: Receipt) throws -> Bool {
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: testSigner.publicKeyBytes)
        let leaf = Merkle.leafHash(receipt.entry.canonicalBytes)
        return receipt.treeHead.isValid(publicKey: key)
            && Merkle.verifyInclusion(
                leaf: leaf, index: receipt.leafIndex, size: receipt.treeHead.head.size, proof: receipt.proof,
                root: receipt.treeHead.head.root)
    }

    /// Two writers on one log are what two servers on one database are: each one's tree goes stale whenever the
    /// other commits. The loser of each race must rebuild its batch on the stored tree, not fail or fork it.
    @Test(arguments: StoreKind.allCases)
    func twoWritersOnOneLogBothSucceed(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let first = makeWriter(store)
            let second = makeWriter(store)
            let receipts = try await withThrowingTaskGroup(of: Receipt.self) { group in
                for n in 0..<200 {
                    let writer = n.isMultiple(of: 2) ? first : second
                    group.addTask { try await writer.append(makeEntry(n)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(receipts.count == 200)
            #expect(Set(receipts.map(\.leafIndex)) == Set(0..<200), "every record has its own leaf")
            #expect(try receipts.allSatisfy(Self.holds))
            #expect(try await store.treeSize(log: 0) == 200)
            #expect(first.recordsCommitted + second.recordsCommitted == 200)
            #expect(first.recordsCommitted > 0 && second.recordsCommitted > 0)
            let report = try await LedgerVerifier.verify(store: store, publicKeys: testKeys)
            #expect(report.ok, "\(report.problem ?? "")")
            #expect(report.records == 200)
        }
    }

    /// A writer whose log another writer moved: PostgreSQL (shared by several servers) builds the batch again on
    /// the stored tree under the log's lock, with no retry; SQLite (one server) refuses it and the writer retries.
    /// Either way the record lands after the other writer's and the ledger verifies.
    @Test(arguments: StoreKind.allCases)
    func aMovedLogIsBuiltAgainOnTheStoredTree(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let first = makeWriter(store)
            let second = makeWriter(store)
            _ = try await first.append(makeEntry(0))
            _ = try await second.append(makeEntry(1))
            let receipt = try await first.append(makeEntry(2))
            #expect(receipt.leafIndex == 2)
            #expect(try Self.holds(receipt))
            switch kind {
            case .postgres:
                #expect(first.batchesRebuilt == 1 && first.batchesRetried == 0)
            case .sqlite:
                #expect(first.batchesRetried == 1 && first.batchesRebuilt == 0)
            }
            #expect(second.batchesRebuilt == 0 && second.batchesRetried == 0, "a writer with no tree yet reads it")
            let report = try await LedgerVerifier.verify(store: store, publicKeys: testKeys)
            #expect(report.ok && report.records == 3, "\(report.problem ?? "")")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func shardsSplitTheLedgerAndEachVerifies(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let shards = LedgerShards(
                count: 4, store: store, signer: testSigner, logger: logger, clock: { 1_795_969_185_000 })
            let subjects = (0..<40).map { _ in UUID().uuidString.lowercased() }
            let receipts = try await withThrowingTaskGroup(of: Receipt.self) { group in
                for n in 0..<160 {
                    let subject = subjects[n % subjects.count]
                    group.addTask { try await shards.append(makeEntry(n, subject: subject)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(try receipts.allSatisfy(Self.holds))
            for receipt in receipts {
                let expected = LedgerShards.shard(property: "demo", subject: receipt.entry.subject, count: 4)
                #expect(receipt.treeHead.head.log == expected, "a decision lands in its subject's shard")
            }
            let logs = try await store.logs()
            #expect(logs.count > 1 && logs.allSatisfy { (0..<4).contains($0) })
            var total = 0
            for log in logs { total += try await store.treeSize(log: log) }
            #expect(total == 160)
            let report = try await LedgerVerifier.verify(store: store, publicKeys: testKeys)
            #expect(report.ok, "\(report.problem ?? "")")
            #expect(report.logs == logs.count && report.records == 160)
            // One subject's decisions stay in one log, in the order they were made.
            let history = try await store.records(property: "demo", subject: subjects[0])
            #expect(Set(history.map(\.log)).count == 1)
        }
    }

    /// The shard is the same on every server and after every restart: SHA-256, never Swift's seeded Hasher.
    /// Expected values computed independently (Python's hashlib).
    @Test func shardChoiceIsStable() {
        #expect(LedgerShards.shard(property: "demo", subject: "01a22934-3b60-726a-82a1-38f9f4233a53", count: 8) == 4)
        #expect(LedgerShards.shard(property: "demo", subject: "01a22934-3b60-726a-82a1-38f9f4233a53", count: 16) == 4)
        #expect(LedgerShards.shard(property: "news", subject: "x", count: 3) == 0)
        #expect(LedgerShards.shard(property: "news", subject: "x", count: 1) == 0)
    }
}
