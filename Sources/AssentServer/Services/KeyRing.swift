import AssentCore
import AssentStore
import Crypto
import Synchronization

/// The public keys receipts are checked against: every key any server of this ledger has signed with, as the
/// store publishes them, this server's own included. Another server may join with a new key (or rotate its
/// key) at any time, so the set is read again when it is older than `maxAge` or a receipt names a key it lacks
/// (at most once per `missInterval`, so unknown key ids cannot make every request a database read).
final class KeyRing: Sendable {
    struct Snapshot: Sendable {
        var keys: [String: [UInt8]]
        var jwks: RenderedDocument
        var loadedAt: ContinuousClock.Instant
    }

    private let store: any SigningKeyStore
    private let own: PublishedKey
    private let state: Mutex<Snapshot>
    private let maxAge: Duration
    private let missInterval: Duration

    init(
        store: any SigningKeyStore, own: PublishedKey, published: [PublishedKey], maxAge: Duration = .seconds(30),
        missInterval: Duration = .seconds(1)
    ) {
        self.store = store
        self.own = own
        self.maxAge = maxAge
        self.missInterval = missInterval
        state = Mutex(Self.snapshot(published, own: own))
    }

    private static func snapshot(_ published: [PublishedKey], own: PublishedKey) -> Snapshot {
        var keys: [String: [UInt8]] = [:]
        var ordered: [PublishedKey] = []
        for key in published + [own] where keys[key.keyID] == nil {
            keys[key.keyID] = key.publicKey
            ordered.append(key)
        }
        let jwks = ordered.compactMap { key in
            (try? Curve25519PublicKey(rawRepresentation: key.publicKey)).map(TreeHeadSigner.jwk)
        }
        return Snapshot(
            keys: keys, jwks: RenderedDocument(.object([("keys", .array(jwks))])), loadedAt: .now)
    }

    /// The published set, read again first when it is stale.
    func current() async -> Snapshot {
        let snapshot = state.withLock { $0 }
        if snapshot.loadedAt.duration(to: .now) < maxAge { return snapshot }
        return await reload() ?? snapshot
    }

    /// The keys to check a receipt signed by `keyID`: read again (rate-limited) when that key is not known yet.
    func keys(including keyID: String) async -> [String: [UInt8]] {
        let snapshot = await current()
        if snapshot.keys[keyID] != nil || snapshot.loadedAt.duration(to: .now) < missInterval {
            return snapshot.keys
        }
        return (await reload() ?? snapshot).keys
    }

    private func reload() async -> Snapshot? {
        guard let published = try? await store.publishedKeys() else { return nil }
        let fresh = Self.snapshot(published, own: own)
        state.withLock { $0 = fresh }
        return fresh
    }
}
