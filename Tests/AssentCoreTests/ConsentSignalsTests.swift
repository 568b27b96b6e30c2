import AssentCore
import Testing

/// The standard categories with TCF on (purposes derived from the categories) against `testVendorList`.
private let tcfProperty: Property = {
    var p = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
    p.signals.tcf = TCFSettings(
        cmpId: 300, cmpVersion: 2, publisherCountryCode: "FR", vendorListVersion: 42, specialFeatures: [1, 2],
        vendors: [1, 20, 755, 800, 1044, 99])
    return p
}()

/// 2026-11-29T16:19:45.138Z.
private let decisionTime: Int64 = 1_795_969_185_138
/// UTC midnight of that day, in deciseconds.
private let decisionDay = 17_959_104_000

private func signals(
    _ property: Property = tcfProperty, region: String, action: ConsentAction = .save, choices: [String: Bool] = [:],
    gpc: Bool = false, language: String = "fr", vendorList: VendorList? = testVendorList
) throws -> ConsentSignals {
    let region = Region(region)!
    let regime = property.regimes.regime(for: region)
    let decision = Policy.evaluate(
        regime: regime, categories: property.categories, action: action, choices: choices, gpc: gpc)
    return try ConsentSignals.compute(
        property: property, regime: regime, region: region,
        choices: Dictionary(uniqueKeysWithValues: decision.choices.map { ($0.key, $0.allowed) }), gpc: gpc,
        at: decisionTime, language: language, vendorList: vendorList)
}

/// Decodes the strings, as a consumer would, and checks they say what `signals` says.
private func decoded(_ s: ConsentSignals) throws -> GPPString {
    let gpp = try GPPString.decode(s.gpp)
    #expect(gpp.sectionIds == s.gppSid)
    #expect(gpp.sections == s.sections)
    return gpp
}

private func granted(_ s: ConsentSignals) -> [String] {
    ConsentModeType.allCases.filter { s.consentMode[$0] == true }.map(\.rawValue)
}

