import AssentCore
import Testing

@Suite("Signals: JSON renderings and detection")
struct SignalsJSONTests {
    // MARK: Detection

    @Test(
        arguments: [
            ("DBABLA~CVVVkkkkkpFY.YA", SignalDetector.Kind.gpp), ("DBAA", .gpp), ("Dx", .gpp), ("1YNN", .usp),
            ("1---", .usp), ("1YN", .usp), ("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", .tcf),
            ("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", .tcf), ("", .tcf), ("YNN1", .tcf),
        ])
    func detection(string: String, kind: SignalDetector.Kind) {
        #expect(SignalDetector.kind(of: string) == kind)
    }

    @Test func decodeDispatchesByKind() throws {
        #expect(try SignalDetector.decode("1YNN")["type"]?.stringValue == "usp")
        #expect(try SignalDetector.decode("DBABTA~1YNN")["type"]?.stringValue == "gpp")
        #expect(try SignalDetector.decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA")["type"]?.stringValue == "tcf")
    }

    @Test func decodeErrorsAreTheCodecs() {
        let usp = expectDecodingError { () throws(SignalDecodingError) in _ = try SignalDetector.decode("1YNX") }
        #expect(usp?.field == "lspaCovered" && usp?.bitOffset == 24)
        let gpp = expectDecodingError { () throws(SignalDecodingError) in _ = try SignalDetector.decode("DBABLA~1YNN") }
        #expect(gpp?.field == "usnat.sensitiveDataProcessing" && gpp?.bitOffset == 24)
        let tc = expectDecodingError { () throws(SignalDecodingError) in
            _ = try SignalDetector.decode("CO4VGswO4VGswAfZ")
        }
        #expect(tc?.field == "core.cmpVersion" && tc?.bitOffset == 90 && tc?.kind == .truncated)
    }

    // MARK: TC strings

