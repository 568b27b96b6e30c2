import AssentCore

/// A webhook call waiting to be made or made again: the signed event, and when to try next.
public struct WebhookDelivery: Sendable, Equatable {
    public var id: String
    public var property: String
    public var requestID: String
    public var url: String
    /// The JSON body, exactly as it is signed and sent.
    public var body: [UInt8]
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var deliveredAt: Int64?
    public var lastError: String?

    public init(
        id: String, property: String, requestID: String, url: String, body: [UInt8], attempts: Int = 0,
        nextAttemptAt: Int64, deliveredAt: Int64? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.property = property
        self.requestID = requestID
        self.url = url
        self.body = body
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }
}

/// The webhook outbox: deliveries are written with the request change they announce (`RequestStore`,
/// `ExportStore`), then taken from here until delivered.
public protocol WebhookOutbox: Sendable {
    func dueWebhooks(at now: Int64, limit: Int) async throws -> [WebhookDelivery]
    /// Records an attempt at a stored delivery (attempts, next attempt, delivery time, error; never its body). A
    /// delivery erased meanwhile stays erased.
    func saveWebhookAttempt(_ delivery: WebhookDelivery) async throws
}
