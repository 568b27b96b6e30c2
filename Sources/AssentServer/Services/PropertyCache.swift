import AssentCore
import AssentStore
import Foundation
import NIOCore

/// The hot reads of property data, in memory: the current revision, every policy version's revision, the texts
/// hashes and the rendered config documents. While a live change feed is followed (`follow`: a database shared
/// by several servers), the current revision is trusted until the feed names a later one, and every entry is
/// dropped when the feed is lost or back. Without one (the embedded store, or while the feed is away), it is
/// re-checked against the store at most every `ttl`, so that a change made by the command line or by another
/// server on the same database is served everywhere within a second: one indexed read of a revision number per
/// property and interval, not per request.
final class PropertyCache: Sendable {
    /// A class, so that each request holds the property with one reference count instead of copying the
    /// whole revision (a property has dozens of reference-counted parts).
    final class Entry: Sendable {
        let current: PropertyRevision
        let policyVersions: Set<Int>

        init(current: PropertyRevision, policyVersions: Set<Int>) {
            self.current = current
            self.policyVersions = policyVersions
        }
    }

    private let store: any PropertyStore
    private let ttl: Duration
    private let entries = Locked(Entries())
    private let versions = Locked<[VersionKey: Property]>([:])
    private let textsHashes = Locked<[TextsKey: String]>([:])
    private let configs = Locked<[ConfigKey: RenderedDocument]>([:])

    private struct Entries {
        var items: [String: (entry: Entry, checkedAt: ContinuousClock.Instant, epoch: UInt64)] = [:]
        /// Whether a change feed is live: entries are then trusted without re-checking.
        var live = false
        /// Counts the feed's starts and losses; an entry read in an earlier epoch is checked again.
        var epoch: UInt64 = 0
        /// The latest revision the feed named per property (in this epoch).
        var named: [String: Int] = [:]
    }

    struct VersionKey: Hashable {
        let id: String
        let policyVersion: Int
    }
    struct TextsKey: Hashable {
        let id: String
        let policyVersion: Int
        let lang: String
    }
    struct ConfigKey: Hashable {
        let id: String
        let revision: Int
        let region: String
        let lang: String
        let gpc: Bool
        /// UTC day: the signals' TC string is dated.
        let day: Int64
        /// The vendor list version available, 0 for none.
        let vendorList: Int
    }

    init(store: any PropertyStore, ttl: Duration = .milliseconds(500)) {
        self.store = store
        self.ttl = ttl
    }

    /// The current revision, or nil when the property does not exist.
    func current(_ id: String) async throws -> Entry? {
        let now = ContinuousClock.now
        // When the entry is stale, the first caller re-checks it; the others go on with it meanwhile, so a busy
        // server does not re-read the property once per request in flight.
        let (cached, check, epoch) = entries.withLock { e -> (Entry?, Bool, UInt64) in
            guard let cached = e.items[id] else { return (nil, true, e.epoch) }
            if e.live {
                // The feed names every later revision: trusted unless it named one, or was away when this was read.
                if cached.epoch == e.epoch, cached.entry.current.revision >= e.named[id] ?? 0 {
                    return (cached.entry, false, e.epoch)
                }
                return (cached.entry, true, e.epoch)
            }
            if now - cached.checkedAt < ttl { return (cached.entry, false, e.epoch) }
            e.items[id] = (cached.entry, now, cached.epoch)
            return (cached.entry, true, e.epoch)
        }
        if let cached, !check { return cached }
        if let cached, try await store.currentRevision(id: id) == cached.current.revision {
            entries.withLock { $0.items[id] = (cached, now, epoch) }
            return cached
        }
        guard let current = try await store.currentProperty(id: id) else {
            entries.withLock { _ = $0.items.removeValue(forKey: id) }
            return nil
        }
        let known = try await store.policyVersions(id: id)
        let entry = Entry(current: current, policyVersions: Set(known))
        entries.withLock { e in
            // Never replace a later revision another caller read meanwhile.
            if let other = e.items[id], other.epoch == epoch, other.entry.current.revision > current.revision { return }
            e.items[id] = (entry, now, epoch)
        }
        return entry
    }

    func invalidate(_ id: String) { entries.withLock { _ = $0.items.removeValue(forKey: id) } }

    /// Follows a feed of the changes every server commits (see the type's description).
    func follow(_ feed: ChangeFeed) {
        feed.subscribe { [entries] event in
            entries.withLock { e in
                switch event {
                case .live, .lost:
                    e.live = event == .live
                    e.epoch += 1
                    e.items.removeAll()
                    e.named.removeAll()
                case .changed(.property(let id, let revision)):
                    e.named[id] = max(e.named[id] ?? 0, revision)
                case .changed(.decision):
                    break
                }
            }
        }
    }

    /// The property as it was at a policy version (for a visitor who saw an older banner).
    func property(_ entry: Entry, policyVersion: Int) async throws -> Property? {
        if entry.current.property.policyVersion == policyVersion { return entry.current.property }
        let key = VersionKey(id: entry.current.property.id, policyVersion: policyVersion)
        if let cached = versions.withLock({ $0[key] }) { return cached }
        guard let revision = try await store.property(id: key.id, policyVersion: policyVersion) else { return nil }
        versions.withLock { $0[key] = revision.property }
        return revision.property
    }

    func textsHash(_ property: Property, lang: String) -> String {
        let key = TextsKey(id: property.id, policyVersion: property.policyVersion, lang: lang)
        if let cached = textsHashes.withLock({ $0[key] }) { return cached }
        let hash = property.textsHash(language: lang)
        textsHashes.withLock { $0[key] = hash }
        return hash
    }

    func config(_ key: ConfigKey, render: () throws -> JSONValue) rethrows -> RenderedDocument {
        if let cached = configs.withLock({ $0[key] }) { return cached }
        let document = RenderedDocument(try render())
        configs.withLock { cache in
            // Bounded: regions × languages × revisions; start over rather than grow without limit.
            if cache.count > 10_000 { cache.removeAll() }
            cache[key] = document
        }
        return document
    }
}

/// A JSON document rendered once, with its ETag. Its bytes are kept as the `ByteBuffer` answers send: every
/// answer shares it, where one made from an array would copy the document per request.
struct RenderedDocument: Sendable {
    let body: ByteBuffer
    let etag: String

    init(_ value: JSONValue) {
        self.init(bytes: CanonicalJSON.orderedBytes(value))
    }

    init(bytes: [UInt8]) {
        body = ByteBuffer(bytes: bytes)
        etag = "\"" + String(Hex.encode(SHA256Digest.of(bytes)).prefix(32)) + "\""
    }
}
