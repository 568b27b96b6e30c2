import AssentCore
import AssentStore

/// The latest decision per (property, subject), rendered once, so that the hot read is a dictionary lookup.
/// Filled only with committed records, by this server's writes and by database reads; a newer record (a
/// higher leaf index) always replaces an older one and never the reverse. Bounded: two generations, the
/// older dropped when the newer fills, which keeps recently used subjects.
///
/// Correct for one server per database (the embedded store). With several servers writing one database it is
/// made with capacity 0, which turns it off: each would need to learn of the others' writes before trusting it.
final class DecisionCache: Sendable {
    /// A class: a read takes one reference instead of copying the entry's dozen strings, and the tables move
    /// one pointer per item when they grow.
    final class Item: Sendable {
        let leafIndex: Int
        let revision: Int
        let entry: LedgerEntry
        let bytes: [UInt8]

        init(leafIndex: Int, revision: Int, entry: LedgerEntry, bytes: [UInt8]) {
            self.leafIndex = leafIndex
            self.revision = revision
            self.entry = entry
            self.bytes = bytes
        }

        /// Later by the time recorded, then by leaf index (one subject's records share a log, but a change of the
        /// shard count moves where the next ones go, and leaf indexes of two logs say nothing of their order).
        func isLater(than other: Item) -> Bool {
            (entry.recordedAt, leafIndex) > (other.entry.recordedAt, other.leafIndex)
        }
    }

    private struct Generations {
        var current: [Key: Item] = [:]
        var previous: [Key: Item] = [:]
    }

    struct Key: Hashable {
        let property: String
        let subject: String
    }

    private let capacity: Int
    private let state: Locked<Generations>

    init(capacity: Int = 200_000) {
        self.capacity = capacity
        // Sized for a full generation from the start: growing by doubling rehashed every key under the lock, a
        // stall of several milliseconds for every request in flight each time the table doubled.
        var generations = Generations()
        generations.current.reserveCapacity(capacity / 2)
        state = Locked(generations)
    }

    func get(property: String, subject: String) -> Item? {
        guard capacity > 0 else { return nil }
        let key = Key(property: property, subject: subject)
        return state.withLock { g in
            if let item = g.current[key] { return item }
            guard let item = g.previous[key] else { return nil }
            g.current[key] = item
            return item
        }
    }

    func put(property: String, subject: String, _ item: Item) {
        guard capacity > 0 else { return }
        let key = Key(property: property, subject: subject)
        let dropped = state.withLock { g -> [Key: Item] in
            if let existing = g.current[key] ?? g.previous[key], existing.isLater(than: item) { return [:] }
            var dropped: [Key: Item] = [:]
            if g.current.count >= capacity / 2 && g.current[key] == nil {
                swap(&dropped, &g.previous)
                swap(&g.previous, &g.current)
                g.current.reserveCapacity(capacity / 2)
            }
            g.current[key] = item
            return dropped
        }
        // The oldest generation (up to half the capacity) is freed here, after the lock: every other request
        // would otherwise wait for its items to be released.
        _ = consume dropped
    }
}
