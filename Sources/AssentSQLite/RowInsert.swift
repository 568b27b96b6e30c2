import GRDB
import GRDBSQLite

/// A multi-row INSERT for the ledger's hot path: rows go in chunks of up to `chunk` per statement execution, and
/// values are bound straight through SQLite's C API on GRDB's cached statement. Building `DatabaseValue` rows
/// and `StatementArguments` for every record was about a tenth of the writer's time.
struct RowInsert: Sendable {
    /// Rows per statement execution.
    static let chunk = 16

    /// The SQL for 1...chunk rows, made once.
    private let sql: [String]

    init(table: String, columns: [String]) {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        sql = (1...Self.chunk).map { n in
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                + Array(repeating: row, count: n).joined(separator: ",")
        }
    }

    /// Inserts `rows` rows; `bind` binds every column of row `i`, in order.
    func run(_ db: Database, rows: Int, bind: (Int, inout Row) -> Void) throws {
        var start = 0
        while start < rows {
            let n = min(Self.chunk, rows - start)
            let statement = try db.cachedStatement(sql: sql[n - 1])
            let handle = statement.sqliteStatement
            sqlite3_reset(handle)
            var row = Row(statement: handle)
            for i in start..<start + n { bind(i, &row) }
            let code = row.failure == SQLITE_OK ? sqlite3_step(handle) : row.failure
            if code != SQLITE_DONE {
                let connection = db.sqliteConnection
                let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
                let message = connection.map { String(cString: sqlite3_errmsg($0)) }
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: statement.sql)
            }
            sqlite3_reset(handle)
            start += n
        }
    }

    /// Binds values to the next parameters; the first failure is kept and reported by `run`.
    struct Row {
        let statement: SQLiteStatement
        var index: Int32 = 1
        var failure = SQLITE_OK

        init(statement: SQLiteStatement) { self.statement = statement }

        /// SQLite copies the bytes before the call returns.
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        private mutating func done(_ code: Int32) {
            if code != SQLITE_OK, failure == SQLITE_OK { failure = code }
            index += 1
        }

        mutating func int(_ value: Int) { done(sqlite3_bind_int64(statement, index, Int64(value))) }

        mutating func text(_ value: String) {
            var value = value
            let code = value.withUTF8 { utf8 in
                sqlite3_bind_text(statement, index, utf8.baseAddress, Int32(utf8.count), Self.transient)
            }
            done(code)
        }

        mutating func blob(_ bytes: [UInt8]) {
            let code = bytes.withUnsafeBytes { raw in
                // An empty blob still binds a blob, not NULL.
                sqlite3_bind_blob(
                    statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count),
                    Self.transient)
            }
            done(code)
        }
    }
}
