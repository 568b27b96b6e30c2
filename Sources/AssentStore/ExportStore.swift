import AssentCore

/// The export a request gathers: its document, attached with the request's change in one transaction.
public protocol ExportStore: Sendable {
    /// Saves a request whose `export` changed (its `revision` one more than the stored one, as for
    /// `updateRequest`) together with the export's document, its history line and webhook delivery: all or
    /// nothing. A later attachment replaces the document. `RequestStoreError.conflict` or `.unknownRequest` as
    /// `updateRequest` throws them.
    func attachExport(
        _ request: PrivacyRequest, document: [UInt8], event: RequestEvent, webhook: WebhookDelivery?
    ) async throws
    /// The document attached to a request, byte for byte; nil when there is none (or it was erased).
    func exportDocument(requestID: String) async throws -> [UInt8]?
}

/// Retention: the personal data of closed requests erased once they are old enough.
public protocol RetentionStore: Sendable {
    /// Erases the personal data of every request closed before `closedBefore`: the address, the details (set to
    /// none), the attached export (document and summary) and the webhook deliveries of the request (whose bodies
    /// carry them), with a history line for each thing erased (`email_erased`, `details_erased` when the address
    /// was erased before the details were, `export_erased`); returns the ids of the requests changed. The
    /// address's suppression key stays.
    func eraseEmails(closedBefore: Int64, at now: Int64) async throws -> [String]
}
