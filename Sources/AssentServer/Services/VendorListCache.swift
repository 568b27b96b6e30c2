import AssentCore
import AssentStore

/// Imported vendor lists, parsed once per version. A stored version never changes, so a list found is kept;
/// a version not found is looked up again after `ttl`, so a list imported while the server runs is picked up.
final class VendorListCache: Sendable {
    private struct Entry: Sendable {
        let list: VendorList?
        let checkedAt: ContinuousClock.Instant
    }

    private let store: any VendorListStore
    private let ttl: Duration
    private let entries = Locked<[Int: Entry]>([:])

    init(store: any VendorListStore, ttl: Duration = .seconds(2)) {
        self.store = store
        self.ttl = ttl
    }

    func list(version: Int) async throws -> VendorList? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[version] }), entry.list != nil || now - entry.checkedAt < ttl {
            return entry.list
        }
        let list = try await store.vendorList(version: version)?.vendorList()
        entries.withLock { $0[version] = Entry(list: list, checkedAt: now) }
        return list
    }

    /// The list a property's TCF settings name; nil when TCF is off or the list is not imported.
    func list(for property: Property) async throws -> VendorList? {
        guard let tcf = property.signals.tcf, tcf.enabled, let version = tcf.vendorListVersion else { return nil }
        return try await list(version: version)
    }
}
