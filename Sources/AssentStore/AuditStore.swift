import AssentCore

/// One change someone made, as the audit log keeps it: who, when, what and from where. Never changed once
/// written.
public struct AuditEvent: Sendable, Equatable {
    /// The store's sequence number, increasing with each append; 0 before the event is stored.
    public var sequence: Int64
    /// Milliseconds since the Unix epoch.
    public var time: Int64
    /// Who: `account:<id>`, `token:<id>` or `cli`.
    public var actor: String
    /// How people know the actor: an email address, a token's label.
    public var actorLabel: String
    /// What was done, such as `property.update` or `account.create`.
    public var action: String
    /// What it was done to: a property id, an account's email.
    public var target: String
    /// The property the change concerns, if any (for filtering).
    public var property: String?
    /// A short account of the change.
    public var summary: String
    /// From where: the client's address.
    public var client: String?

    public init(
        sequence: Int64 = 0, time: Int64, actor: String, actorLabel: String, action: String, target: String,
        property: String? = nil, summary: String, client: String? = nil
    ) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.actorLabel = actorLabel
        self.action = action
        self.target = target
        self.property = property
        self.summary = summary
        self.client = client
    }
}

/// Which audit events to read: each set field must match; times are inclusive milliseconds.
public struct AuditFilter: Sendable, Equatable {
    public var actor: String?
    public var action: String?
    public var property: String?
    public var from: Int64?
    public var to: Int64?
    /// Only events older than this sequence number (the next page of a newest-first list).
    public var before: Int64?
    public var limit: Int

    public init(
        actor: String? = nil, action: String? = nil, property: String? = nil, from: Int64? = nil, to: Int64? = nil,
        before: Int64? = nil, limit: Int = 100
    ) {
        self.actor = actor
        self.action = action
        self.property = property
        self.from = from
        self.to = to
        self.before = before
        self.limit = limit
    }
}

/// The audit log: append-only. There is deliberately no method to change or delete an event, and the stores
/// refuse an UPDATE or DELETE of the table itself.
public protocol AuditStore: Sendable {
    /// Appends the event; returns it with its sequence number.
    @discardableResult
    func appendAudit(_ event: AuditEvent) async throws -> AuditEvent
    /// Matching events, newest first, at most `filter.limit`.
    func auditEvents(_ filter: AuditFilter) async throws -> [AuditEvent]
}
