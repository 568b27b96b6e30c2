import AssentCore

/// An address that opted out, by its HMAC key, for marketing systems that build lead lists.
public struct SuppressionEntry: Sendable, Equatable {
    public var property: String
    public var hash: String
    public var addedAt: Int64
    public var requestID: String?

    public init(property: String, hash: String, addedAt: Int64, requestID: String?) {
        self.property = property
        self.hash = hash
        self.addedAt = addedAt
        self.requestID = requestID
    }
}

/// Which requests to list, oldest first, a page at a time.
public struct RequestQuery: Sendable, Equatable {
    public var property: String
    public var statuses: Set<RequestStatus>?
    public var types: Set<RequestType>?
    /// Only requests received at or after this time.
    public var receivedSince: Int64?
    /// Only open requests whose deadline day ended before this time.
    public var overdueAt: Int64?
    /// Requests after this id (ids are time-ordered).
    public var after: String?
    public var limit: Int

    public init(
        property: String, statuses: Set<RequestStatus>? = nil, types: Set<RequestType>? = nil,
        receivedSince: Int64? = nil, overdueAt: Int64? = nil, after: String? = nil, limit: Int = 100
    ) {
        self.property = property
        self.statuses = statuses
        self.types = types
        self.receivedSince = receivedSince
        self.overdueAt = overdueAt
        self.after = after
        self.limit = limit
    }
}

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

/// A bearer credential, stored as the SHA-256 of its secret.
public struct APIToken: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable {
        /// The admin API: the request queue, exports, transitions.
        case admin
        /// Read-only suppression lookups for one property.
        case suppression
    }

    public var id: String
    public var secretHash: String
    public var scope: Scope
    /// The property a suppression key is for; nil for an admin token (every property).
    public var property: String?
    public var label: String
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(
        id: String, secretHash: String, scope: Scope, property: String?, label: String, createdAt: Int64,
        revokedAt: Int64? = nil
    ) {
        self.id = id
        self.secretHash = secretHash
        self.scope = scope
        self.property = property
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

public enum RequestStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request changed since it was read (its revision moved on).
    case conflict(id: String, expected: Int, actual: Int)
    case unknownRequest(String)
    case duplicateRequest(String)

    public var description: String {
        switch self {
        case .conflict(let id, let expected, let actual):
            "request \(id) changed meanwhile (revision \(actual), expected \(expected))"
        case .unknownRequest(let id): "no request \(id)"
        case .duplicateRequest(let id): "request \(id) already exists"
        }
    }
}

/// Privacy requests, their history, verification codes, the suppression list, webhook deliveries, API
/// tokens and per-property secrets. Every write that belongs together is one transaction.
public protocol RequestStore: Sendable {
    /// A new request with its first history line, and with its verification challenge, suppression entry
    /// and webhook delivery when there are any: all or nothing.
    func createRequest(
        _ request: PrivacyRequest, event: RequestEvent, challenge: VerificationChallenge?,
        suppression: SuppressionEntry?, webhook: WebhookDelivery?
    ) async throws
    func request(id: String) async throws -> PrivacyRequest?
    func request(statusTokenHash: String) async throws -> PrivacyRequest?
    func requests(_ query: RequestQuery) async throws -> [PrivacyRequest]
    /// Every request filed with this address key or from this browser subject, for an export.
    func requests(property: String, emailHash: String?, subject: String?) async throws -> [PrivacyRequest]
    /// Saves a changed request whose `revision` is one more than the stored one, with its history line and
    /// webhook delivery; `RequestStoreError.conflict` when someone else changed it first.
    func updateRequest(
        _ request: PrivacyRequest, event: RequestEvent, suppression: SuppressionEntry?, webhook: WebhookDelivery?
    ) async throws
    func requestEvents(requestID: String) async throws -> [RequestEvent]
    /// A history line that changes nothing else (a failed code, a mail that could not be sent).
    func appendRequestEvent(_ event: RequestEvent) async throws

    /// Replaces the request's challenge with a new code (which supersedes the old one), counting one more code
    /// for the request and keeping its `totalAttempts`, unless `maxCodes` codes were made for it already: then
    /// nothing changes and the answer is false. Atomic: of several servers asking at once, at most `maxCodes`
    /// codes are ever made. The challenge's own `codesSent` and `totalAttempts` are ignored.
    func saveChallenge(_ challenge: VerificationChallenge, maxCodes: Int) async throws -> Bool
    /// Counts one attempt at the challenge, atomically, and returns it as it was before that attempt (nil:
    /// none). Two attempts at once both count. `totalAttempts` counts only an attempt checked at `now` (see
    /// `VerificationChallenge.checks(at:)`).
    func countAttempt(requestID: String, at now: Int64) async throws -> VerificationChallenge?
    func deleteChallenge(requestID: String) async throws

    func addSuppression(_ entry: SuppressionEntry) async throws
    /// The subset of `hashes` on the property's suppression list.
    func suppressed(property: String, hashes: [String]) async throws -> Set<String>

    /// Saves a request whose `export` changed (its `revision` one more than the stored one, as for
    /// `updateRequest`) together with the export's document, its history line and webhook delivery: all or
    /// nothing. A later attachment replaces the document. `RequestStoreError.conflict` or `.unknownRequest` as
    /// `updateRequest` throws them.
    func attachExport(
        _ request: PrivacyRequest, document: [UInt8], event: RequestEvent, webhook: WebhookDelivery?
    ) async throws
    /// The document attached to a request, byte for byte; nil when there is none (or it was erased).
    func exportDocument(requestID: String) async throws -> [UInt8]?

    /// Erases the personal data of every request closed before `closedBefore`: the address, the details (set to
    /// none), the attached export (document and summary) and the webhook deliveries of the request (whose bodies
    /// carry them), with a history line for each thing erased (`email_erased`, `details_erased` when the address
    /// was erased before the details were, `export_erased`); returns the ids of the requests changed. The
    /// address's suppression key stays.
    func eraseEmails(closedBefore: Int64, at now: Int64) async throws -> [String]

    func dueWebhooks(at now: Int64, limit: Int) async throws -> [WebhookDelivery]
    /// Records an attempt at a stored delivery (attempts, next attempt, delivery time, error; never its body). A
    /// delivery erased meanwhile stays erased.
    func saveWebhookAttempt(_ delivery: WebhookDelivery) async throws

    func saveToken(_ token: APIToken) async throws
    func token(secretHash: String) async throws -> APIToken?
    func tokens() async throws -> [APIToken]

    /// The property's secret of this kind, created from `candidate` by the first caller; every later caller,
    /// on any server, gets the stored one.
    func secret(property: String, kind: String, candidate: [UInt8]) async throws -> [UInt8]
}
