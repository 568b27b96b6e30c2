import AssentCore
import AssentStore
import PostgresNIO

/// A request's export document, attached with the request's change in one transaction.
extension PostgresStore {
    public func attachExport(
        _ request: PrivacyRequest, document: [UInt8], event: RequestEvent, webhook: WebhookDelivery?
    ) async throws {
        try await transaction { connection in
            try await replaceRequest(request, event: event, webhook: webhook, on: connection)
            try await rows(
                """
                INSERT INTO request_exports (request_id, document) VALUES (\(request.id), \(ByteBuffer(bytes: document)))
                ON CONFLICT (request_id) DO UPDATE SET document = excluded.document
                """, on: connection)
        }
    }

    public func exportDocument(requestID: String) async throws -> [UInt8]? {
        try await rows("SELECT document FROM request_exports WHERE request_id = \(requestID)").first.map {
            Self.bytes(try $0.decode(ByteBuffer.self))
        }
    }
}
