import AssentCore
import Foundation
import Testing

@Suite("Signals: reading the JSON form back (signals encode)")
struct SignalsJSONDecodingTests {
    /// Every TC, GPP and US Privacy vector of VECTORS.md.
    static let vectors = [
        SignalsTCStringTests.tcf01, SignalsTCStringTests.tcf03, SignalsTCStringTests.tcf05,
        SignalsTCStringTests.tcf07, SignalsTCStringTests.tcf09, SignalsTCStringTests.tcf11,
        SignalsTCStringTests.tcf13, "DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", "DBABTA~1YNN",
        "DBABLA~CVVVkkkkkpFY.YA", "DBABLA~BVQqAAAACg", "DBABLA~CAAAVVVVVVRA.QA", "DBABRg~BVWSSVY",
        "DBABFg~BVVkklWA", "DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA",
        "DBACOeA~CPSG_8APSG_8ANwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA~BPSG_8APSG_8AAyACAENGdCgf_gfgAfgfgBgABABAAABAB4AACACAAA.fHHHA4444ao~1YNN",
        "1YNN", "1NYN", "1-Y-", "1---", "1YYN",
    ]

    /// The vectors the encoder writes byte for byte as given: the others differ only in what the JSON form does
    /// not carry (padding, `MaxVendorId`, the vendor-encoding choice, segment order, a usnat v1 layout, repeats).
    static let canonical = [
        SignalsTCStringTests.tcf01, SignalsTCStringTests.tcf03, "DBABTA~1YNN", "DBABLA~CVVVkkkkkpFY.YA",
        "DBABLA~CAAAVVVVVVRA.QA", "DBABRg~BVWSSVY", "DBABFg~BVVkklWA", "DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA", "1YNN",
        "1NYN", "1-Y-", "1---", "1YYN",
    ]

    static func json(_ text: String) -> String {
        String(decoding: CanonicalJSON.orderedBytes(try! SignalDetector.decode(text)), as: UTF8.self)
    }

