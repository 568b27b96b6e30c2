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

/// The suppression list: the keys of addresses that opted out, per property. An entry is also written with the
/// request that made it (`RequestStore.createRequest`, `updateRequest`); erasure keeps it.
public protocol SuppressionStore: Sendable {
    func addSuppression(_ entry: SuppressionEntry) async throws
    /// The subset of `hashes` on the property's suppression list.
    func suppressed(property: String, hashes: [String]) async throws -> Set<String>
}
