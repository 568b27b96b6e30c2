import AssentCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

@Suite("Reading decisions back: subjects, history, receipts, verification, JWKS")
struct LedgerRouteTests {
    // MARK: Subjects

    @Test("GET subjects/{subject} returns the latest recorded decision, without a receipt")
    func latest() async throws {
        try await TestServer.withRouter { client in
            let first = try await client.recordDecision(
                #"{"action":"accept_all","policyVersion":1}"#, [.regionHeader: "FR"])
            let subject = try #require(first["subject"]?.stringValue)
            let response = try await client.get("/v1/properties/demo/subjects/\(subject)")
            #expect(response.status == .ok)
            var expected = first
            if case .object(let members) = first { expected = .object(members.filter { $0.0 != "receipt" }) }
            #expect(try response.json() == expected)

            let second = try await client.recordDecision(
                #"{"subject":"\#(subject)","action":"save","choices":{"performance":true},"policyVersion":1}"#,
                [.regionHeader: "FR"])
            let latest = try await client.get("/v1/properties/demo/subjects/\(subject.uppercased())").json()
            #expect(latest["id"] == second["id"])
            #expect(latest["choices"]?.boolChoices()["performance"] == true)
            #expect(latest["choices"]?.boolChoices()["targeting"] == false)
            #expect(latest["receipt"] == nil)
        }
    }

    @Test("history lists every record of the subject, oldest first, and only that subject's")
    func history() async throws {
        try await TestServer.withRouter { client in
            let subject = "3b241101-e2bb-4255-8caf-4136c566a962"
            var ids: [String] = []
            for action in ["accept_all", "reject_all", "accept_all", "reject_all"] {
                let body = try await client.recordDecision(
                    #"{"subject":"\#(subject)","action":"\#(action)","policyVersion":1}"#)
                ids.append(try #require(body["id"]?.stringValue))
                _ = try await client.recordDecision()  // someone else in between
            }
            let response = try await client.get("/v1/properties/demo/subjects/\(subject)/history")
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body.keys == ["property", "subject", "records"])
            #expect(body["property"]?.stringValue == "demo")
            #expect(body["subject"]?.stringValue == subject)
            let records = try #require(body["records"]?.arrayValue)
            #expect(records.compactMap { $0["id"]?.stringValue } == ids)
            #expect(
                records.compactMap { $0["action"]?.stringValue } == [
                    "accept_all", "reject_all", "accept_all", "reject_all",
                ])
            #expect(records.allSatisfy { $0["subject"]?.stringValue == subject && $0["receipt"] == nil })
            let times = records.compactMap { $0["recordedAt"]?.stringValue }
            #expect(times == times.sorted())
        }
    }

    @Test("a subject's decisions belong to one property")
    func subjectPerProperty() async throws {
        try await TestServer.withRouter(prepare: { configuration in
            _ = try await TestServer.importProperty(
                Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"]), into: configuration)
        }) { client in
            let body = try await client.recordDecision()
            let subject = try #require(body["subject"]?.stringValue)
            try expectError(
                try await client.get("/v1/properties/shop/subjects/\(subject)"), .notFound, code: "no_decision",
                mentioning: subject)
            try expectError(
                try await client.get("/v1/properties/shop/subjects/\(subject)/history"), .notFound, code: "no_decision")
        }
    }

    @Test(
        "subject routes: a non-UUID is a 400, an unknown subject or property a 404",
        arguments: ["", "/history"])
    func subjectErrors(_ suffix: String) async throws {
        try await TestServer.withRouter { client in
            for bad in [
                "abc", "not-a-uuid", "3b241101e2bb42558caf4136c566a962", "3b241101-e2bb-4255-8caf-4136c566a96g",
            ] {
                let response = try await client.get("/v1/properties/demo/subjects/\(bad)\(suffix)")
                try expectError(response, .badRequest, code: "invalid_subject", mentioning: bad)
            }
            let unknown = "00000000-0000-0000-0000-000000000000"
            try expectError(
                try await client.get("/v1/properties/demo/subjects/\(unknown)\(suffix)"), .notFound,
                code: "no_decision",
                mentioning: unknown)
            try expectError(
                try await client.get("/v1/properties/nope/subjects/\(unknown)\(suffix)"), .notFound,
                code: "unknown_property", mentioning: "\"nope\"")
            try expectError(
                try await client.get(
                    "/v1/properties/demo/subjects/\(unknown)\(suffix)", [.origin: "https://evil.example"]),
                .forbidden, code: "origin_not_allowed")
            let allowed = try await client.get(
                "/v1/properties/demo/subjects/\(unknown)\(suffix)", [.origin: TestServer.allowedOrigin])
            #expect(allowed.status == .notFound)
        }
    }

    @Test("subject routes echo an allowed origin")
    func subjectCORS() async throws {
        try await TestServer.withRouter { client in
            let subject = try #require(try await client.recordDecision()["subject"]?.stringValue)
            for suffix in ["", "/history"] {
                let response = try await client.get(
                    "/v1/properties/demo/subjects/\(subject)\(suffix)", [.origin: TestServer.allowedOrigin])
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == TestServer.allowedOrigin)
            }
        }
    }

    // MARK: Receipts

    @Test("GET /v1/receipts/{id} returns a receipt that verifies, and a tampered copy does not")
    func receiptRoundTrip() async throws {
        try await TestServer.withRouter { client in
            let decision = try await client.recordDecision(
                #"{"action":"save","choices":{"performance":true,"targeting":false},"policyVersion":1}"#,
                [.regionHeader: "FR"])
            let id = try #require(decision["id"]?.stringValue)
            let response = try await client.get("/v1/receipts/\(id)")
            #expect(response.status == .ok)
            let receipt = try response.json()
            #expect(receipt.keys == ["entry", "leafIndex", "inclusionProof", "treeHead"])
            #expect(receipt["entry"]?["id"]?.stringValue == id)
            #expect(receipt["entry"]?["v"]?.intValue == 1)
            #expect(receipt["entry"]?["choices"]?.boolChoices() == decision["choices"]?.boolChoices())
            #expect(receipt["treeHead"]?.keys == ["log", "size", "root", "timestamp", "keyId", "signature"])

            let verified = try await verify(client, receipt)
            #expect(verified.keys == ["valid", "signatureValid", "inclusionValid", "keyId", "reason", "leafHash"])
            #expect(verified["valid"]?.boolValue == true)
            #expect(verified["signatureValid"]?.boolValue == true)
            #expect(verified["inclusionValid"]?.boolValue == true)
            #expect(verified["reason"] == .null)
            #expect(verified["keyId"] == receipt["treeHead"]?["keyId"])

            // Flip one choice: the signature still holds, the entry is no longer the one in the tree.
            let flipped = receipt.replacing(["entry", "choices", "targeting"], with: .bool(true))
            #expect(flipped != receipt)
            let tampered = try await verify(client, flipped)
            #expect(tampered["valid"]?.boolValue == false)
            #expect(tampered["signatureValid"]?.boolValue == true)
            #expect(tampered["inclusionValid"]?.boolValue == false)
            #expect(tampered["reason"]?.stringValue?.contains("altered") == true)

            // A forged tree head (another root) fails the signature.
            let forgedRoot = receipt.replacing(["treeHead", "root"], with: .string(String(repeating: "0", count: 64)))
            let forged = try await verify(client, forgedRoot)
            #expect(forged["valid"]?.boolValue == false)
            #expect(forged["signatureValid"]?.boolValue == false)

            // An unknown key id is named.
            let otherKey = receipt.replacing(["treeHead", "keyId"], with: .string("0000000000000000"))
            let unknownKey = try await verify(client, otherKey)
            #expect(unknownKey["valid"]?.boolValue == false)
            #expect(unknownKey["reason"]?.stringValue?.contains("unknown signing key") == true)
        }
    }

    @Test("the 201 response itself (with its receipt) verifies")
    func verifyConsentResponse() async throws {
        try await TestServer.withRouter { client in
            let decision = try await client.recordDecision()
            let verified = try await verify(client, decision)
            #expect(verified["valid"]?.boolValue == true)
            let receiptOnly = try await verify(client, try #require(decision["receipt"]))
            #expect(receiptOnly["valid"]?.boolValue == true)
        }
    }

    @Test("a receipt for an early record carries an inclusion proof against a later tree head")
    func inclusionProof() async throws {
        try await TestServer.withRouter { client in
            let first = try await client.recordDecision()
            for _ in 0..<6 { _ = try await client.recordDecision() }
            let id = try #require(first["id"]?.stringValue)
            let receipt = try await client.get("/v1/receipts/\(id)").json()
            let size = try #require(receipt["treeHead"]?["size"]?.intValue)
            #expect(size >= 7)
            #expect(receipt["leafIndex"]?.intValue == 0)
            #expect((receipt["inclusionProof"]?.arrayValue?.count ?? 0) >= 3)
            #expect(try await verify(client, receipt)["valid"]?.boolValue == true)
            // The proof is bound to the leaf index.
            let moved = receipt.replacing(["leafIndex"], with: .int(1))
            #expect(try await verify(client, moved)["inclusionValid"]?.boolValue == false)
        }
    }

    @Test("receipt ids: not a UUID is a 400, unknown a 404")
    func receiptErrors() async throws {
        try await TestServer.withRouter { client in
            try expectError(
                try await client.get("/v1/receipts/abc"), .badRequest, code: "invalid_record_id", mentioning: "abc")
            let unknown = "00000000-0000-0000-0000-000000000000"
            try expectError(
                try await client.get("/v1/receipts/\(unknown)"), .notFound, code: "unknown_record", mentioning: unknown)
        }
    }

    struct VerifyInput: Sendable, CustomTestStringConvertible {
        let name: String
        let body: String
        var contentType = "application/json"
        let status: HTTPResponse.Status
        let code: String
        var testDescription: String { name }
    }

    @Test(
        "verify: bad bodies are JSON errors",
        arguments: [
            VerifyInput(name: "malformed", body: "{", status: .badRequest, code: "invalid_json"),
            VerifyInput(
                name: "text/plain", body: "{}", contentType: "text/plain", status: .unsupportedMediaType,
                code: "unsupported_media_type"),
            VerifyInput(name: "an array", body: "[]", status: .badRequest, code: "invalid_receipt"),
            VerifyInput(name: "a string", body: #""receipt""#, status: .badRequest, code: "invalid_receipt"),
            VerifyInput(name: "an empty object", body: "{}", status: .badRequest, code: "invalid_receipt"),
            VerifyInput(name: "no tree head", body: #"{"entry":{}}"#, status: .badRequest, code: "invalid_receipt"),
            VerifyInput(
                name: "over 64 KiB", body: #"{"entry":""# + String(repeating: "a", count: 70_000) + #""}"#,
                status: .contentTooLarge, code: "body_too_large"),
        ])
    func verifyErrors(_ input: VerifyInput) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.post(
                "/v1/receipts/verify", json: input.body, [.contentType: input.contentType])
            try expectError(response, input.status, code: input.code)
        }
    }

    @Test("verify: a receipt whose parts are malformed is a 400 naming the part")
    func verifyMalformedParts() async throws {
        try await TestServer.withRouter { client in
            let cases = [
                (#"{"entry":1,"treeHead":2}"#, "receipt.entry"),
                (#"{"entry":{},"leafIndex":-1,"inclusionProof":[],"treeHead":{}}"#, "receipt.leafIndex"),
                (#"{"entry":{},"leafIndex":0,"inclusionProof":["zz"],"treeHead":{}}"#, "receipt.inclusionProof"),
                (#"{"entry":{},"leafIndex":0,"inclusionProof":[],"treeHead":{"log":0}}"#, "receipt.treeHead"),
                (
                    #"{"entry":{},"leafIndex":0,"inclusionProof":[],"treeHead":{"log":0,"size":1,"root":"00","#
                        + #""timestamp":0,"keyId":"k","signature":{}}}"#, "receipt.treeHead"
                ),
            ]
            for (body, part) in cases {
                let response = try await client.post("/v1/receipts/verify", json: body)
                try expectError(response, .badRequest, code: "invalid_receipt")
                #expect(try response.json()["error"]?["message"]?.stringValue?.contains(part) == true, "\(body)")
            }
        }
    }

    // MARK: JWKS

    @Test("jwks.json has one OKP Ed25519 key whose kid is the receipts' keyId and which checks their signature")
    func jwks() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get("/.well-known/jwks.json")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[.cacheControl]?.contains("max-age") == true)
            #expect(response.headers[.eTag] != nil)
            let keys = try #require(try response.json()["keys"]?.arrayValue)
            #expect(keys.count == 1)
            let key = try #require(keys.first)
            #expect(key["kty"]?.stringValue == "OKP")
            #expect(key["crv"]?.stringValue == "Ed25519")
            #expect(key["alg"]?.stringValue == "EdDSA")
            #expect(key["use"]?.stringValue == "sig")
            let x = try #require(key["x"]?.stringValue.flatMap(Base64URL.decode))
            #expect(x.count == 32)
            let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: x)
            #expect(key["kid"]?.stringValue == TreeHeadSigner.keyID(for: publicKey))

            let decision = try await client.recordDecision()
            let head = try #require(decision["receipt"]?["treeHead"])
            #expect(head["keyId"] == key["kid"])
            // Check the tree head offline with the published key, as an auditor would.
            let signed = try #require(SignedTreeHead(json: head))
            #expect(signed.isValid(publicKey: publicKey))
        }
    }

    @Test("a restart on the same data directory keeps the key, the records and the demo property's version")
    func restart() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.removingData(configuration) {
            let decision = try await TestServer.run(configuration, setup: .router, keepDirectory: true) { client in
                try await client.recordDecision()
            }
            try await TestServer.run(configuration, setup: .router, keepDirectory: true) { client in
                let subject = try #require(decision["subject"]?.stringValue)
                let latest = try await client.get("/v1/properties/demo/subjects/\(subject)").json()
                #expect(latest["id"] == decision["id"])
                let verified = try await verify(client, try #require(decision["receipt"]))
                #expect(verified["valid"]?.boolValue == true)
                let config = try await client.get("/v1/properties/demo/config").json()
                #expect(config["policyVersion"]?.intValue == 1)
            }
            // The signing key is readable by its owner alone.
            let attributes = try FileManager.default.attributesOfItem(atPath: configuration.signingKeyPath)
            let mode = try #require(attributes[.posixPermissions] as? Int)
            #expect(mode & 0o777 == 0o600)
            #expect(try Data(contentsOf: URL(fileURLWithPath: configuration.signingKeyPath)).count == 32)
        }
    }

    private func verify(_ client: some TestClientProtocol, _ value: JSONValue) async throws -> JSONValue {
        let response = try await client.post("/v1/receipts/verify", json: value.compactString)
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()
    }
}
