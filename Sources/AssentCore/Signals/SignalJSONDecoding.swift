/// A signal string of any of the three kinds as a value: what `assent signals encode` reads from JSON and writes.
public enum SignalString: Sendable, Equatable {
    case tcf(TCString)
    case gpp(GPPString)
    case usp(USPrivacyString)

    public var kind: SignalDetector.Kind {
        switch self {
        case .tcf: .tcf
        case .gpp: .gpp
        case .usp: .usp
        }
    }

    /// Detects the kind of `text` as `SignalDetector` does and decodes it.
    public static func decode(_ text: some StringProtocol) throws(SignalDecodingError) -> SignalString {
        switch SignalDetector.kind(of: text) {
        case .tcf: .tcf(try TCString.decode(text))
        case .gpp: .gpp(try GPPString.decode(text))
        case .usp: .usp(try USPrivacyString.decode(text))
        }
    }

    /// The string, as each codec writes it (TCF: iabtcf-es's vendor encoding; GPP: the GPP libraries').
    public func encode() throws(SignalEncodingError) -> String {
        switch self {
        case .tcf(let tc): try tc.encode()
        case .gpp(let gpp): try gpp.encode()
        case .usp(let usp): try usp.encode()
        }
    }

    /// The JSON form `SignalDetector.decode` gives.
    public var jsonValue: JSONValue {
        switch self {
        case .tcf(let tc): tc.jsonValue
        case .gpp(let gpp): gpp.jsonValue
        case .usp(let usp): usp.jsonValue
        }
    }

    /// Reads the JSON form (`{"type": "tcf" | "gpp" | "usp", …}`, as `jsonValue` renders it) from bytes.
    public init(json bytes: some Collection<UInt8>) throws(SignalJSONError) {
        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes)
        } catch {
            throw SignalJSONError(problems: error.problems)
        }
        try self.init(json: value)
    }

    /// Reads the JSON form. Every field is checked against what its bits can hold, so a value read here always
    /// encodes; every problem found is reported with its JSON path, not only the first.
    ///
    /// Members are the ones `jsonValue` writes, all required except the optional segments (`disclosedVendors`,
    /// `allowedVendors`, `publisherTC`, a section's `gpc`). ID lists may come in any order but without repeats.
    /// Timestamps are ISO 8601 UTC with at most a tenth of a second (`2020-03-10T00:50:01.8Z`) or integer
    /// deciseconds since 1970. A GPP section is keyed by its API prefix or decimal ID; sections Assent does not
    /// decode are their raw body string.
    public init(json value: JSONValue) throws(SignalJSONError) {
        var reader = SignalJSONReader()
        let signal = reader.signal(value)
        guard let signal, reader.problems.isEmpty else { throw SignalJSONError(problems: reader.problems) }
        self = signal
    }
}

