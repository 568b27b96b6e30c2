import AssentCore
import AssentPostgres
import AssentSQLite
import AssentStore
import Crypto
import Foundation
import GRDB
import Testing

/// The forgeries someone who can write the database can make, each caught by the check that should catch it,
/// on every store: the verifier trusts only keys pinned out of band or certified by a pinned root, and tree heads
/// saved earlier catch a history cut short or rewritten with a stolen key (docs/ledger-trust.md).
@Suite("Ledger trust: forgeries by whoever can write the database")
struct LedgerTrustTests {
    /// A store, and what an attacker with the database's credentials has: SQL of their own.
    struct Target: Sendable {
        let kind: StoreKind
        let store: any AssentStorage
        let execute: @Sendable (String) async throws -> Void

        /// A BLOB / bytea literal.
        func blob(_ bytes: [UInt8]) -> String {
            let hex = Hex.encode(bytes)
            return kind == .sqlite ? "X'\(hex)'" : "decode('\(hex)', 'hex')"
        }
    }

    static func withTarget(_ kind: StoreKind, _ body: (Target) async throws -> Void) async throws {
        switch kind {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assent-trust-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("db.sqlite").path
            let store = try SQLiteStore(path: path)
            try await body(
                Target(
                    kind: kind, store: store,
                    execute: { sql in
                        let queue = try DatabaseQueue(path: path)
                        try await queue.write { db in try db.execute(sql: sql) }
                    }))
        case .postgres:
            try await TestPostgres.withDatabase { url in
                try await PostgresStore.withStore(url: url, logger: TestPostgres.logger) { store in
                    try await body(
                        Target(
                            kind: kind, store: store,
                            execute: { sql in try await TestPostgres.execute(sql, on: url) }))
                }
            }
        }
    }

    /// The ledger as the server writes it: batches of 3 signed by `signers` in turn (one server, or several).
    struct Ledger {
        var entries: [LedgerEntry] = []
        var heads: [SignedTreeHead] = []
    }

