import AssentCore
import AssentStore
import Crypto

/// The public keys receipts are checked against and `jwks.json` publishes: the keys this server trusts out of
/// band (its data directory's own key files, `--trusted-keys`) and the keys in the store that a pinned publisher
/// root certified (`--root-key`). A key that only the database holds is never trusted, since whoever can write the
/// database could have put it there; it is kept with the reason so a receipt it signed is answered with that.
/// Another server may join with a certified key (or rotate its key) at any time, so the set is read again when it
/// is older than `maxAge` or a receipt names a key it lacks (at most once per `missInterval`, so unknown key ids
/// cannot make every request a database read).
final class KeyRing: Sendable {
    struct Snapshot: Sendable {
        /// Trusted keys by id.
        var keys: [String: [UInt8]]
        /// Keys the store holds that are not trusted, with the reason.
        var untrusted: [String: String]
        var jwks: RenderedDocument
        var loadedAt: ContinuousClock.Instant
    }

    private let store: any SigningKeyStore
    private let own: PublishedKey
    private let trust: KeyTrust
    private let state: Locked<Snapshot>
    private let maxAge: Duration
    private let missInterval: Duration

    init(
        store: any SigningKeyStore, own: PublishedKey, trust: KeyTrust = KeyTrust(), published: [PublishedKey],
        maxAge: Duration = .seconds(30), missInterval: Duration = .seconds(1)
    ) {
        var trust = trust
        trust.pin(own.publicKey)  // the key this server signs with is its own file
        self.store = store
        self.own = own
        self.trust = trust
        self.maxAge = maxAge
        self.missInterval = missInterval
        state = Locked(Self.snapshot(published, own: own, trust: trust))
    }

    private static func snapshot(_ published: [PublishedKey], own: PublishedKey, trust: KeyTrust) -> Snapshot {
        var candidates: [PublicKeyEntry] = []
        var seen = Set<String>()
        for key in published + [own] where seen.insert(key.keyID).inserted { candidates.append(key.entry) }
        if let at = candidates.firstIndex(where: { $0.keyID == own.keyID }), own.certificate != nil {
            candidates[at] = own.entry  // the certificate of the data directory's file, however the store has it
        }
        let (keys, untrusted) = trust.evaluate(candidates)
        // Published order (oldest first), then pinned keys the store does not list.
        var listed = candidates.filter { keys[$0.keyID] != nil }
        let listedIDs = Set(listed.map(\.keyID))
        for (keyID, raw) in keys.sorted(by: { $0.key < $1.key }) where !listedIDs.contains(keyID) {
            listed.append(PublicKeyEntry(publicKey: raw))
        }
        return Snapshot(
            keys: keys, untrusted: untrusted, jwks: RenderedDocument(JWKS.document(listed)), loadedAt: .now)
    }

    /// The trusted set, read again first when it is stale.
    func current() async -> Snapshot {
        let snapshot = state.withLock { $0 }
        if snapshot.loadedAt.duration(to: .now) < maxAge { return snapshot }
        return await reload() ?? snapshot
    }

    /// The set to check a receipt signed by `keyID`: read again (rate-limited) when that key is not known yet.
    func snapshot(including keyID: String) async -> Snapshot {
        let snapshot = await current()
        if snapshot.keys[keyID] != nil || snapshot.loadedAt.duration(to: .now) < missInterval {
            return snapshot
        }
        return await reload() ?? snapshot
    }

    /// The trusted keys to check a receipt signed by `keyID`.
    func keys(including keyID: String) async -> [String: [UInt8]] {
        await snapshot(including: keyID).keys
    }

    private func reload() async -> Snapshot? {
        guard let published = try? await store.publishedKeys() else { return nil }
        let fresh = Self.snapshot(published, own: own, trust: trust)
        state.withLock { $0 = fresh }
        return fresh
    }
}
