import AssentCore
import AssentStore
import Foundation
import GRDB

/// The webhook outbox: deliveries written with the request changes they announce, until delivered.
extension SQLiteStore {
    public func dueWebhooks(at now: Int64, limit: Int) async throws -> [WebhookDelivery] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM webhook_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [now, limit]
            ).map { row in
                let body: Data = row["body"]
                return WebhookDelivery(
                    id: row["id"], property: row["property"], requestID: row["request_id"], url: row["url"],
                    body: Array(body), attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"],
                    deliveredAt: row["delivered_at"], lastError: row["last_error"])
            }
        }
    }

    public func saveWebhookAttempt(_ delivery: WebhookDelivery) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ?, delivered_at = ?, last_error = ?
                    WHERE id = ?
                    """,
                arguments: [
                    delivery.attempts, delivery.nextAttemptAt, delivery.deliveredAt, delivery.lastError, delivery.id,
                ])
        }
    }
}
