import AssentCore
import AssentStore
import Crypto
import Foundation
import HTTPTypes
import Logging

/// Orchestrates Core and Store for the consent routes. Routes decode, call one method, encode.
final class ConsentService: Sendable {
    let configuration: ServerConfiguration
    let store: any AssentStorage
    let writer: LedgerShards
    /// Properties: their cache, the lookup and the visitor's region (shared with the request service).
    let directory: PropertyDirectory
    var cache: PropertyCache { directory.cache }
    /// Every published signing key, this server's included (receipts, jwks.json).
    let keyRing: KeyRing
    /// This server's view of the latest decisions; when several servers share the database, on only while the
    /// database's change feed tells it of the others' decisions (DecisionCache.swift).
    let decisions: DecisionCache
    let vendorLists: VendorListCache
    let signalCache = SignalCache()
    /// Signed-in readers: the server's subject key and the groups of properties (ConsentService+Identity.swift).
    let identities = IdentityDirectory()
    /// The key signed-in readers' subjects are derived with, the same on every server.
    let subjectSecret: SharedSecret
    /// This server's analytics counts not yet written (AnalyticsCounter.swift).
    let analytics: AnalyticsCounter
    /// The time decisions are recorded at, in milliseconds since the Unix epoch.
    let clock: @Sendable () -> Int64
    private let lastTreeHead = Locked<(head: SignedTreeHead, bytes: [UInt8])?>(nil)

    init(
        configuration: ServerConfiguration, store: any AssentStorage, writer: LedgerShards, signer: TreeHeadSigner,
        keyRing: KeyRing? = nil, directory: PropertyDirectory? = nil,
        clock: @escaping @Sendable () -> Int64 = { ConsentService.now() }
    ) {
        self.configuration = configuration
        self.clock = clock
        self.store = store
        self.writer = writer
        self.directory =
            directory
            ?? PropertyDirectory(
                cache: PropertyCache(store: store), configuration: configuration,
                headers: (try? HeaderNames(configuration)) ?? HeaderNames())
        self.decisions = DecisionCache(
            capacity: configuration.decisionCacheSize, shared: configuration.databaseURL != nil)
        self.vendorLists = VendorListCache(store: store)
        self.analytics = AnalyticsCounter(enabled: configuration.analytics)
        self.subjectSecret = SharedSecret(kind: IdentityDirectory.secretKind, store: store)
        self.keyRing =
            keyRing
            ?? KeyRing(
                store: store, own: PublishedKey(keyID: signer.keyID, publicKey: signer.publicKeyBytes, firstUsedAt: 0),
                published: [])
    }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: Property and visitor

    /// The property's current revision, or 404 `unknown_property` (`PropertyDirectory`).
    func property(_ id: String) async throws -> PropertyCache.Entry { try await directory.property(id) }

    func region(propertyID: String, header: String?, demoOverride: String?) throws -> Region {
        try directory.region(propertyID: propertyID, header: header, demoOverride: demoOverride)
    }

    // MARK: Config

    /// The widget's config, with the signals of the decision a visitor has before choosing (dated today) and,
    /// where TCF applies, what its layer shows.
    func config(entry: PropertyCache.Entry, lang: String?, region: Region, gpc: Bool) async throws -> RenderedDocument {
        let property = entry.current.property
        let language = property.language(matching: lang)
        let vendorList = try await vendorLists.list(for: property)
        let now = clock()
        let key = PropertyCache.ConfigKey(
            id: property.id, revision: entry.current.revision, region: region.code, lang: language, gpc: gpc,
            day: now / Timestamp.millisecondsPerDay, vendorList: vendorList?.vendorListVersion ?? 0)
        return try cache.config(key) {
            let regime = property.regimes.regime(for: region)
            let defaults = Policy.defaults(regime: regime, categories: property.categories, gpc: gpc)
            let signals = try ConsentSignals.compute(
                property: property, regime: regime, region: region,
                choices: Dictionary(uniqueKeysWithValues: defaults.choices.map { ($0.key, $0.allowed) }), gpc: gpc,
                at: now, language: language, vendorList: vendorList)
            return WidgetConfig.render(
                property: property, region: region, lang: language, gpc: gpc,
                textsHash: cache.textsHash(property, lang: language), signals: signals.jsonValue,
                tcf: property.tcfDisclosure(regime: regime, vendorList: vendorList)?.jsonValue(language: language))
        }
    }

    // MARK: Signals

