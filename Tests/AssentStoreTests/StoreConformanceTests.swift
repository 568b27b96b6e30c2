import AssentCore
import AssentStore
import Foundation
import Testing

/// The storage contract. Every store must pass all of it.
@Suite("Store conformance")
struct StoreConformanceTests {
    // MARK: Properties

    @Test(arguments: StoreKind.allCases)
    func propertyVersions(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var property = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
            property.policyVersion = 42  // the store assigns versions, whatever the document says

            let (first, changed1) = try await store.saveProperty(property, at: 1)
            #expect(changed1)
            #expect(first.revision == 1)
            #expect(first.property.policyVersion == 1)

            let (same, changed2) = try await store.saveProperty(first.property, at: 2)
            #expect(!changed2)
            #expect(same.revision == 1)

            var renamed = first.property
            renamed.name = "News Daily"
            renamed.origins.append("https://www.news.example")
            let (second, changed3) = try await store.saveProperty(renamed, at: 3)
            #expect(changed3)
            #expect(second.revision == 2)
            #expect(second.property.policyVersion == 1, "origins and name are not what a visitor is shown")

            var retexted = second.property
            retexted.texts["en"]?["bannerTitle"] = "Your privacy"
            let (third, _) = try await store.saveProperty(retexted, at: 4)
            #expect(third.revision == 3)
            #expect(third.property.policyVersion == 2)

            #expect(try await store.policyVersions(id: "news") == [1, 2])
            #expect(try await store.currentProperty(id: "news")?.property == third.property)
            let old = try #require(try await store.property(id: "news", policyVersion: 1))
            #expect(old.revision == 2)
            #expect(old.property.texts["en"]?["bannerTitle"] == Property.englishTexts["bannerTitle"])
            #expect(try await store.property(id: "news", policyVersion: 3) == nil)
            #expect(try await store.currentProperty(id: "missing") == nil)
            #expect(try await store.propertyIDs() == ["news"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func propertyCompareAndSave(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let property = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
            await #expect(throws: StoreError.propertyConflict("news")) {
                try await store.saveProperty(property, at: 1, ifRevision: 3)
            }
            let (first, created) = try await store.saveProperty(property, at: 1, ifRevision: nil)
            #expect(created && first.revision == 1)
            await #expect(throws: StoreError.propertyConflict("news")) {
                try await store.saveProperty(property, at: 2, ifRevision: nil)
            }
            // Eight saves over revision 1 at once, each with its own change: exactly one wins.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<8 {
                    var renamed = first.property
                    renamed.name = "News \(i)"
                    group.addTask { (try? await store.saveProperty(renamed, at: 3, ifRevision: 1)) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let current = try #require(try await store.currentProperty(id: "news"))
            #expect(current.revision == 2)
            #expect(try await store.propertyRevisions(id: "news").map(\.revision) == [2, 1])
            #expect(try await store.propertyRevision(id: "news", revision: 1)?.property.name == "News")
            #expect(try await store.propertyRevision(id: "news", revision: 2)?.property == current.property)
            #expect(try await store.propertyRevision(id: "news", revision: 3) == nil)
            #expect(try await store.propertyRevisions(id: "missing").isEmpty)
        }
    }

    // MARK: Vendor lists

    /// A minimal Global Vendor List v3 document.
    static func vendorListJSON(version: Int, vendorName: String = "Ads One", spaced: Bool = false) -> String {
        let gap = spaced ? "\n    " : ""
        return #"{"gvlSpecificationVersion":3,\#(gap)"vendorListVersion":\#(version),"tcfPolicyVersion":5,"#
            + #""lastUpdated":"2026-03-05T16:00:00Z","purposes":{"1":{"id":1,"name":"Store","description":"d"}},"#
            + #""specialPurposes":{},"features":{},"specialFeatures":{},\#(gap)"vendors":{"1":{"id":1,"#
            + #""name":"\#(vendorName)","purposes":[1],"legIntPurposes":[],"specialPurposes":[],"features":[],"#
            + #""specialFeatures":[]}}}"#
    }

    static func storedVendorList(_ text: String, at time: Int64) throws -> StoredVendorList {
        let json = try JSONParser.parse(text)
        return StoredVendorList(list: try VendorList.decode(json), json: json, importedAt: time)
    }

    @Test(arguments: StoreKind.allCases)
    func vendorLists(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.vendorLists() == [])
            #expect(try await store.vendorList(version: 7) == nil)

            let first = try Self.storedVendorList(Self.vendorListJSON(version: 7), at: 5)
            #expect(try await store.saveVendorList(first))
            let back = try #require(try await store.vendorList(version: 7))
            #expect(back == first)
            #expect(try back.vendorList() == (try VendorList.decode(json: Array(Self.vendorListJSON(version: 7).utf8))))
            #expect(back.summary.tcfPolicyVersion == 5)
            #expect(back.summary.lastUpdated == "2026-03-05T16:00:00Z")
            #expect(back.summary.vendorCount == 1)
            #expect(back.summary.sha256.count == 64)

            // The same list again, laid out differently: nothing changes, the first import stays.
            let again = try Self.storedVendorList(Self.vendorListJSON(version: 7, spaced: true), at: 9)
            #expect(try await store.saveVendorList(again) == false)
            #expect(try await store.vendorList(version: 7)?.summary.importedAt == 5)

            // Other content under a stored version is refused, and the stored list stays as it was.
            let changed = try Self.storedVendorList(Self.vendorListJSON(version: 7, vendorName: "Ads Two"), at: 11)
            await #expect(throws: StoreError.vendorListConflict(version: 7)) { try await store.saveVendorList(changed) }
            #expect(try await store.vendorList(version: 7) == first)

            let next = try Self.storedVendorList(Self.vendorListJSON(version: 8, vendorName: "Ads Two"), at: 12)
            #expect(try await store.saveVendorList(next))
            #expect(try await store.vendorLists() == [first.summary, next.summary])
        }
    }

    // MARK: Ledger batches

    @Test(arguments: StoreKind.allCases)
    func appendAndReadBack(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let subject = UUID().uuidString.lowercased()
            var tree = MerkleFrontier()
            var all: [LedgerEntry] = []
            var heads: [SignedTreeHead] = []
            // The first two batches are written as before only some levels were kept (every node), the others
            // as now: a ledger upgraded in between.
            for (n, batchSize) in [1, 3, 8, 5].enumerated() {
                let entries = (0..<batchSize).map { makeEntry(all.count + $0, subject: $0 == 0 ? subject : nil) }
                let bytes = entries.map(\.canonicalBytes)
                let start = tree.size
                let (nodes, _) = tree.appendBatch(bytes.map { Merkle.leafHash($0) })
                let head = try testSigner.sign(
                    TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: Int64(tree.size)))
                var batch = LedgerBatch(
                    log: 0, startIndex: start, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head)
                if n < 2 { batch.nodes = nodes }
                try await store.append(batch)
                all += entries
                heads.append(head)
            }
            // Level 1 is stored for the old batches (node 0: leaves 0 and 1) and not for the new (node 2), level 4
            // is (node 0: leaves 0 to 15); every node comes out right either way.
            let leaves = all.map(\.leafHash)
            _ = try await store.nodes(log: 0, positions: [MerklePosition(level: 1, index: 0)])
            await #expect(throws: StoreError.self) {
                try await store.nodes(log: 0, positions: [MerklePosition(level: 1, index: 2)])
            }
            #expect(
                try await store.nodes(log: 0, positions: [MerklePosition(level: 4, index: 0)])
                    == [Merkle.root(Array(leaves[0..<16]))])
            let some = [(1, 0), (1, 2), (2, 3), (3, 1), (4, 0), (0, 16)].map { MerklePosition(level: $0, index: $1) }
            #expect(
                try await store.treeNodes(log: 0, positions: some)
                    == some.map { Merkle.root(Array(leaves[($0.index << $0.level)..<(($0.index + 1) << $0.level)])) })
            #expect(try await store.treeSize(log: 0) == 17)
            #expect(try await store.logs() == [0])
            #expect(try await store.treeHeads(log: 0) == heads)
            #expect(try await store.latestTreeHead(log: 0) == heads.last)
            #expect(try await store.frontier(log: 0) == tree)

            let fifth = try #require(try await store.record(id: all[5].id))
            #expect(fifth.leafIndex == 5)
            #expect(fifth.entry == all[5])
            #expect(try await store.record(id: UUID().uuidString.lowercased()) == nil)

            let history = try await store.records(property: "demo", subject: subject)
            #expect(history.map(\.leafIndex) == [0, 1, 4, 12])
            #expect(try await store.latestRecord(property: "demo", subject: subject)?.leafIndex == 12)
            #expect(try await store.latestRecord(property: "other", subject: subject) == nil)

            let page = try await store.rawRecords(log: 0, from: 10, limit: 4)
            #expect(page.map(\.leafIndex) == [10, 11, 12, 13])
            #expect(page[0].bytes == all[10].canonicalBytes)

            // Proofs from stored nodes verify against every stored head.
            for head in heads {
                for index in 0..<head.head.size {
                    let proof = try await store.inclusionProof(log: 0, index: index, size: head.head.size)
                    #expect(
                        Merkle.verifyInclusion(
                            leaf: all[index].leafHash, index: index, size: head.head.size, proof: proof,
                            root: head.head.root))
                }
            }
            for (old, new) in zip(heads, heads.dropFirst()) {
                let proof = try await store.consistencyProof(log: 0, oldSize: old.head.size, newSize: new.head.size)
                #expect(
                    Merkle.verifyConsistency(
                        oldSize: old.head.size, newSize: new.head.size, oldRoot: old.head.root, newRoot: new.head.root,
                        proof: proof))
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func batchesAreAtomicAndOrdered(kind: StoreKind) async throws {
        try await kind.withStore { store in
            func batch(_ entries: [LedgerEntry], start: Int, tree: inout MerkleFrontier) throws -> LedgerBatch {
                let bytes = entries.map(\.canonicalBytes)
                let (nodes, _) = tree.appendBatch(bytes.map { Merkle.leafHash($0) })
                let head = try testSigner.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 1))
                return LedgerBatch(
                    log: 0, startIndex: start, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head)
            }
            var tree = MerkleFrontier()
            let first = [makeEntry(0), makeEntry(1)]
            try await store.append(try batch(first, start: 0, tree: &tree))

            // A writer that thinks the log is elsewhere is refused, and writes nothing.
            var stale = MerkleFrontier()
            await #expect(throws: StoreError.logMoved(log: 0, expected: 0, actual: 2)) {
                try await store.append(try batch([makeEntry(2)], start: 0, tree: &stale))
            }
            // A batch whose second record reuses an id fails as a whole.
            var attempt = tree
            let clash = [makeEntry(3), first[0]]
            await #expect(throws: StoreError.duplicateRecordID(first[0].id)) {
                try await store.append(try batch(clash, start: 2, tree: &attempt))
            }
            #expect(try await store.treeSize(log: 0) == 2)
            #expect(try await store.record(id: clash[0].id) == nil)
            #expect(try await store.rawRecords(log: 0, from: 0, limit: 10).count == 2)
            #expect(try await store.treeHeads(log: 0).count == 1)

            // The log goes on from where it really is.
            try await store.append(try batch([makeEntry(4)], start: 2, tree: &tree))
            #expect(try await store.treeSize(log: 0) == 3)
            let report = try await LedgerVerifier.verify(store: store, publicKeys: testKeys)
            #expect(report.ok, "\(report.problem ?? "")")
            #expect(report.records == 3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func logsAreIndependent(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let a = makeWriter(store, log: 0)
            let b = makeWriter(store, log: 1)
            let ra = try await a.append(makeEntry(0))
            let rb = try await b.append(makeEntry(1))
            _ = try await b.append(makeEntry(2))
            #expect(ra.leafIndex == 0 && rb.leafIndex == 0)
            #expect(try await store.logs() == [0, 1])
            #expect(try await store.treeSize(log: 1) == 2)
            #expect(try await LedgerVerifier.verify(store: store, publicKeys: testKeys).records == 3)
        }
    }

    // MARK: The writer

    @Test(arguments: StoreKind.allCases)
    func concurrentWritersShareBatches(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let writer = makeWriter(store)
            let tasks = 100
            let perTask = 20
            let receipts = try await withThrowingTaskGroup(of: [Receipt].self) { group in
                for t in 0..<tasks {
                    group.addTask {
                        var mine: [Receipt] = []
                        for i in 0..<perTask { mine.append(try await writer.append(makeEntry(t * perTask + i))) }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let total = tasks * perTask
            #expect(receipts.count == total)
            #expect(Set(receipts.map(\.leafIndex)) == Set(0..<total))
            #expect(Set(receipts.map(\.entry.id)).count == total)
            for receipt in receipts {
                #expect(
                    Merkle.verifyInclusion(
                        leaf: receipt.entry.leafHash, index: receipt.leafIndex, size: receipt.treeHead.head.size,
                        proof: receipt.proof, root: receipt.treeHead.head.root))
                #expect(receipt.treeHead.isValid(publicKey: testSigner.publicKey))
            }
            let batches = writer.batchesCommitted
            #expect(batches < total, "concurrent appends must share transactions (group commit)")
            #expect(try await store.treeHeads(log: 0).count == batches)
            let report = try await LedgerVerifier.verify(store: store, publicKeys: testKeys)
            #expect(report.ok, "\(report.problem ?? "")")
            #expect(report.records == total)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func writerRecoversFromAFailedBatch(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let writer = makeWriter(store)
            let first = try await writer.append(makeEntry(0))
            // Reusing a record id makes the store refuse the whole batch: a real failure, not a fake.
            await #expect(throws: StoreError.self) { try await writer.append(first.entry) }
            let next = try await writer.append(makeEntry(1))
            #expect(next.leafIndex == 1)
            #expect(try await LedgerVerifier.verify(store: store, publicKeys: testKeys).ok)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func writerContinuesAnExistingLog(kind: StoreKind) async throws {
        try await kind.withStore { store in
            for i in 0..<5 { _ = try await makeWriter(store).append(makeEntry(i)) }
            let receipt = try await makeWriter(store).append(makeEntry(5))
            #expect(receipt.leafIndex == 5)
            #expect(try await LedgerVerifier.verify(store: store, publicKeys: testKeys).records == 6)
        }
    }
}
