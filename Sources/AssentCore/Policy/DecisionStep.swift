/// Deciding a consent submission, without reading or writing anything: the server gathers what a decision
/// depends on (`DecisionInputs`, each looked up once), `DecisionStep.decide` applies the rules and returns the
/// ledger entry to append with the effective decision, and the server appends it and renders the answer.
public enum DecisionStep {
    /// The entry to record and what it was decided from, or why the submission is refused. `textsHash` gives the
    /// hash of a property's texts in a language (`Property.textsHash(language:)`, which a server memoizes).
    public static func decide(
        _ inputs: DecisionInputs, textsHash: (Property, String) -> String
    ) throws(DecisionRefusal) -> DecisionOutcome {
        let submission = inputs.submission
        let current = inputs.property
        // The banner the visitor saw: a policy version the property never had cannot be recorded.
        guard let shown = inputs.shown else {
            throw .invalidConsent(
                SubmissionError(
                    field: "policyVersion",
                    message:
                        "property \(current.id) never had policy version \(submission.policyVersion) (current: \(current.policyVersion))"
                ))
        }
        let gpc = inputs.gpcHeader || submission.gpc
        do {
            try submission.validate(
                against: shown, knownPolicyVersions: inputs.knownPolicyVersions, gpcSignal: gpc,
                vendorList: inputs.vendorList)
        } catch {
            throw .invalidConsent(error)
        }
        let region = try inputs.region.resolve(override: submission.region)
        let regime = shown.regimes.regime(for: region)
        let decision = Policy.evaluate(
            regime: regime, categories: shown.categories, action: submission.action, choices: submission.choices,
            gpc: gpc)
        let lang = shown.language(matching: submission.lang)
        let subject = recordingSubject(
            named: submission.subject, reader: inputs.readerSubject, decision: decision, categories: shown.categories,
            earlier: inputs.earlier, fresh: inputs.freshSubject)
        // A subject that existed before this decision: the reader's, or the one the browser named and kept.
        let known = inputs.readerSubject != nil || subject == submission.subject
        let earlier = known ? inputs.earlier : nil
        let objections = tcfObjections(
            submission.tcf, known: known, property: shown, vendorList: inputs.vendorList, earlier: earlier)
        let entry = LedgerEntry(
            decision: decision, id: inputs.recordID, property: shown, subject: subject, action: submission.action,
            regime: regime, region: region, lang: lang, textsHash: textsHash(shown, lang), recordedAt: inputs.now,
            tcfObjections: objections)
        return DecisionOutcome(entry: entry, decision: decision, earlier: earlier, startsSubject: !known)
    }

    /// Whose decision it is. With a reader's token: the reader's subject. A reader's subject named without a token
    /// (a browser that once had one, say a shared computer after signing out) is kept only for a decision that
    /// narrows the reader's `earlier` one on this property, such as an opt-out; anything else starts a new
    /// browser subject (`fresh`), so that without a token a choice stays with one browser. A browser's own
    /// subject is kept; none named: `fresh`.
    public static func recordingSubject(
        named: String?, reader: String?, decision: EffectiveDecision, categories: [Category], earlier: LedgerEntry?,
        fresh: String
    ) -> String {
        if let reader { return reader }
        guard let named else { return fresh }
        guard IdentitySubject.isValid(named) else { return named }
        let chosen = Dictionary(uniqueKeysWithValues: decision.choices.map { ($0.key, $0.allowed) })
        if let earlier, CarriedDecision.onlyNarrows(chosen, from: earlier.choices, categories: categories) {
            return named
        }
        return fresh
    }

    /// The objections a decision records: those submitted (they replace the earlier ones), else the subject's
    /// `earlier` ones on the property that still name something it shows with `vendorList`. Only for a subject
    /// that existed (`known`) on a property with TCF enabled.
    public static func tcfObjections(
        _ submitted: TCFObjections?, known: Bool, property: Property, vendorList: VendorList?, earlier: LedgerEntry?
    ) -> TCFObjections {
        if let submitted { return submitted }
        guard known, property.signals.tcf?.enabled == true, let vendorList, let earlier,
            !earlier.tcfObjections.isEmpty
        else { return .none }
        return earlier.tcfObjections.keeping(property.tcfLegitimateInterests(vendorList))
    }