    /// The rendered `signals` of a recorded decision under a property revision: memoized, so encoding happens
    /// once per distinct decision, region and day.
    func signals(_ ledgerEntry: LedgerEntry, revision: PropertyRevision, vendorList: VendorList?) throws -> [UInt8] {
        let region = Region(ledgerEntry.region) ?? configuration.defaultRegion
        let key = SignalCache.key(
            revision: revision, region: region, regime: ledgerEntry.regime, choices: ledgerEntry.choices,
            gpc: ledgerEntry.gpc, at: ledgerEntry.recordedAt, lang: ledgerEntry.lang, vendorList: vendorList,
            objections: ledgerEntry.tcfObjections)
        return try signalCache.rendered(key) {
            try ConsentSignals.compute(
                property: revision.property, regime: ledgerEntry.regime, region: region, choices: ledgerEntry.choices,
                gpc: ledgerEntry.gpc, at: ledgerEntry.recordedAt, language: ledgerEntry.lang, vendorList: vendorList,
                tcfObjections: ledgerEntry.tcfObjections)
        }
    }

    // MARK: Recording

    /// Records a decision and returns the rendered 201 body: the decision with its receipt. With a signed-in
    /// reader's `identity` token, the decision is the reader's (`DecisionStep.recordingSubject`). `counted` false
    /// leaves the decision out of the analytics (the compliance scanner's decisions, and requests the server marks
    /// as such). With a compliance scan's `scanSecret` the decision is made and answered but not recorded
    /// (ScanSecret.swift).
    func record(
        propertyID: String, body: [UInt8], regionHeader: String?, gpcHeader: Bool, identity: String? = nil,
        counted: Bool = true, scanSecret: String? = nil
    ) async throws -> [UInt8] {
        try await record(
            entry: try await property(propertyID), body: body, regionHeader: regionHeader, gpcHeader: gpcHeader,
            identity: identity, counted: counted, scanSecret: scanSecret)
    }

    /// `record` on a property already looked up: the inputs are gathered with one lookup each, `DecisionStep`
    /// decides, the entry is appended, and the answer rendered.
    func record(
        entry: PropertyCache.Entry, body: [UInt8], regionHeader: String?, gpcHeader: Bool, identity: String? = nil,
        counted: Bool = true, scanSecret: String? = nil
    ) async throws -> [UInt8] {
        let current = entry.current.property
        if let scanSecret { try await checkScanSecret(scanSecret, propertyID: current.id) }
        // The token first: nothing is recorded for a reader it does not prove.
        var reader: Reader?
        if let identity { reader = try await self.reader(token: identity, property: current) }
        let json = try Body.parse(body)
        let submission: ConsentSubmission
        do {
            submission = try ConsentSubmission.parse(json)
        } catch {
            throw AssentError.badRequest(error.description, code: "invalid_consent")
        }
        // Gathered once each: the banner shown, its vendor list (which matters only to a property with TCF, and is
        // read from memory), the subject's earlier decision where deciding needs it.
        let shown = try await cache.property(entry, policyVersion: submission.policyVersion)
        var shownList: VendorList?
        if let shown { shownList = try await vendorLists.list(for: shown) }
        let counting = counted && analytics.enabled
        let earlierSubject = reader?.subject ?? submission.subject
        var earlier: LedgerEntry?
        if let earlierSubject,
            DecisionStep.needsEarlier(
                named: submission.subject, reader: reader?.subject, shown: shown, counting: counting)
        {
            earlier = try await earlierDecision(property: current.id, subject: earlierSubject)
        }
        let now = clock()
        let outcome: DecisionOutcome
        do throws(DecisionRefusal) {
            outcome = try DecisionStep.decide(
                DecisionInputs(
                    submission: submission, property: current, shown: shown,
                    knownPolicyVersions: entry.policyVersions, vendorList: shownList, gpcHeader: gpcHeader,
                    region: directory.regionSource(propertyID: current.id, header: regionHeader),
                    readerSubject: reader?.subject,
                    earlier: earlier, now: now, recordID: RandomID.uuid(milliseconds: now),
                    freshSubject: RandomID.uuid(milliseconds: now)),
                textsHash: { property, lang in cache.textsHash(property, lang: lang) })
        } catch {
            throw Self.refusal(error)
        }
        let ledgerEntry = outcome.entry
        // Before the write: a decision is never recorded without an answer to give. Its signals are those of the
        // current revision, with the vendor list it names (the shown one's when the banner is the current one).
        let currentList =
            shown?.policyVersion == current.policyVersion ? shownList : try await vendorLists.list(for: current)
        let signalBytes = try signals(ledgerEntry, revision: entry.current, vendorList: currentList)
        // A scanner's decision: not in the ledger, the analytics or the latest-decision cache.
        if scanSecret != nil {
            return Self.scanAnswer(ledgerEntry, property: current, signals: signalBytes)
        }
        let entryBytes = ledgerEntry.canonicalBytes
        let mark = decisions.mark()
        let receipt = try await writer.append(ledgerEntry, canonicalBytes: entryBytes)
        // Counted once the record is durable, from what it holds.
        if counting { analytics.countDecision(ledgerEntry, earlier: outcome.earlier) }
        // The decision is written once: up to its signals it is what reads are answered with (cached), and with
        // the receipt it is this answer. A browser's first decision starts its subject and is not cached: no read
        // can have begun for it, most subjects are never read back (the widget keeps its decision), and copying
        // and keeping every new visitor's decision cost about a tenth of the write rate. Its first read or its next
        // decision caches it.
        let headBytes = treeHeadBytes(receipt.treeHead)
        var answer = JSONWriter(capacity: 1536 + signalBytes.count + receipt.proof.count * 68)
        var cached: [UInt8] = []
        answer.object { w in
            ledgerEntry.writeAnswerMembers(property: current, to: &w)
            w.member("signals")
            w.raw(signalBytes)
            if !outcome.startsSubject { cached = w.closedCopy() }
            w.member("receipt")
            receipt.write(to: &w, entryBytes: entryBytes, treeHeadBytes: headBytes)
        }
        if !outcome.startsSubject {
            remember(ledgerEntry, leafIndex: receipt.leafIndex, revision: entry.current, bytes: cached, since: mark)
        }
        return answer.bytes
    }

