import AssentCore
import AssentStore

/// The latest decision per (property, subject), rendered once, so that the hot read is a dictionary lookup.
/// Filled only with committed records, by this server's writes and by database reads; a newer record (a
/// higher leaf index) always replaces an older one and never the reverse. A browser's first decision, which
/// starts its subject, is not put: nobody can have read a subject that did not exist, most are never read back,
/// and keeping every new visitor's decision cost about a tenth of the durable write rate (`ConsentService`).
/// Bounded: two generations, the older dropped when the newer fills, which keeps recently used subjects.
///
/// With one server per database (the embedded store) it is on from the start. With several servers writing one
/// database (`shared`), it is on only while a change feed (`follow`) is live: every server hears of every
/// decision committed, drops what the feed says changed, and drops everything when the feed is lost or
/// back. A read from the database races a change heard meanwhile: whoever reads takes a `Mark` before it
/// reads, and `put` refuses what was read before a change to the same subject (or before a flush) was heard,
/// dropping what is cached for the subject when that is older than the refused record. A notice of this server's
/// own write can arrive after its next write for the same subject began: that notice names the record cached,
/// and the later write replaces it.
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

    private struct State {
        var current: [Key: Item] = [:]
        var previous: [Key: Item] = [:]
        /// False while the cache must not be trusted (shared, and no live feed): reads miss, puts are refused.
        var trusted: Bool
        /// Counts the changes heard; a `Mark` is its value when a read began.
        var sequence: UInt64 = 0
        /// Reads begun before this were begun before a flush: their results are refused.
        var floor: UInt64 = 0
        /// The subjects a change was heard for, with when and which record: a read begun before it is refused,
        /// unless it read that very record.
        var changed: [Key: (sequence: UInt64, record: String)] = [:]
    }

    struct Key: Hashable {
        let property: String
        let subject: String
    }

    /// When a read began, in changes heard (see `put`).
    struct Mark: Sendable {
        fileprivate let sequence: UInt64
    }

    private let capacity: Int
    private let state: Locked<State>

    init(capacity: Int = 200_000, shared: Bool = false) {
        self.capacity = capacity
        // Sized for a full generation from the start: growing by doubling rehashed every key under the lock, a
        // stall of several milliseconds for every request in flight each time the table doubled.
        var state = State(trusted: !shared)
        state.current.reserveCapacity(capacity / 2)
        self.state = Locked(state)
    }

    func get(property: String, subject: String) -> Item? { lookup(property: property, subject: subject).item }

    /// The cached item, if any, and the mark to `put` with whatever is read or rendered instead.
    func lookup(property: String, subject: String) -> (item: Item?, mark: Mark) {
        guard capacity > 0 else { return (nil, Mark(sequence: 0)) }
        let key = Key(property: property, subject: subject)
        return state.withLock { s in
            let mark = Mark(sequence: s.sequence)
            guard s.trusted else { return (nil, mark) }
            if let item = s.current[key] { return (item, mark) }
            guard let item = s.previous[key] else { return (nil, mark) }
            s.current[key] = item
            return (item, mark)
        }
    }

    /// A mark to take before reading the subject's latest decision (or writing a new one) elsewhere.
    func mark() -> Mark { state.withLock { Mark(sequence: $0.sequence) } }

    /// Caches `item`, read or written after `mark` was taken, unless a later record is cached already or a change
    /// to the subject (other than this record itself) or a flush was heard since `mark`.
    func put(property: String, subject: String, _ item: Item, since mark: Mark) {
        guard capacity > 0 else { return }
        let key = Key(property: property, subject: subject)
        let dropped = state.withLock { s -> [Key: Item] in
            guard s.trusted, mark.sequence >= s.floor else { return [:] }
            let existing = s.current[key] ?? s.previous[key]
            if let change = s.changed[key], change.sequence > mark.sequence, change.record != item.entry.id {
                // The change heard may name a record later than this one, unless it named the one cached and this
                // one is later (this server's previous write, its notice late): then this one is the latest.
                let replacesNamed = existing.map { $0.entry.id == change.record && item.isLater(than: $0) } ?? false
                guard replacesNamed else {
                    // Whatever is cached is older than this committed record: no longer the latest, so dropped.
                    if let existing, item.isLater(than: existing) {
                        s.current[key] = nil
                        s.previous[key] = nil
                    }
                    return [:]
                }
            }
            if let existing, existing.isLater(than: item) { return [:] }
            var dropped: [Key: Item] = [:]
            if s.current.count >= capacity / 2 && s.current[key] == nil {
                swap(&dropped, &s.previous)
                swap(&s.previous, &s.current)
                s.current.reserveCapacity(capacity / 2)
            }
            s.current[key] = item
            return dropped
        }
        // The oldest generation (up to half the capacity) is freed here, after the lock: every other request
        // would otherwise wait for its items to be released.
        _ = consume dropped
    }

    /// Follows a feed of the changes every server commits (see the type's description).
    func follow(_ feed: ChangeFeed) {
        feed.subscribe { [self] event in
            switch event {
            case .live: flush(trusted: true)
            case .lost: flush(trusted: false)
            case .changed(.decision(let property, let subject, let record)):
                changed(Key(property: property, subject: subject), record: record)
            case .changed(.property): break
            }
        }
    }

    private func flush(trusted: Bool) {
        let dropped = state.withLock { s -> [[Key: Item]] in
            s.sequence += 1
            s.floor = s.sequence
            s.trusted = trusted
            s.changed = [:]
            defer {
                s.current = [:]
                s.current.reserveCapacity(capacity / 2)
                s.previous = [:]
            }
            return [s.current, s.previous]
        }
        _ = consume dropped
    }

    private func changed(_ key: Key, record: String) {
        state.withLock { s in
            s.sequence += 1
            s.changed[key] = (s.sequence, record)
            // This server's own write, already cached: it is the latest.
            if (s.current[key] ?? s.previous[key])?.entry.id != record {
                s.current[key] = nil
                s.previous[key] = nil
            }
            // Bounded like the items: forgetting the changes heard refuses every read begun before now instead.
            if s.changed.count > max(1024, capacity / 2) {
                s.changed.removeAll()
                s.floor = s.sequence
            }
        }
    }
}
