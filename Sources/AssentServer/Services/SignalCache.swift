import AssentCore
import AssentStore

/// The rendered `signals` object of a decision, memoized: decisions repeat (Accept All, Reject All, a few
/// combinations per region and day), so a consent POST finds its signals already encoded instead of encoding
/// the TC and GPP strings again. Bounded: when full it starts over.
final class SignalCache: Sendable {
    /// Everything the signals depend on. The property revision fixes the settings and the categories; a
    /// vendor list version, once stored, never changes.
    struct Key: Hashable {
        let property: String
        let revision: Int
        let region: String
        let regime: Regime
        /// Bit i: category i allowed (in the property's order); `more` for categories past the 64th.
        let allowed: UInt64
        let more: [Bool]
        let gpc: Bool
        /// UTC day of the decision (the TC string records it).
        let day: Int64
        let lang: String
        /// The vendor list version available, 0 for none.
        let vendorList: Int
        /// The legitimate-interest objections (TCF) in force.
        let objections: TCFObjections
    }

    private let capacity: Int
    private let entries = Locked<[Key: [UInt8]]>([:])

    init(capacity: Int = 4096) { self.capacity = capacity }

    static func key(
        revision: PropertyRevision, region: Region, regime: Regime, choices: [String: Bool], gpc: Bool,
        at milliseconds: Int64, lang: String, vendorList: VendorList?, objections: TCFObjections = .none
    ) -> Key {
        var allowed: UInt64 = 0
        var more: [Bool] = []
        for (i, category) in revision.property.categories.enumerated() {
            let on = category.required || choices[category.key] == true
            if i < 64 {
                if on { allowed |= 1 << UInt64(i) }
            } else {
                more.append(on)
            }
        }
        return Key(
            property: revision.property.id, revision: revision.revision, region: region.code, regime: regime,
            allowed: allowed, more: more, gpc: gpc, day: milliseconds / Timestamp.millisecondsPerDay, lang: lang,
            vendorList: vendorList?.vendorListVersion ?? 0, objections: objections)
    }

    func rendered(_ key: Key, compute: () throws -> ConsentSignals) throws -> [UInt8] {
        if let cached = entries.withLock({ $0[key] }) { return cached }
        let bytes = CanonicalJSON.orderedBytes(try compute().jsonValue)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = bytes
        }
        return bytes
    }

    var count: Int { entries.withLock { $0.count } }
}
