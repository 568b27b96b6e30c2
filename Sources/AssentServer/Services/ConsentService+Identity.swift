import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import NIOCore

/// What signed-in readers need in memory: the server's key for their subjects (made once, kept in the store so
/// that every server derives the same subjects) and the list of property ids, re-read at most every two seconds.
final class IdentityDirectory: Sendable {
    static let secretKind = "identity-subject"

    private let ids = Locked<(ids: [String], at: ContinuousClock.Instant)?>(nil)
    private let ttl = Duration.seconds(2)

    func propertyIDs(_ load: () async throws -> [String]) async throws -> [String] {
        let now = ContinuousClock.now
        if let cached = ids.withLock({ $0 }), now - cached.at < ttl { return cached.ids }
        let loaded = try await load()
        ids.withLock { $0 = (loaded, now) }
        return loaded
    }
}

/// Signed-in readers (issue 4 §6): a publisher passes a token it signs (`IdentityToken`); the reader's decisions
/// are then recorded under a subject derived from it, follow them to every property of the group (the properties
/// with the same identity settings) and to every device, and a GPC signal from any of their browsers opts the
/// reader out of sale and sharing everywhere.
extension ConsentService {
    static let identityHeader = HTTPField.Name("Assent-Identity")!

    /// A verified reader on a property.
    struct Reader: Sendable {
        /// The ledger subject derived from the token (`IdentitySubject`).
        let subject: String
    }

    /// Checks a token against the property's identity settings: 400 for a property that takes none or a token
    /// that is not one, 401 for a token that does not prove a reader here (signature, issuer, expiry).
    func reader(token: String, property: Property) async throws -> Reader {
        guard let settings = property.identity else {
            throw AssentError.badRequest(
                "property \(property.id) takes no identity tokens (its document has no identity section); send none",
                code: "identity_not_configured")
        }
        let verified: IdentityToken
        do {
            verified = try IdentityToken.verify(token, settings: settings, now: clock())
        } catch {
            switch error {
            case .malformed: throw AssentError.badRequest(error.description, code: "invalid_identity")
            case .badSignature, .wrongIssuer, .expired:
                throw AssentError(
                    .unauthorized, "identity_rejected", error.description,
                    headers: [.wwwAuthenticate: "Assent-Identity"])
            }
        }
        let secret = try await subjectSecret.bytes()
        return Reader(
            subject: IdentitySubject.derive(secret: secret, issuer: verified.issuer, subject: verified.subject))
    }

    /// The properties whose readers are this property's: those with the same identity settings, itself included.
    func identityGroup(of property: Property) async throws -> [Property] {
        guard let settings = property.identity else { return [property] }
        var group = [property]
        for id in try await identities.propertyIDs({ try await store.propertyIDs() }) where id != property.id {
            if let other = try await cache.current(id)?.current.property, other.identity == settings {
                group.append(other)
            }
        }
        return group
    }

    /// The config for a signed-in reader: the visitor's config with `decision`, the reader's decision that governs
    /// this property (rendered as the subject route renders one), or null when the reader has none that holds.
    func identityConfig(
        entry: PropertyCache.Entry, lang: String?, region: Region, gpc: Bool, token: String
    ) async throws -> [UInt8] {
        let reader = try await reader(token: token, property: entry.current.property)
        let document = try await config(entry: entry, lang: lang, region: region, gpc: gpc)
        let decision = try await readerDecision(reader, entry: entry, region: region, lang: lang, gpc: gpc)
        // The visitor's config (rendered and cached once per property revision, language, region and GPC) read
        // back as members, so the answer is written whole rather than spliced.
        guard case .object(let members) = try JSONParser.parse(document.body.readableBytesView) else {
            throw AssentError.internalError
        }
        var out = JSONWriter(capacity: document.body.readableBytes + (decision?.count ?? 4) + 16)
        out.object { w in
            for (name, value) in members {
                w.member(name: name)
                w.value(value, sorted: false)
            }
            w.member("decision")
            if let decision { w.raw(decision) } else { w.null() }
        }
        return out.bytes
    }

    /// The reader's latest decision across the group, as it applies here: their own record on this property, or
    /// one made on another property of the group carried onto this property's categories by key (`carriedFrom`
    /// names that property; `id` is the record that proves it). Only a decision that still holds where it was made
    /// (the policy version then in force, not expired) is carried; nil when there is none. With GPC, a decision
    /// that allows sale, sharing or targeted advertising is first overridden by a GPC decision recorded for the
    /// reader here (CCPA §7025: the signal applies to the linked identity), which then reaches their other
    /// browsers and properties.
    func readerDecision(
        _ reader: Reader, entry: PropertyCache.Entry, region: Region, lang: String?, gpc: Bool
    ) async throws -> [UInt8]? {
        let property = entry.current.property
        let now = clock()
        let group = try await identityGroup(of: property)
        let mark = decisions.mark()
        guard let latest = try await store.latestRecord(subject: reader.subject, properties: group.map(\.id)),
            let origin = group.first(where: { $0.id == latest.entry.property }),
            latest.entry.policyVersion == origin.policyVersion, latest.entry.expiresAt(under: origin) > now
        else { return nil }
        let regime = property.regimes.regime(for: region)
        let language = property.language(matching: lang)
        var governing = latest.entry
        if origin.id != property.id {
            let base = try await store.latestRecord(property: property.id, subject: reader.subject)
            governing = LedgerEntry(
                id: latest.entry.id, property: property.id, subject: reader.subject,
                choices: CarriedDecision.choices(
                    source: latest.entry.choices, base: base?.entry.choices, categories: property.categories,
                    regime: regime),
                action: latest.entry.action, regime: regime, region: region.code, gpc: latest.entry.gpc,
                gpcConflicts: [], policyVersion: property.policyVersion, textsHash: latest.entry.textsHash,
                lang: language, recordedAt: latest.entry.recordedAt,
                // Objections name this property's vendors and purposes: the reader's own here, if any.
                tcfObjections: base?.entry.tcfObjections ?? .none)
        }
        if gpc, property.categories.contains(where: { $0.optedOutByGPC && governing.choices[$0.key] == true }) {
            let decision = Policy.evaluate(
                regime: regime, categories: property.categories, action: .gpc, choices: governing.choices, gpc: true)
            let optOut = LedgerEntry(
                decision: decision, id: RandomID.uuid(milliseconds: now), property: property, subject: reader.subject,
                action: .gpc, regime: regime, region: region, lang: language,
                textsHash: cache.textsHash(property, lang: language), recordedAt: now,
                tcfObjections: governing.tcfObjections)
            let signalBytes = try signals(
                optOut, revision: entry.current, vendorList: try await vendorLists.list(for: property))
            let receipt = try await writer.append(optOut)
            return remember(
                optOut, leafIndex: receipt.leafIndex, revision: entry.current,
                bytes: Self.decisionAnswer(optOut, property: property, signals: signalBytes), since: mark
            ).bytes
        }
        if origin.id == property.id {
            return try await remember(latest.entry, leafIndex: latest.leafIndex, revision: entry.current, since: mark)
                .bytes
        }
        // Carried: rendered like a decision, never cached as this property's record (it is not one).
        let signalBytes = try signals(
            governing, revision: entry.current, vendorList: try await vendorLists.list(for: property))
        var out = JSONWriter(capacity: 768 + signalBytes.count)
        out.object { w in
            governing.writeAnswerMembers(property: property, to: &w)
            w.member("signals")
            w.raw(signalBytes)
            w.member("carriedFrom", origin.id)
        }
        return out.bytes
    }
}