    /// A refused submission as the 400 its client gets.
    static func refusal(_ refusal: DecisionRefusal) -> AssentError {
        switch refusal {
        case .invalidConsent(let error): AssentError.badRequest(error.description, code: "invalid_consent")
        case .invalidRegion: AssentError.badRequest(refusal.description, code: "invalid_region")
        }
    }

    /// The tree head rendered as JSON. Every receipt of a batch shares its head, so the last one rendered is kept.
    func treeHeadBytes(_ head: SignedTreeHead) -> [UInt8] {
        if let last = lastTreeHead.withLock({ $0 }), last.head == head { return last.bytes }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        CanonicalJSON.write(head.jsonValue, sorted: false, into: &bytes)
        lastTreeHead.withLock { $0 = (head, bytes) }
        return bytes
    }

    /// The subject's latest decision on the property: from memory when this server has it, else from the store.
    func earlierDecision(property: String, subject: String) async throws -> LedgerEntry? {
        if let item = decisions.get(property: property, subject: subject) { return item.entry }
        return try await store.latestRecord(property: property, subject: subject)?.entry
    }

    // MARK: Reading

    /// The latest decision, rendered: from memory when this server has seen it, else from the store.
    func latest(propertyID: String, subject: String) async throws -> [UInt8] {
        let entry = try await property(propertyID)
        let subject = try Self.subject(subject)
        let (item, mark) = decisions.lookup(property: propertyID, subject: subject)
        if let item {
            // Rendered under an older revision of the property (expiry, category order or signal settings may
            // differ): render the same record again rather than read it back.
            if item.revision == entry.current.revision { return item.bytes }
            return try await remember(item.entry, leafIndex: item.leafIndex, revision: entry.current, since: mark)
                .bytes
        }
        guard let record = try await store.latestRecord(property: propertyID, subject: subject) else {
            throw AssentError.notFound(
                "no decision recorded for subject \(subject) on property \(propertyID)", code: "no_decision")
        }
        return try await remember(record.entry, leafIndex: record.leafIndex, revision: entry.current, since: mark)
            .bytes
    }

    /// Renders the decision with its `signals` and caches it for reads (`mark`: taken before it was read).
    func remember(
        _ ledgerEntry: LedgerEntry, leafIndex: Int, revision: PropertyRevision, since mark: DecisionCache.Mark
    ) async throws -> DecisionCache.Item {
        let vendorList = try await vendorLists.list(for: revision.property)
        let signals = try signals(ledgerEntry, revision: revision, vendorList: vendorList)
        return remember(
            ledgerEntry, leafIndex: leafIndex, revision: revision,
            bytes: Self.decisionAnswer(ledgerEntry, property: revision.property, signals: signals), since: mark)
    }

