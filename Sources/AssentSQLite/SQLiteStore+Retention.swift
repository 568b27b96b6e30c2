import AssentCore
import AssentStore
import Foundation
import GRDB

/// Retention: the personal data of closed requests erased.
extension SQLiteStore {
    public func eraseEmails(closedBefore: Int64, at now: Int64) async throws -> [String] {
        let none = Data(CanonicalJSON.bytes(.object([])))
        let erased = try await pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, email IS NOT NULL AS has_email, export_sha256 IS NOT NULL AS has_export,
                        details <> ? AS has_details
                    FROM requests
                    WHERE (email IS NOT NULL OR export_sha256 IS NOT NULL OR details <> ?) AND closed_at IS NOT NULL
                        AND closed_at < ?
                    ORDER BY id
                    """,
                arguments: [none, none, closedBefore])
            for row in rows {
                let id: String = row["id"]
                let hasDetails: Bool = row["has_details"]
                try db.execute(
                    sql: "UPDATE requests SET email = NULL, details = ? WHERE id = ?", arguments: [none, id])
                // The webhook bodies carry the address and the details.
                try db.execute(sql: "DELETE FROM webhook_deliveries WHERE request_id = ?", arguments: [id])
                if row["has_email"] as Bool {
                    try Self.appendEvent(
                        db,
                        RequestEvent(
                            requestID: id, at: now, actor: "system", action: "email_erased",
                            note: hasDetails ? "the address and the details" : nil))
                } else if hasDetails {
                    try Self.appendEvent(
                        db, RequestEvent(requestID: id, at: now, actor: "system", action: "details_erased"))
                }
                if row["has_export"] as Bool {
                    try db.execute(
                        sql: """
                            UPDATE requests SET export_attached_at = NULL, export_bytes = NULL, export_sha256 = NULL
                            WHERE id = ?
                            """, arguments: [id])
                    try db.execute(sql: "DELETE FROM request_exports WHERE request_id = ?", arguments: [id])
                    try Self.appendEvent(
                        db, RequestEvent(requestID: id, at: now, actor: "system", action: "export_erased"))
                }
            }
            return rows.map { $0["id"] as String }
        }
        if !erased.isEmpty {
            // Pages that held the erased values stay in the WAL until it is truncated: copy it into the database
            // (where `secure_delete` zeroed them) and cut it to nothing. Busy readers only delay this to a later
            // erasure; the values are gone from every query already.
            _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }
        return erased
    }
}
