/// JSON renderings of decoded signal strings, for `POST /v1/signals/decode` and `assent signals decode`.
///
/// Member names are the specifications' field names in lowerCamelCase, in the order the string carries them;
/// ID lists are sorted arrays of integers. Timestamps are ISO 8601 UTC with the string's decisecond precision.
/// Optional segments (DisclosedVendors, PublisherTC, a GPC subsection) are present only when the string has them.
extension TCString {
    /// `{"type": "tcf", …}`: every field of every segment the string carries.
    public var jsonValue: JSONValue { .object([("type", .string("tcf"))] + jsonMembers) }

    /// The fields without `type`, as they appear inside a GPP `tcfeuv2` section.
    var jsonMembers: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("version", .int(version)),
            ("created", .string(SignalJSON.timestamp(deciseconds: created))),
            ("lastUpdated", .string(SignalJSON.timestamp(deciseconds: lastUpdated))),
            ("cmpId", .int(cmpId)), ("cmpVersion", .int(cmpVersion)), ("consentScreen", .int(consentScreen)),
            ("consentLanguage", .string(consentLanguage)), ("vendorListVersion", .int(vendorListVersion)),
            ("tcfPolicyVersion", .int(tcfPolicyVersion)), ("isServiceSpecific", .bool(isServiceSpecific)),
            ("useNonStandardTexts", .bool(useNonStandardTexts)),
            ("specialFeatureOptIns", SignalJSON.ids(specialFeatureOptIns)),
            ("purposesConsent", SignalJSON.ids(purposesConsent)),
            ("purposesLITransparency", SignalJSON.ids(purposesLITransparency)),
            ("purposeOneTreatment", .bool(purposeOneTreatment)), ("publisherCC", .string(publisherCC)),
            ("vendorConsents", SignalJSON.ids(vendorConsents)),
            ("vendorLegitimateInterests", SignalJSON.ids(vendorLegitimateInterests)),
            ("pubRestrictions", .array(publisherRestrictions.map(\.jsonValue))),
        ]
        if let disclosedVendors { members.append(("disclosedVendors", SignalJSON.ids(disclosedVendors))) }
        if let allowedVendors { members.append(("allowedVendors", SignalJSON.ids(allowedVendors))) }
        if let publisherTC {
            members.append(
                (
                    "publisherTC",
                    .object([
                        ("pubPurposesConsent", SignalJSON.ids(publisherTC.pubPurposesConsent)),
                        ("pubPurposesLITransparency", SignalJSON.ids(publisherTC.pubPurposesLITransparency)),
                        ("numCustomPurposes", .int(publisherTC.numCustomPurposes)),
                        ("customPurposesConsent", SignalJSON.ids(publisherTC.customPurposesConsent)),
                        ("customPurposesLITransparency", SignalJSON.ids(publisherTC.customPurposesLITransparency)),
                    ])
                ))
        }
        return members
    }
}

extension TCPublisherRestriction {
    /// `{"purposeId", "restrictionType", "vendorRanges": [[start, end], …]}`.
    ///
    /// Vendors stay as merged `[start, end]` pairs: a few hundred bits can restrict 65 535 vendors for each of
    /// 252 (purpose, type) pairs, and expanding that into ID lists would turn a 16 KiB request into gigabytes.
    public var jsonValue: JSONValue {
        .object([
            ("purposeId", .int(purposeId)), ("restrictionType", .int(restrictionType.rawValue)),
            ("vendorRanges", .array(vendorRanges.map { .array([.int($0.lowerBound), .int($0.upperBound)]) })),
        ])
    }
}

extension USPrivacyString {
    /// `{"type": "usp", "version", "notice", "optOutSale", "lspaCovered"}` with the flags as `Y`, `N` or `-`.
    public var jsonValue: JSONValue { .object([("type", .string("usp"))] + jsonMembers) }

    var jsonMembers: [(String, JSONValue)] {
        [
            ("version", .int(version)), ("notice", .string(String(notice.rawValue))),
            ("optOutSale", .string(String(optOutSale.rawValue))),
            ("lspaCovered", .string(String(lspaCovered.rawValue))),
        ]
    }
}

extension GPPString {
    /// `{"type": "gpp", "header": {"version", "sectionIds"}, "sections": {prefix: section, …}}`.
    ///
    /// Sections are keyed by their API prefix (`usnat`, `tcfeuv2`; the decimal ID for an ID without one), in
    /// header order. Sections Assent does not decode are their raw string.
    public var jsonValue: JSONValue {
        .object([
            ("type", .string("gpp")),
            ("header", .object([("version", .int(1)), ("sectionIds", SignalJSON.ids(sectionIds))])),
            ("sections", .object(sections.map { (GPPSection.prefixes[$0.id] ?? String($0.id), $0.jsonValue) })),
        ])
    }
}

