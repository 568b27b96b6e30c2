import AssentCore
import AssentStore
import PostgresNIO

// The statements on the hot paths, prepared once per connection: a batch's writes, the lookups a decision and a
// receipt need, and the property a config request needs.

/// Locks a log's row for the transaction; no row for a log never written.
struct LockLog: PostgresPreparedStatement {
    static let name = "assent_lock_log"
    static let sql = "SELECT size FROM ledger_logs WHERE log = $1 FOR UPDATE"
    typealias Row = Int

    let log: Int

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(log)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int.self) }
}

struct CreateLog: PostgresPreparedStatement {
    static let name = "assent_create_log"
    static let sql = "INSERT INTO ledger_logs (log, size) VALUES ($1, 0) ON CONFLICT (log) DO NOTHING"
    typealias Row = ()

    let log: Int

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(log)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}
}

/// Everything one batch writes, in one statement: it moves the log's size on from `startIndex` (taking the log's
/// row lock, unless the transaction holds it already) and inserts the records (with their leaf hashes), the inner
/// tree nodes and the signed tree head, and notifies the listening servers. When the log is not at `startIndex`
/// (another writer appended, or the log has no row yet) it writes nothing and answers 0, else 1. Run alone, as its
/// own transaction, the lock is held only while PostgreSQL runs and commits it.
struct AppendBatch: PostgresPreparedStatement {
    static let name = "assent_append_batch"
    static let sql = """
        WITH moved AS (
            UPDATE ledger_logs SET size = $11 WHERE log = $1 AND size = $2 RETURNING log
        ), records AS (
            INSERT INTO ledger_records (log, leaf_index, id, property, subject, entry, leaf_hash)
            SELECT $1, $2 + r.ordinality - 1, r.id, r.property, r.subject, r.entry, r.leaf_hash
            FROM moved, unnest($3::text[], $4::text[], $5::text[], $6::bytea[], $7::bytea[])
                WITH ORDINALITY AS r(id, property, subject, entry, leaf_hash, ordinality)
        ), nodes AS (
            INSERT INTO ledger_nodes (log, level, idx, hash)
            SELECT $1, n.level, n.idx, n.hash
            FROM moved, unnest($8::bigint[], $9::bigint[], $10::bytea[]) AS n(level, idx, hash)
        ), head AS (
            INSERT INTO ledger_heads (log, size, root, timestamp, key_id, signature)
            SELECT $1, $11, $12, $13, $14, $15 FROM moved
        ), notified AS (
            SELECT pg_notify('\(PostgresChangeListener.channel)', p) FROM moved, unnest($16::text[]) AS p
        )
        SELECT (SELECT count(*) FROM moved) WHERE (SELECT count(*) FROM notified) >= 0
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .int8, .int8, .textArray, .textArray, .textArray, .byteaArray, .byteaArray, .int8Array, .int8Array,
        .byteaArray, .int8, .bytea, .int8, .text, .bytea, .textArray,
    ]
    typealias Row = Int

    let log: Int
    let startIndex: Int
    let head: SignedTreeHead
    var ids: [String] = []
    var properties: [String] = []
    var subjects: [String] = []
    var entries: [ByteBuffer] = []
    var leaves: [ByteBuffer] = []
    var levels: [Int] = []
    var indexes: [Int] = []
    var hashes: [ByteBuffer] = []

    init(log: Int, startIndex: Int, head: SignedTreeHead) {
        self.log = log
        self.startIndex = startIndex
        self.head = head
    }

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 16)
        bindings.append(log)
        bindings.append(startIndex)
        bindings.append(ids)
        bindings.append(properties)
        bindings.append(subjects)
        bindings.append(entries)
        bindings.append(leaves)
        bindings.append(levels)
        bindings.append(indexes)
        bindings.append(hashes)
        bindings.append(head.head.size)
        bindings.append(ByteBuffer(bytes: head.head.root.bytes))
        bindings.append(head.head.timestamp)
        bindings.append(head.keyID)
        bindings.append(ByteBuffer(bytes: head.signature))
        // Each record's subject has a new latest decision: the listening servers hear of it when this commits (a
        // SELECT in a WITH runs only when something reads it, hence the count above).
        bindings.append(
            ChangePayload.encode(
                (0..<ids.count).map { .decision(property: properties[$0], subject: subjects[$0], record: ids[$0]) }))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int.self) }
}

/// Node hashes by position: leaves from the records, inner nodes from `ledger_nodes`.
struct Nodes: PostgresPreparedStatement {
    static let name = "assent_nodes"
    static let sql = """
        SELECT 0::bigint, leaf_index, leaf_hash FROM ledger_records WHERE log = $1 AND leaf_index = ANY($2::bigint[])
        UNION ALL
        SELECT n.level, n.idx, n.hash FROM ledger_nodes n
        JOIN unnest($3::bigint[], $4::bigint[]) AS p(level, idx) ON n.level = p.level AND n.idx = p.idx
        WHERE n.log = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.int8, .int8Array, .int8Array, .int8Array]
    typealias Row = (Int, Int, ByteBuffer)

    let log: Int
    let leaves: [Int]
    let levels: [Int]
    let indexes: [Int]

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(log)
        bindings.append(leaves)
        bindings.append(levels)
        bindings.append(indexes)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

struct RecordByID: PostgresPreparedStatement {
    static let name = "assent_record_by_id"
    static let sql = "SELECT log, leaf_index, entry FROM ledger_records WHERE id = $1"
    typealias Row = (Int, Int, ByteBuffer)

    let id: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

struct LatestRecord: PostgresPreparedStatement {
    static let name = "assent_latest_record"
    static let sql = """
        SELECT log, leaf_index, entry FROM ledger_records
        WHERE property = $1 AND subject = $2 ORDER BY leaf_index DESC LIMIT 1
        """
    typealias Row = (Int, Int, ByteBuffer)

    let property: String
    let subject: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(property)
        bindings.append(subject)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

struct LatestTreeHead: PostgresPreparedStatement {
    static let name = "assent_latest_tree_head"
    static let sql = """
        SELECT log, size, root, timestamp, key_id, signature FROM ledger_heads
        WHERE log = $1 ORDER BY size DESC LIMIT 1
        """
    typealias Row = (Int, Int, ByteBuffer, Int64, String, ByteBuffer)

    let log: Int

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(log)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

struct CurrentProperty: PostgresPreparedStatement {
    static let name = "assent_current_property"
    static let sql = """
        SELECT id, revision, document, created_at FROM properties WHERE id = $1 ORDER BY revision DESC LIMIT 1
        """
    typealias Row = (String, Int, ByteBuffer, Int64)

    let id: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// The cheap check whether a cached property is still current.
struct CurrentRevision: PostgresPreparedStatement {
    static let name = "assent_current_revision"
    static let sql = "SELECT max(revision) FROM properties WHERE id = $1"
    typealias Row = Int?

    let id: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int?.self) }
}
