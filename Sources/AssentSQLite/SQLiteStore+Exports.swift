import AssentCore
import AssentStore
import Foundation
import GRDB

/// A request's export document, attached with the request's change in one transaction.
extension SQLiteStore {
    public func attachExport(
        _ request: PrivacyRequest, document: [UInt8], event: RequestEvent, webhook: WebhookDelivery?
    ) async throws {
        try await pool.write { db in
            try Self.replaceRequest(db, request, event: event, webhook: webhook)
            try db.execute(
                sql: "INSERT OR REPLACE INTO request_exports (request_id, document) VALUES (?, ?)",
                arguments: [request.id, Data(document)])
        }
    }

    public func exportDocument(requestID: String) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(
                db, sql: "SELECT document FROM request_exports WHERE request_id = ?", arguments: [requestID]
            ).map { Array($0) }
        }
    }
}
