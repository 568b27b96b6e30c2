import AssentCore
import AssentStore
import Foundation
import GRDB

/// The embedded store: one SQLite database in WAL mode with `synchronous=FULL`, so a committed batch
/// survives a crash or power loss. One value owns the pool and the schema.
public final class SQLiteStore: AssentStorage {
    let pool: DatabasePool
    /// A separate connection that copies the WAL into the database file in the background, so that a commit
    /// (and so an acknowledgement) never waits for a checkpoint.
    private let checkpointer: BackgroundCheckpointer

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // A multi-row INSERT inside a transaction keeps a statement journal (the pages it changes, as they
            // were, to undo just that statement). Past 64 KiB SQLite spills it to a temporary file, so a batch
            // wrote its pages three times over; in memory it is never written at all.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Deleted and overwritten content is zeroed, so erased personal data does not stay in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        config.busyMode = .timeout(10)
        config.maximumReaderCount = 8
        pool = try DatabasePool(path: path, configuration: config)
        // GRDB opens WAL databases with synchronous=NORMAL, which may lose the last commits on power loss.
        // Only the writer connection commits, so FULL is set there, after the pool's own setup.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        var checkpointConfig = Configuration()
        checkpointConfig.busyMode = .timeout(10)
        checkpointer = BackgroundCheckpointer(queue: try DatabaseQueue(path: path, configuration: checkpointConfig))
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE properties (
                        id TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        policy_version INTEGER NOT NULL,
                        document BLOB NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (id, revision)
                    ) WITHOUT ROWID;
                    CREATE TABLE ledger_records (
                        log INTEGER NOT NULL,
                        leaf_index INTEGER NOT NULL,
                        id TEXT NOT NULL UNIQUE,
                        property TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        entry BLOB NOT NULL,
                        leaf_hash BLOB NOT NULL,
                        PRIMARY KEY (log, leaf_index)
                    ) WITHOUT ROWID;
                    CREATE INDEX ledger_records_by_subject ON ledger_records (property, subject, leaf_index);
                    CREATE TABLE ledger_nodes (
                        log INTEGER NOT NULL,
                        level INTEGER NOT NULL,
                        idx INTEGER NOT NULL,
                        hash BLOB NOT NULL,
                        PRIMARY KEY (log, level, idx)
                    ) WITHOUT ROWID;
                    CREATE TABLE ledger_heads (
                        log INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        root BLOB NOT NULL,
                        timestamp INTEGER NOT NULL,
                        key_id TEXT NOT NULL,
                        signature BLOB NOT NULL,
                        PRIMARY KEY (log, size)
                    ) WITHOUT ROWID;
                    """)
        }
        registerVendorListMigration(&migrator)
        registerRequestMigration(&migrator)
        registerRequestExportMigration(&migrator)
        registerSigningKeyMigration(&migrator)
        registerKeyCertificateMigration(&migrator)
        registerRequestLimitsMigration(&migrator)
        registerAnalyticsMigration(&migrator)
        registerScanMigration(&migrator)
        registerConsoleMigration(&migrator)
        registerRequestDeadlineMigration(&migrator)
        registerTokenUseMigration(&migrator)
        return migrator
    }

    // MARK: Properties

    public func saveProperty(_ property: Property, at time: Int64) async throws -> (PropertyRevision, changed: Bool) {
        try await saveProperty(property, at: time, check: false, expected: nil)
    }

    public func saveProperty(_ property: Property, at time: Int64, ifRevision expected: Int?) async throws -> (
        PropertyRevision, changed: Bool
    ) {
        try await saveProperty(property, at: time, check: true, expected: expected)
    }

    private func saveProperty(_ property: Property, at time: Int64, check: Bool, expected: Int?) async throws -> (
        PropertyRevision, changed: Bool
    ) {
        // One writer at a time: the revision read here is still current when the row is inserted.
        try await pool.write { db in
            let current = try Self.fetchProperty(
                db, sql: "SELECT * FROM properties WHERE id = ? ORDER BY revision DESC LIMIT 1", [property.id])
            if check, current?.revision != expected { throw StoreError.propertyConflict(property.id) }
            guard let (next, revision) = PropertyRevision.next(saving: property, over: current) else {
                return (current!, false)
            }
            let document = Data(CanonicalJSON.orderedBytes(next.jsonValue))
            try db.execute(
                sql:
                    "INSERT INTO properties (id, revision, policy_version, document, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [next.id, revision, next.policyVersion, document, time])
            return (PropertyRevision(property: next, revision: revision, createdAt: time), true)
        }
    }

    public func currentProperty(id: String) async throws -> PropertyRevision? {
        try await pool.read { db in
            try Self.fetchProperty(
                db, sql: "SELECT * FROM properties WHERE id = ? ORDER BY revision DESC LIMIT 1", [id])
        }
    }

    public func propertyRevision(id: String, revision: Int) async throws -> PropertyRevision? {
        try await pool.read { db in
            try Self.fetchProperty(db, sql: "SELECT * FROM properties WHERE id = ? AND revision = ?", [id, revision])
        }
    }

    public func propertyRevisions(id: String) async throws -> [PropertyRevision] {
        try await pool.read { db in
            try Int.fetchAll(
                db, sql: "SELECT revision FROM properties WHERE id = ? ORDER BY revision DESC", arguments: [id]
            )
            .compactMap { revision in
                try Self.fetchProperty(
                    db, sql: "SELECT * FROM properties WHERE id = ? AND revision = ?", [id, revision])
            }
        }
    }

    public func currentRevision(id: String) async throws -> Int? {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT max(revision) FROM properties WHERE id = ?", arguments: [id])
        }
    }

    public func property(id: String, policyVersion: Int) async throws -> PropertyRevision? {
        try await pool.read { db in
            try Self.fetchProperty(
                db, sql: "SELECT * FROM properties WHERE id = ? AND policy_version = ? ORDER BY revision DESC LIMIT 1",
                [id, policyVersion])
        }
    }

    public func policyVersions(id: String) async throws -> [Int] {
        try await pool.read { db in
            try Int.fetchAll(
                db, sql: "SELECT DISTINCT policy_version FROM properties WHERE id = ? ORDER BY policy_version",
                arguments: [id])
        }
    }

    public func propertyIDs() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT id FROM properties ORDER BY id") }
    }

    private static func fetchProperty(_ db: Database, sql: String, _ arguments: StatementArguments) throws
        -> PropertyRevision?
    {
        guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
        let document: Data = row["document"]
        do {
            let property = try Property.decode(json: document)
            return PropertyRevision(property: property, revision: row["revision"], createdAt: row["created_at"])
        } catch {
            throw StoreError.corrupt("property \(row["id"] as String) revision \(row["revision"] as Int): \(error)")
        }
    }

    // MARK: Ledger

    public func logs() async throws -> [Int] {
        try await pool.read { db in try Int.fetchAll(db, sql: "SELECT DISTINCT log FROM ledger_heads ORDER BY log") }
    }

    public func treeSize(log: Int) async throws -> Int {
        try await pool.read { db in try Self.treeSize(db, log: log) }
    }

    /// A cached statement: the writer asks once per batch.
    private static func treeSize(_ db: Database, log: Int) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT max(size) FROM ledger_heads WHERE log = ?"), arguments: [log]) ?? 0
    }

    /// Level 0 (leaf hashes) lives in the records table, higher levels in `ledger_nodes`: one insert less
    /// per decision.
    public func nodes(log: Int, positions: [MerklePosition]) async throws -> [MerkleHash] {
        if positions.isEmpty { return [] }
        return try await pool.read { db in
            let inner = try db.cachedStatement(
                sql: "SELECT hash FROM ledger_nodes WHERE log = ? AND level = ? AND idx = ?")
            let leaf = try db.cachedStatement(
                sql: "SELECT leaf_hash FROM ledger_records WHERE log = ? AND leaf_index = ?")
            return try positions.map { position in
                let data =
                    position.level == 0
                    ? try Data.fetchOne(leaf, arguments: [log, position.index])
                    : try Data.fetchOne(inner, arguments: [log, position.level, position.index])
                guard let data, let hash = MerkleHash(bytes: Array(data)) else {
                    throw StoreError.corrupt("tree node \(position.level)/\(position.index) of log \(log) missing")
                }
                return hash
            }
        }
    }

    private static let recordInsert = RowInsert(
        table: "ledger_records", columns: ["log", "leaf_index", "id", "property", "subject", "entry", "leaf_hash"])
    private static let nodeInsert = RowInsert(table: "ledger_nodes", columns: ["log", "level", "idx", "hash"])

    public func append(_ batch: LedgerBatch) async throws {
        var found = [MerkleHash?](repeating: nil, count: batch.entries.count)
        var innerNodes: [MerkleNode] = []
        innerNodes.reserveCapacity(batch.nodes.count)
        for node in batch.nodes {
            if node.level == 0 {
                found[node.index - batch.startIndex] = node.hash
            } else {
                innerNodes.append(node)
            }
        }
        let inner = innerNodes
        let leaves = try found.enumerated().map { i, leaf in
            guard let leaf else { throw StoreError.corrupt("batch lacks the leaf hash of record \(i)") }
            return leaf
        }
        try await pool.writeWithoutTransaction { db in
            try db.inTransaction { try Self.insert(batch, leaves: leaves, inner: inner, db) }
            // The background checkpoint copied the WAL up to where it began; this one, between two batches,
            // copies the few frames after that, so that the next transaction starts the WAL again from the
            // beginning instead of letting it grow for as long as writes keep coming.
            if checkpointer.takeFinishingTurn() { _ = try? db.checkpoint(.passive) }
            checkpointer.noteCommit()
        }
    }

    private static func insert(
        _ batch: LedgerBatch, leaves: [MerkleHash], inner: [MerkleNode], _ db: Database
    ) throws -> Database.TransactionCompletion {
        let size = try Self.treeSize(db, log: batch.log)
        guard size == batch.startIndex else {
            throw StoreError.logMoved(log: batch.log, expected: batch.startIndex, actual: size)
        }
        do {
            try recordInsert.run(db, rows: batch.entries.count) { i, row in
                let entry = batch.entries[i]
                row.int(batch.log)
                row.int(batch.startIndex + i)
                row.text(entry.id)
                row.text(entry.property)
                row.text(entry.subject)
                row.blob(batch.entryBytes[i])
                row.blob(leaves[i].bytes)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            // Name the record whose id is taken.
            for entry in batch.entries
            where try Int.fetchOne(db, sql: "SELECT 1 FROM ledger_records WHERE id = ?", arguments: [entry.id])
                != nil
                || batch.entries.filter({ $0.id == entry.id }).count > 1
            {
                throw StoreError.duplicateRecordID(entry.id)
            }
            throw error
        }
        try nodeInsert.run(db, rows: inner.count) { i, row in
            row.int(batch.log)
            row.int(inner[i].level)
            row.int(inner[i].index)
            row.blob(inner[i].hash.bytes)
        }
        let head = batch.treeHead
        try db.cachedStatement(
            sql: "INSERT INTO ledger_heads (log, size, root, timestamp, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(
            arguments: [
                batch.log, head.head.size, Data(head.head.root.bytes), head.head.timestamp, head.keyID,
                Data(head.signature),
            ])
        return .commit
    }

    public func record(id: String) async throws -> StoredRecord? {
        try await pool.read { db in
            try Self.decodeRecord(
                Row.fetchOne(db, sql: "SELECT log, leaf_index, entry FROM ledger_records WHERE id = ?", arguments: [id])
            )
        }
    }

    public func latestRecord(property: String, subject: String) async throws -> StoredRecord? {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT log, leaf_index, entry FROM ledger_records
                    WHERE property = ? AND subject = ? ORDER BY leaf_index DESC LIMIT 1
                    """)
            return try Self.decodeRecord(Row.fetchOne(statement, arguments: [property, subject]))
        }
    }

    public func records(property: String, subject: String) async throws -> [StoredRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT log, leaf_index, entry FROM ledger_records
                    WHERE property = ? AND subject = ? ORDER BY leaf_index
                    """, arguments: [property, subject]
            ).compactMap { try Self.decodeRecord($0) }
        }
    }

    public func rawRecords(log: Int, from leafIndex: Int, limit: Int) async throws -> [RawRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT leaf_index, id, property, subject, entry FROM ledger_records
                    WHERE log = ? AND leaf_index >= ? ORDER BY leaf_index LIMIT ?
                    """, arguments: [log, leafIndex, limit]
            ).map { row in
                let bytes: Data = row["entry"]
                return RawRecord(
                    leafIndex: row["leaf_index"], id: row["id"], property: row["property"], subject: row["subject"],
                    bytes: Array(bytes))
            }
        }
    }

    public func latestTreeHead(log: Int) async throws -> SignedTreeHead? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM ledger_heads WHERE log = ? ORDER BY size DESC LIMIT 1", arguments: [log]
            )
            .map(Self.decodeHead)
        }
    }

    public func treeHeads(log: Int) async throws -> [SignedTreeHead] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger_heads WHERE log = ? ORDER BY size", arguments: [log])
                .map(Self.decodeHead)
        }
    }

    private static func decodeHead(_ row: Row) throws -> SignedTreeHead {
        let root: Data = row["root"]
        let signature: Data = row["signature"]
        guard let hash = MerkleHash(bytes: Array(root)) else {
            throw StoreError.corrupt("tree head at size \(row["size"] as Int) has a malformed root")
        }
        return SignedTreeHead(
            head: TreeHead(log: row["log"], size: row["size"], root: hash, timestamp: row["timestamp"]),
            keyID: row["key_id"], signature: Array(signature))
    }

    private static func decodeRecord(_ row: Row?) throws -> StoredRecord? {
        guard let row else { return nil }
        let bytes: Data = row["entry"]
        do {
            return StoredRecord(
                log: row["log"], leafIndex: row["leaf_index"], entry: try LedgerEntry(canonicalBytes: bytes))
        } catch {
            throw StoreError.corrupt("record at leaf \(row["leaf_index"] as Int): \(error)")
        }
    }
}

