import AssentCore
import AssentStore
import Foundation

/// The answer to an access request: a JSON document the publisher attaches (the subject export, or anything it
/// put together), kept with the request, downloaded by the requester from their status link once their address
/// is confirmed, and erased with the address when the retention period after closing runs out.
extension RequestService {
    /// The largest document accepted: an export with receipts runs to about 2 KB per decision.
    static let maxExportBytes = 4 * 1024 * 1024

    /// Attaches (or replaces) the export of an open, verified access request: a history line and a webhook
    /// (`request.export_attached`) with it, in one transaction.
    func attachExport(id: String, document: [UInt8], actor: String) async throws -> PrivacyRequest {
        let value = try Body.parse(document)
        guard value.objectValue != nil || value.arrayValue != nil else {
            throw AssentError.badRequest(
                "body: an export is a JSON object or array, found \(value.typeName)", code: "invalid_export")
        }
        var (request, _) = try await request(id: id)
        do {
            try RequestTransition.checkExport(status: request.status, type: request.type)
        } catch {
            throw AssentError.conflict(error.description, code: "invalid_export")
        }
        let now = clock()
        let summary = RequestExportSummary(
            attachedAt: now, bytes: document.count, sha256: Hex.encode(SHA256Digest.of(document)))
        let replaced = request.export != nil
        request.export = summary
        request.revision += 1
        let event = RequestEvent(
            requestID: id, at: now, actor: actor, action: "export_attached",
            note: "\(replaced ? "replaced: " : "")\(summary.bytes) bytes, SHA-256 \(summary.sha256)")
        do {
            try await store.attachExport(
                request, document: document, event: event,
                webhook: delivery(request, event: "request.export_attached", now: now))
        } catch let error as RequestStoreError {
            throw AssentError.conflict(error.description, code: "request_changed")
        }
        return request
    }

    /// The export a status link may download, with the request: 404 `no_export` alike for a wrong secret, a request
    /// that is not a verified access request, and one without an export, so the answer tells nothing more.
    func downloadableExport(statusSecret: String, propertyID: String? = nil) async throws -> (PrivacyRequest, [UInt8]) {
        let missing = AssentError.notFound("no export to download here", code: "no_export")
        guard let request = try? await request(statusSecret: statusSecret),
            propertyID == nil || request.property == propertyID, request.exportDownloadable,
            let document = try await store.exportDocument(requestID: request.id)
        else { throw missing }
        return (request, document)
    }
}
