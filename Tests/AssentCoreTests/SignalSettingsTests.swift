import AssentCore
import Testing

/// The standard property with every part of the `signals` section set explicitly.
let signalsProperty: Property = {
    var p = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
    p.signals = SignalSettings(
        mspa: MSPASettings(coveredTransaction: true, optOutOptionMode: true), usPrivacy: false,
        tcf: TCFSettings(
            cmpId: 300, cmpVersion: 2, publisherCountryCode: "FR", vendorListVersion: 42,
            purposes: [1, 2, 3, 4, 7, 8, 9, 10], specialFeatures: [1], vendors: [1, 755, 800],
            purposeCategories: [1: ["performance", "targeting"], 8: ["performance"]],
            specialFeatureCategories: [1: ["targeting"]]),
        consentMode: [
            .adUserData: .categories(["targeting", "sale"]), .securityStorage: .granted,
            .personalizationStorage: .denied,
        ])
    return p
}()

@Suite("The signals section of a property")
struct SignalSettingsTests {
    @Test func exportRoundTrips() throws {
        let json = signalsProperty.jsonValue
        #expect(try Property.decode(json) == signalsProperty)
        #expect(try Property.decode(json: CanonicalJSON.bytes(json)) == signalsProperty)
        #expect(try Property.decode(json: Array(signalsProperty.documentJSON().utf8)) == signalsProperty)
        let signals = try #require(json["signals"])
        #expect(signals.memberNames == ["mspa", "usPrivacy", "tcf", "consentMode"])
        #expect(
            signals["tcf"]?.memberNames == [
                "enabled", "cmpId", "cmpVersion", "publisherCountryCode", "vendorListVersion", "purposes",
                "specialFeatures", "vendors", "purposeCategories", "specialFeatureCategories",
            ])
        #expect(json.at("signals.tcf.purposeCategories.1") == .array([.string("performance"), .string("targeting")]))
        #expect(json.at("signals.tcf.purposeCategories.8") == .string("performance"), "one category: a string")
        #expect(
            signals["consentMode"]
                == .object([
                    ("ad_user_data", .array([.string("targeting"), .string("sale")])),
                    ("personalization_storage", .string("denied")), ("security_storage", .string("granted")),
                ]))
    }

    @Test func omittedMeansDerivedFromTheCategories() throws {
        let standard = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
        #expect(standard.signals == SignalSettings())
        let json = standard.jsonValue
        #expect(
            json["signals"]
                == .object([
                    (
                        "mspa",
                        .object([
                            ("coveredTransaction", .bool(false)), ("optOutOptionMode", .bool(false)),
                            ("serviceProviderMode", .bool(false)),
                        ])
                    ),
                    ("usPrivacy", .bool(true)), ("consentMode", .object([])),
                ]))
        #expect(try Property.decode(json.setting("signals", to: nil)) == standard)
        #expect(try Property.decode(json.setting("signals", to: .object([]))) == standard)

        #expect(standard.tcfPurposeCategories(1) == ["functional", "performance", "targeting"])
        #expect(standard.tcfPurposeCategories(3) == ["targeting"])
        #expect(standard.tcfPurposeCategories(5) == ["functional"])
        #expect(standard.tcfPurposeCategories(8) == ["performance"])
        #expect(standard.tcfPurposeCategories(12) == [])
        #expect(standard.tcfSpecialFeatureCategories(2) == ["targeting"])
        #expect(standard.consentModeRule(.adStorage) == .categories(["targeting"]))
        #expect(standard.consentModeRule(.adUserData) == .categories(["targeting", "sale"]))
        #expect(standard.consentModeRule(.adPersonalization) == .categories(["targeting"]))
        #expect(standard.consentModeRule(.analyticsStorage) == .categories(["performance"]))
        #expect(standard.consentModeRule(.functionalityStorage) == .categories(["necessary", "functional"]))
        #expect(standard.consentModeRule(.personalizationStorage) == .categories(["functional"]))
        #expect(standard.consentModeRule(.securityStorage) == .granted)
        // An explicit mapping wins over the derived one.
        #expect(signalsProperty.tcfPurposeCategories(1) == ["performance", "targeting"])
        #expect(signalsProperty.tcfPurposeCategories(3) == ["targeting"])
        #expect(signalsProperty.consentModeRule(.personalizationStorage) == .denied)
    }

    @Test func disabledTCFNeedsNothingElse() throws {
        let json = Property.standard(id: "news", name: "News", origins: ["https://news.example"]).jsonValue
            .setting("signals.tcf", to: .object([("enabled", .bool(false))]))
        let p = try Property.decode(json)
        #expect(p.signals.tcf == TCFSettings(enabled: false))
        #expect(try Property.decode(p.jsonValue) == p)
    }

    struct SignalsCase: CustomTestStringConvertible, Sendable {
        let name: String
        let edits: [(String, JSONValue?)]
        let problems: [(String, String)]
        var exhaustive = true
        var testDescription: String { name }
    }

    static let cases: [SignalsCase] = [
        SignalsCase(
            name: "TCF without a CMP id", edits: [("signals.tcf.cmpId", nil)],
            problems: [("$.signals.tcf.cmpId", "missing: TCF needs the CMP id")]),
        SignalsCase(
            name: "TCF without a vendor list", edits: [("signals.tcf.vendorListVersion", nil)],
            problems: [("$.signals.tcf.vendorListVersion", "assent gvl import")]),
        SignalsCase(
            name: "TCF without a publisher country", edits: [("signals.tcf.publisherCountryCode", nil)],
            problems: [("$.signals.tcf.publisherCountryCode", "missing")]),
        SignalsCase(
            name: "lower-case country", edits: [("signals.tcf.publisherCountryCode", .string("fr"))],
            problems: [("$.signals.tcf.publisherCountryCode", "not a country code")]),
        SignalsCase(
            name: "CMP id too large", edits: [("signals.tcf.cmpId", .int(5000))],
            problems: [("$.signals.tcf.cmpId", "between 1 and 4095")]),
        SignalsCase(
            name: "purpose out of range", edits: [("signals.tcf.purposes[1]", .int(25))],
            problems: [("$.signals.tcf.purposes[1]", "between 1 and 24")]),
        SignalsCase(
            name: "purpose twice", edits: [("signals.tcf.purposes[1]", .int(1))],
            problems: [("$.signals.tcf.purposes[1]", "duplicate purpose 1")]),
        SignalsCase(
            name: "special feature out of range", edits: [("signals.tcf.specialFeatures[0]", .int(13))],
            problems: [
                ("$.signals.tcf.specialFeatures[0]", "between 1 and 12"),
                ("$.signals.tcf.specialFeatureCategories.1", "special feature 1 is not shown"),
            ]),
        SignalsCase(
            name: "vendor id 0", edits: [("signals.tcf.vendors[0]", .int(0))],
            problems: [("$.signals.tcf.vendors[0]", "between 1 and 65535")]),
        SignalsCase(
            name: "no vendors", edits: [("signals.tcf.vendors", .array([]))],
            problems: [("$.signals.tcf.vendors", "list the vendors")]),
        SignalsCase(
            name: "unknown category for a purpose", edits: [("signals.tcf.purposeCategories.3", .string("adverts"))],
            problems: [("$.signals.tcf.purposeCategories.3", #"unknown category "adverts""#)]),
        SignalsCase(
            name: "a required category for a purpose",
            edits: [("signals.tcf.purposeCategories.8", .array([.string("performance"), .string("necessary")]))],
            problems: [("$.signals.tcf.purposeCategories.8[1]", "is required")]),
        SignalsCase(
            name: "a purpose id that is not one", edits: [("signals.tcf.purposeCategories.one", .string("targeting"))],
            problems: [("$.signals.tcf.purposeCategories.one", "not an id")]),
        SignalsCase(
            name: "a mapping for a purpose not shown",
            edits: [("signals.tcf.purposeCategories.11", .string("functional"))],
            problems: [("$.signals.tcf.purposeCategories.11", "purpose 11 is not shown")]),
        SignalsCase(
            name: "an empty mapping", edits: [("signals.tcf.specialFeatureCategories.1", .array([]))],
            problems: [("$.signals.tcf.specialFeatureCategories.1", "at least one category")]),
        SignalsCase(
            name: "a purpose shown that no category covers",
            edits: [
                ("categories[1].purposes", .array([.string("functional")])), ("signals.tcf.purposes[7]", .int(5)),
            ],
            problems: [("$.signals.tcf.purposes[7]", "no category gives consent to purpose 5")]),
        SignalsCase(
            name: "unknown TCF member", edits: [("signals.tcf.cmp", .int(1))],
            problems: [("$.signals.tcf.cmp", "unknown field")]),
        SignalsCase(
            name: "unknown consent type", edits: [("signals.consentMode.ads", .string("granted"))],
            problems: [("$.signals.consentMode.ads", "unknown consent type")]),
        SignalsCase(
            name: "consent type with a bad value", edits: [("signals.consentMode.ad_storage", .string("yes"))],
            problems: [("$.signals.consentMode.ad_storage", #"expected "granted", "denied""#)]),
        SignalsCase(
            name: "consent type with an unknown category",
            edits: [("signals.consentMode.analytics_storage", .array([.string("stats")]))],
            problems: [("$.signals.consentMode.analytics_storage[0]", #"unknown category "stats""#)]),
        SignalsCase(
            name: "MSPA modes without a covered transaction",
            edits: [("signals.mspa.coveredTransaction", .bool(false))],
            problems: [("$.signals.mspa.coveredTransaction", "only to a covered transaction")]),
        SignalsCase(
            name: "both MSPA modes", edits: [("signals.mspa.serviceProviderMode", .bool(true))],
            problems: [("$.signals.mspa.serviceProviderMode", "not both")]),
        SignalsCase(
            name: "US Privacy not a boolean", edits: [("signals.usPrivacy", .string("yes"))],
            problems: [("$.signals.usPrivacy", "expected a boolean")]),
        SignalsCase(
            name: "unknown signals member", edits: [("signals.gpp", .bool(true))],
            problems: [("$.signals.gpp", "unknown field")]),
        SignalsCase(
            name: "a three-letter language with TCF", edits: [("languages[2]", .string("ast"))],
            problems: [("$.languages[2]", "two letters")], exhaustive: false),
    ]

    @Test(arguments: cases)
    func invalidSignals(_ c: SignalsCase) throws {
        var json = signalsProperty.jsonValue
        for (path, value) in c.edits { json = json.setting(path, to: value) }
        let error = try #require(throws: PropertyValidationError.self) { try Property.decode(json) }
        for (path, fragment) in c.problems {
            #expect(
                error.problems.contains { $0.path == path && $0.message.contains(fragment) },
                "expected \(path): …\(fragment)…, got \(error.problems)")
        }
        if c.exhaustive { #expect(error.problems.count == c.problems.count, "\(error.problems)") }
    }

    @Test func checkedAgainstTheVendorList() {
        #expect(signalsProperty.signalProblems(vendorList: testVendorList) == [])
        var p = signalsProperty
        p.signals.tcf?.purposes = [1, 2, 3, 4, 7, 8, 9, 10, 12]
        p.signals.tcf?.specialFeatures = [1, 3]
        p.signals.tcf?.vendors = [1, 20, 99, 5000, 755]
        let problems = p.signalProblems(vendorList: testVendorList)
        #expect(
            problems.map(\.path) == [
                "$.signals.tcf.purposes[8]", "$.signals.tcf.specialFeatures[1]", "$.signals.tcf.vendors[1]",
                "$.signals.tcf.vendors[2]", "$.signals.tcf.vendors[3]",
            ])
        #expect(problems[0].message.contains("purpose 12 is not in vendor list 42"))
        #expect(problems[2].message.contains("needs consent to purpose(s) 5"))
        #expect(problems[3].message.contains("deleted"))
        #expect(problems[4].message.contains("vendor 5000 is not in vendor list 42"))
        // Another version is not this list's business.
        p.signals.tcf?.vendorListVersion = 43
        #expect(p.signalProblems(vendorList: testVendorList) == [])
    }

    @Test func whatTheTCFLayerShowsIsPartOfThePolicy() {
        let p = signalsProperty
        var vendors = p
        vendors.signals.tcf?.vendors.append(20)
        #expect(vendors.policyContentDiffers(from: p))
        #expect(vendors.textsHash(language: "en") != p.textsHash(language: "en"))
        var list = p
        list.signals.tcf?.vendorListVersion = 43
        list.signals.tcf?.cmpVersion = 3
        list.signals.mspa.optOutOptionMode = false
        list.signals.consentMode = [:]
        #expect(!list.policyContentDiffers(from: p), "a new vendor list version alone does not ask again")
        var off = p
        off.signals.tcf?.enabled = false
        #expect(off.policyContentDiffers(from: p))
        // Without TCF the hash is what it was before properties had signals.
        var none = p
        none.signals = SignalSettings()
        #expect(none.textsHash(language: "en") == off.textsHash(language: "en"))
    }
}

extension JSONValue {
    /// An object's member names in order (empty for anything else).
    var memberNames: [String] { objectValue?.map(\.0) ?? [] }
}
