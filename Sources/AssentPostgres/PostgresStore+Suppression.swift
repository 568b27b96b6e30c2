import AssentCore
import AssentStore
import PostgresNIO

/// The suppression list: the keys of addresses that opted out, per property.
extension PostgresStore {
    public func addSuppression(_ entry: SuppressionEntry) async throws {
        try await withPooledConnection { connection in try await insertSuppression(entry, on: connection) }
    }

    public func suppressed(property: String, hashes: [String]) async throws -> Set<String> {
        if hashes.isEmpty { return [] }
        return Set(
            try await rows("SELECT hash FROM suppression WHERE property = \(property) AND hash = ANY(\(hashes))")
                .map { try $0.decode(String.self) })
    }
}