extension GPPSection {
    /// The section's fields as an object, or the raw body for a section Assent does not decode.
    public var jsonValue: JSONValue {
        switch self {
        case .tcfEuV2(let tc): .object(tc.jsonMembers)
        case .uspV1(let usp): .object(usp.jsonMembers)
        case .usNat(let s):
            SignalJSON.section(
                s,
                [
                    ("version", .int(s.version)), ("sharingNotice", .int(s.sharingNotice)),
                    ("saleOptOutNotice", .int(s.saleOptOutNotice)),
                    ("sharingOptOutNotice", .int(s.sharingOptOutNotice)),
                    ("targetedAdvertisingOptOutNotice", .int(s.targetedAdvertisingOptOutNotice)),
                    ("sensitiveDataProcessingOptOutNotice", .int(s.sensitiveDataProcessingOptOutNotice)),
                    ("sensitiveDataLimitUseNotice", .int(s.sensitiveDataLimitUseNotice)),
                    ("saleOptOut", .int(s.saleOptOut)), ("sharingOptOut", .int(s.sharingOptOut)),
                    ("targetedAdvertisingOptOut", .int(s.targetedAdvertisingOptOut)),
                    ("sensitiveDataProcessing", SignalJSON.ints(s.sensitiveDataProcessing)),
                    ("knownChildSensitiveDataConsents", SignalJSON.ints(s.knownChildSensitiveDataConsents)),
                    ("personalDataConsents", .int(s.personalDataConsents)),
                ] + SignalJSON.mspa(s.mspaCoveredTransaction, s.mspaOptOutOptionMode, s.mspaServiceProviderMode))
        case .usCa(let s): SignalJSON.section(s, s.coreJSON)
        case .usVa(let s): SignalJSON.section(s, s.coreJSON)
        case .usCo(let s): SignalJSON.section(s, s.coreJSON)
        case .usUt(let s): SignalJSON.section(s, s.coreJSON)
        case .usCt(let s): SignalJSON.section(s, s.coreJSON)
        case .other(_, let body): .string(body)
        }
    }
}

/// Which of the three signal strings a text is, and its decoded fields as JSON.
public enum SignalDetector {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case tcf, gpp, usp

        /// What the string is called in messages.
        public var name: String {
            switch self {
            case .tcf: "TC string"
            case .gpp: "GPP string"
            case .usp: "US Privacy string"
            }
        }
    }

    /// GPP when the text starts with `D` (a GPP header's 6-bit type 3), US Privacy when it starts with `1` (its
    /// version; no base64 TC or GPP string can start with `1`, so a too-short or too-long one still gets the
    /// US Privacy error), otherwise a TC string.
    public static func kind(of text: some StringProtocol) -> Kind {
        if text.hasPrefix("D") { return .gpp }
        if text.hasPrefix("1") { return .usp }
        return .tcf
    }

    /// Detects the kind of `string` and decodes it into `{"type": "tcf" | "gpp" | "usp", …}`.
    public static func decode(_ string: String) throws(SignalDecodingError) -> JSONValue {
        switch kind(of: string) {
        case .gpp: try GPPString.decode(string).jsonValue
        case .usp: try USPrivacyString.decode(string).jsonValue
        case .tcf: try TCString.decode(string).jsonValue
        }
    }
}

/// Shared pieces of the renderings above.
enum SignalJSON {
    static func ids(_ ids: [Int]) -> JSONValue { .array(ids.sorted().map(JSONValue.int)) }

    /// A fixed list of values (GPP's two-bit lists), in string order.
    static func ints(_ values: [Int]) -> JSONValue { .array(values.map(JSONValue.int)) }

    static func mspa(_ covered: Int, _ optOutMode: Int, _ serviceProviderMode: Int) -> [(String, JSONValue)] {
        [
            ("mspaCoveredTransaction", .int(covered)), ("mspaOptOutOptionMode", .int(optOutMode)),
            ("mspaServiceProviderMode", .int(serviceProviderMode)),
        ]
    }

    /// The core fields, then `gpc` when the string carried the GPC subsection.
    static func section(_ section: some GPPUSSection, _ core: [(String, JSONValue)]) -> JSONValue {
        .object(core + (section.gpc.map { [("gpc", JSONValue.bool($0))] } ?? []))
    }

    /// `2020-03-10T00:50:01.8Z`: deciseconds since 1970 as ISO 8601 UTC, the tenth only when it is not zero.
    static func timestamp(deciseconds: Int) -> String {
        let tenths = Int64(deciseconds)
        let seconds = tenths >= 0 ? tenths / 10 : (tenths - 9) / 10
        let tenth = tenths - seconds * 10
        return Timestamp.dateAndTime(seconds: seconds) + (tenth == 0 ? "" : ".\(tenth)") + "Z"
    }

}
