import AssentCore
import Foundation
import Testing

/// A small vendor list in the GVL v3 format, for the suites that need one without reading a file.
let testVendorListJSON = """
    {"gvlSpecificationVersion": 3, "vendorListVersion": 42, "tcfPolicyVersion": 5,
     "lastUpdated": "2026-03-05T16:00:00Z",
     "purposes": {
       "1": {"id": 1, "name": "Store and/or access information on a device", "description": "d1"},
       "2": {"id": 2, "name": "Use limited data to select advertising", "description": "d2"},
       "3": {"id": 3, "name": "Create profiles for personalised advertising", "description": "d3"},
       "4": {"id": 4, "name": "Use profiles to select personalised advertising", "description": "d4"},
       "5": {"id": 5, "name": "Create profiles to personalise content", "description": "d5"},
       "6": {"id": 6, "name": "Use profiles to select personalised content", "description": "d6"},
       "7": {"id": 7, "name": "Measure advertising performance", "description": "d7"},
       "8": {"id": 8, "name": "Measure content performance", "description": "d8"},
       "9": {"id": 9, "name": "Understand audiences", "description": "d9"},
       "10": {"id": 10, "name": "Develop and improve services", "description": "d10"},
       "11": {"id": 11, "name": "Use limited data to select content", "description": "d11"}},
     "specialPurposes": {"1": {"id": 1, "name": "Security", "description": "sp1"},
                         "2": {"id": 2, "name": "Delivery", "description": "sp2"}},
     "features": {"1": {"id": 1, "name": "Match data", "description": "f1"},
                  "2": {"id": 2, "name": "Link devices", "description": "f2"}},
     "specialFeatures": {"1": {"id": 1, "name": "Precise geolocation", "description": "sf1"},
                         "2": {"id": 2, "name": "Device scanning", "description": "sf2"}},
     "stacks": {"1": {"id": 1, "purposes": [2, 7], "specialFeatures": [], "name": "s", "description": "s"}},
     "vendors": {
       "1": {"id": 1, "name": "Ads One", "purposes": [1, 2, 3, 4, 7], "legIntPurposes": [],
             "flexiblePurposes": [7], "specialPurposes": [1, 2], "features": [1], "specialFeatures": [2],
             "dataRetention": {"stdRetention": 397, "purposes": {}, "specialPurposes": {}},
             "urls": [{"langId": "en", "privacy": "https://one.example/privacy"},
                      {"langId": "fr", "privacy": "https://one.example/fr/privacy"}],
             "cookieMaxAgeSeconds": 7776000, "usesCookies": true},
       "20": {"id": 20, "name": "Profiles Twenty", "purposes": [1, 3, 4, 5], "legIntPurposes": [2, 7, 8, 9, 10],
              "flexiblePurposes": [2, 7], "specialPurposes": [1], "features": [1, 2], "specialFeatures": [1],
              "urls": [{"langId": "en", "privacy": "https://twenty.example/p", "legIntClaim": "https://twenty.example/li"}]},
       "755": {"id": 755, "name": "Big Ads", "purposes": [1, 3, 4], "legIntPurposes": [2, 7, 9, 10],
               "flexiblePurposes": [2, 7, 9, 10], "specialPurposes": [1, 2], "features": [1, 2], "specialFeatures": [],
               "dataRetention": {"stdRetention": 548, "purposes": {"3": 180, "4": 180}, "specialPurposes": {"1": 1096}},
               "urls": [{"langId": "en", "privacy": "https://big.example/privacy"}]},
       "800": {"id": 800, "name": "Analytics Only", "purposes": [1, 8, 9], "legIntPurposes": [],
               "specialPurposes": [], "features": [], "specialFeatures": []},
       "1044": {"id": 1044, "name": "Security Scanner", "purposes": [], "legIntPurposes": [], "flexiblePurposes": [],
                "specialPurposes": [1], "features": [], "specialFeatures": []},
       "99": {"id": 99, "name": "Gone", "purposes": [1], "legIntPurposes": [], "specialPurposes": [], "features": [],
              "specialFeatures": [], "deletedDate": "2025-01-01T00:00:00Z"}}}
    """

let testVendorList = try! VendorList.decode(json: Array(testVendorListJSON.utf8))

/// The real GVL v3 file the standards folder carries (iabtcf-es test fixture), when present beside the project.
let sampleGVLPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
        "shared/standards/gvl/vendor-list-v3.json"
    ).path

