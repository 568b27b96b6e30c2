import AssentCore

/// Which requests to list, a page at a time: oldest first (by id, paged with `after`), or by deadline (soonest
/// first, paged with `offset`).
public struct RequestQuery: Sendable, Equatable {
    public enum Order: String, Sendable, CaseIterable {
        /// By id: the order requests were received in.
        case received
        /// By the day the answer is due (the extended day once extended), soonest first; then by id.
        case deadline
    }

    /// The properties whose requests are listed; nil: every property.
    public var properties: Set<String>?
    public var statuses: Set<RequestStatus>?
    public var types: Set<RequestType>?
    /// Only requests received at or after this time.
    public var receivedSince: Int64?
    /// Only open requests whose deadline day ended before this time.
    public var overdueAt: Int64?
    /// Requests after this id (ids are time-ordered); only with the `received` order.
    public var after: String?
    public var order: Order
    /// Rows skipped before the page starts.
    public var offset: Int
    public var limit: Int

    /// The one property's requests (`property`), or those of a set of properties (`properties`; nil: all).
    public init(
        property: String? = nil, properties: Set<String>? = nil, statuses: Set<RequestStatus>? = nil,
        types: Set<RequestType>? = nil, receivedSince: Int64? = nil, overdueAt: Int64? = nil, after: String? = nil,
        order: Order = .received, offset: Int = 0, limit: Int = 100
    ) {
        self.properties = property.map { [$0] } ?? properties
        self.statuses = statuses
        self.types = types
        self.receivedSince = receivedSince
        self.overdueAt = overdueAt
        self.after = after
        self.order = order
        self.offset = offset
        self.limit = limit
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

/// Privacy requests, their history and their verification codes. Every write that belongs together is one
/// transaction: a request's suppression entry and webhook delivery are written with it (see `SuppressionStore`
/// and `WebhookOutbox` for reading them).
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
}
