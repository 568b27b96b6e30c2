/// The industry signals of one effective decision: the GPP string and the sections in force, the TC string
/// where TCF applies, the US Privacy string for US visitors, and Google Consent Mode.
public struct ConsentSignals: Sendable, Equatable {
    public var gpp: String
    /// The section IDs in force (`gpp_sid`); empty when no section applies.
    public var gppSid: [Int]
    /// Present where TCF applies: an opt-in regime, TCF enabled and its vendor list available.
    public var tcString: String?
    /// Present for US visitors when the property emits it.
    public var usPrivacy: String?
    /// Every Consent Mode type: true = granted.
    public var consentMode: [ConsentModeType: Bool]
    /// The GPP sections, in ID order, as encoded in `gpp`.
    public var sections: [GPPSection]
    /// The legitimate-interest objections the TC string encodes (empty where TCF does not apply): what the
    /// widget's TCF layer shows as objected.
    public var tcfObjections: TCFObjections

    public init(
        gpp: String, gppSid: [Int], tcString: String? = nil, usPrivacy: String? = nil,
        consentMode: [ConsentModeType: Bool], sections: [GPPSection], tcfObjections: TCFObjections = .none
    ) {
        self.gpp = gpp
        self.gppSid = gppSid
        self.tcString = tcString
        self.usPrivacy = usPrivacy
        self.consentMode = consentMode
        self.sections = sections
        self.tcfObjections = tcfObjections
    }

    /// `{"gpp", "gppSid", "tcString"?, "tcf"?, "usPrivacy"?, "consentMode": {type: "granted"|"denied"},
    /// "sections": {prefix: fields}}`; the sections' fields are those `POST /v1/signals/decode` shows; `tcf`
    /// (`{"vendorLIObjections", "purposeLIObjections"}`) only when the TC string encodes an objection.
    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [("gpp", .string(gpp)), ("gppSid", .array(gppSid.map(JSONValue.int)))]
        if let tcString { members.append(("tcString", .string(tcString))) }
        if !tcfObjections.isEmpty { members.append(("tcf", tcfObjections.jsonValue)) }
        if let usPrivacy { members.append(("usPrivacy", .string(usPrivacy))) }
        members.append(
            (
                "consentMode",
                .object(
                    ConsentModeType.allCases.map {
                        ($0.rawValue, .string(consentMode[$0] == true ? "granted" : "denied"))
                    })
            ))
        members.append(
            ("sections", .object(sections.map { (GPPSection.prefixes[$0.id] ?? String($0.id), $0.jsonValue) })))
        return .object(members)
    }
}

extension ConsentSignals {
    /// The signals for an effective decision.
    ///
    /// - Parameters:
    ///   - regime: the regime the decision was made under; TCF applies under `optIn` only.
    ///   - choices: the effective choices by category key; a category missing counts as allowed only when
    ///     it is required.
    ///   - milliseconds: when the decision was made; the TC string records its UTC day.
    ///   - language: the language the visitor was shown (the TC string's consent language).
    ///   - vendorList: the list `signals.tcf.vendorListVersion` names; without it TCF does not apply.
    ///   - tcfObjections: the visitor's objections to legitimate interests; only those to what the property shows
    ///     count (`Property.tcfLegitimateInterests`).
    public static func compute(
        property: Property, regime: Regime, region: Region, choices: [String: Bool], gpc: Bool, at milliseconds: Int64,
        language: String, vendorList: VendorList?, tcfObjections: TCFObjections = .none
    ) throws(SignalEncodingError) -> ConsentSignals {
        let facts = DecisionFacts(property: property, choices: choices)
        var sections: [GPPSection] = []
        var tcString: String?
        var objections = TCFObjections.none
        if regime == .optIn, let list = vendorList,
            let tc = property.tcString(
                facts: facts, at: milliseconds, language: language, vendorList: list, objections: tcfObjections)
        {
            tcString = try tc.encode()
            sections.append(.tcfEuV2(tc))
            if !tcfObjections.isEmpty { objections = tcfObjections.keeping(property.tcfLegitimateInterests(list)) }
        }
        var usPrivacy: String?
        if region.country == "US" {
            let us = facts.usSection(region: region, regime: regime, gpc: gpc, mspa: property.signals.mspa)
            if let us { sections.append(us) }
            if property.signals.usPrivacy {
                usPrivacy = try facts.usPrivacy(applies: us != nil, mspa: property.signals.mspa).encode()
            }
        }
        sections.sort { $0.id < $1.id }
        var consentMode: [ConsentModeType: Bool] = [:]
        for type in ConsentModeType.allCases {
            switch property.consentModeRule(type) {
            case .granted: consentMode[type] = true
            case .denied: consentMode[type] = false
            case .categories(let keys): consentMode[type] = !keys.isEmpty && keys.allSatisfy(facts.allowed)
            }
        }
        return ConsentSignals(
            gpp: try GPPString(sections: sections).encode(), gppSid: sections.map(\.id), tcString: tcString,
            usPrivacy: usPrivacy, consentMode: consentMode, sections: sections, tcfObjections: objections)
    }
}