    /// Caches the decision rendered with its signals (`decisionAnswer`) for reads.
    @discardableResult func remember(
        _ ledgerEntry: LedgerEntry, leafIndex: Int, revision: PropertyRevision, bytes: [UInt8],
        since mark: DecisionCache.Mark
    ) -> DecisionCache.Item {
        let item = DecisionCache.Item(
            leafIndex: leafIndex, revision: revision.revision, entry: ledgerEntry, bytes: bytes)
        decisions.put(property: ledgerEntry.property, subject: ledgerEntry.subject, item, since: mark)
        return item
    }

    func history(propertyID: String, subject: String) async throws -> [UInt8] {
        let entry = try await property(propertyID)
        let subject = try Self.subject(subject)
        let records = try await store.records(property: propertyID, subject: subject)
        guard !records.isEmpty else {
            throw AssentError.notFound(
                "no decision recorded for subject \(subject) on property \(propertyID)", code: "no_decision")
        }
        var out = JSONWriter(capacity: 128 + records.count * 640)
        out.object { w in
            w.member("property", propertyID)
            w.member("subject", subject)
            w.member("records") { w in
                w.array(records) { w, record in record.entry.writeAnswer(property: entry.current.property, to: &w) }
            }
        }
        return out.bytes
    }

    func receipt(recordID: String) async throws -> JSONValue {
        try await Self.receipt(recordID: recordID, store: store)
    }

    /// A record's receipt: the record, its inclusion proof and the latest tree head that covers it (404 for an
    /// unknown record, 503 for one no tree head covers yet).
    static func receipt(recordID: String, store: any AssentStorage) async throws -> JSONValue {
        guard let id = normalizedUUID(recordID) else {
            throw AssentError.badRequest("\"\(recordID)\" is not a record id (a UUID)", code: "invalid_record_id")
        }
        guard let record = try await store.record(id: id) else {
            throw AssentError.notFound("no record \(id)", code: "unknown_record")
        }
        guard let head = try await store.latestTreeHead(log: record.log), head.head.size > record.leafIndex else {
            throw AssentError(.serviceUnavailable, "not_yet_signed", "record \(id) is not covered by a tree head yet")
        }
        let proof = try await store.inclusionProof(log: record.log, index: record.leafIndex, size: head.head.size)
        return Receipt(entry: record.entry, leafIndex: record.leafIndex, proof: proof, treeHead: head).jsonValue
    }

    func verify(body: [UInt8]) async throws -> JSONValue {
        let json = try Body.parse(body)
        guard case .object = json else {
            throw AssentError.badRequest("expected a receipt object", code: "invalid_receipt")
        }
        // Accept the receipt itself or a consent response that carries one.
        let receipt = json["receipt"] ?? json
        guard receipt["entry"] != nil, receipt["treeHead"] != nil else {
            throw AssentError.badRequest(
                "expected a receipt with entry, leafIndex, inclusionProof and treeHead", code: "invalid_receipt")
        }
        let keyID = receipt["treeHead"]?["keyId"]?.stringValue ?? ""
        let ring = await keyRing.snapshot(including: keyID)
        let keys = ring.keys.compactMapValues { try? Curve25519PublicKey(rawRepresentation: $0) }
        var result = Receipt.verify(json: receipt, keys: keys)
        if result.malformed {
            throw AssentError.badRequest(result.reason ?? "malformed receipt", code: "invalid_receipt")
        }
        // A key the database holds but nothing out of band vouches for (docs/ledger-trust.md): say so.
        if keys[keyID] == nil, let why = ring.untrusted[keyID] { result.reason = "untrusted signing key: \(why)" }
        return result.jsonValue
    }

    // MARK: Encoding

    static func subject(_ raw: String) throws -> String {
        guard let subject = normalizedSubject(raw) else {
            throw AssentError.badRequest(
                "\"\(raw)\" is not a subject id (a UUID, or a signed-in reader's u- subject)", code: "invalid_subject")
        }
        return subject
    }

    /// A decision as the API shows it (`LedgerEntry.writeAnswerMembers`), with its `signals`: what the subject
    /// route answers.
    static func decisionAnswer(_ entry: LedgerEntry, property: Property, signals: [UInt8]) -> [UInt8] {
        var out = JSONWriter(capacity: 640 + signals.count)
        out.object { w in
            entry.writeAnswerMembers(property: property, to: &w)
            w.member("signals")
            w.raw(signals)
        }
        return out.bytes
    }
}
