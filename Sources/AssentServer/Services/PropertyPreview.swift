import AssentCore
import AssentStore
import Foundation

/// Unsaved drafts of property documents, kept briefly so that the real widget can be shown with them: in memory,
/// each for one account, for 10 minutes, at most `capacity` in all (the oldest go first). A draft's id is random
/// and long: the widget's requests carry no cookie, so the id is what lets them read the draft.
final class PreviewDrafts: Sendable {
    static let lifetime: Int64 = 10 * 60_000
    let capacity: Int

    struct Draft: Sendable {
        let id: String
        let account: String
        let property: Property
        let expiresAt: Int64
    }

    private let drafts = Locked<[String: Draft]>([:])

    init(capacity: Int = 200) {
        self.capacity = capacity
    }

    /// Keeps a draft; returns its id.
    func keep(_ property: Property, account: String, now: Int64) -> String {
        let id = Secrets.token()
        drafts.withLock { drafts in
            drafts = drafts.filter { $0.value.expiresAt > now }
            while drafts.count >= capacity, let oldest = drafts.values.min(by: { $0.expiresAt < $1.expiresAt }) {
                drafts[oldest.id] = nil
            }
            drafts[id] = Draft(id: id, account: account, property: property, expiresAt: now + Self.lifetime)
        }
        return id
    }

    /// The live draft with this id, of this account when one is named.
    func draft(_ id: String, account: String? = nil, now: Int64) -> Draft? {
        guard id.utf8.count <= 64, let draft = drafts.withLock({ $0[id] }), draft.expiresAt > now,
            account == nil || draft.account == account
        else { return nil }
        return draft
    }
}

extension ConsentService {
    /// The widget's config for a draft, as `config(propertyID:…)` renders it for a saved property.
    func previewConfig(_ property: Property, lang: String?, region: Region, gpc: Bool) async throws -> [UInt8] {
        let language = property.language(matching: lang)
        let vendorList = try await vendorLists.list(for: property)
        let regime = property.regimes.regime(for: region)
        let defaults = Policy.defaults(regime: regime, categories: property.categories, gpc: gpc)
        let signals = try ConsentSignals.compute(
            property: property, regime: regime, region: region,
            choices: Dictionary(uniqueKeysWithValues: defaults.choices.map { ($0.key, $0.allowed) }), gpc: gpc,
            at: Self.now(), language: language, vendorList: vendorList)
        let document = WidgetConfig.render(
            property: property, region: region, lang: language, gpc: gpc,
            textsHash: property.textsHash(language: language), signals: signals.jsonValue,
            tcf: property.tcfDisclosure(regime: regime, vendorList: vendorList)?.jsonValue(language: language))
        return CanonicalJSON.orderedBytes(document)
    }

    /// A decision in a preview: checked and decided as a visitor's is (the submission against the banner shown,
    /// then the policy), answered as a compliance scan's is, and written nowhere: not the ledger, not the
    /// analytics. The region is the preview's.
    func previewDecision(_ property: Property, body: [UInt8], region: Region, gpcHeader: Bool) async throws
        -> [UInt8]
    {
        let value = try Body.parse(body)
        let submission: ConsentSubmission
        let vendorList = try await vendorLists.list(for: property)
        do {
            submission = try ConsentSubmission.parse(value)
            try submission.validate(
                against: property, knownPolicyVersions: [property.policyVersion],
                gpcSignal: gpcHeader || submission.gpc, vendorList: vendorList)
        } catch {
            throw AssentError.badRequest("\(error)", code: "invalid_consent")
        }
        let regime = property.regimes.regime(for: region)
        let decision = Policy.evaluate(
            regime: regime, categories: property.categories, action: submission.action, choices: submission.choices,
            gpc: gpcHeader || submission.gpc)
        let lang = property.language(matching: submission.lang)
        let now = Self.now()
        let entry = LedgerEntry(
            decision: decision, id: RandomID.uuid(milliseconds: now), property: property,
            subject: submission.subject ?? RandomID.uuid(milliseconds: now), action: submission.action,
            regime: regime, region: region, lang: lang, textsHash: property.textsHash(language: lang),
            recordedAt: now)
        let signals = try ConsentSignals.compute(
            property: property, regime: regime, region: region, choices: entry.choices, gpc: entry.gpc,
            at: now, language: lang, vendorList: vendorList)
        var bytes: [UInt8] = []
        CanonicalJSON.write(signals.jsonValue, sorted: false, into: &bytes)
        return Self.scanAnswer(entry, property: property, signals: bytes)
    }
}
