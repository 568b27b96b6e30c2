import AssentCore
import AssentStore
import PostgresNIO

/// The webhook outbox: deliveries written with the request changes they announce, until delivered.
extension PostgresStore {
    public func dueWebhooks(at now: Int64, limit: Int) async throws -> [WebhookDelivery] {
        try await rows(
            """
            SELECT id, property, request_id, url, body, attempts, next_attempt_at, delivered_at, last_error
            FROM webhook_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= \(now)
            ORDER BY next_attempt_at, id LIMIT \(max(0, limit))
            """
        ).map { row in
            let (id, property, requestID, url, body, attempts, next, delivered, lastError) = try row.decode(
                (String, String, String, String, ByteBuffer, Int, Int64, Int64?, String?).self)
            return WebhookDelivery(
                id: id, property: property, requestID: requestID, url: url, body: Self.bytes(body),
                attempts: attempts, nextAttemptAt: next, deliveredAt: delivered, lastError: lastError)
        }
    }

    public func saveWebhookAttempt(_ delivery: WebhookDelivery) async throws {
        let d = delivery
        try await rows(
            """
            UPDATE webhook_deliveries SET attempts = \(d.attempts), next_attempt_at = \(d.nextAttemptAt),
                delivered_at = \(d.deliveredAt), last_error = \(d.lastError)
            WHERE id = \(d.id)
            """)
    }
}