/// What the US sections and the US Privacy string say about a decision, worked out once.
struct DecisionFacts {
    let property: Property
    /// The property's categories that are allowed: required ones always, the others when chosen.
    let allowedKeys: Set<String>

    init(property: Property, choices: [String: Bool]) {
        self.property = property
        allowedKeys = Set(property.categories.filter { $0.required || choices[$0.key] == true }.map(\.key))
    }

    func allowed(_ key: String) -> Bool { allowedKeys.contains(key) }

    /// Whether the property has a category for any of `purposes`.
    func applies(_ purposes: [Purpose]) -> Bool {
        property.categories.contains { $0.purposes.contains(where: purposes.contains) }
    }

    /// GPP's opt-out value for the categories carrying any of `purposes`: 0 none, 1 opted out (one of them is
    /// off), 2 did not opt out. For consent-style fields (sensitive data) the same numbers read 1 no consent,
    /// 2 consent.
    func optOut(_ purposes: [Purpose]) -> Int {
        let keys = property.categories.keys(carrying: purposes, optionalOnly: false)
        if keys.isEmpty { return 0 }
        return keys.allSatisfy(allowed) ? 2 : 1
    }

    /// 1 (notice given) when the property has categories for any of `purposes`, else 0 (not applicable).
    func notice(_ purposes: [Purpose]) -> Int { applies(purposes) ? 1 : 0 }