    @Test func tcf03AllCoreFieldsInSpecOrder() throws {
        let json = try TCString.decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA").jsonValue
        #expect(
            json
                == .object([
                    ("type", .string("tcf")), ("version", .int(2)), ("created", .string("2020-01-26T17:01:00Z")),
                    ("lastUpdated", .string("2021-02-02T17:01:00Z")), ("cmpId", .int(675)), ("cmpVersion", .int(2)),
                    ("consentScreen", .int(1)), ("consentLanguage", .string("EN")), ("vendorListVersion", .int(15)),
                    ("tcfPolicyVersion", .int(2)), ("isServiceSpecific", .bool(false)),
                    ("useNonStandardTexts", .bool(false)), ("specialFeatureOptIns", ids([1])),
                    ("purposesConsent", ids([2, 10])), ("purposesLITransparency", ids([2, 9])),
                    ("purposeOneTreatment", .bool(true)), ("publisherCC", .string("AA")), ("vendorConsents", ids([])),
                    ("vendorLegitimateInterests", ids([])), ("pubRestrictions", .array([])),
                ]))
    }

    @Test func tcf05OptionalSegmentsOnlyWhenPresent() throws {
        let json = try TCString.decode(
            "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA.IBAgAAAgAIAwgAgAAAAEAAAACA.QAagAQAgAIAwgA"
        ).jsonValue
        #expect(json["vendorConsents"] == ids([23, 37, 47, 48, 53, 65, 98]))
        #expect(json["disclosedVendors"] == ids([23, 37, 47, 48, 53, 65, 98, 129]))
        #expect(json["allowedVendors"] == ids([12, 23, 37, 47, 48, 53]))
        #expect(json["publisherTC"] == nil)
        let core = try TCString.decode("COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAYFfAV-BVkAGBVYFWAAA").jsonValue
        #expect(core["disclosedVendors"] == nil && core["allowedVendors"] == nil)
        #expect(core["created"]?.stringValue == "2020-03-10T00:50:01.8Z")
        #expect(core["vendorLegitimateInterests"] == ids([683, 684]))
    }

    @Test func idListsAreSortedAndRestrictionsAreRanges() {
        var tc = TCString(
            created: 0, lastUpdated: TCString.decisecondsPerDay * 366 + 9, cmpId: 1, cmpVersion: 1,
            consentLanguage: "EN", vendorListVersion: 1, tcfPolicyVersion: 5, publisherCC: "FR",
            vendorConsents: [9, 3, 5])
        tc.publisherRestrictions = [
            TCPublisherRestriction(purposeId: 2, restrictionType: .requireConsent, vendorRanges: [1...65_535]),
            TCPublisherRestriction(purposeId: 3, restrictionType: .notAllowed, vendorIds: [8, 4, 5, 6]),
        ]
        tc.publisherTC = .init(pubPurposesConsent: [3, 1], numCustomPurposes: 2, customPurposesConsent: [2])
        let json = tc.jsonValue
        #expect(json["created"]?.stringValue == "1970-01-01T00:00:00Z")
        #expect(json["lastUpdated"]?.stringValue == "1971-01-02T00:00:00.9Z")
        #expect(json["vendorConsents"] == ids([3, 5, 9]))
        #expect(
            json["pubRestrictions"]
                == .array([
                    .object([
                        ("purposeId", .int(2)), ("restrictionType", .int(1)),
                        ("vendorRanges", .array([.array([.int(1), .int(65_535)])])),
                    ]),
                    .object([
                        ("purposeId", .int(3)), ("restrictionType", .int(0)),
                        ("vendorRanges", .array([.array([.int(4), .int(6)]), .array([.int(8), .int(8)])])),
                    ]),
                ]))
        #expect(
            json["publisherTC"]
                == .object([
                    ("pubPurposesConsent", ids([1, 3])), ("pubPurposesLITransparency", ids([])),
                    ("numCustomPurposes", .int(2)), ("customPurposesConsent", ids([2])),
                    ("customPurposesLITransparency", ids([])),
                ]))
    }

    @Test(
        "timestamps",
        arguments: [
            (0, "1970-01-01T00:00:00Z"), (17_489_088_000, "2025-06-03T00:00:00Z"),
            (15_838_014_018, "2020-03-10T00:50:01.8Z"), (15_829_344_000, "2020-02-29T00:00:00Z"),
            (9_517_823_999, "2000-02-28T23:59:59.9Z"), (9_518_688_000, "2000-03-01T00:00:00Z"),
            (68_719_476_735, "2187-10-06T10:21:13.5Z"),
        ])
    func timestamps(deciseconds: Int, iso: String) {
        var tc = TCString(
            created: deciseconds, lastUpdated: deciseconds, cmpId: 1, cmpVersion: 1, consentLanguage: "EN",
            vendorListVersion: 1, tcfPolicyVersion: 5, publisherCC: "FR")
        tc.version = 2
        #expect(tc.jsonValue["created"]?.stringValue == iso)
    }

    // MARK: GPP

    @Test func gpp17HeaderAndSectionsByPrefix() throws {
        let json = try GPPString.decode(
            "DBACOeA~CPSG_8APSG_8ANwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA~BPSG_8APSG_8AAyACAENGdCgf_gfgAfgfgBgABABAAABAB4AACACAAA.fHHHA4444ao~1YNN"
        ).jsonValue
        #expect(json.objectValue?.map(\.0) == ["type", "header", "sections"])
        #expect(json["type"]?.stringValue == "gpp")
        #expect(json["header"] == .object([("version", .int(1)), ("sectionIds", ids([2, 5, 6]))]))
        let sections = try #require(json["sections"]?.objectValue)
        #expect(sections.map(\.0) == ["tcfeuv2", "tcfcav1", "uspv1"])
        #expect(sections[0].1["cmpId"] == .int(880) && sections[0].1["type"] == nil)
        #expect(sections[0].1["disclosedVendors"] == ids([]) && sections[0].1["allowedVendors"] == ids([]))
        #expect(
            sections[1].1 == .string("BPSG_8APSG_8AAyACAENGdCgf_gfgAfgfgBgABABAAABAB4AACACAAA.fHHHA4444ao"))
        #expect(
            sections[2].1
                == .object([
                    ("version", .int(1)), ("notice", .string("Y")), ("optOutSale", .string("N")),
                    ("lspaCovered", .string("N")),
                ]))
    }

    @Test func gpp07UsNatVersion1WithoutGPC() throws {
        let usnat = try #require(GPPString.decode("DBABLA~BVQqAAAACg").jsonValue["sections"]?["usnat"])
        #expect(
            usnat
                == .object([
                    ("version", .int(1)), ("sharingNotice", .int(1)), ("saleOptOutNotice", .int(1)),
                    ("sharingOptOutNotice", .int(1)), ("targetedAdvertisingOptOutNotice", .int(1)),
                    ("sensitiveDataProcessingOptOutNotice", .int(0)), ("sensitiveDataLimitUseNotice", .int(0)),
                    ("saleOptOut", .int(2)), ("sharingOptOut", .int(2)), ("targetedAdvertisingOptOut", .int(2)),
                    ("sensitiveDataProcessing", .array(Array(repeating: .int(0), count: 12))),
                    ("knownChildSensitiveDataConsents", .array([.int(0), .int(0)])), ("personalDataConsents", .int(2)),
                    ("mspaCoveredTransaction", .int(2)), ("mspaOptOutOptionMode", .int(0)),
                    ("mspaServiceProviderMode", .int(0)),
                ]))
    }

    @Test func gpp05AndGpp09GPCSubsection() throws {
        #expect(try GPPString.decode("DBABLA~CVVVkkkkkpFY.YA").jsonValue["sections"]?["usnat"]?["gpc"] == .bool(true))
        #expect(try GPPString.decode("DBABLA~CAAAVVVVVVRA.QA").jsonValue["sections"]?["usnat"]?["gpc"] == .bool(false))
    }

    @Test func gpp15UsCa() throws {
        let usca = try #require(GPPString.decode("DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA").jsonValue["sections"]?["usca"])
        #expect(
            usca.objectValue?.map(\.0) == [
                "version", "saleOptOutNotice", "sharingOptOutNotice", "sensitiveDataLimitUseNotice", "saleOptOut",
                "sharingOptOut", "sensitiveDataProcessing", "knownChildSensitiveDataConsents", "personalDataConsents",
                "mspaCoveredTransaction", "mspaOptOutOptionMode", "mspaServiceProviderMode", "gpc",
            ])
        #expect(usca["sensitiveDataProcessing"] == .array(Array(repeating: .int(0), count: 9)))
        #expect(usca["mspaCoveredTransaction"] == .int(1) && usca["gpc"] == .bool(false))
    }

    @Test func gpp11UsVaAndGpp13UsUt() throws {
        let usva = try #require(GPPString.decode("DBABRg~BVWSSVY").jsonValue["sections"]?["usva"])
        #expect(
            usva
                == .object([
                    ("version", .int(1)), ("sharingNotice", .int(1)), ("saleOptOutNotice", .int(1)),
                    ("targetedAdvertisingOptOutNotice", .int(1)), ("saleOptOut", .int(1)),
                    ("targetedAdvertisingOptOut", .int(1)),
                    ("sensitiveDataProcessing", twoBits([2, 1, 0, 2, 1, 0, 2, 1])),
                    ("knownChildSensitiveDataConsents", .int(1)), ("mspaCoveredTransaction", .int(1)),
                    ("mspaOptOutOptionMode", .int(1)), ("mspaServiceProviderMode", .int(2)),
                ]))
        let usut = try #require(GPPString.decode("DBABFg~BVVkklWA").jsonValue["sections"]?["usut"])
        #expect(usut["sensitiveDataProcessingOptOutNotice"] == .int(1))
        #expect(usut["sensitiveDataProcessing"] == twoBits([2, 1, 0, 2, 1, 0, 2, 1]))
        #expect(usut["knownChildSensitiveDataConsents"] == .int(1) && usut["gpc"] == nil)
    }

    @Test func coloradoAndConnecticutRoundTripThroughTheirFields() throws {
        let co = USColoradoSection(
            saleOptOut: 1, sensitiveDataProcessing: [1, 2, 0, 1, 2, 0, 1], knownChildSensitiveDataConsents: 2, gpc: true
        )
        let ct = USConnecticutSection(saleOptOut: 2, knownChildSensitiveDataConsents: [1, 2, 0])
        let json = try GPPString.decode(try GPPString(sections: [.usCo(co), .usCt(ct)]).encode()).jsonValue
        #expect(json["header"]?["sectionIds"] == ids([10, 12]))
        let usco = try #require(json["sections"]?["usco"])
        #expect(usco["saleOptOut"] == .int(1) && usco["gpc"] == .bool(true))
        #expect(usco["sensitiveDataProcessing"] == twoBits([1, 2, 0, 1, 2, 0, 1]))
        #expect(usco["knownChildSensitiveDataConsents"] == .int(2))
        let usct = try #require(json["sections"]?["usct"])
        #expect(usct["saleOptOut"] == .int(2) && usct["gpc"] == nil)
        #expect(usct["knownChildSensitiveDataConsents"] == twoBits([1, 2, 0]))
    }

    @Test func unknownSectionIsItsRawStringUnderItsID() {
        let gpp = GPPString(sections: [.other(id: 30, body: "BAAA"), .other(id: 13, body: "CAAA.QA")])
        let sections = gpp.jsonValue["sections"]?.objectValue
        #expect(sections?.map(\.0) == ["30", "usfl"])
        #expect(sections?.map(\.1) == [.string("BAAA"), .string("CAAA.QA")])
    }

    // MARK: US Privacy

    @Test(arguments: ["1YNN", "1NYN", "1-Y-", "1---", "1YYN"])
    func usPrivacy(string: String) throws {
        let chars = Array(string).map { JSONValue.string(String($0)) }
        #expect(
            try USPrivacyString.decode(string).jsonValue
                == .object([
                    ("type", .string("usp")), ("version", .int(1)), ("notice", chars[1]), ("optOutSale", chars[2]),
                    ("lspaCovered", chars[3]),
                ]))
    }

    // MARK: Helpers

    func ids(_ values: [Int]) -> JSONValue { .array(values.map(JSONValue.int)) }
    func twoBits(_ values: [Int]) -> JSONValue { .array(values.map(JSONValue.int)) }
}
