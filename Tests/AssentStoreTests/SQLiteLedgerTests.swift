import AssentCore
import AssentSQLite
import AssentStore
import Foundation
import GRDB
import Testing

/// What only the embedded store can show: its durability settings, and that tampering with the database file
/// behind the server's back is caught by the verifier.
@Suite("SQLite ledger")
struct SQLiteLedgerTests {
    final class Fixture: Sendable {
        let dir: URL
        let path: String
        let store: SQLiteStore

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("assent-sqlite-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            path = dir.appendingPathComponent("db.sqlite").path
            store = try SQLiteStore(path: path)
        }

        deinit { try? FileManager.default.removeItem(at: dir) }

        /// Writes `count` records in batches of exactly 3, as the writer would, so tree heads fall at known sizes.
        func fill(_ count: Int) async throws -> [Receipt] {
            var tree = MerkleFrontier()
            var receipts: [Receipt] = []
            for start in stride(from: 0, to: count, by: 3) {
                let entries = (start..<min(start + 3, count)).map { makeEntry($0) }
                let bytes = entries.map(\.canonicalBytes)
                let (nodes, proofs) = tree.appendBatch(bytes.map { Merkle.leafHash($0) })
                let head = try testSigner.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 1))
                try await store.append(
                    LedgerBatch(
                        log: 0, startIndex: start, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head))
                for (i, entry) in entries.enumerated() {
                    receipts.append(Receipt(entry: entry, leafIndex: start + i, proof: proofs[i], treeHead: head))
                }
            }
            return receipts
        }

        /// Changes the database as an attacker with file access would, through a separate connection.
        func tamper(_ sql: String, _ arguments: StatementArguments = []) throws {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
        }

        func verify() async throws -> LedgerVerifier.Report {
            try await LedgerVerifier.verify(store: store, publicKeys: testKeys, pageSize: 4)
        }
    }

    /// Under writes that never pause, the WAL must not grow for as long as they last: a background checkpoint
    /// alone never catches up with its end, so SQLite never starts it again. Twice the commits, about the same
    /// file.
    @Test func walStaysBoundedUnderSteadyWrites() async throws {
        let fixture = try Fixture()
        var tree = MerkleFrontier()
        func commit(_ index: Int) async throws {
            let entry = makeEntry(index)
            let bytes = entry.canonicalBytes
            let (nodes, _) = tree.appendBatch([Merkle.leafHash(bytes)])
            let head = try testSigner.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 1))
            try await fixture.store.append(
                LedgerBatch(
                    log: 0, startIndex: index, entries: [entry], entryBytes: [bytes], nodes: nodes, treeHead: head))
        }
        func walSize() throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path + "-wal")
            return (attributes[.size] as? Int) ?? 0
        }
        for i in 0..<600 { try await commit(i) }
        let afterFirst = try walSize()
        for i in 600..<1200 { try await commit(i) }
        let afterSecond = try walSize()
        #expect(afterFirst > 0)
        #expect(
            Double(afterSecond) < Double(afterFirst) * 1.5,
            "WAL grew from \(afterFirst) to \(afterSecond) bytes between 600 and 1200 commits")
    }

    /// The request history refuses changes even from another connection that bypasses the store.
    @Test func requestHistoryIsAppendOnly() async throws {
        let fixture = try Fixture()
        let request = RequestStoreConformanceTests.makeRequest(1)
        try await fixture.store.createRequest(
            request, event: RequestStoreConformanceTests.created(request), challenge: nil, suppression: nil,
            webhook: nil)
        #expect(throws: DatabaseError.self) { try fixture.tamper("UPDATE request_events SET actor = 'admin:x'") }
        #expect(throws: DatabaseError.self) { try fixture.tamper("DELETE FROM request_events") }
        #expect(try await fixture.store.requestEvents(requestID: request.id).map(\.actor) == ["requester"])
    }

    @Test func durableSettings() async throws {
        let fixture = try Fixture()
        let settings = try await fixture.store.durabilitySettings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2, "synchronous must be FULL so a committed batch survives power loss")
    }

    @Test func acknowledgedOnlyWhenCommitted() async throws {
        let fixture = try Fixture()
        let writer = makeWriter(fixture.store)
        // A second, independent connection must see every record at the moment its append returns.
        let observer = try DatabaseQueue(path: fixture.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    let receipt = try await writer.append(makeEntry(i))
                    let seen = try await observer.read { db in
                        try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM ledger_records WHERE id = ?", arguments: [receipt.entry.id])
                    }
                    #expect(seen == 1)
                    let heads = try await observer.read { db in
                        try Int.fetchOne(db, sql: "SELECT max(size) FROM ledger_heads") ?? 0
                    }
                    #expect(heads >= receipt.treeHead.head.size)
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func untouchedLedgerVerifies() async throws {
        let fixture = try Fixture()
        _ = try await fixture.fill(20)
        let report = try await fixture.verify()
        #expect(report.ok)
        #expect(report.records == 20)
        #expect(report.treeHeads == 7)
    }

    @Test func changedRecordIsNamed() async throws {
        let fixture = try Fixture()
        let receipts = try await fixture.fill(20)
        var altered = receipts[7].entry
        altered.choices["necessary"] = false
        altered.choices["targeting"] = true
        try fixture.tamper(
            "UPDATE ledger_records SET entry = ? WHERE leaf_index = 7", [Data(altered.canonicalBytes)])
        let report = try await fixture.verify()
        #expect(!report.ok)
        #expect(report.problem?.contains("record 7") == true, "\(report.problem ?? "")")
    }

    @Test func changedRecordAndLeafHashStillCaught() async throws {
        let fixture = try Fixture()
        let receipts = try await fixture.fill(20)
        var altered = receipts[10].entry
        altered.choices["necessary"] = false
        try fixture.tamper("UPDATE ledger_records SET entry = ? WHERE leaf_index = 10", [Data(altered.canonicalBytes)])
        try fixture.tamper(
            "UPDATE ledger_records SET leaf_hash = ? WHERE leaf_index = 10", [Data(altered.leafHash.bytes)])
        let report = try await fixture.verify()
        #expect(!report.ok)
        // Heads are signed per batch of 3: leaves 9, 10, 11 form the batch that covers record 10.
        #expect(report.problem?.contains("size 12") == true, "\(report.problem ?? "")")
        #expect(report.problem?.contains("9..<12") == true, "\(report.problem ?? "")")
    }

    @Test func deletedRecordIsNamed() async throws {
        let fixture = try Fixture()
        _ = try await fixture.fill(20)
        try fixture.tamper("DELETE FROM ledger_records WHERE leaf_index = 5")
        let report = try await fixture.verify()
        #expect(report.problem?.contains("leaf index 5 is missing") == true, "\(report.problem ?? "")")
    }

    @Test func deletedTailIsCaught() async throws {
        let fixture = try Fixture()
        _ = try await fixture.fill(20)
        try fixture.tamper("DELETE FROM ledger_records WHERE leaf_index >= 18")
        let report = try await fixture.verify()
        #expect(report.problem?.contains("record 18 is missing") == true, "\(report.problem ?? "")")
    }

    @Test func insertedRecordIsNamed() async throws {
        let fixture = try Fixture()
        _ = try await fixture.fill(20)
        let forged = makeEntry(99)
        try fixture.tamper(
            "INSERT INTO ledger_records (log, leaf_index, id, property, subject, entry, leaf_hash) VALUES (0, 20, ?, ?, ?, ?, ?)",
            [forged.id, forged.property, forged.subject, Data(forged.canonicalBytes), Data(forged.leafHash.bytes)])
        let report = try await fixture.verify()
        #expect(report.problem?.contains("record 20") == true, "\(report.problem ?? "")")
        #expect(report.problem?.contains("inserted") == true, "\(report.problem ?? "")")
    }

    @Test func reorderedRecordsAreNamed() async throws {
        let fixture = try Fixture()
        _ = try await fixture.fill(20)
        try fixture.tamper("UPDATE ledger_records SET leaf_index = -1 WHERE leaf_index = 3")
        try fixture.tamper("UPDATE ledger_records SET leaf_index = 3 WHERE leaf_index = 14")
        try fixture.tamper("UPDATE ledger_records SET leaf_index = 14 WHERE leaf_index = -1")
        let report = try await fixture.verify()
        #expect(report.problem?.contains("record 3") == true, "\(report.problem ?? "")")
    }

    @Test func forgedTreeHeadIsCaught() async throws {
        let fixture = try Fixture()
        _ = try await fixture.fill(9)
        try fixture.tamper("UPDATE ledger_heads SET root = ? WHERE size = 6", [Data(repeating: 1, count: 32)])
        let report = try await fixture.verify()
        #expect(report.problem?.contains("size 6 has an invalid signature") == true, "\(report.problem ?? "")")
    }

    @Test func indexColumnsMustMatchTheEntry() async throws {
        let fixture = try Fixture()
        _ = try await fixture.fill(6)
        // Re-pointing a record at another subject would let the API hand it to the wrong person.
        try fixture.tamper(
            "UPDATE ledger_records SET subject = ? WHERE leaf_index = 2", [UUID().uuidString.lowercased()])
        let report = try await fixture.verify()
        #expect(report.problem?.contains("record 2") == true, "\(report.problem ?? "")")
    }
}