@Suite("Global Vendor List v3")
struct VendorListTests {
    @Test func readsTheSmallList() throws {
        let list = testVendorList
        #expect(list.vendorListVersion == 42)
        #expect(list.tcfPolicyVersion == 5)
        #expect(list.lastUpdated == "2026-03-05T16:00:00Z")
        #expect(list.purposes.map(\.id) == Array(1...11))
        #expect(list.purpose(3)?.name == "Create profiles for personalised advertising")
        #expect(list.specialPurposes.map(\.id) == [1, 2])
        #expect(list.specialFeature(2)?.name == "Device scanning")
        let big = try #require(list.vendors[755])
        #expect(big.purposes == [1, 3, 4])
        #expect(big.legIntPurposes == [2, 7, 9, 10])
        #expect(big.flexiblePurposes == [2, 7, 9, 10])
        #expect(
            big.dataRetention
                == VendorList.DataRetention(stdRetention: 548, purposes: [3: 180, 4: 180], specialPurposes: [1: 1096]))
        #expect(list.vendors[800]?.flexiblePurposes == [], "flexiblePurposes may be omitted")
        #expect(list.vendors[99]?.isDeleted == true)
        #expect(list.vendors[1]?.url(language: "FR")?.privacy == "https://one.example/fr/privacy")
        #expect(list.vendors[1]?.url(language: "de")?.privacy == "https://one.example/privacy")
        #expect(list.vendors[20]?.url(language: "en")?.legIntClaim == "https://twenty.example/li")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sampleGVLPath)))
    func readsTheIABFixture() throws {
        let bytes = try #require(FileManager.default.contents(atPath: sampleGVLPath))
        let list = try VendorList.decode(json: Array(bytes))
        #expect(list.gvlSpecificationVersion == 3)
        #expect(list.vendorListVersion == 7)
        #expect(list.tcfPolicyVersion == 4)
        #expect(list.lastUpdated == "2023-06-29T16:07:26Z")
        #expect(list.purposes.count == 11)
        #expect(list.specialPurposes.count == 2)
        #expect(list.features.count == 3)
        #expect(
            list.specialFeatures.map(\.name) == [
                "Use precise geolocation data", "Actively scan device characteristics for identification",
            ])
        #expect(list.vendors.count == 376)
        let google = try #require(list.vendors[755])
        #expect(google.name == "Google Advertising Products")
        #expect(google.purposes == [1, 3, 4])
        #expect(google.legIntPurposes == [2, 7, 9, 10])
        #expect(google.dataRetention?.specialPurposes == [1: 1096])
        #expect(google.url(language: "en")?.privacy == "https://business.safety.google/privacy/")
        #expect(list.vendors[1044]?.dataRetention?.stdRetention == nil)
    }

    struct BadFile: CustomTestStringConvertible, Sendable {
        let name: String
        let edits: [(String, JSONValue?)]
        let problems: [(String, String)]
        var testDescription: String { name }
    }

    static let badFiles: [BadFile] = [
        BadFile(
            name: "format version 2", edits: [("gvlSpecificationVersion", .int(2))],
            problems: [("$.gvlSpecificationVersion", "version 3")]),
        BadFile(
            name: "not a vendor list", edits: [("gvlSpecificationVersion", nil)],
            problems: [("$.gvlSpecificationVersion", "missing")]),
        BadFile(
            name: "vendor list version missing", edits: [("vendorListVersion", nil)],
            problems: [("$.vendorListVersion", "missing")]),
        BadFile(
            name: "policy version too large", edits: [("tcfPolicyVersion", .int(64))],
            problems: [("$.tcfPolicyVersion", "between 1 and 63")]),
        BadFile(
            name: "last updated not a date", edits: [("lastUpdated", .string("yesterday"))],
            problems: [("$.lastUpdated", "RFC 3339")]),
        BadFile(
            name: "purpose id does not match its key", edits: [("purposes.11.id", .int(12))],
            problems: [("$.purposes.11.id", "does not match")]),
        BadFile(
            name: "vendor names an undeclared purpose", edits: [("vendors.800.purposes[2]", .int(12))],
            problems: [("$.vendors.800.purposes[2]", "purpose 12 is not declared")]),
        BadFile(
            name: "purpose for consent and legitimate interest", edits: [("vendors.755.legIntPurposes[0]", .int(3))],
            problems: [
                ("$.vendors.755.legIntPurposes", "both for consent and for legitimate interest"),
                ("$.vendors.755.legIntPurposes", "cannot rest on legitimate interest"),
                ("$.vendors.755.flexiblePurposes", "flexible purpose 2"),
            ]),
        BadFile(
            name: "flexible purpose not declared", edits: [("vendors.1.flexiblePurposes[0]", .int(8))],
            problems: [("$.vendors.1.flexiblePurposes", "flexible purpose 8")]),
        BadFile(
            name: "vendor without a name, and a string id",
            edits: [("vendors.20.name", nil), ("vendors.1.id", .string("1"))],
            problems: [("$.vendors.20.name", "missing"), ("$.vendors.1.id", "expected an integer")]),
        BadFile(
            name: "vendors not an object", edits: [("vendors", .array([]))],
            problems: [("$.vendors", "expected an object")]),
    ]

    @Test(arguments: badFiles)
    func badFileNamesEveryProblem(_ c: BadFile) throws {
        var json = try JSONParser.parse(testVendorListJSON)
        for (path, value) in c.edits { json = json.setting(path, to: value) }
        let error = try #require(throws: VendorListError.self) { try VendorList.decode(json) }
        for (path, fragment) in c.problems {
            #expect(
                error.problems.contains { $0.path == path && $0.message.contains(fragment) },
                "expected \(path): …\(fragment)…, got \(error.problems)")
        }
        #expect(error.problems.count == c.problems.count, "\(error.problems)")
    }

    @Test func notJSON() {
        let error = #expect(throws: VendorListError.self) { try VendorList.decode(json: Array("{\"vendors\":".utf8)) }
        #expect(error?.problems.first?.path == "$")
        #expect(error?.problems.first?.message.contains("not valid JSON") == true)
    }
}
