import AssentCore
import Logging
import Metrics

/// Appends decisions to one log with group commit: while a batch is being committed, everything that arrives
/// waits and goes into the next batch. No timers: an idle writer commits a lone record at once. Each batch is
/// one transaction holding the records, the completed tree nodes and a signed tree head, and every caller is
/// answered only after its batch is durable.
///
/// Callers never hop onto a shared executor to queue: they take a lock for a moment, and one drain task at a
/// time does the serial part (an actor here made every appender a job queued on the writer, in line with the
/// commit's own continuation).
public final class LedgerWriter: Sendable {
    public let log: Int
    private let store: any LedgerStore
    private let signer: TreeHeadSigner
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let maxBatch: Int

    private struct Pending {
        let entry: LedgerEntry
        let bytes: [UInt8]
        let leaf: MerkleHash
        let continuation: CheckedContinuation<Receipt, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var draining = false
        var batchesCommitted = 0
        var recordsCommitted = 0
        var batchesRebuilt = 0
        var batchesRetried = 0
    }

    private let state = Locked(State())
    /// The tree as committed; only the single drain task reads or writes it.
    private let tree = Locked<MerkleFrontier?>(nil)

    private let recordsCounter: Counter
    private let failuresCounter: Counter
    private let movedCounter: Counter
    private let batchSize: Recorder
    private let commitTimer: Timer
    private let sizeGauge: Gauge

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
        let dimensions = [("log", String(log))]
        recordsCounter = Counter(label: "assent_ledger_records_total", dimensions: dimensions)
        movedCounter = Counter(label: "assent_ledger_log_moved_total", dimensions: dimensions)
        failuresCounter = Counter(label: "assent_ledger_batch_failures_total", dimensions: dimensions)
        batchSize = Recorder(label: "assent_ledger_batch_size", dimensions: dimensions)
        commitTimer = Timer(label: "assent_ledger_commit_seconds", dimensions: dimensions)
        sizeGauge = Gauge(label: "assent_ledger_tree_size", dimensions: dimensions)
    }

    public var batchesCommitted: Int { state.withLock { $0.batchesCommitted } }
    public var recordsCommitted: Int { state.withLock { $0.recordsCommitted } }
    /// Batches the store built again under the log's lock because another writer had appended first.
    public var batchesRebuilt: Int { state.withLock { $0.batchesRebuilt } }
    /// Batches tried again after the store refused them because the log had moved (stores without a locked
    /// rebuild).
    public var batchesRetried: Int { state.withLock { $0.batchesRetried } }

    /// Appends one decision; returns its receipt once the batch holding it is durable. A caller that has the
    /// entry's canonical bytes already (to render the receipt) passes them in.
    public func append(_ entry: LedgerEntry, canonicalBytes: [UInt8]? = nil) async throws -> Receipt {
        // Serializing and hashing happen here, in the caller's task and in parallel; only the tree work and
        // the transaction are serial.
        let bytes = canonicalBytes ?? entry.canonicalBytes
        let leaf = Merkle.leafHash(bytes)
        return try await withCheckedThrowingContinuation { continuation in
            let startDrain = state.withLock { state -> Bool in
                state.pending.append(Pending(entry: entry, bytes: bytes, leaf: leaf, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Pending]? in
                if state.pending.isEmpty {
                    state.draining = false
                    return nil
                }
                let take = min(state.pending.count, maxBatch)
                let batch = Array(state.pending.prefix(take))
                state.pending.removeFirst(take)
                return batch
            }
            guard let batch else { return }
            do {
                let started = ContinuousClock.now
                let receipts = try await commit(batch)
                let elapsed = ContinuousClock.now - started
                commitTimer.recordNanoseconds(
                    elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                batchSize.record(batch.count)
                recordsCounter.increment(by: batch.count)
                state.withLock {
                    $0.batchesCommitted += 1
                    $0.recordsCommitted += batch.count
                }
                for (item, receipt) in zip(batch, receipts) { item.continuation.resume(returning: receipt) }
            } catch {
                logger.error(
                    "ledger batch failed",
                    metadata: ["log": "\(log)", "records": "\(batch.count)", "error": "\(error)"])
                // The stored tree is the truth; read it again before the next batch.
                tree.withLock { $0 = nil }
                failuresCounter.increment()
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
    }

    /// How often a batch is tried again when another server appended to the log first.
    static let maxMovedRetries = 32

    private func commit(_ batch: [Pending]) async throws -> [Receipt] {
        var attempt = 0
        while true {
            do {
                return try await commitOnce(batch)
            } catch StoreError.logMoved(let log, let expected, let actual) {
                // Another writer (another server on the same database) appended first: the tree we hold is
                // stale. Read the stored one and build the batch again on top of it, after a short random pause
                // so that two writers that keep meeting on one log fall out of step.
                tree.withLock { $0 = nil }
                movedCounter.increment()
                state.withLock { $0.batchesRetried += 1 }
                attempt += 1
                guard attempt <= Self.maxMovedRetries else {
                    // Not a failure of the request: the log is contended. The client is told to try again.
                    throw StoreError.unavailable(
                        "log \(log) kept moving under other writers (\(attempt) tries); try again")
                }
                logger.debug(
                    "log moved; rebuilding the batch",
                    metadata: ["log": "\(log)", "expected": "\(expected)", "actual": "\(actual)"])
                try await Task.sleep(for: .microseconds(Int.random(in: 0...(250 * min(attempt, 8)))))
            }
        }
    }

    private struct Built: Sendable {
        let frontier: MerkleFrontier
        let start: Int
        let proofs: [[MerkleHash]]
        let head: SignedTreeHead
        /// The store handed over a frontier other than the one this writer held: another writer had appended.
        let rebuilt: Bool
    }

    private func commitOnce(_ batch: [Pending]) async throws -> [Receipt] {
        let held = tree.withLock { $0 }
        let entries = batch.map(\.entry)
        let bytes = batch.map(\.bytes)
        let leaves = batch.map(\.leaf)
        let (log, signer, clock) = (self.log, self.signer, self.clock)
        // The tree work and the signature run inside the store's append, on the frontier the store has under the
        // log's lock: a store shared by several servers builds the batch again there when the log moved.
        let built = try await store.append(log: log, expected: held) { base in
            var frontier = base
            let start = frontier.size
            let (nodes, proofs) = frontier.appendBatch(leaves)
            let head = try signer.sign(
                TreeHead(log: log, size: frontier.size, root: frontier.root(), timestamp: clock()))
            let ledgerBatch = LedgerBatch(
                log: log, startIndex: start, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head)
            return (
                ledgerBatch,
                Built(
                    frontier: frontier, start: start, proofs: proofs, head: head,
                    rebuilt: held.map { $0.size != base.size } ?? false)
            )
        }
        if built.rebuilt {
            movedCounter.increment()
            state.withLock { $0.batchesRebuilt += 1 }
        }
        tree.withLock { $0 = built.frontier }
        sizeGauge.record(built.frontier.size)
        return entries.indices.map { i in
            Receipt(entry: entries[i], leafIndex: built.start + i, proof: built.proofs[i], treeHead: built.head)
        }
    }
}