    /// Whether deciding needs the earlier decision of the subject the submission names (or the reader's): to keep
    /// a reader's subject named without a token, or for the objections of a property with TCF, or when the caller
    /// counts decisions (`counting`: a change or a first decision).
    public static func needsEarlier(
        named: String?, reader: String?, shown: Property?, counting: Bool
    ) -> Bool {
        guard let subject = reader ?? named else { return false }
        if reader == nil && IdentitySubject.isValid(subject) { return true }
        return counting || shown?.signals.tcf?.enabled == true
    }
}

/// What a consent submission is decided from, each looked up once by the server.
public struct DecisionInputs: Sendable {
    public var submission: ConsentSubmission
    /// The property's current revision.
    public var property: Property
    /// The property as it was at the submission's policy version; nil when it never had that version.
    public var shown: Property?
    /// Every policy version the property has had.
    public var knownPolicyVersions: Set<Int>
    /// The vendor list the shown property's TCF settings name, when it uses TCF and the list is imported.
    public var vendorList: VendorList?
    /// Whether the request carried `Sec-GPC: 1`.
    public var gpcHeader: Bool
    public var region: RegionSource
    /// The subject of a reader whose identity token was verified; nil without a token.
    public var readerSubject: String?
    /// The latest decision on the property of the reader's subject, else of the subject the submission names,
    /// when the server read it (`DecisionStep.needsEarlier`); nil when there is none or it was not read.
    public var earlier: LedgerEntry?
    /// Milliseconds since the Unix epoch: when the decision is recorded.
    public var now: Int64
    /// The new record's id.
    public var recordID: String
    /// The subject a new browser gets, should the decision start one.
    public var freshSubject: String

    public init(
        submission: ConsentSubmission, property: Property, shown: Property?, knownPolicyVersions: Set<Int>,
        vendorList: VendorList?, gpcHeader: Bool, region: RegionSource, readerSubject: String?,
        earlier: LedgerEntry?, now: Int64, recordID: String, freshSubject: String
    ) {
        self.submission = submission
        self.property = property
        self.shown = shown
        self.knownPolicyVersions = knownPolicyVersions
        self.vendorList = vendorList
        self.gpcHeader = gpcHeader
        self.region = region
        self.readerSubject = readerSubject
        self.earlier = earlier
        self.now = now
        self.recordID = recordID
        self.freshSubject = freshSubject
    }
}

/// Where a visitor's region comes from: the trusted header the server reads, else the server's default; a
/// property that may be switched by a parameter (the demo) takes a region named in the request instead.
public struct RegionSource: Sendable, Equatable {
    public var header: String?
    public var fallback: Region
    /// Whether a region named in the request (`override`) is honoured.
    public var overridable: Bool

    public init(header: String?, fallback: Region, overridable: Bool) {
        self.header = header
        self.fallback = fallback
        self.overridable = overridable
    }

    /// The region: a non-empty `override` where honoured (refused when it is not a region code), else the header's,
    /// else the fallback.
    public func resolve(override: String?) throws(DecisionRefusal) -> Region {
        if overridable, let override, !override.isEmpty {
            guard let region = Region(override) else { throw .invalidRegion(override) }
            return region
        }
        return resolveRegion(header: header, default: fallback)
    }
}

/// A decided submission: the entry to append, the effective decision, and the subject's earlier decision on the
/// property when the subject existed and it was read (nil for a new subject).
public struct DecisionOutcome: Sendable {
    public let entry: LedgerEntry
    public let decision: EffectiveDecision
    public let earlier: LedgerEntry?
    /// The entry's subject is the fresh one: this decision starts it (a browser's first, or one moved off a
    /// reader's subject), so nothing can have read it before.
    public let startsSubject: Bool
}

/// Why a submission is not recorded.
public enum DecisionRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The submission does not fit the property (unknown category, policy version, GPC action, objections).
    case invalidConsent(SubmissionError)
    /// The region named in the request is not a region code.
    case invalidRegion(String)

    public var description: String {
        switch self {
        case .invalidConsent(let error): error.description
        case .invalidRegion(let text): "region \"\(text)\" is not a region code such as FR or US-CA"
        }
    }
}