    /// The problems reading `json` reports, or an issue when it reads.
    static func problems(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        do {
            let signal = try SignalString(json: Array(json.utf8))
            Issue.record("read as \(signal)", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test(arguments: vectors)
    func everyVectorReadsBackToTheDecodedValue(text: String) throws {
        let decoded = try SignalString.decode(text)
        #expect(try SignalString(json: decoded.jsonValue) == decoded)
        #expect(try SignalString(json: Array(Self.json(text).utf8)) == decoded)
        // And what is read encodes to a string that decodes to the same value again.
        #expect(try SignalString.decode(try decoded.encode()) == decoded || text.hasPrefix("DBABLA~BVQq"))
    }

    @Test(arguments: canonical)
    func canonicalVectorsEncodeToThemselves(text: String) throws {
        #expect(try SignalString(json: Array(Self.json(text).utf8)).encode() == text)
    }

    @Test func prettyPrintedJSONReadsToo() throws {
        let pretty = JSONPretty.format(CanonicalJSON.orderedBytes(try SignalDetector.decode("DBABLA~CVVVkkkkkpFY.YA")))
        #expect(try SignalString(json: Array(pretty.utf8)).encode() == "DBABLA~CVVVkkkkkpFY.YA")
    }

    @Test func timestampsReadInTheirRenderedFormOrAsDeciseconds() throws {
        var json = try TCString.decode(SignalsTCStringTests.tcf03).jsonValue
        func with(_ created: JSONValue) -> JSONValue {
            guard case .object(let members) = json else { return json }
            return .object(members.map { $0.0 == "created" ? ($0.0, created) : $0 })
        }
        func created(_ value: JSONValue) throws -> Int {
            guard case .tcf(let tc) = try SignalString(json: with(value)) else { return -1 }
            return tc.created
        }
        #expect(try created(.string("2020-03-10T00:50:01.8Z")) == 15_838_014_018)
        #expect(try created(.string("1970-01-01T00:00:00Z")) == 0)
        #expect(try created(.string("2024-02-29T23:59:59.9Z")) == 17_092_511_999)
        #expect(try created(.int(15_838_014_018)) == 15_838_014_018)
        #expect(try created(.string("2187-10-06T10:21:13.5Z")) == (1 << 36) - 1)
        // Every day from 1970 to 2187 renders and reads back to the same deciseconds.
        for day in stride(from: 0, to: (1 << 36) / TCString.decisecondsPerDay, by: 37) {
            let value = day * TCString.decisecondsPerDay + day % 10
            var tc = try TCString.decode(SignalsTCStringTests.tcf03)
            tc.created = value
            json = tc.jsonValue
            #expect(try SignalString(json: json) == .tcf(tc))
        }
        json = try TCString.decode(SignalsTCStringTests.tcf03).jsonValue
        for bad in [
            "2023-02-29T00:00:00Z", "2020-03-10T00:50:01.85Z", "2020-03-10 00:50:01Z", "2020-03-10T24:00:00Z",
            "2020-13-01T00:00:00Z", "2020-03-10T00:50:01+01:00", "1969-12-31T23:59:59.9Z", "2187-10-06T10:21:13.6Z",
            "",
        ] {
            #expect(throws: SignalJSONError.self, "\(bad)") { try SignalString(json: with(.string(bad))) }
        }
        #expect(throws: SignalJSONError.self) { try SignalString(json: with(.int(1 << 36))) }
        #expect(throws: SignalJSONError.self) { try SignalString(json: with(.int(-1))) }
    }

    @Test func problemsNameTheirJSONPath() {
        let tc = Self.json(SignalsTCStringTests.tcf03)
        func replacing(_ old: String, _ new: String) -> String {
            precondition(tc.contains(old))
            return tc.replacingOccurrences(of: old, with: new)
        }
        let cases: [(String, String)] = [
            (replacing("\"cmpId\":675", "\"cmpId\":4096"), "$.cmpId: must be between 0 and 4095, is 4096"),
            (replacing("\"version\":2", "\"version\":1"), "$.version: must be 2, is 1"),
            (replacing("\"cmpVersion\":2,", ""), "$.cmpVersion: missing"),
            (replacing("\"cmpId\":675", "\"cmpId\":675,\"colour\":1"), "$.colour: unknown field"),
            (replacing("\"consentLanguage\":\"EN\"", "\"consentLanguage\":\"E1\""), "$.consentLanguage: expected two"),
            (replacing("\"purposesConsent\":[2,10]", "\"purposesConsent\":[2,25]"), "$.purposesConsent[1]: must be"),
            (replacing("\"purposesConsent\":[2,10]", "\"purposesConsent\":[2,2]"), "$.purposesConsent[1]: 2 is listed"),
            (
                replacing("\"vendorConsents\":[]", "\"vendorConsents\":[1.5]"),
                "$.vendorConsents[0]: expected an integer"
            ),
            (replacing("\"vendorConsents\":[]", "\"vendorConsents\":{}"), "$.vendorConsents: expected an array"),
            (replacing("\"isServiceSpecific\":false", "\"isServiceSpecific\":0"), "$.isServiceSpecific: expected a b"),
            (
                replacing("\"pubRestrictions\":[]", "\"pubRestrictions\":[{\"purposeId\":0,\"restrictionType\":1}]"),
                "$.pubRestrictions[0].purposeId: must be between 1 and 63"
            ),
            (
                replacing(
                    "\"pubRestrictions\":[]",
                    "\"pubRestrictions\":[{\"purposeId\":1,\"restrictionType\":1,\"vendorRanges\":[[3,2]]}]"),
                "$.pubRestrictions[0].vendorRanges[0]: range 3…2 is empty"
            ),
            (
                replacing(
                    "\"pubRestrictions\":[]",
                    "\"pubRestrictions\":[{\"purposeId\":1,\"restrictionType\":1,\"vendorRanges\":[[1,70000]]}]"),
                "$.pubRestrictions[0].vendorRanges[0][1]: must be between 1 and 65535"
            ),
            (
                replacing(
                    "\"pubRestrictions\":[]",
                    "\"pubRestrictions\":[{\"purposeId\":1,\"restrictionType\":1,\"vendorRanges\":[]},"
                        + "{\"purposeId\":1,\"restrictionType\":1,\"vendorRanges\":[[1,1]]}]"),
                "$.pubRestrictions[1]: purpose 1 with restriction type 1 repeats $.pubRestrictions[0]"
            ),
            (
                replacing(
                    "\"pubRestrictions\":[]",
                    "\"pubRestrictions\":[],\"publisherTC\":{\"pubPurposesConsent\":[],\"pubPurposesLITransparency\":[],"
                        + "\"numCustomPurposes\":2,\"customPurposesConsent\":[3],\"customPurposesLITransparency\":[]}"),
                "$.publisherTC.customPurposesConsent[0]: must be between 1 and 2, is 3"
            ),
            ("[1]", "$: expected an object, found an array"),
            ("{\"type\":\"tcf\",", "$: not valid JSON"),
            ("{\"type\":\"ac\"}", "$.type: must be \"tcf\", \"gpp\" or \"usp\""),
            ("{}", "$.type: missing"),
            (
                "{\"type\":\"usp\",\"version\":1,\"notice\":\"y\",\"optOutSale\":\"N\",\"lspaCovered\":\"N\"}",
                "$.notice: must be"
            ),
            (
                #"{"type":"gpp","header":{"version":1,"sectionIds":[6]},"sections":{"uspv1":{"version":2,"notice":"Y","optOutSale":"N","lspaCovered":"N"}}}"#,
                "$.sections.uspv1.version: must be 1, is 2"
            ),
            (
                #"{"type":"gpp","header":{"version":1,"sectionIds":[6,7]},"sections":{"uspv1":{"version":1,"notice":"Y","optOutSale":"N","lspaCovered":"N"}}}"#,
                "$.header.sectionIds: lists [6, 7] but the sections present are [6]"
            ),
            (
                #"{"type":"gpp","header":{"version":1,"sectionIds":[6]},"sections":{"uspv1":{"version":1,"notice":"Y","optOutSale":"N","lspaCovered":"N"},"6":"1YNN"}}"#,
                "$.sections.6: section 6 is already given as $.sections.uspv1"
            ),
            (
                #"{"type":"gpp","header":{"version":1,"sectionIds":[5]},"sections":{"tcfcav1":"a~b"}}"#,
                "$.sections.tcfcav1: a section body must be non-empty and free of '~'"
            ),
            (
                #"{"type":"gpp","header":{"version":1,"sectionIds":[3]},"sections":{"3":"x"}}"#,
                "$.sections.3: not a GPP section"
            ),
        ]
        for (json, expected) in cases {
            let problems = Self.problems(json)
            #expect(problems.contains { $0.hasPrefix(expected) }, "\(expected) not in \(problems)")
        }
    }

    @Test func usSectionFieldsAreCheckedAgainstTheirTables() throws {
        let usnat = Self.json("DBABLA~CVVVkkkkkpFY.YA")
        for (old, new, expected) in [
            ("\"saleOptOut\":1", "\"saleOptOut\":3", "$.sections.usnat.saleOptOut: must be between 0 and 2, is 3"),
            ("\"mspaCoveredTransaction\":1", "\"mspaCoveredTransaction\":0", "$.sections.usnat.mspaCoveredTransaction"),
            ("\"knownChildSensitiveDataConsents\":[2,1,0]", "\"knownChildSensitiveDataConsents\":[2]", "needs 2 or 3"),
            ("\"gpc\":true", "\"gpc\":\"yes\"", "$.sections.usnat.gpc: expected a boolean"),
            ("\"version\":2", "\"version\":3", "$.sections.usnat.version: must be between 1 and 2"),
        ] {
            #expect(usnat.contains(old))
            let problems = Self.problems(usnat.replacingOccurrences(of: old, with: new))
            #expect(problems.contains { $0.contains(expected) }, "\(expected) not in \(problems)")
        }
        let usva = Self.json("DBABRg~BVWSSVY")
        let gpc = Self.problems(
            usva.replacingOccurrences(
                of: "\"mspaServiceProviderMode\":2", with: "\"mspaServiceProviderMode\":2,\"gpc\":true"))
        #expect(gpc == ["$.sections.usva.gpc: usva has no GPC subsection"])
        let list = Self.problems(usva.replacingOccurrences(of: "[2,1,0,2,1,0,2,1]", with: "[2,1,0,2,1,0,2]"))
        #expect(list == ["$.sections.usva.sensitiveDataProcessing: needs 8 entries, has 7"])
        let version = Self.problems(
            usva.replacingOccurrences(of: "\"version\":1,\"sharing", with: "\"version\":2,\"sharing"))
        #expect(version == ["$.sections.usva.version: must be 1, is 2"])
        // A usnat v1 description (12 and 2 entries) is written as version 2 with the new entries not applicable.
        guard case .gpp(let gpp) = try SignalString(json: Array(Self.json("DBABLA~BVQqAAAACg").utf8)),
            case .usNat(let v1) = gpp.sections.first
        else {
            Issue.record("not a usnat section")
            return
        }
        #expect(v1.version == 1 && v1.sensitiveDataProcessing.count == 12)
        #expect(try gpp.encode() == "DBABLA~CVQqAAAAAAKA")
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let problems = Self.problems(#"{"type":"usp","version":2,"notice":"x","extra":true}"#)
        #expect(
            problems == [
                "$.extra: unknown field", "$.optOutSale: missing", "$.lspaCovered: missing",
                "$.version: must be 1, is 2", "$.notice: must be \"Y\", \"N\" or \"-\", found \"x\"",
            ])
    }

    @Test func gppSectionsAreKeyedByPrefixOrDecimalIdAndWrittenInIdOrder() throws {
        let json = #"""
            {"type":"gpp","header":{"version":1,"sectionIds":[6,30]},
             "sections":{"30":"QUJD","uspv1":{"version":1,"notice":"-","optOutSale":"Y","lspaCovered":"-"}}}
            """#
        #expect(try SignalString(json: Array(json.utf8)).encode() == "DBACTEY~1-Y-~QUJD")
    }
}