extension SQLiteStore {
    /// The settings durability rests on, as a writer connection sees them: journal mode and `synchronous`
    /// (2 = FULL).
    public func durabilitySettings() async throws -> (journalMode: String, synchronous: Int) {
        try await pool.write { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            )
        }
    }
}

/// Every 64 commits, a passive checkpoint on its own connection; never more than one at a time. Passive
/// checkpoints never block the writer or readers. When one ends, the writer takes a turn (see `append`): under
/// a steady write load a background checkpoint can never catch up with the end of the WAL, and SQLite only
/// starts the WAL again once every frame is back in the database file.
final class BackgroundCheckpointer: Sendable {
    private let queue: DatabaseQueue
    private let state = Locked((commits: 0, running: false, writerTurn: false))

    init(queue: DatabaseQueue) { self.queue = queue }

    func noteCommit() {
        let start = state.withLock { state -> Bool in
            state.commits += 1
            guard state.commits >= 64, !state.running else { return false }
            state.commits = 0
            state.running = true
            return true
        }
        guard start else { return }
        Task.detached { await self.checkpoint() }
    }

    /// True once after each background checkpoint: the writer's turn to finish it.
    func takeFinishingTurn() -> Bool {
        state.withLock { state in
            defer { state.writerTurn = false }
            return state.writerTurn
        }
    }

    private func checkpoint() async {
        _ = try? await queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        state.withLock {
            $0.running = false
            $0.writerTurn = true
        }
    }
}
