import AssentCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

@Suite("POST /v1/signals/decode")
struct SignalsRouteTests {
    static let path = "/v1/signals/decode"

    static func body(_ string: String) -> String {
        CanonicalJSON.orderedBytes(.object([("string", .string(string))])).utf8String
    }

    // MARK: Vectors (VECTORS.md)

    @Test("TCF-01: core, DisclosedVendors and PublisherTC")
    func tcf01() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.post(
                Self.path,
                json: Self.body("CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA"))
            #expect(response.status == .ok)
            #expect(response.isJSON)
            let json = try response.json()
            #expect(json["type"]?.stringValue == "tcf")
            #expect(json["cmpId"]?.intValue == 880)
            #expect(json["created"]?.stringValue == "2025-06-03T00:00:00Z")
            #expect(json["consentLanguage"]?.stringValue == "EN")
            #expect(json["vendorListVersion"]?.intValue == 48)
            #expect(json["publisherCC"]?.stringValue == "DE")
            #expect(json["isServiceSpecific"]?.boolValue == true)
            #expect(json["vendorConsents"]?.intList == [1, 2, 3, 4])
            #expect(json["disclosedVendors"]?.intList == [1, 2, 3, 4, 5, 100, 404])
            #expect(json["publisherTC"]?["numCustomPurposes"]?.intValue == 0)
        }
    }

    @Test("TCF-13: publisher restrictions as merged vendor ranges")
    func tcf13() async throws {
        let tc =
            "CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtHGncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6AEYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFtCoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgARwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA"
        try await TestServer.withRouter { client in
            let json = try await client.post(Self.path, json: Self.body(tc)).json()
            #expect(json["cmpId"]?.intValue == 31 && json["cmpVersion"]?.intValue == 1602)
            let vendors = try #require(json["vendorConsents"]?.intList)
            #expect(vendors.count == 479 && vendors.prefix(5) == [1, 2, 4, 6, 7] && vendors.last == 808)
            let restrictions = try #require(json["pubRestrictions"]?.arrayValue)
            #expect(restrictions.count == 20)
            let first = try #require(restrictions.first)
            #expect(first["purposeId"]?.intValue == 1 && first["restrictionType"]?.intValue == 1)
            #expect(
                first["vendorRanges"]?.arrayValue?.map(\.intList) == [
                    [7, 7], [20, 20], [71, 71], [122, 122], [140, 140], [183, 183],
                ]
            )
            #expect(restrictions[1]["vendorRanges"]?.arrayValue?.map(\.intList) == [[730, 730]])
        }
    }

    @Test("GPP-05: usnat version 2 with GPC")
    func gpp05() async throws {
        try await TestServer.withRouter { client in
            let json = try await client.post(Self.path, json: Self.body("DBABLA~CVVVkkkkkpFY.YA")).json()
            #expect(json["type"]?.stringValue == "gpp")
            #expect(json["header"]?["sectionIds"]?.intList == [7])
            let usnat = try #require(json["sections"]?["usnat"])
            #expect(usnat["version"]?.intValue == 2)
            #expect(usnat["saleOptOut"]?.intValue == 1)
            #expect(usnat["sensitiveDataProcessing"]?.intList == [2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2])
            #expect(usnat["knownChildSensitiveDataConsents"]?.intList == [2, 1, 0])
            #expect(usnat["mspaServiceProviderMode"]?.intValue == 2)
            #expect(usnat["gpc"]?.boolValue == true)
        }
    }

    @Test("GPP-17: tcfeuv2, a raw tcfcav1 and uspv1")
    func gpp17() async throws {
        let gpp =
            "DBACOeA~CPSG_8APSG_8ANwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA~BPSG_8APSG_8AAyACAENGdCgf_gfgAfgfgBgABABAAABAB4AACACAAA.fHHHA4444ao~1YNN"
        try await TestServer.withRouter { client in
            let json = try await client.post(Self.path, json: Self.body(gpp)).json()
            #expect(json["header"]?["sectionIds"]?.intList == [2, 5, 6])
            let sections = try #require(json["sections"])
            #expect(sections.keys == ["tcfeuv2", "tcfcav1", "uspv1"])
            #expect(sections["tcfeuv2"]?["cmpId"]?.intValue == 880)
            #expect(sections["tcfeuv2"]?["type"] == nil)
            #expect(sections["tcfeuv2"]?["disclosedVendors"]?.intList == [])
            #expect(
                sections["tcfcav1"]?.stringValue
                    == "BPSG_8APSG_8AAyACAENGdCgf_gfgAfgfgBgABABAAABAB4AACACAAA.fHHHA4444ao")
            #expect(sections["uspv1"]?["optOutSale"]?.stringValue == "N")
        }
    }

    @Test("US Privacy 1YNN")
    func usPrivacy() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.post(Self.path, json: Self.body("1YNN"))
            #expect(response.status == .ok)
            #expect(
                try response.json()
                    == .object([
                        ("type", .string("usp")), ("version", .int(1)), ("notice", .string("Y")),
                        ("optOutSale", .string("N")), ("lspaCovered", .string("N")),
                    ]))
        }
    }

    // MARK: Bad strings

    @Test(
        "a bad string is 400 invalid_signal naming the kind, the field and the bit offset",
        arguments: [
            ("!!!!!!!!", "TC string: core at bit 0"),  // garbage
            ("CO4VGswO4VGswAfZ", "TC string: core.cmpVersion at bit 90"),  // truncated
            ("", "TC string: core at bit 0"),
            ("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", "TC string: core.version at bit 0"),  // TCF v1
            ("DBABLA~1YNN", "GPP string: usnat.sensitiveDataProcessing at bit 24"),  // wrong type of section body
            ("DBABTA~CVVVkkkkkpFY.YA", "GPP string: uspv1.usPrivacy at bit 32"),
            ("DBABLA", "GPP string: header.sectionIds at bit 12"),
            (
                "DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYg",
                "GPP string: tcfeuv2.core.vendorConsents.maxVendorId at bit 213"
            ),
            ("1YNX", "US Privacy string: lspaCovered at bit 24"),
            ("1YN", "US Privacy string: usPrivacy at bit 24"),
        ])
    func badString(string: String, mentioning: String) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.post(Self.path, json: Self.body(string))
            try expectError(response, .badRequest, code: "invalid_signal", mentioning: mentioning)
        }
    }

    @Test("every prefix of every vector, and random strings, answer 200 or 400 invalid_signal, never 500")
    func neverServerError() async throws {
        var random = SplitMix(seed: 3)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~=")
        var inputs: [String] = []
        for vector in [
            "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA",
            "DBACOeA~CPSG_8APSG_8ANwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA~1YNN", "DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA",
        ] {
            inputs += (0...vector.count).map { String(vector.prefix($0)) }
        }
        for _ in 0..<300 {
            let length = Int(random.next() % 80)
            let first = ["C", "D", "DB", "1", ""][Int(random.next() % 5)]
            inputs.append(
                first + String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }))
        }
        let all = inputs
        try await TestServer.withRouter { client in
            for input in all {
                let response = try await client.post(Self.path, json: Self.body(input))
                if response.status == .ok {
                    #expect(["tcf", "gpp", "usp"].contains(try response.json()["type"]?.stringValue ?? ""), "\(input)")
                } else {
                    try expectError(response, .badRequest, code: "invalid_signal", mentioning: " at bit ")
                }
            }
        }
    }

    // MARK: Bad bodies

    @Test(
        "a body that is not {\"string\": …} is 400 with the field named",
        arguments: [
            ("{", "invalid_json", "not valid JSON"),
            ("[]", "invalid_request", "an array"),
            // Worded as every other body's type error since JSONReader ("found", where this route said "got").
            (#"{"string":5}"#, "invalid_request", "string: expected a string, found a number"),
            (#"{"string":null}"#, "invalid_request", "string: expected a string, found null"),
            ("{}", "invalid_request", "string: missing"),
            (#"{"string":"1YNN","extra":true}"#, "invalid_request", "extra: unknown field"),
            (#"{"string":"1YNN","string":"1YNN"}"#, "invalid_json", "duplicate"),
        ])
    func badBody(body: String, code: String, mentioning: String) async throws {
        _ = try await TestServer.withRouter { client in
            try expectError(
                try await client.post(Self.path, json: body), .badRequest, code: code, mentioning: mentioning)
        }
    }

    @Test("JSON only, at most 16 KiB")
    func mediaTypeAndLimit() async throws {
        try await TestServer.withRouter { client in
            let plain = try await client.post(Self.path, json: Self.body("1YNN"), [.contentType: "text/plain"])
            try expectError(plain, .unsupportedMediaType, code: "unsupported_media_type")
            let large = Self.body("C" + String(repeating: "A", count: 16 * 1024))
            try expectError(try await client.post(Self.path, json: large), .contentTooLarge, code: "body_too_large")
            // Just under the limit: decodes (and fails on the content), no 413.
            let under = Self.body("D" + String(repeating: "A", count: 16 * 1024 - 20))
            try expectError(try await client.post(Self.path, json: under), .badRequest, code: "invalid_signal")
        }
    }
}

/// SplitMix64, so the random inputs are the same on every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JSONValue {
    fileprivate var intList: [Int]? { arrayValue?.compactMap(\.intValue) }
}

extension [UInt8] {
    fileprivate var utf8String: String { String(decoding: self, as: UTF8.self) }
}