    /// The section for a US region: the state's own section for the five states that have one, `usnat` for
    /// any other US region under an opt-out regime, nothing elsewhere.
    func usSection(region: Region, regime: Regime, gpc: Bool, mspa settings: MSPASettings) -> GPPSection? {
        let sale = optOut([.sale])
        let sharing = optOut([.sharing])
        let targeted = optOut([.targetedAdvertising])
        let sensitive = optOut([.sensitive])
        let saleNotice = notice([.sale])
        let sharingNotice = notice([.sharing])
        let targetedNotice = notice([.targetedAdvertising])
        let sensitiveNotice = notice([.sensitive])
        // Notice that personal data is shared with third parties at all: any sale, sharing or ad category.
        let thirdPartyNotice = notice([.sale, .sharing, .targetedAdvertising])
        let covered = settings.coveredTransaction ? 1 : 2
        let optOutMode = settings.coveredTransaction ? (settings.optOutOptionMode ? 1 : 2) : 0
        let serviceProviderMode = settings.coveredTransaction ? (settings.serviceProviderMode ? 1 : 2) : 0
        func list(_ count: Int) -> [Int] { Array(repeating: sensitive, count: count) }
        switch region.code {
        case "US-CA":
            return .usCa(
                USCaliforniaSection(
                    saleOptOutNotice: saleNotice, sharingOptOutNotice: sharingNotice,
                    sensitiveDataLimitUseNotice: sensitiveNotice, saleOptOut: sale, sharingOptOut: sharing,
                    sensitiveDataProcessing: list(9), mspaCoveredTransaction: covered,
                    mspaOptOutOptionMode: optOutMode, mspaServiceProviderMode: serviceProviderMode, gpc: gpc))
        case "US-VA":
            return .usVa(
                USVirginiaSection(
                    sharingNotice: thirdPartyNotice, saleOptOutNotice: saleNotice,
                    targetedAdvertisingOptOutNotice: targetedNotice, saleOptOut: sale,
                    targetedAdvertisingOptOut: targeted, sensitiveDataProcessing: list(8),
                    mspaCoveredTransaction: covered, mspaOptOutOptionMode: optOutMode,
                    mspaServiceProviderMode: serviceProviderMode))
        case "US-CO":
            return .usCo(
                USColoradoSection(
                    sharingNotice: thirdPartyNotice, saleOptOutNotice: saleNotice,
                    targetedAdvertisingOptOutNotice: targetedNotice, saleOptOut: sale,
                    targetedAdvertisingOptOut: targeted, sensitiveDataProcessing: list(7),
                    mspaCoveredTransaction: covered, mspaOptOutOptionMode: optOutMode,
                    mspaServiceProviderMode: serviceProviderMode, gpc: gpc))
        case "US-UT":
            return .usUt(
                USUtahSection(
                    sharingNotice: thirdPartyNotice, saleOptOutNotice: saleNotice,
                    targetedAdvertisingOptOutNotice: targetedNotice,
                    sensitiveDataProcessingOptOutNotice: sensitiveNotice, saleOptOut: sale,
                    targetedAdvertisingOptOut: targeted, sensitiveDataProcessing: list(8),
                    mspaCoveredTransaction: covered, mspaOptOutOptionMode: optOutMode,
                    mspaServiceProviderMode: serviceProviderMode))
        case "US-CT":
            return .usCt(
                USConnecticutSection(
                    sharingNotice: thirdPartyNotice, saleOptOutNotice: saleNotice,
                    targetedAdvertisingOptOutNotice: targetedNotice, saleOptOut: sale,
                    targetedAdvertisingOptOut: targeted, sensitiveDataProcessing: list(8),
                    mspaCoveredTransaction: covered, mspaOptOutOptionMode: optOutMode,
                    mspaServiceProviderMode: serviceProviderMode, gpc: gpc))
        default:
            guard regime == .optOut else { return nil }
            return .usNat(
                USNationalSection(
                    sharingNotice: thirdPartyNotice, saleOptOutNotice: saleNotice, sharingOptOutNotice: sharingNotice,
                    targetedAdvertisingOptOutNotice: targetedNotice,
                    sensitiveDataProcessingOptOutNotice: sensitiveNotice, sensitiveDataLimitUseNotice: sensitiveNotice,
                    saleOptOut: sale, sharingOptOut: sharing, targetedAdvertisingOptOut: targeted,
                    sensitiveDataProcessing: list(16), mspaCoveredTransaction: covered,
                    mspaOptOutOptionMode: optOutMode, mspaServiceProviderMode: serviceProviderMode, gpc: gpc))
        }
    }

    /// `1YNN`-style where a US privacy law applies (notice given; opted out of sale when a sale or sharing
    /// category is off; LSPA covered when the MSPA covers the transaction), `1---` elsewhere in the US.
    func usPrivacy(applies: Bool, mspa: MSPASettings) -> USPrivacyString {
        guard applies else { return .notApplicable }
        return USPrivacyString(
            notice: .yes, optOutSale: optOut([.sale, .sharing]) == 1 ? .yes : .no,
            lspaCovered: mspa.coveredTransaction ? .yes : .no)
    }
}

extension Property {
    /// The TCF purposes visitors are shown with `list`: the property's list, or every purpose of the vendor
    /// list that some category gives consent to; only purposes the list has.
    public func tcfPurposesShown(_ list: VendorList) -> [Int] {
        if let explicit = signals.tcf?.purposes { return explicit.filter { list.purpose($0) != nil }.sorted() }
        return list.purposes.map(\.id).filter { !tcfPurposeCategories($0).isEmpty }
    }

    /// The vendors shown: the property's, minus any the list lacks or deleted, ascending.
    public func tcfVendorsShown(_ list: VendorList) -> [VendorList.Vendor] {
        (signals.tcf?.vendors ?? []).compactMap { list.vendors[$0] }.filter { !$0.isDeleted }.sorted { $0.id < $1.id }
    }

    /// The special features shown, ascending.
    public func tcfSpecialFeaturesShown(_ list: VendorList) -> [Int] {
        (signals.tcf?.specialFeatures ?? []).filter { list.specialFeature($0) != nil }.sorted()
    }

