import AssentCore
import AssentStore
import Foundation
import GRDB

/// The suppression list: the keys of addresses that opted out, per property.
extension SQLiteStore {
    public func addSuppression(_ entry: SuppressionEntry) async throws {
        try await pool.write { db in try Self.insertSuppression(db, entry) }
    }

    public func suppressed(property: String, hashes: [String]) async throws -> Set<String> {
        try await pool.read { db in
            var found: Set<String> = []
            // SQLite allows 32,766 parameters; lists come in chunks well below that.
            var start = 0
            while start < hashes.count {
                let chunk = Array(hashes[start..<min(start + 500, hashes.count)])
                let sql =
                    "SELECT hash FROM suppression WHERE property = ? AND hash IN ("
                    + chunk.map { _ in "?" }.joined(separator: ",") + ")"
                found.formUnion(try String.fetchAll(db, sql: sql, arguments: StatementArguments([property] + chunk)))
                start += chunk.count
            }
            return found
        }
    }
}
