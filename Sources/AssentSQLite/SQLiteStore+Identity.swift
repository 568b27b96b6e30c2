import AssentCore
import AssentStore
import Foundation
import GRDB

/// Signed-in readers: their latest decision across the properties of a group. Each property's latest record is
/// one lookup in the `(property, subject, leaf_index)` index the subject routes already use, all in one read
/// transaction, so no index of its own is needed (one more index on the records would cost every append).
extension SQLiteStore {
    public func latestRecord(subject: String, properties: [String]) async throws -> StoredRecord? {
        let distinct = Array(Set(properties))
        if distinct.isEmpty { return nil }
        return try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT log, leaf_index, entry FROM ledger_records
                    WHERE property = ? AND subject = ? ORDER BY leaf_index DESC LIMIT 1
                    """)
            var latest: StoredRecord?
            for property in distinct {
                guard let row = try Row.fetchOne(statement, arguments: [property, subject]) else { continue }
                let bytes: Data = row["entry"]
                let record: StoredRecord
                do {
                    record = StoredRecord(
                        log: row["log"], leafIndex: row["leaf_index"], entry: try LedgerEntry(canonicalBytes: bytes))
                } catch {
                    throw StoreError.corrupt("record at leaf \(row["leaf_index"] as Int): \(error)")
                }
                if latest.map({ StoredRecord.isLater(record, than: $0) }) ?? true { latest = record }
            }
            return latest
        }
    }
}