    /// Whether TCF applies under `regime` with `list`: TCF enabled, an opt-in regime, and the list the
    /// settings name.
    public func tcfApplies(regime: Regime, vendorList list: VendorList?) -> Bool {
        guard regime == .optIn, let tcf = signals.tcf, tcf.enabled, tcf.cmpId != nil, tcf.publisherCountryCode != nil,
            let list, tcf.vendorListVersion == list.vendorListVersion
        else { return false }
        return true
    }

    /// The legitimate interests the property shows with `list`, which a visitor can object to: the purposes
    /// shown that a vendor shown declares a legitimate interest for (never 1 or 3–6, which TCF 2.2 reserves to
    /// consent), and the vendors shown that declare one of those. A vendor with special purposes only is not
    /// among them: special purposes carry no right to object. Where TCF applies at all, that is (see
    /// `tcfApplies`); nothing otherwise.
    public func tcfLegitimateInterests(_ list: VendorList) -> TCFLegitimateInterests {
        guard tcfApplies(regime: .optIn, vendorList: list) else { return .none }
        let vendors = tcfVendorsShown(list)
        let declared = Set(vendors.flatMap(\.legIntPurposes))
        let purposes = tcfPurposesShown(list).filter {
            declared.contains($0) && !TCFSettings.consentOnlyPurposes.contains($0)
        }
        let shown = Set(purposes)
        return TCFLegitimateInterests(
            purposes: purposes, vendors: vendors.filter { $0.legIntPurposes.contains(where: shown.contains) }.map(\.id))
    }

    /// The TC string of a decision (nil when TCF is off or `list` is not the one it names).
    ///
    /// Purposes are consented when one of their categories is allowed; legitimate interest is established for
    /// the purposes shown vendors declare it for (never 1 or 3–6) unless the visitor objected to the purpose; a
    /// vendor has it when it declares one of those and the visitor did not object to the vendor; a vendor has
    /// consent when every purpose it needs consent for has it; all vendors shown are disclosed.
    func tcString(
        facts: DecisionFacts, at milliseconds: Int64, language: String, vendorList list: VendorList,
        objections: TCFObjections = .none
    ) -> TCString? {
        guard tcfApplies(regime: .optIn, vendorList: list), let tcf = signals.tcf, let cmpId = tcf.cmpId,
            let publisherCC = tcf.publisherCountryCode
        else { return nil }
        let purposes = tcfPurposesShown(list)
        let consented = purposes.filter { tcfPurposeCategories($0).contains(where: facts.allowed) }
        let vendors = tcfVendorsShown(list)
        let objectedPurposes = Set(objections.purposes)
        let objectedVendors = Set(objections.vendors)
        let legitimateInterest = tcfLegitimateInterests(list).purposes.filter { !objectedPurposes.contains($0) }
        let consentedSet = Set(consented)
        let liSet = Set(legitimateInterest)
        let vendorConsents = vendors.filter { v in
            !v.purposes.isEmpty && v.purposes.allSatisfy { consentedSet.contains($0) }
        }
        // A vendor shown with special purposes only gets the LI bit (the specification says so); an objection to
        // a vendor clears its bit whatever it declares.
        let vendorLI = vendors.filter { v in
            !objectedVendors.contains(v.id)
                && (v.legIntPurposes.contains { liSet.contains($0) }
                    || (v.purposes.isEmpty && v.legIntPurposes.isEmpty && !v.specialPurposes.isEmpty))
        }
        let specialFeatures = tcfSpecialFeaturesShown(list).filter {
            tcfSpecialFeatureCategories($0).contains(where: facts.allowed)
        }
        let day = TCString.dayLevel(Int(milliseconds / 100))
        let letters = language.utf8.count == 2 && language.utf8.allSatisfy { (65...90).contains($0 & 0xDF) }
        let lang = letters ? language.uppercased() : "EN"
        return TCString(
            created: day, lastUpdated: day, cmpId: cmpId, cmpVersion: tcf.cmpVersion, consentLanguage: lang,
            vendorListVersion: list.vendorListVersion, tcfPolicyVersion: list.tcfPolicyVersion,
            specialFeatureOptIns: specialFeatures, purposesConsent: consented,
            purposesLITransparency: legitimateInterest, publisherCC: publisherCC,
            vendorConsents: vendorConsents.map(\.id), vendorLegitimateInterests: vendorLI.map(\.id),
            disclosedVendors: vendors.map(\.id))
    }
}
