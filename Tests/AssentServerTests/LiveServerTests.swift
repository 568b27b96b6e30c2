import AssentCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

@Suite("The real socket")
struct LiveServerTests {
    @Test("over TCP: health, config, a decision with its receipt, verification, a gzipped asset")
    func socketPath() async throws {
        try await TestServer.run(TestServer.configuration(port: 0), setup: .live) { client in
            let port = try #require(client.port)
            #expect(port > 0)

            let health = try await client.get("/healthz")
            #expect(health.status == .ok)
            #expect(health.text == #"{"status":"ok"}"#)

            let config = try await client.get("/v1/properties/demo/config", [.regionHeader: "FR"])
            #expect(config.status == .ok)
            #expect(try config.json()["regime"]?.stringValue == "opt-in")
            let etag = try #require(config.headers[.eTag])
            let revalidated = try await client.get(
                "/v1/properties/demo/config", [.regionHeader: "FR", .ifNoneMatch: etag])
            #expect(revalidated.status == .notModified)

            let decision = try await client.recordDecision(
                #"{"action":"save","choices":{"targeting":true},"policyVersion":1}"#,
                [.regionHeader: "US-CA", .secGPCHeader: "1"])
            #expect(decision["choices"]?.boolChoices()["targeting"] == false)
            #expect(decision["gpcConflicts"]?.arrayValue == [.string("targeting")])

            let id = try #require(decision["id"]?.stringValue)
            let receipt = try await client.get("/v1/receipts/\(id)")
            #expect(receipt.status == .ok)
            let verified = try await client.post("/v1/receipts/verify", json: receipt.text)
            #expect(try verified.json()["valid"]?.boolValue == true)

            let tooLarge = try await client.post(
                "/v1/properties/demo/consents", json: String(repeating: " ", count: 20_000))
            try expectError(tooLarge, .contentTooLarge, code: "body_too_large")

            let script = try await client.get("/assent.js", [.acceptEncoding: "gzip"])
            #expect(script.headers[.contentEncoding] == "gzip")
            let plain = try await client.get("/assent.js")
            #expect(try gunzip(script.bytes) == plain.bytes)
        }
    }
}