    static func fill(_ store: any LedgerStore, count: Int, signers: [TreeHeadSigner] = [testSigner]) async throws
        -> Ledger
    {
        var tree = MerkleFrontier()
        var ledger = Ledger()
        for (batch, start) in stride(from: 0, to: count, by: 3).enumerated() {
            let entries = (start..<min(start + 3, count)).map { makeEntry($0) }
            let bytes = entries.map(\.canonicalBytes)
            let (nodes, _) = tree.appendBatch(bytes.map { Merkle.leafHash($0) })
            let signer = signers[batch % signers.count]
            let head = try signer.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 1))
            try await store.append(
                LedgerBatch(
                    log: 0, startIndex: start, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head))
            ledger.entries += entries
            ledger.heads.append(head)
        }
        return ledger
    }

    /// Replaces record `index` with a changed decision, recomputes its leaf hash and every stored node, and signs
    /// every tree head from that record on again with `signer`: a rewrite as consistent as the attacker can make it.
    static func rewrite(_ target: Target, _ ledger: Ledger, record index: Int, signer: TreeHeadSigner) async throws
        -> [SignedTreeHead]
    {
        var entries = ledger.entries
        entries[index].choices = ["necessary": true, "targeting": true]
        let bytes = entries[index].canonicalBytes
        try await target.execute(
            "UPDATE ledger_records SET entry = \(target.blob(bytes)), leaf_hash = \(target.blob(Merkle.leafHash(bytes).bytes)) WHERE log = 0 AND leaf_index = \(index)"
        )
        var tree = MerkleFrontier()
        var heads: [SignedTreeHead] = []
        for old in ledger.heads {
            let leaves = entries[tree.size..<old.head.size].map { Merkle.leafHash($0.canonicalBytes) }
            let (nodes, _) = tree.appendBatch(Array(leaves))
            for node in nodes where node.level > 0 {
                try await target.execute(
                    "UPDATE ledger_nodes SET hash = \(target.blob(node.hash.bytes)) WHERE log = 0 AND level = \(node.level) AND idx = \(node.index)"
                )
            }
            guard old.head.size > index else {
                heads.append(old)
                continue
            }
            let head = try signer.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 2))
            try await target.execute(
                "UPDATE ledger_heads SET root = \(target.blob(head.head.root.bytes)), timestamp = 2, key_id = '\(head.keyID)', signature = \(target.blob(head.signature)) WHERE log = 0 AND size = \(head.head.size)"
            )
            heads.append(head)
        }
        return heads
    }

    /// Removes the records from `size` on, with their tree heads and nodes.
    static func cut(_ target: Target, to size: Int) async throws {
        try await target.execute("DELETE FROM ledger_records WHERE log = 0 AND leaf_index >= \(size)")
        try await target.execute("DELETE FROM ledger_heads WHERE log = 0 AND size > \(size)")
        try await target.execute(
            "DELETE FROM ledger_nodes WHERE log = 0 AND ((idx + 1) << CAST(level AS INTEGER)) > \(size)")
        if target.kind == .postgres {
            try await target.execute("UPDATE ledger_logs SET size = \(size) WHERE log = 0")
        }
    }

    static let attacker = try! TreeHeadSigner(rawPrivateKey: Array(repeating: 0xA7, count: 32))
    static let pinnedTestKey = KeyTrust(pinned: [testSigner.publicKeyBytes])

    static func verify(
        _ store: any AssentStorage, trust: KeyTrust = pinnedTestKey, checkpoints: [SignedTreeHead] = []
    ) async throws -> LedgerVerifier.Report {
        let (keys, untrusted) = trust.evaluate(try await store.publishedKeys().map(\.entry))
        return try await LedgerVerifier.verify(
            store: store, publicKeys: keys, untrusted: untrusted, checkpoints: checkpoints, pageSize: 4)
    }

    @Test(
        "an untouched ledger verifies with its pinned key and with the heads saved along the way",
        arguments: StoreKind.allCases)
    func untouched(kind: StoreKind) async throws {
        try await Self.withTarget(kind) { target in
            let ledger = try await Self.fill(target.store, count: 12)
            let report = try await Self.verify(target.store, checkpoints: ledger.heads)
            #expect(report.ok, "\(report.problem ?? "")")
            #expect(report.records == 12 && report.treeHeads == 4)
        }
    }

    @Test(
        "forgery 1: a record changed and its heads signed again with a key inserted in the database fails, naming that key",
        arguments: StoreKind.allCases)
    func recordChangedAndSignedWithInsertedKey(kind: StoreKind) async throws {
        try await Self.withTarget(kind) { target in
            let ledger = try await Self.fill(target.store, count: 12)
            try await target.store.publishKey(
                PublishedKey(keyID: testSigner.keyID, publicKey: testSigner.publicKeyBytes, firstUsedAt: 1))
            let forged = try await Self.rewrite(target, ledger, record: 4, signer: Self.attacker)
            try await target.execute(
                "INSERT INTO signing_keys (key_id, public_key, first_used_at) VALUES ('\(Self.attacker.keyID)', \(target.blob(Self.attacker.publicKeyBytes)), 2)"
            )
            // Trusting every key of the database, as verifiers did, the forgery passes: it is consistent.
            var everyKey: [String: [UInt8]] = [:]
            for key in try await target.store.publishedKeys() { everyKey[key.keyID] = key.publicKey }
            #expect(try await LedgerVerifier.verify(store: target.store, publicKeys: everyKey).ok)
            #expect(forged.last?.keyID == Self.attacker.keyID)

            let report = try await Self.verify(target.store)
            let problem = try #require(report.problem)
            #expect(
                problem.contains("log 0: tree head at size 6 is signed by unknown key \(Self.attacker.keyID)"),
                "\(problem)")
            #expect(problem.contains("known only to the database"), "\(problem)")
            #expect(problem.contains("3 tree head(s)"), "\(problem)")
        }
    }

    @Test(
        "forgery 2: the tail cut with its heads and nodes passes a plain check but not one with a saved head",
        arguments: StoreKind.allCases)
    func tailCut(kind: StoreKind) async throws {
        try await Self.withTarget(kind) { target in
            let ledger = try await Self.fill(target.store, count: 12)
            let saved = try #require(ledger.heads.last)
            try await Self.cut(target, to: 6)
            #expect(try await target.store.latestTreeHead(log: 0)?.head.size == 6)

            let plain = try await Self.verify(target.store)
            #expect(plain.ok && plain.records == 6, "a consistent cut is invisible without a saved head")
            let report = try await Self.verify(target.store, checkpoints: [saved])
            let problem = try #require(report.problem)
            #expect(problem.contains("log 0: the saved tree head at size 12 covers 12 records but only 6 are stored"))
            #expect(problem.contains("cut"))
        }
    }

    @Test(
        "forgery 3: a rewrite signed with the stolen key passes a plain check, but not a saved head nor a consistency proof",
        arguments: StoreKind.allCases)
    func rewriteWithStolenKey(kind: StoreKind) async throws {
        try await Self.withTarget(kind) { target in
            let ledger = try await Self.fill(target.store, count: 12)
            let saved = ledger.heads[2]  // size 9, seen by a witness before the rewrite
            let before = try await target.store.consistencyProof(log: 0, oldSize: 9, newSize: 12)
            #expect(
                Merkle.verifyConsistency(
                    oldSize: 9, newSize: 12, oldRoot: saved.head.root, newRoot: ledger.heads[3].head.root,
                    proof: before))
            let forged = try await Self.rewrite(target, ledger, record: 4, signer: testSigner)

            let plain = try await Self.verify(target.store)
            #expect(
                plain.ok && plain.treeHeads == 4, "with the real key the rewrite is consistent: \(plain.problem ?? "")")
            let report = try await Self.verify(target.store, checkpoints: [saved])
            let problem = try #require(report.problem)
            #expect(problem.contains("log 0: the saved tree head at size 9 does not match the stored records"))
            #expect(problem.contains("rewritten"))

            // What the witness checks: the store's proof from the saved head to its new one does not verify.
            let latest = try #require(try await target.store.latestTreeHead(log: 0))
            #expect(latest == forged.last)
            let proof = try await target.store.consistencyProof(log: 0, oldSize: 9, newSize: 12)
            #expect(
                !Merkle.verifyConsistency(
                    oldSize: 9, newSize: 12, oldRoot: saved.head.root, newRoot: latest.head.root, proof: proof))
        }
    }

    @Test("a witness's consistency proofs verify over honest growth", arguments: StoreKind.allCases)
    func consistencyProofsVerifyOverGrowth(kind: StoreKind) async throws {
        try await Self.withTarget(kind) { target in
            let ledger = try await Self.fill(target.store, count: 13)
            for old in ledger.heads {
                for new in ledger.heads where new.head.size >= old.head.size {
                    let proof = try await target.store.consistencyProof(
                        log: 0, oldSize: old.head.size, newSize: new.head.size)
                    #expect(
                        Merkle.verifyConsistency(
                            oldSize: old.head.size, newSize: new.head.size, oldRoot: old.head.root,
                            newRoot: new.head.root, proof: proof))
                }
            }
        }
    }

    @Test("several servers' keys certified by a pinned root verify with the root alone", arguments: StoreKind.allCases)
    func certifiedServers(kind: StoreKind) async throws {
        try await Self.withTarget(kind) { target in
            let root = try Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: 0x52, count: 32))
            let servers = try [0x11, 0x22].map {
                try TreeHeadSigner(rawPrivateKey: Array(repeating: UInt8($0), count: 32))
            }
            for (i, server) in servers.enumerated() {
                let certificate = try KeyCertificate.issue(for: server.publicKeyBytes, root: root)
                try await target.store.publishKey(
                    PublishedKey(
                        keyID: server.keyID, publicKey: server.publicKeyBytes, firstUsedAt: Int64(i),
                        certificate: certificate.bytes))
            }
            _ = try await Self.fill(target.store, count: 12, signers: servers)
            let rootOnly = KeyTrust(roots: [Array(root.publicKey.rawRepresentation)])
            let report = try await Self.verify(target.store, trust: rootOnly)
            #expect(report.ok && report.treeHeads == 4, "\(report.problem ?? "")")

            // A certificate from another root, written into the database, does not make a key trusted.
            let otherRoot = try Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: 0x53, count: 32))
            let forged = try KeyCertificate.issue(for: servers[1].publicKeyBytes, root: otherRoot)
            try await target.execute(
                "UPDATE signing_keys SET certificate = \(target.blob(forged.bytes)) WHERE key_id = '\(servers[1].keyID)'"
            )
            let failed = try await Self.verify(target.store, trust: rootOnly)
            let problem = try #require(failed.problem)
            #expect(problem.contains("signed by unknown key \(servers[1].keyID)"), "\(problem)")
            #expect(problem.contains("not pinned"), "\(problem)")
        }
    }

    @Test(
        "a key's certificate is stored beside it, and given anew replaces the stored one", arguments: StoreKind.allCases
    )
    func certificateColumn(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let key = PublishedKey(keyID: testSigner.keyID, publicKey: testSigner.publicKeyBytes, firstUsedAt: 5)
            try await store.publishKey(key)
            #expect(try await store.publishedKeys() == [key])
            var certified = key
            certified.certificate = Array("first".utf8)
            certified.firstUsedAt = 9
            try await store.publishKey(certified)
            certified.firstUsedAt = 5
            #expect(try await store.publishedKeys() == [certified])
            // Published again without one (a server restarted without its file): the stored one stays.
            try await store.publishKey(key)
            #expect(try await store.publishedKeys() == [certified])
            certified.certificate = Array("second".utf8)
            try await store.publishKey(certified)
            #expect(try await store.publishedKeys() == [certified])
        }
    }
}