@Suite("From a decision to the industry signals")
struct ConsentSignalsTests {
    @Test("France, Accept All: every purpose and the vendors that need them, policy and version from the list")
    func franceAcceptAll() throws {
        let s = try signals(region: "FR", action: .acceptAll)
        let tc = try TCString.decode(try #require(s.tcString))
        #expect(tc.cmpId == 300)
        #expect(tc.cmpVersion == 2)
        #expect(tc.vendorListVersion == 42)
        #expect(tc.tcfPolicyVersion == 5)
        #expect(tc.consentLanguage == "FR")
        #expect(tc.publisherCC == "FR")
        #expect(tc.created == decisionDay)
        #expect(tc.lastUpdated == decisionDay)
        #expect(tc.isServiceSpecific)
        #expect(tc.purposesConsent == Array(1...11))
        #expect(tc.purposesLITransparency == [2, 7, 8, 9, 10])
        #expect(tc.specialFeatureOptIns == [1, 2])
        #expect(tc.vendorConsents == [1, 20, 755, 800])
        #expect(tc.vendorLegitimateInterests == [20, 755, 1044], "1044 declares special purposes only")
        #expect(tc.disclosedVendors == [1, 20, 755, 800, 1044], "the deleted vendor 99 is never shown")
        let gpp = try decoded(s)
        #expect(s.gppSid == [2])
        guard case .tcfEuV2(let inGPP) = gpp.sections.first else {
            Issue.record("no tcfeuv2 section")
            return
        }
        #expect(inGPP == tc)
        #expect(s.usPrivacy == nil)
        #expect(granted(s) == ConsentModeType.allCases.map(\.rawValue))
        #expect(s.jsonValue.memberNames == ["gpp", "gppSid", "tcString", "consentMode", "sections"])
        #expect(s.jsonValue["sections"]?.memberNames == ["tcfeuv2"])
        #expect(s.jsonValue["sections"]?["tcfeuv2"]?["cmpId"]?.intValue == 300)
    }

    @Test("France, Reject All: no consent, legitimate interest still disclosed")
    func franceRejectAll() throws {
        let s = try signals(region: "FR", action: .rejectAll)
        let tc = try TCString.decode(try #require(s.tcString))
        #expect(tc.purposesConsent == [])
        #expect(tc.purposesLITransparency == [2, 7, 8, 9, 10])
        #expect(tc.specialFeatureOptIns == [])
        #expect(tc.vendorConsents == [])
        #expect(tc.vendorLegitimateInterests == [20, 755, 1044])
        #expect(tc.disclosedVendors == [1, 20, 755, 800, 1044])
        #expect(granted(s) == ["security_storage"])
    }

    @Test("France, Performance only: storage and measurement purposes, the analytics vendor alone")
    func francePerformanceOnly() throws {
        let s = try signals(region: "FR", choices: ["performance": true])
        let tc = try TCString.decode(try #require(s.tcString))
        #expect(tc.purposesConsent == [1, 8, 9, 10])
        #expect(tc.vendorConsents == [800])
        #expect(granted(s) == ["analytics_storage", "security_storage"])
    }

    @Test("purposes and special features mapped explicitly; the language and the day come from the decision")
    func explicitMapping() throws {
        var p = tcfProperty
        p.signals.tcf?.purposes = [1, 2, 7]
        p.signals.tcf?.purposeCategories = [1: ["performance"]]
        p.signals.tcf?.specialFeatureCategories = [2: ["social"]]
        let s = try signals(p, region: "DE", choices: ["performance": true, "social": true], language: "es")
        let tc = try TCString.decode(try #require(s.tcString))
        #expect(tc.purposesConsent == [1])
        #expect(tc.purposesLITransparency == [2, 7])
        #expect(tc.specialFeatureOptIns == [2])
        #expect(tc.consentLanguage == "ES")
        #expect(tc.vendorConsents == [], "every vendor needs a purpose that is not consented")
    }

    @Test("TCF needs its vendor list: without it an opt-in region gets no TC string and no GPP section")
    func noVendorList() throws {
        for list in [
            nil,
            try VendorList.decode(try JSONParser.parse(testVendorListJSON).setting("vendorListVersion", to: .int(43))),
        ] {
            let s = try signals(region: "FR", action: .acceptAll, vendorList: list)
            #expect(s.tcString == nil)
            #expect(s.gpp == "DBAA")
            #expect(s.gppSid == [])
            #expect(s.sections == [])
        }
        var off = tcfProperty
        off.signals.tcf?.enabled = false
        #expect(try signals(off, region: "FR", action: .acceptAll).tcString == nil)
    }

    @Test("California without GPC: notices given, nothing opted out, GPC false in its subsection")
    func california() throws {
        let s = try signals(region: "US-CA")
        #expect(s.gppSid == [8])
        #expect(s.tcString == nil, "TCF applies under opt-in regimes only")
        guard case .usCa(let ca) = try decoded(s).sections.first else {
            Issue.record("no usca section")
            return
        }
        #expect(ca.saleOptOutNotice == 1)
        #expect(ca.sharingOptOutNotice == 1)
        #expect(ca.sensitiveDataLimitUseNotice == 0, "no category processes sensitive data")
        #expect(ca.saleOptOut == 2)
        #expect(ca.sharingOptOut == 2)
        #expect(ca.sensitiveDataProcessing == Array(repeating: 0, count: 9))
        #expect(ca.knownChildSensitiveDataConsents == [0, 0])
        #expect(ca.mspaCoveredTransaction == 2)
        #expect(ca.mspaOptOutOptionMode == 0)
        #expect(ca.mspaServiceProviderMode == 0)
        #expect(ca.gpc == false)
        #expect(s.usPrivacy == "1YNN")
        #expect(granted(s) == ConsentModeType.allCases.map(\.rawValue))
        #expect(s.jsonValue["sections"]?["usca"]?["saleOptOut"]?.intValue == 2)
    }

    @Test("California with GPC: opted out of sale and sharing, GPC true, ads denied")
    func californiaGPC() throws {
        let s = try signals(region: "US-CA", gpc: true)
        guard case .usCa(let ca) = try decoded(s).sections.first else {
            Issue.record("no usca section")
            return
        }
        #expect(ca.saleOptOut == 1)
        #expect(ca.sharingOptOut == 1)
        #expect(ca.gpc == true)
        #expect(s.gpp.hasSuffix(".YA"))
        #expect(s.usPrivacy == "1YYN")
        #expect(
            granted(s) == [
                "analytics_storage", "functionality_storage", "personalization_storage", "security_storage",
            ])
    }

    @Test("Texas gets the national section (version 2), with the MSPA flags the property sets")
    func texas() throws {
        var p = tcfProperty
        p.signals.mspa = MSPASettings(coveredTransaction: true, optOutOptionMode: true)
        let s = try signals(p, region: "US-TX", choices: ["targeting": false])
        #expect(s.gppSid == [7])
        guard case .usNat(let nat) = try decoded(s).sections.first else {
            Issue.record("no usnat section")
            return
        }
        #expect(nat.version == 2)
        #expect(nat.sharingNotice == 1)
        #expect(nat.saleOptOutNotice == 1)
        #expect(nat.sharingOptOutNotice == 1)
        #expect(nat.targetedAdvertisingOptOutNotice == 1)
        #expect(nat.sensitiveDataProcessingOptOutNotice == 0)
        #expect(nat.saleOptOut == 2)
        #expect(nat.sharingOptOut == 2)
        #expect(nat.targetedAdvertisingOptOut == 1)
        #expect(nat.sensitiveDataProcessing == Array(repeating: 0, count: 16))
        #expect(nat.knownChildSensitiveDataConsents == [0, 0, 0])
        #expect(nat.mspaCoveredTransaction == 1)
        #expect(nat.mspaOptOutOptionMode == 1)
        #expect(nat.mspaServiceProviderMode == 2)
        #expect(nat.gpc == false)
        #expect(s.usPrivacy == "1YNY", "not opted out of sale; LSPA covered")
    }

    @Test(
        "each state with a section of its own gets it",
        arguments: [("US-CA", 8), ("US-VA", 9), ("US-CO", 10), ("US-UT", 11), ("US-CT", 12), ("US-OR", 7)])
    func stateSections(region: String, id: Int) throws {
        let s = try signals(region: region, gpc: true)
        #expect(s.gppSid == [id])
        let section = try #require(try decoded(s).sections.first)
        let json = section.jsonValue
        #expect(json["saleOptOut"]?.intValue == 1, "GPC opts out of sale")
        // Virginia and Utah define no GPC subsection; the others carry it.
        #expect(json["gpc"]?.boolValue == ([9, 11].contains(id) ? nil : true))
        if json["targetedAdvertisingOptOut"] != nil { #expect(json["targetedAdvertisingOptOut"]?.intValue == 1) }
    }

    @Test("a sensitive-data category fills the sensitive lists: 2 allowed, 1 not")
    func sensitiveData() throws {
        var p = tcfProperty
        p.categories.append(
            Category(
                key: "health", title: ["en": "Health", "es": "Salud"], description: ["en": "h", "es": "s"],
                defaults: RegimeDefaults(optIn: false, optOut: false, notice: false), purposes: [.sensitive]))
        let denied = try signals(p, region: "US-NJ")
        guard case .usNat(let nat) = try decoded(denied).sections.first else {
            Issue.record("no usnat section")
            return
        }
        #expect(nat.sensitiveDataProcessingOptOutNotice == 1)
        #expect(nat.sensitiveDataLimitUseNotice == 1)
        #expect(nat.sensitiveDataProcessing == Array(repeating: 1, count: 16))
        let allowed = try signals(p, region: "US-CA", choices: ["health": true])
        guard case .usCa(let ca) = try decoded(allowed).sections.first else {
            Issue.record("no usca section")
            return
        }
        #expect(ca.sensitiveDataLimitUseNotice == 1)
        #expect(ca.sensitiveDataProcessing == Array(repeating: 2, count: 9))
    }

    @Test("no privacy law section: a US state under the notice regime, Brazil")
    func noSection() throws {
        let newYork = try signals(region: "US-NY")
        #expect(newYork.gpp == "DBAA")
        #expect(newYork.gppSid == [])
        #expect(newYork.usPrivacy == "1---")
        let brazil = try signals(region: "BR", action: .acceptAll)
        #expect(brazil.gpp == "DBAA")
        #expect(brazil.gppSid == [])
        #expect(brazil.tcString == nil)
        #expect(brazil.usPrivacy == nil)
        #expect(brazil.jsonValue.memberNames == ["gpp", "gppSid", "consentMode", "sections"])
        #expect(brazil.jsonValue["sections"] == .object([]))
        var quiet = tcfProperty
        quiet.signals.usPrivacy = false
        #expect(try signals(quiet, region: "US-CA").usPrivacy == nil)
    }

    @Test("Consent Mode follows the property's explicit rules")
    func consentModeRules() throws {
        var p = tcfProperty
        p.signals.consentMode = [
            .adStorage: .categories(["targeting", "social"]), .analyticsStorage: .granted, .securityStorage: .denied,
            .personalizationStorage: .categories([]),
        ]
        let s = try signals(p, region: "FR", choices: ["targeting": true, "functional": true])
        #expect(
            granted(s) == ["analytics_storage", "ad_personalization", "functionality_storage"],
            "ad_storage needs social too; ad_user_data needs sale; an empty list is never granted")
        let json = s.jsonValue["consentMode"]
        #expect(json?.memberNames == ConsentModeType.allCases.map(\.rawValue))
        #expect(json?["ad_storage"]?.stringValue == "denied")
        #expect(json?["analytics_storage"]?.stringValue == "granted")
    }
}
