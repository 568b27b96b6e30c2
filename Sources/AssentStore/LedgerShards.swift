import AssentCore
import Logging

/// The ledger split into shards, each a log (a Merkle tree with its own signed tree heads) written by its own
/// group-commit writer. With several servers on one database, two decisions queue behind each other only when
/// they land in the same shard; one server alone still gets group commit within each shard.
///
/// A decision's shard is a pure function of its property and subject, the same on every server and across
/// restarts, so one visitor's decisions stay in one log in order. Changing the shard count later only moves
/// where new decisions go: every stored record keeps its log and stays verifiable.
public final class LedgerShards: Sendable {
    public let writers: [LedgerWriter]

    public init(
        count: Int, store: any LedgerStore, signer: TreeHeadSigner, logger: Logger,
        clock: @escaping @Sendable () -> Int64
    ) {
        precondition(count >= 1, "at least one shard")
        writers = (0..<count).map { LedgerWriter(store: store, signer: signer, log: $0, logger: logger, clock: clock) }
    }

    public init(writers: [LedgerWriter]) {
        precondition(!writers.isEmpty, "at least one writer")
        self.writers = writers
    }

    public var count: Int { writers.count }

    /// The log a decision of this property and subject goes to: the first 8 bytes of
    /// SHA-256(property, 0x00, subject) modulo the shard count.
    public static func shard(property: String, subject: String, count: Int) -> Int {
        guard count > 1 else { return 0 }
        let digest = SHA256Digest.of(Array(property.utf8) + [0] + Array(subject.utf8))
        let prefix = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(prefix % UInt64(count))
    }

    /// Appends to the decision's shard; returns the receipt once its batch is durable.
    public func append(_ entry: LedgerEntry, canonicalBytes: [UInt8]? = nil) async throws -> Receipt {
        let index = Self.shard(property: entry.property, subject: entry.subject, count: writers.count)
        return try await writers[index].append(entry, canonicalBytes: canonicalBytes)
    }
}
