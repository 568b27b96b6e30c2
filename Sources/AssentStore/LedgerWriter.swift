import AssentCore
import Logging
import Metrics

/// Appends decisions to one log with group commit: while a batch is being committed, everything that arrives
/// waits and goes into the next batch. No timers: an idle writer commits a lone record at once. Each batch is
/// one transaction holding the records, the completed tree nodes and a signed tree head, and every caller is
/// answered only after its batch is durable.
public actor LedgerWriter {
    public let log: Int
    private let store: any LedgerStore
    private let signer: TreeHeadSigner
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let maxBatch: Int

    private var frontier: MerkleFrontier?
    private var pending: [Pending] = []

    private struct Pending {
        let entry: LedgerEntry
        let bytes: [UInt8]
        let leaf: MerkleHash
        let continuation: CheckedContinuation<Receipt, any Error>
    }
    private var committing = false

    public private(set) var batchesCommitted = 0
    private let recordsCounter = Counter(label: "assent_ledger_records_total")
    private let failuresCounter = Counter(label: "assent_ledger_batch_failures_total")
    private let batchSize = Recorder(label: "assent_ledger_batch_size")
    private let commitTimer = Timer(label: "assent_ledger_commit_seconds")
    public private(set) var recordsCommitted = 0

    public init(
        store: any LedgerStore, signer: TreeHeadSigner, log: Int = 0, maxBatch: Int = 4096, logger: Logger,
        clock: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.signer = signer
        self.log = log
        self.clock = clock
        self.logger = logger
        self.maxBatch = maxBatch
    }

    /// Appends one decision; returns its receipt once the batch holding it is durable.
    public nonisolated func append(_ entry: LedgerEntry) async throws -> Receipt {
        // Serializing and hashing happen here, in the caller's task and in parallel; only the tree work and
        // the transaction are serial.
        let bytes = entry.canonicalBytes
        return try await enqueue(entry, bytes: bytes, leaf: Merkle.leafHash(bytes))
    }

    private func enqueue(_ entry: LedgerEntry, bytes: [UInt8], leaf: MerkleHash) async throws -> Receipt {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(entry: entry, bytes: bytes, leaf: leaf, continuation: continuation))
            if !committing {
                committing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let take = min(pending.count, maxBatch)
            let batch = Array(pending.prefix(take))
            pending.removeFirst(take)
            do {
                let started = ContinuousClock.now
                let receipts = try await commit(batch)
                let elapsed = ContinuousClock.now - started
                commitTimer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                batchSize.record(batch.count)
                recordsCounter.increment(by: batch.count)
                for (item, receipt) in zip(batch, receipts) { item.continuation.resume(returning: receipt) }
            } catch {
                logger.error("ledger batch failed", metadata: ["log": "\(log)", "records": "\(batch.count)", "error": "\(error)"])
                // The stored tree is the truth; read it again before the next batch.
                frontier = nil
                failuresCounter.increment()
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        committing = false
    }

    private func commit(_ batch: [Pending]) async throws -> [Receipt] {
        let entries = batch.map(\.entry)
        var tree: MerkleFrontier
        if let frontier {
            tree = frontier
        } else {
            tree = try await store.frontier(log: log)
        }
        let start = tree.size
        let bytes = batch.map(\.bytes)
        let leaves = batch.map(\.leaf)
        let (nodes, proofs) = tree.appendBatch(leaves)
        let head = try signer.sign(TreeHead(log: log, size: tree.size, root: tree.root(), timestamp: clock()))
        try await store.append(
            LedgerBatch(log: log, startIndex: start, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head))
        frontier = tree
        batchesCommitted += 1
        recordsCommitted += entries.count
        return entries.indices.map { i in
            Receipt(entry: entries[i], leafIndex: start + i, proof: proofs[i], treeHead: head)
        }
    }
}
