/// One recorded decision: the proof of who (a pseudonymous subject), when, what was shown (policy version and
/// texts hash), what was chosen and how. Never an IP address or a user agent.
public struct LedgerEntry: Sendable, Equatable {
    public static let formatVersion = 1

    public var id: String
    public var property: String
    public var subject: String
    public var choices: [String: Bool]
    public var action: ConsentAction
    public var regime: Regime
    public var region: String
    public var gpc: Bool
    public var gpcConflicts: [String]
    public var policyVersion: Int
    public var textsHash: String
    public var lang: String
    /// Milliseconds since the Unix epoch.
    public var recordedAt: Int64
    /// The visitor's objections to legitimate interests (TCF) in force with this decision. Member `tcf` of the
    /// entry, left out when there are none, so that an entry without objections has the bytes it always had.
    public var tcfObjections: TCFObjections

    public init(
        id: String, property: String, subject: String, choices: [String: Bool], action: ConsentAction,
        regime: Regime, region: String, gpc: Bool, gpcConflicts: [String], policyVersion: Int, textsHash: String,
        lang: String, recordedAt: Int64, tcfObjections: TCFObjections = .none
    ) {
        self.id = id
        self.property = property
        self.subject = subject
        self.choices = choices
        self.action = action
        self.regime = regime
        self.region = region
        self.gpc = gpc
        self.gpcConflicts = gpcConflicts
        self.policyVersion = policyVersion
        self.textsHash = textsHash
        self.lang = lang
        self.recordedAt = recordedAt
        self.tcfObjections = tcfObjections
    }

    public init(
        decision: EffectiveDecision, id: String, property: Property, subject: String, action: ConsentAction,
        regime: Regime, region: Region, lang: String, textsHash: String, recordedAt: Int64,
        tcfObjections: TCFObjections = .none
    ) {
        self.init(
            id: id, property: property.id, subject: subject,
            choices: Dictionary(uniqueKeysWithValues: decision.choices.map { ($0.key, $0.allowed) }),
            action: action, regime: regime, region: region.code, gpc: decision.gpc,
            gpcConflicts: decision.gpcConflicts, policyVersion: property.policyVersion, textsHash: textsHash,
            lang: lang, recordedAt: recordedAt, tcfObjections: tcfObjections)
    }

    /// The entry as a parsed document, members in canonical order: read back from `canonicalBytes`, so the
    /// ledger's form of an entry is described once (in `write(to:)`).
    public var jsonValue: JSONValue {
        do {
            return try JSONParser.parse(canonicalBytes)
        } catch {
            preconditionFailure("an entry's canonical bytes do not parse: \(error)")
        }
    }

    /// The bytes the Merkle leaf commits to: canonical JSON (sorted members, no whitespace).
    public var canonicalBytes: [UInt8] {
        var writer = JSONWriter(capacity: 512, canonical: true)
        write(to: &writer)
        return writer.bytes
    }

    /// Writes the canonical form: members in UTF-16 order of their names (what `CanonicalJSON` sorts to), `tcf`
    /// only when there are objections, so that an entry without them has the bytes it always had.
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("action", action.rawValue)
            w.member("choices") { w in
                w.object { w in
                    for name in choices.keys.sorted(by: { $0.utf16.lexicographicallyPrecedes($1.utf16) }) {
                        w.member(name: name)
                        w.bool(choices[name]!)
                    }
                }
            }
            w.member("gpc", gpc)
            w.member("gpcConflicts") { w in w.array(gpcConflicts) { w, key in w.string(key) } }
            w.member("id", id)
            w.member("lang", lang)
            w.member("policyVersion", policyVersion)
            w.member("property", property)
            w.member("recordedAt", recordedAt)
            w.member("regime", regime.rawValue)
            w.member("region", region)
            w.member("subject", subject)
            if !tcfObjections.isEmpty {
                w.member("tcf")
                tcfObjections.write(to: &w, canonical: true)
            }
            w.member("textsHash", textsHash)
            w.member("v", Self.formatVersion)
        }
    }

    public var leafHash: MerkleHash { Merkle.leafHash(canonicalBytes) }

    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads an entry back from its canonical bytes (as stored) or from a receipt's `entry` object.
    public init(json value: JSONValue) throws(FormatError) {
        func field<T>(_ name: String, _ get: (JSONValue) -> T?) throws(FormatError) -> T {
            guard let v = value[name], let t = get(v) else {
                throw FormatError(description: "entry field \(name) missing or invalid")
            }
            return t
        }
        guard try field("v", \.intValue) == Self.formatVersion else {
            throw FormatError(description: "unsupported entry format version")
        }
        let choiceMembers = try field("choices", \.objectValue)
        var choices: [String: Bool] = [:]
        for (k, v) in choiceMembers {
            guard let b = v.boolValue else { throw FormatError(description: "entry choice \(k) is not a boolean") }
            choices[k] = b
        }
        guard let action = ConsentAction(rawValue: try field("action", \.stringValue)),
            let regime = Regime(rawValue: try field("regime", \.stringValue))
        else { throw FormatError(description: "entry action or regime invalid") }
        var conflicts: [String] = []
        for item in try field("gpcConflicts", \.arrayValue) {
            guard let s = item.stringValue else { throw FormatError(description: "entry gpcConflicts must be strings") }
            conflicts.append(s)
        }
        var objections = TCFObjections.none
        if let tcf = value["tcf"] {
            do {
                objections = try TCFObjections.parse(tcf, path: "tcf")
            } catch {
                throw FormatError(description: "entry \(error)")
            }
            // Written only when there are objections: an empty member would not round-trip to the same bytes.
            if objections.isEmpty { throw FormatError(description: "entry tcf is present without an objection") }
        }
        self.init(
            id: try field("id", \.stringValue), property: try field("property", \.stringValue),
            subject: try field("subject", \.stringValue), choices: choices, action: action, regime: regime,
            region: try field("region", \.stringValue), gpc: try field("gpc", \.boolValue), gpcConflicts: conflicts,
            policyVersion: try field("policyVersion", \.intValue), textsHash: try field("textsHash", \.stringValue),
            lang: try field("lang", \.stringValue), recordedAt: try field("recordedAt", \.int64Value),
            tcfObjections: objections)
    }

    public init(canonicalBytes bytes: some Collection<UInt8>) throws(FormatError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw FormatError(description: "entry is not JSON: \(error)")
        }
        try self.init(json: value)
    }
}
