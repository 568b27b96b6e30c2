import AssentCore
import AssentStore
import PostgresNIO

/// Retention: the personal data of closed requests erased.
extension PostgresStore {
    public func eraseEmails(closedBefore: Int64, at now: Int64) async throws -> [String] {
        let none = ByteBuffer(bytes: CanonicalJSON.bytes(.object([])))
        return try await transaction { connection in
            let due = try await rows(
                """
                SELECT id, email IS NOT NULL, export_sha256 IS NOT NULL, details <> '{}'::bytea FROM requests
                WHERE (email IS NOT NULL OR export_sha256 IS NOT NULL OR details <> '{}'::bytea)
                    AND closed_at IS NOT NULL AND closed_at < \(closedBefore)
                ORDER BY id
                FOR UPDATE
                """, on: connection
            ).map { try $0.decode((String, Bool, Bool, Bool).self) }
            for (id, hasEmail, hasExport, hasDetails) in due {
                try await rows(
                    "UPDATE requests SET email = NULL, details = \(none) WHERE id = \(id)", on: connection)
                // The webhook bodies carry the address and the details.
                try await rows("DELETE FROM webhook_deliveries WHERE request_id = \(id)", on: connection)
                if hasEmail {
                    try await appendEvent(
                        RequestEvent(
                            requestID: id, at: now, actor: "system", action: "email_erased",
                            note: hasDetails ? "the address and the details" : nil), on: connection)
                } else if hasDetails {
                    try await appendEvent(
                        RequestEvent(requestID: id, at: now, actor: "system", action: "details_erased"),
                        on: connection)
                }
                if hasExport {
                    try await rows(
                        """
                        UPDATE requests SET export_attached_at = NULL, export_bytes = NULL, export_sha256 = NULL
                        WHERE id = \(id)
                        """, on: connection)
                    try await rows("DELETE FROM request_exports WHERE request_id = \(id)", on: connection)
                    try await appendEvent(
                        RequestEvent(requestID: id, at: now, actor: "system", action: "export_erased"), on: connection)
                }
            }
            return due.map { $0.0 }
        }
    }
}
