import AssentCore

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
    /// When the token last authenticated a request, to the minute (`CredentialStore.markTokenUsed`).
    public var lastUsedAt: Int64?

    public init(
        id: String, secretHash: String, scope: Scope, property: String?, label: String, createdAt: Int64,
        revokedAt: Int64? = nil, lastUsedAt: Int64? = nil
    ) {
        self.id = id
        self.secretHash = secretHash
        self.scope = scope
        self.property = property
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }
}

/// Credentials: API tokens (by the hash of their secret) and the secrets the store keeps per property (or for the
/// deployment), the same on every server.
public protocol CredentialStore: Sendable {
    func saveToken(_ token: APIToken) async throws
    func token(secretHash: String) async throws -> APIToken?
    func tokens() async throws -> [APIToken]
    /// Records that the token was used at `at`; a later time already recorded is kept (servers' clocks and
    /// requests interleave).
    func markTokenUsed(id: String, at: Int64) async throws

    /// The property's secret of this kind, created from `candidate` by the first caller; every later caller,
    /// on any server, gets the stored one.
    func secret(property: String, kind: String, candidate: [UInt8]) async throws -> [UInt8]
}