/// Every problem found in the JSON form of a signal string, each located by its JSON path (`$.cmpId`,
/// `$.sections.usnat.saleOptOut`, `$.pubRestrictions[0].vendorRanges[1]`).
public struct SignalJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [ValidationProblem]

    public init(problems: [ValidationProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Reads the JSON forms of `SignalJSON.swift` back, collecting problems. An accessor that finds a problem records
/// it and returns a placeholder, so reading goes on and reports the rest; the result is used only without problems.
private struct SignalJSONReader {
    var json = JSONReader()
    var problems: [ValidationProblem] { json.problems }

    static let maxVendorId = 0xFFFF
    /// 36 bits of deciseconds.
    static let maxDeciseconds = (1 << 36) - 1

    mutating func fail(_ path: String, _ message: String) { json.fail(path, message) }

    // MARK: The three kinds

    mutating func signal(_ value: JSONValue) -> SignalString? {
        guard case .object(let members) = value else {
            fail("$", "expected an object, found \(value.typeName)")
            return nil
        }
        guard let typeValue = members.first(where: { $0.0 == "type" })?.1 else {
            fail("$.type", "missing (\"tcf\", \"gpp\" or \"usp\")")
            return nil
        }
        switch typeValue.stringValue.flatMap(SignalDetector.Kind.init(rawValue:)) {
        case .tcf: return tcString(value, "$", typed: true).map(SignalString.tcf)
        case .gpp: return gppString(value).map(SignalString.gpp)
        case .usp: return usPrivacy(value, "$", typed: true).map(SignalString.usp)
        case nil:
            fail("$.type", "must be \"tcf\", \"gpp\" or \"usp\"")
            return nil
        }
    }

    /// A TC string's members; `typed` when they include `"type": "tcf"` (top level, not inside GPP).
    mutating func tcString(_ value: JSONValue, _ path: String, typed: Bool) -> TCString? {
        let names = [
            "version", "created", "lastUpdated", "cmpId", "cmpVersion", "consentScreen", "consentLanguage",
            "vendorListVersion", "tcfPolicyVersion", "isServiceSpecific", "useNonStandardTexts",
            "specialFeatureOptIns", "purposesConsent", "purposesLITransparency", "purposeOneTreatment", "publisherCC",
            "vendorConsents", "vendorLegitimateInterests", "pubRestrictions", "disclosedVendors", "allowedVendors",
            "publisherTC",
        ]
        let optional: Set = ["disclosedVendors", "allowedVendors", "publisherTC"]
        guard let o = object(value, path, (typed ? ["type"] : []) + names, optional: optional) else { return nil }
        var tc = TCString(
            version: int(o, "version", 2...2), created: timestamp(o, "created"),
            lastUpdated: timestamp(o, "lastUpdated"), cmpId: int(o, "cmpId", 0...4095),
            cmpVersion: int(o, "cmpVersion", 0...4095), consentScreen: int(o, "consentScreen", 0...63),
            consentLanguage: letters(o, "consentLanguage"), vendorListVersion: int(o, "vendorListVersion", 0...4095),
            tcfPolicyVersion: int(o, "tcfPolicyVersion", 0...63), isServiceSpecific: bool(o, "isServiceSpecific"),
            useNonStandardTexts: bool(o, "useNonStandardTexts"),
            specialFeatureOptIns: ids(o, "specialFeatureOptIns", 1...12),
            purposesConsent: ids(o, "purposesConsent", 1...24),
            purposesLITransparency: ids(o, "purposesLITransparency", 1...24),
            purposeOneTreatment: bool(o, "purposeOneTreatment"), publisherCC: letters(o, "publisherCC"),
            vendorConsents: ids(o, "vendorConsents", 1...Self.maxVendorId),
            vendorLegitimateInterests: ids(o, "vendorLegitimateInterests", 1...Self.maxVendorId),
            publisherRestrictions: restrictions(o))
        if o.has("disclosedVendors") { tc.disclosedVendors = ids(o, "disclosedVendors", 1...Self.maxVendorId) }
        if o.has("allowedVendors") { tc.allowedVendors = ids(o, "allowedVendors", 1...Self.maxVendorId) }
        if o.has("publisherTC") { tc.publisherTC = publisherTC(o.value("publisherTC")!, o.path("publisherTC")) }
        return tc
    }

    mutating func restrictions(_ o: Members) -> [TCPublisherRestriction] {
        guard let items = array(o, "pubRestrictions") else { return [] }
        let path = o.path("pubRestrictions")
        if items.count > 4095 { fail(path, "at most 4095 restrictions fit, has \(items.count)") }
        var restrictions: [TCPublisherRestriction] = []
        var seen: [Int: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            let problemsBefore = problems.count
            guard let r = object(item, itemPath, ["purposeId", "restrictionType", "vendorRanges"]) else { continue }
            let purposeId = int(r, "purposeId", 1...63)
            let type = int(r, "restrictionType", 0...3)
            let ranges = vendorRanges(r)
            guard problems.count == problemsBefore else { continue }
            // The decoder merges repeated (purpose, type) pairs, so a repeat could never come back as written.
            if let first = seen.updateValue(index, forKey: purposeId << 2 | type) {
                fail(itemPath, "purpose \(purposeId) with restriction type \(type) repeats \(path)[\(first)]")
            }
            restrictions.append(
                TCPublisherRestriction(
                    purposeId: purposeId, restrictionType: .init(rawValue: type) ?? .undefined, vendorRanges: ranges))
        }
        return restrictions
    }

    /// `[[start, end], …]`, each pair within 1…65535; at most 4095 once merged (the entry count's 12 bits).
    mutating func vendorRanges(_ r: Members) -> [ClosedRange<Int>] {
        guard let pairs = array(r, "vendorRanges") else { return [] }
        let path = r.path("vendorRanges")
        var ranges: [ClosedRange<Int>] = []
        for (index, pair) in pairs.enumerated() {
            let pairPath = "\(path)[\(index)]"
            guard let bounds = pair.arrayValue, bounds.count == 2 else {
                fail(pairPath, "expected [start, end], found \(pair.typeName)")
                continue
            }
            let start = int(bounds[0], "\(pairPath)[0]", 1...Self.maxVendorId)
            let end = int(bounds[1], "\(pairPath)[1]", 1...Self.maxVendorId)
            guard start <= end else {
                fail(pairPath, "range \(start)…\(end) is empty")
                continue
            }
            ranges.append(start...end)
        }
        let merged = IDRuns.normalized(ranges).count
        if merged > 4095 { fail(path, "at most 4095 ranges fit once merged, has \(merged)") }
        return ranges
    }

    mutating func publisherTC(_ value: JSONValue, _ path: String) -> TCString.PublisherTC {
        let names = [
            "pubPurposesConsent", "pubPurposesLITransparency", "numCustomPurposes", "customPurposesConsent",
            "customPurposesLITransparency",
        ]
        guard let o = object(value, path, names) else { return TCString.PublisherTC() }
        let custom = int(o, "numCustomPurposes", 0...63)
        // With no valid count, check the custom lists against the widest count only.
        let customRange = 1...max(o.has("numCustomPurposes") ? custom : 63, 1)
        return TCString.PublisherTC(
            pubPurposesConsent: ids(o, "pubPurposesConsent", 1...24),
            pubPurposesLITransparency: ids(o, "pubPurposesLITransparency", 1...24), numCustomPurposes: custom,
            customPurposesConsent: ids(o, "customPurposesConsent", customRange, emptyWhenZero: custom == 0),
            customPurposesLITransparency: ids(
                o, "customPurposesLITransparency", customRange, emptyWhenZero: custom == 0))
    }

    mutating func usPrivacy(_ value: JSONValue, _ path: String, typed: Bool) -> USPrivacyString? {
        let names = ["version", "notice", "optOutSale", "lspaCovered"]
        guard let o = object(value, path, (typed ? ["type"] : []) + names) else { return nil }
        return USPrivacyString(
            version: int(o, "version", 1...1), notice: flag(o, "notice"), optOutSale: flag(o, "optOutSale"),
            lspaCovered: flag(o, "lspaCovered"))
    }

    // MARK: GPP

    mutating func gppString(_ value: JSONValue) -> GPPString? {
        guard let o = object(value, "$", ["type", "header", "sections"]) else { return nil }
        var declared: [Int]?
        if let header = o.value("header"), let h = object(header, "$.header", ["version", "sectionIds"]) {
            _ = int(h, "version", 1...1)
            if h.has("sectionIds") { declared = ids(h, "sectionIds", 1...0xFFFF) }
        }
        guard let sectionsValue = o.value("sections") else { return nil }
        guard case .object(let members) = sectionsValue else {
            fail("$.sections", "expected an object, found \(sectionsValue.typeName)")
            return nil
        }
        var sections: [GPPSection] = []
        var pathsById: [Int: String] = [:]
        for (key, body) in members {
            let path = "$.sections.\(key)"
            guard let id = Self.sectionId(key) else {
                fail(path, "not a GPP section: use its API prefix (usnat, tcfeuv2, …) or its decimal ID")
                continue
            }
            if let other = pathsById.updateValue(path, forKey: id) {
                fail(path, "section \(id) is already given as \(other)")
                continue
            }
            if let section = gppSection(id: id, body, path) { sections.append(section) }
        }
        let present = pathsById.keys.sorted()
        if let declared, declared != present, problems.allSatisfy({ !$0.path.hasPrefix("$.header.sectionIds") }) {
            fail("$.header.sectionIds", "lists \(declared) but the sections present are \(present)")
        }
        return GPPString(sections: sections.sorted { $0.id < $1.id })
    }

    /// A key of `sections`: an API prefix, or a decimal section ID (how sections without a prefix are shown).
    static func sectionId(_ key: String) -> Int? {
        if let id = GPPSection.prefixes.first(where: { $0.value == key })?.key { return id }
        guard !key.isEmpty, key.count <= 5, key.utf8.allSatisfy({ (48...57).contains($0) }), let id = Int(key),
            (1...0xFFFF).contains(id), id != GPPHeader.type
        else { return nil }
        return id
    }

    mutating func gppSection(id: Int, _ value: JSONValue, _ path: String) -> GPPSection? {
        switch id {
        case 2: return tcString(value, path, typed: false).map(GPPSection.tcfEuV2)
        case 6: return usPrivacy(value, path, typed: false).map(GPPSection.uspV1)
        case USNationalSection.id: return usNational(value, path).map(GPPSection.usNat)
        case USCaliforniaSection.id: return stateSection(value, path, as: USCaliforniaSection.self).map(GPPSection.usCa)
        case USVirginiaSection.id: return stateSection(value, path, as: USVirginiaSection.self).map(GPPSection.usVa)
        case USColoradoSection.id: return stateSection(value, path, as: USColoradoSection.self).map(GPPSection.usCo)
        case USUtahSection.id: return stateSection(value, path, as: USUtahSection.self).map(GPPSection.usUt)
        case USConnecticutSection.id:
            return stateSection(value, path, as: USConnecticutSection.self).map(GPPSection.usCt)
        default:
            guard case .string(let body) = value else {
                fail(
                    path, "Assent does not decode section \(id): expected its raw body string, found \(value.typeName)")
                return nil
            }
            guard !body.isEmpty, !body.contains("~") else {
                fail(path, "a section body must be non-empty and free of '~'")
                return nil
            }
            return .other(id: id, body: body)
        }
    }

    mutating func usNational(_ value: JSONValue, _ path: String) -> USNationalSection? {
        let int2Names = [
            "sharingNotice", "saleOptOutNotice", "sharingOptOutNotice", "targetedAdvertisingOptOutNotice",
            "sensitiveDataProcessingOptOutNotice", "sensitiveDataLimitUseNotice", "saleOptOut", "sharingOptOut",
            "targetedAdvertisingOptOut", "personalDataConsents", "mspaOptOutOptionMode", "mspaServiceProviderMode",
        ]
        // In bit order, so missing members are reported in the order the string carries them.
        let names =
            ["version"] + int2Names[0..<9] + ["sensitiveDataProcessing", "knownChildSensitiveDataConsents"]
            + ["personalDataConsents", "mspaCoveredTransaction", "mspaOptOutOptionMode", "mspaServiceProviderMode"]
            + ["gpc"]
        guard let o = object(value, path, names, optional: ["gpc"]) else { return nil }
        // Version 1 strings carry 12 and 2 entries, version 2 ones 16 and 3; the encoder writes version 2,
        // padding the narrow lists with "not applicable", so either length is accepted with either version.
        var section = USNationalSection(
            version: int(o, "version", 1...2),
            sensitiveDataProcessing: int2List(o, "sensitiveDataProcessing", [12, 16]),
            knownChildSensitiveDataConsents: int2List(o, "knownChildSensitiveDataConsents", [2, 3]),
            mspaCoveredTransaction: int(o, "mspaCoveredTransaction", 1...2))
        let paths: [WritableKeyPath<USNationalSection, Int>] = [
            \.sharingNotice, \.saleOptOutNotice, \.sharingOptOutNotice, \.targetedAdvertisingOptOutNotice,
            \.sensitiveDataProcessingOptOutNotice, \.sensitiveDataLimitUseNotice, \.saleOptOut, \.sharingOptOut,
            \.targetedAdvertisingOptOut, \.personalDataConsents, \.mspaOptOutOptionMode, \.mspaServiceProviderMode,
        ]
        for (name, keyPath) in zip(int2Names, paths) { section[keyPath: keyPath] = int(o, name, 0...2) }
        if o.has("gpc") { section.gpc = bool(o, "gpc") }
        return section
    }

    /// A state section from its field table, the one description its decoder and encoder use too.
    mutating func stateSection<Section: GPPStateSection>(
        _ value: JSONValue, _ path: String, as: Section.Type
    ) -> Section? {
        let names = ["version"] + Section.fields.map(\.name) + ["gpc"]
        guard let o = object(value, path, names, optional: ["gpc"]) else { return nil }
        if o.has("gpc") && !Section.definesGPC {
            fail(o.path("gpc"), "\(Section.prefix) has no GPC subsection")
        }
        var section = Section()
        section.version = int(o, "version", 1...1)
        for field in Section.fields {
            switch field.kind {
            case .int2: section[keyPath: field.value!] = int(o, field.name, 0...2)
            case .int2List(let count): section[keyPath: field.list!] = int2List(o, field.name, [count])
            case .mspaCoveredTransaction: section[keyPath: field.value!] = int(o, field.name, 1...2)
            }
        }
        if o.has("gpc") { section.gpc = bool(o, "gpc") }
        return section
    }

    // MARK: Values

    /// An object's members by name, with the object's path; unknown members are reported when it is made.
    struct Members {
        let path: String
        let values: [String: JSONValue]

        func has(_ name: String) -> Bool { values[name] != nil }
        func value(_ name: String) -> JSONValue? { values[name] }
        func path(_ name: String) -> String { "\(path).\(name)" }
    }

    /// The members of an object that may have `names`; reports unknown members, then missing ones in the
    /// order of `names` (all but `optional` are required).
    mutating func object(
        _ value: JSONValue, _ path: String, _ names: [String], optional: Set<String> = []
    ) -> Members? {
        guard
            let o = json.object(
                value, at: path, allowed: names, required: names.filter { !optional.contains($0) })
        else { return nil }
        var values: [String: JSONValue] = [:]
        for (name, member) in o.members where names.contains(name) { values[name] = member }
        return Members(path: path, values: values)
    }

    /// The member `name`; `nil` when it is missing, which `object` has reported already.
    func required(_ o: Members, _ name: String) -> JSONValue? { o.value(name) }

    mutating func int(_ o: Members, _ name: String, _ range: ClosedRange<Int>) -> Int {
        guard let value = required(o, name) else { return range.lowerBound }
        return int(value, o.path(name), range)
    }

    mutating func int(_ value: JSONValue, _ path: String, _ range: ClosedRange<Int>) -> Int {
        guard let int = value.intValue else {
            fail(path, "expected an integer, found \(value.typeName)")
            return range.lowerBound
        }
        guard range.contains(int) else {
            fail(
                path,
                range.count == 1
                    ? "must be \(range.lowerBound), is \(int)"
                    : "must be between \(range.lowerBound) and \(range.upperBound), is \(int)")
            return range.lowerBound
        }
        return int
    }

    mutating func bool(_ o: Members, _ name: String) -> Bool {
        json.bool(required(o, name), at: o.path(name)) ?? false
    }

    mutating func array(_ o: Members, _ name: String) -> [JSONValue]? {
        json.array(required(o, name), at: o.path(name))
    }

    /// Distinct IDs in `range`, in any order; returned sorted. `emptyWhenZero` words the message for a list that
    /// must be empty because its declared count is 0.
    mutating func ids(
        _ o: Members, _ name: String, _ range: ClosedRange<Int>, emptyWhenZero: Bool = false
    ) -> [Int] {
        guard let items = array(o, name) else { return [] }
        let path = o.path(name)
        if emptyWhenZero && !items.isEmpty {
            fail(path, "must be empty when numCustomPurposes is 0")
            return []
        }
        var ids: [Int] = []
        ids.reserveCapacity(items.count)
        var seen = Set<Int>()
        for (index, item) in items.enumerated() {
            let id = int(item, "\(path)[\(index)]", range)
            if !seen.insert(id).inserted, item.intValue == id {
                fail("\(path)[\(index)]", "\(id) is listed twice")
            }
            ids.append(id)
        }
        return ids.sorted()
    }

    /// A GPP fixed list of two-bit values (0, 1 or 2) with one of the allowed lengths.
    mutating func int2List(_ o: Members, _ name: String, _ counts: [Int]) -> [Int] {
        guard let items = array(o, name) else { return Array(repeating: 0, count: counts[0]) }
        let path = o.path(name)
        guard counts.contains(items.count) else {
            let allowed = counts.map(String.init).joined(separator: " or ")
            fail(path, "needs \(allowed) entries, has \(items.count)")
            return Array(repeating: 0, count: counts[0])
        }
        return items.enumerated().map { int($1, "\(path)[\($0)]", 0...2) }
    }

    /// Two letters A–Z, either case (written upper case).
    mutating func letters(_ o: Members, _ name: String) -> String {
        guard let value = required(o, name) else { return "AA" }
        guard case .string(let text) = value, text.utf8.count == 2,
            text.utf8.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) })
        else {
            fail(o.path(name), "expected two letters A–Z, found \(Self.describe(value))")
            return "AA"
        }
        return text.uppercased()
    }

    mutating func flag(_ o: Members, _ name: String) -> USPrivacyString.Flag {
        guard let value = required(o, name) else { return .notApplicable }
        guard case .string(let text) = value, text.count == 1, let flag = USPrivacyString.Flag(rawValue: text.first!)
        else {
            fail(o.path(name), "must be \"Y\", \"N\" or \"-\", found \(Self.describe(value))")
            return .notApplicable
        }
        return flag
    }

    /// Deciseconds since 1970 from `2020-03-10T00:50:01.8Z` (the rendering of `SignalJSON.timestamp`) or an integer.
    mutating func timestamp(_ o: Members, _ name: String) -> Int {
        guard let value = required(o, name) else { return 0 }
        let path = o.path(name)
        if case .number = value { return int(value, path, 0...Self.maxDeciseconds) }
        guard case .string(let text) = value, let deciseconds = Self.deciseconds(text) else {
            fail(path, "expected a UTC time such as 2020-03-10T00:50:01.8Z, found \(Self.describe(value))")
            return 0
        }
        guard (0...Self.maxDeciseconds).contains(deciseconds) else {
            fail(path, "\(text) is outside what 36 bits of deciseconds hold (1970 to 2187)")
            return 0
        }
        return deciseconds
    }

    /// `YYYY-MM-DDTHH:MM:SS[.d]Z` → deciseconds, or `nil` when the text is not such a time.
    static func deciseconds(_ text: String) -> Int? {
        let chars = Array(text.utf8)
        guard chars.count == 20 || chars.count == 22, chars.last == UInt8(ascii: "Z") else { return nil }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for char in chars[start..<(start + length)] {
                guard (48...57).contains(char) else { return nil }
                value = value * 10 + Int(char - 48)
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ chars[$0.0] == $0.1.asciiValue }),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2),
            let date = CivilDate(year: year, month: month, day: day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var tenth = 0
        if chars.count == 22 {
            guard chars[19] == UInt8(ascii: "."), let digit = number(20, 1) else { return nil }
            tenth = digit
        }
        let seconds = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second
        return seconds * 10 + tenth
    }

    /// A value for a message: strings quoted, other values by type.
    static func describe(_ value: JSONValue) -> String {
        if case .string(let text) = value { return "\"\(text)\"" }
        return value.typeName
    }
}
