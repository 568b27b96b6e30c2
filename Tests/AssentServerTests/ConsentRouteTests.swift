import AssentCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

@Suite("POST /v1/properties/{property}/consents")
struct ConsentRouteTests {
    static let consents = "/v1/properties/demo/consents"

    @Test("Accept All in France: 201 with every category allowed, ids, timestamps and a receipt")
    func acceptAll() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.post(
                Self.consents, json: #"{"action":"accept_all","policyVersion":1,"lang":"es"}"#, [.regionHeader: "FR"])
            #expect(response.status == .created)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let body = try response.json()
            #expect(
                body.keys == [
                    "id", "property", "subject", "choices", "action", "gpc", "gpcConflicts", "regime", "region",
                    "policyVersion", "textsHash", "lang", "recordedAt", "expiresAt", "signals", "receipt",
                ])
            #expect(isLowercaseUUID(body["id"]?.stringValue))
            #expect(isLowercaseUUID(body["subject"]?.stringValue))
            #expect(body["property"]?.stringValue == "demo")
            #expect(body["choices"]?.keys == ["necessary", "functional", "performance", "targeting", "social", "sale"])
            #expect(body["choices"]!.boolChoices().values.allSatisfy { $0 })
            #expect(body["action"]?.stringValue == "accept_all")
            #expect(body["regime"]?.stringValue == "opt-in")
            #expect(body["region"]?.stringValue == "FR")
            #expect(body["lang"]?.stringValue == "es")
            #expect(body["gpc"]?.boolValue == false)
            #expect(body["gpcConflicts"]?.arrayValue == [])
            #expect(body["recordedAt"]?.stringValue?.hasSuffix("Z") == true)
            let receipt = try #require(body["receipt"])
            #expect(receipt["entry"]?["id"] == body["id"])
            #expect(receipt["entry"]?["subject"] == body["subject"])
            #expect(receipt["treeHead"]?["size"]?.intValue ?? 0 >= 1)
        }
    }

    @Test("Reject All keeps only the required category")
    func rejectAll() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.recordDecision(
                #"{"action":"reject_all","policyVersion":1}"#, [.regionHeader: "US-CA"])
            #expect(
                body["choices"]?.boolChoices() == [
                    "necessary": true, "functional": false, "performance": false, "targeting": false, "social": false,
                    "sale": false,
                ])
            #expect(body["regime"]?.stringValue == "opt-out")
        }
    }

    @Test(
        "save: explicit choices win, unnamed categories take the regime's default, required stays on",
        arguments: [("FR", false), ("US-CA", true), ("BR", true)])
    func save(region: String, defaultAllowed: Bool) async throws {
        try await TestServer.withRouter { client in
            let body = try await client.recordDecision(
                #"{"action":"save","choices":{"necessary":false,"performance":true,"targeting":false},"policyVersion":1}"#,
                [.regionHeader: region])
            #expect(
                body["choices"]?.boolChoices() == [
                    "necessary": true, "functional": defaultAllowed, "performance": true, "targeting": false,
                    "social": defaultAllowed, "sale": defaultAllowed,
                ])
        }
    }

    @Test("a known subject is kept (normalised to lowercase); an explicit null subject gets a new one")
    func subject() async throws {
        try await TestServer.withRouter { client in
            let upper = "0F8FAD5B-D9CB-469F-A165-70867728950E"
            let body = try await client.recordDecision(
                #"{"subject":"\#(upper)","action":"reject_all","policyVersion":1}"#)
            #expect(body["subject"]?.stringValue == upper.lowercased())
            let fresh = try await client.recordDecision(#"{"subject":null,"action":"reject_all","policyVersion":1}"#)
            #expect(isLowercaseUUID(fresh["subject"]?.stringValue))
            #expect(fresh["subject"] != body["subject"])
        }
    }

    @Test(
        "Sec-GPC: 1 turns sale and targeting off and records the explicit opt-ins it overrode",
        arguments: ["header", "body"])
    func gpcOverridesOptIn(_ signal: String) async throws {
        try await TestServer.withRouter { client in
            let gpcMember = signal == "body" ? #","gpc":true"# : ""
            var headers: HTTPFields = [.regionHeader: "US-CA"]
            if signal == "header" { headers[.secGPCHeader] = "1" }
            let body = try await client.recordDecision(
                #"{"action":"save","choices":{"targeting":true,"sale":true,"performance":true},"policyVersion":1\#(gpcMember)}"#,
                headers)
            let choices = body["choices"]!.boolChoices()
            #expect(choices["targeting"] == false)
            #expect(choices["sale"] == false)
            #expect(choices["performance"] == true)
            #expect(body["gpc"]?.boolValue == true)
            #expect(body["gpcConflicts"]?.arrayValue?.compactMap(\.stringValue) == ["targeting", "sale"])
            #expect(body["receipt"]?["entry"]?["gpcConflicts"] == body["gpcConflicts"])
        }
    }

    @Test("GPC also overrides Accept All, without conflicts for what was not explicitly chosen")
    func gpcWithAcceptAllAndDefaults() async throws {
        try await TestServer.withRouter { client in
            let accept = try await client.recordDecision(
                #"{"action":"accept_all","policyVersion":1}"#, [.regionHeader: "US-CA", .secGPCHeader: "1"])
            #expect(accept["choices"]?.boolChoices()["sale"] == false)
            #expect(accept["choices"]?.boolChoices()["targeting"] == false)
            #expect(accept["choices"]?.boolChoices()["social"] == true)
            let quiet = try await client.recordDecision(
                #"{"action":"gpc","policyVersion":1}"#, [.regionHeader: "US-CA", .secGPCHeader: "1"])
            #expect(quiet["action"]?.stringValue == "gpc")
            #expect(quiet["gpcConflicts"]?.arrayValue == [])
            #expect(quiet["choices"]?.boolChoices()["sale"] == false)
            #expect(quiet["choices"]?.boolChoices()["performance"] == true)
        }
    }

    @Test("Sec-GPC with a value other than 1 is no signal")
    func gpcOtherValue() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.recordDecision(
                #"{"action":"accept_all","policyVersion":1}"#, [.regionHeader: "US-CA", .secGPCHeader: "0"])
            #expect(body["gpc"]?.boolValue == false)
            #expect(body["choices"]?.boolChoices()["sale"] == true)
        }
    }

    @Test("the region of a decision: trusted header; ?region in the body only for the demo property")
    func regionOfDecision() async throws {
        try await TestServer.withRouter(prepare: { configuration in
            _ = try await TestServer.importProperty(
                Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"]), into: configuration)
        }) { client in
            let demo = try await client.recordDecision(#"{"action":"reject_all","policyVersion":1,"region":"FR"}"#)
            #expect(demo["region"]?.stringValue == "FR")
            #expect(demo["regime"]?.stringValue == "opt-in")
            let shop = try await client.recordDecision(
                property: "shop", #"{"action":"reject_all","policyVersion":1,"region":"FR"}"#, [.regionHeader: "BR"])
            #expect(shop["property"]?.stringValue == "shop")
            #expect(shop["region"]?.stringValue == "BR")
            #expect(shop["regime"]?.stringValue == "notice")
        }
    }

    @Test("a decision names the policy version the visitor saw; an older one the property had is accepted")
    func olderPolicyVersion() async throws {
        try await TestServer.withRouter(prepare: { configuration in
            var shop = Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"])
            let first = try await TestServer.importProperty(shop, into: configuration)
            shop.texts["en"]?["bannerTitle"] = "Your privacy, our promise"
            let second = try await TestServer.importProperty(shop, into: configuration)
            #expect(first == 1 && second == 2)
        }) { client in
            let config = try await client.get("/v1/properties/shop/config").json()
            #expect(config["policyVersion"]?.intValue == 2)
            let old = try await client.recordDecision(property: "shop", #"{"action":"reject_all","policyVersion":1}"#)
            #expect(old["policyVersion"]?.intValue == 1)
            let current = try await client.recordDecision(
                property: "shop", #"{"action":"reject_all","policyVersion":2}"#)
            #expect(current["policyVersion"]?.intValue == 2)
            #expect(old["textsHash"] != current["textsHash"])
            let never = try await client.post(
                "/v1/properties/shop/consents", json: #"{"action":"reject_all","policyVersion":3}"#)
            try expectError(never, .badRequest, code: "invalid_consent", mentioning: "never had policy version 3")
        }
    }

    // MARK: Bad input

    struct BadInput: Sendable, CustomTestStringConvertible {
        let name: String
        let body: String
        var raw: [UInt8]? = nil
        var contentType: String? = "application/json"
        var headers: [String: String] = [:]
        var status: HTTPResponse.Status = .badRequest
        let code: String
        let mentions: String
        var testDescription: String { name }
    }

    static let badInputs: [BadInput] = [
        BadInput(name: "malformed JSON", body: #"{"action":"#, code: "invalid_json", mentions: "not valid JSON"),
        BadInput(name: "empty body", body: "", code: "invalid_json", mentions: "not valid JSON"),
        BadInput(
            name: "trailing garbage", body: #"{"action":"accept_all","policyVersion":1} x"#, code: "invalid_json",
            mentions: "JSON"),
        BadInput(
            name: "duplicate member", body: #"{"action":"accept_all","action":"reject_all","policyVersion":1}"#,
            code: "invalid_json", mentions: "duplicate"),
        BadInput(
            name: "nesting too deep", body: String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
            code: "invalid_json", mentions: "nesting"),
        BadInput(
            name: "unpaired surrogate", body: #"{"action":"accept_all","policyVersion":1,"lang":"\ud800"}"#,
            code: "invalid_json", mentions: "surrogate"),
        BadInput(
            name: "invalid UTF-8", body: "",
            raw: Array(#"{"action":"accept_all","policyVersion":1,"lang":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8),
            code: "invalid_json", mentions: "UTF-8"),
        BadInput(
            name: "not an object", body: "[1,2]", code: "invalid_consent", mentions: "body: expected a JSON object"),
        BadInput(name: "null body", body: "null", code: "invalid_consent", mentions: "body"),
        BadInput(
            name: "missing action", body: #"{"policyVersion":1}"#, code: "invalid_consent", mentions: "action: missing"),
        BadInput(
            name: "unknown action", body: #"{"action":"maybe","policyVersion":1}"#, code: "invalid_consent",
            mentions: "unknown action \"maybe\""),
        BadInput(
            name: "action not a string", body: #"{"action":1,"policyVersion":1}"#, code: "invalid_consent",
            mentions: "action"),
        BadInput(
            name: "missing policyVersion", body: #"{"action":"accept_all"}"#, code: "invalid_consent",
            mentions: "policyVersion: missing"),
        BadInput(
            name: "policyVersion a string", body: #"{"action":"accept_all","policyVersion":"1"}"#,
            code: "invalid_consent", mentions: "policyVersion: expected an integer"),
        BadInput(
            name: "policyVersion fractional", body: #"{"action":"accept_all","policyVersion":1.5}"#,
            code: "invalid_consent", mentions: "policyVersion: expected an integer"),
        BadInput(
            name: "policyVersion beyond Int64", body: #"{"action":"accept_all","policyVersion":1e30}"#,
            code: "invalid_consent", mentions: "policyVersion: expected an integer"),
        BadInput(
            name: "policy version never had", body: #"{"action":"accept_all","policyVersion":99}"#,
            code: "invalid_consent", mentions: "never had policy version 99"),
        BadInput(
            name: "policy version zero", body: #"{"action":"accept_all","policyVersion":0}"#, code: "invalid_consent",
            mentions: "never had policy version 0"),
        BadInput(
            name: "unknown category key", body: #"{"action":"save","choices":{"bogus":true},"policyVersion":1}"#,
            code: "invalid_consent", mentions: "choices.bogus: unknown category"),
        BadInput(
            name: "choice not a boolean", body: #"{"action":"save","choices":{"targeting":"yes"},"policyVersion":1}"#,
            code: "invalid_consent", mentions: "choices.targeting: expected a boolean"),
        BadInput(
            name: "choices not an object", body: #"{"action":"save","choices":["targeting"],"policyVersion":1}"#,
            code: "invalid_consent", mentions: "choices: expected an object"),
        BadInput(
            name: "save without choices", body: #"{"action":"save","policyVersion":1}"#, code: "invalid_consent",
            mentions: "choices: missing"),
        BadInput(
            name: "non-UUID subject", body: #"{"subject":"visitor-1","action":"accept_all","policyVersion":1}"#,
            code: "invalid_consent", mentions: "subject: \"visitor-1\" is not a UUID"),
        BadInput(
            name: "subject not a string", body: #"{"subject":7,"action":"accept_all","policyVersion":1}"#,
            code: "invalid_consent", mentions: "subject"),
        BadInput(
            name: "gpc not a boolean", body: #"{"action":"accept_all","policyVersion":1,"gpc":"1"}"#,
            code: "invalid_consent", mentions: "gpc: expected a boolean"),
        BadInput(
            name: "lang too long",
            body: #"{"action":"accept_all","policyVersion":1,"lang":"\#(String(repeating: "x", count: 36))"}"#,
            code: "invalid_consent", mentions: "lang"),
        BadInput(
            name: "unknown field", body: #"{"action":"accept_all","policyVersion":1,"ip":"10.0.0.1"}"#,
            code: "invalid_consent", mentions: "ip: unknown field"),
        BadInput(
            name: "action gpc without a signal", body: #"{"action":"gpc","policyVersion":1}"#, code: "invalid_consent",
            mentions: "action gpc needs a Global Privacy Control signal"),
        BadInput(
            name: "action gpc with Sec-GPC: 0", body: #"{"action":"gpc","policyVersion":1}"#, headers: ["Sec-GPC": "0"],
            code: "invalid_consent", mentions: "action gpc"),
        BadInput(
            name: "invalid demo region", body: #"{"action":"accept_all","policyVersion":1,"region":"Atlantis"}"#,
            code: "invalid_region", mentions: "Atlantis"),
        BadInput(
            name: "text/plain", body: #"{"action":"accept_all","policyVersion":1}"#, contentType: "text/plain",
            status: .unsupportedMediaType, code: "unsupported_media_type", mentions: "text/plain"),
        BadInput(
            name: "form encoded", body: "action=accept_all", contentType: "application/x-www-form-urlencoded",
            status: .unsupportedMediaType, code: "unsupported_media_type", mentions: "application/json"),
        BadInput(
            name: "a JSON-like type", body: #"{"action":"accept_all","policyVersion":1}"#,
            contentType: "application/json-patch+json", status: .unsupportedMediaType, code: "unsupported_media_type",
            mentions: "json-patch"),
        BadInput(
            name: "no content type", body: #"{"action":"accept_all","policyVersion":1}"#, contentType: nil,
            status: .unsupportedMediaType, code: "unsupported_media_type", mentions: "none"),
    ]

    @Test("bad input is a JSON 4xx naming the problem, never a 500", arguments: badInputs)
    func badInput(_ input: BadInput) async throws {
        try await TestServer.withRouter { client in
            var headers: HTTPFields = [:]
            if let type = input.contentType { headers[.contentType] = type }
            for (name, value) in input.headers { headers[HTTPField.Name(name)!] = value }
            let response = try await client.execute(
                uri: Self.consents, method: .post, headers: headers,
                body: input.raw.map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: input.body))
            try expectError(response, input.status, code: input.code, mentioning: input.mentions)
        }
    }

    @Test("numbers beyond Double are a 400, whichever part of the server notices", arguments: ["1e400", "-1e400"])
    func hugeNumbers(_ number: String) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.post(
                Self.consents, json: #"{"action":"accept_all","policyVersion":\#(number)}"#)
            #expect(response.status == .badRequest)
            try expectErrorShape(response)
        }
    }

    @Test("a content type with parameters or in upper case is still JSON")
    func contentTypeParameters() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.post(
                Self.consents, json: #"{"action":"accept_all","policyVersion":1}"#,
                [.contentType: "Application/JSON; charset=utf-8"])
            #expect(response.status == .created)
        }
    }

    @Test("the body limit is 16 KiB: exactly 16 384 bytes is recorded, one more is a 413")
    func bodyLimit() async throws {
        try await TestServer.withRouter { client in
            let json = #"{"action":"accept_all","policyVersion":1}"#
            let limit = 16 * 1024
            let atLimit = json + String(repeating: " ", count: limit - json.utf8.count)
            #expect(atLimit.utf8.count == limit)
            let ok = try await client.post(Self.consents, json: atLimit)
            #expect(ok.status == .created)

            let over = try await client.post(Self.consents, json: atLimit + " ")
            try expectError(over, .contentTooLarge, code: "body_too_large", mentioning: "16384")

            let huge = #"{"lang":""# + String(repeating: "a", count: 100_000) + #""}"#
            try expectError(try await client.post(Self.consents, json: huge), .contentTooLarge, code: "body_too_large")
        }
    }

    @Test("an unknown property is a 404 naming it, before the body is looked at")
    func unknownProperty() async throws {
        try await TestServer.withRouter { client in
            let valid = try await client.post(
                "/v1/properties/nope/consents", json: #"{"action":"accept_all","policyVersion":1}"#)
            try expectError(valid, .notFound, code: "unknown_property", mentioning: "\"nope\"")
            let junk = try await client.post("/v1/properties/nope/consents", json: "junk", [.contentType: "text/plain"])
            try expectError(junk, .notFound, code: "unknown_property", mentioning: "nope")
        }
    }

    // MARK: Origins

    @Test("a disallowed Origin is refused with 403 and nothing is recorded")
    func foreignOrigin() async throws {
        try await TestServer.withRouter { client in
            let subject = "6f1c5a52-64c4-4c1b-9a3e-0c3d1d7a6e11"
            let response = try await client.post(
                Self.consents, json: #"{"subject":"\#(subject)","action":"accept_all","policyVersion":1}"#,
                [.origin: "https://evil.example"])
            try expectError(response, .forbidden, code: "origin_not_allowed", mentioning: "https://evil.example")
            #expect(response.headers[.accessControlAllowOrigin] == nil)
            let latest = try await client.get("/v1/properties/demo/subjects/\(subject)")
            try expectError(latest, .notFound, code: "no_decision")
        }
    }

    @Test("an allowed Origin is echoed with Vary: Origin; without an Origin there is no CORS header")
    func allowedOrigin() async throws {
        try await TestServer.withRouter { client in
            let allowed = try await client.post(
                Self.consents, json: #"{"action":"accept_all","policyVersion":1}"#, [.origin: TestServer.allowedOrigin])
            #expect(allowed.status == .created)
            #expect(allowed.headers[.accessControlAllowOrigin] == TestServer.allowedOrigin)
            #expect(allowed.headers[.vary]?.contains("Origin") == true)

            let none = try await client.post(Self.consents, json: #"{"action":"accept_all","policyVersion":1}"#)
            #expect(none.status == .created)
            #expect(none.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("the Origin check is per property: the demo's origin is foreign to another property")
    func originPerProperty() async throws {
        try await TestServer.withRouter(prepare: { configuration in
            _ = try await TestServer.importProperty(
                Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"]), into: configuration)
        }) { client in
            let body = #"{"action":"accept_all","policyVersion":1}"#
            let own = try await client.post(
                "/v1/properties/shop/consents", json: body, [.origin: "https://shop.example"])
            #expect(own.status == .created)
            #expect(own.headers[.accessControlAllowOrigin] == "https://shop.example")
            let demoOrigin = try await client.post(
                "/v1/properties/shop/consents", json: body, [.origin: TestServer.allowedOrigin])
            try expectError(demoOrigin, .forbidden, code: "origin_not_allowed")
            let shopOnDemo = try await client.post(Self.consents, json: body, [.origin: "https://shop.example"])
            try expectError(shopOnDemo, .forbidden, code: "origin_not_allowed")
        }
    }

    @Test(
        "preflight: 204 with the allowed methods and headers for an allowed origin", arguments: ["consents", "config"])
    func preflight(_ route: String) async throws {
        try await TestServer.withRouter { client in
            let uri = "/v1/properties/demo/\(route)"
            let ok = try await client.execute(
                uri: uri, method: .options,
                headers: [
                    .origin: TestServer.allowedOrigin, .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "content-type",
                ])
            #expect(ok.status == .noContent)
            #expect(ok.body.readableBytes == 0)
            #expect(ok.headers[.accessControlAllowOrigin] == TestServer.allowedOrigin)
            #expect(ok.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(ok.headers[.accessControlAllowHeaders]?.lowercased().contains("content-type") == true)
            #expect(ok.headers[.accessControlMaxAge] == "600")

            let foreign = try await client.execute(
                uri: uri, method: .options,
                headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"])
            try expectError(foreign, .forbidden, code: "origin_not_allowed")
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)

            let unknown = try await client.execute(
                uri: "/v1/properties/nope/\(route)", method: .options, headers: [.origin: TestServer.allowedOrigin])
            try expectError(unknown, .notFound, code: "unknown_property", mentioning: "nope")
        }
    }
}
