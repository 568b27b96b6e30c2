import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AssentServer

/// A compliance scan's own requests: answered like a visitor's, recorded nowhere (docs/scanning.md).
@Suite("Scan secret routes")
struct ScanSecretRouteTests {
    static let scanHeader = HTTPField.Name("Assent-Scan")!

    /// Issues a secret into the server's store the way ScanService does, for `property`, expiring at `expires`.
    static func issue(
        _ configuration: ServerConfiguration, property: String = "demo", expires: Int64 = ConsentService.now() + 60_000
    ) async throws -> String {
        let (secret, hash) = ScanSecret.issue()
        try await TestServer.store(configuration).createScan(
            StoredScan(
                id: UUID().uuidString.lowercased(), property: property, request: Array("{}".utf8),
                createdAt: ConsentService.now(), secretHash: hash, secretExpiresAt: expires),
            keep: 10)
        return secret
    }

    @Test func aScannersDecisionIsAnsweredButNotRecordedCachedOrCounted() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let secret = try await Self.issue(configuration)
            let answer = try await client.post(
                "/v1/properties/demo/consents", json: #"{"action":"reject_all","policyVersion":1}"#,
                [.regionHeader: "FR", Self.scanHeader: secret])
            #expect(answer.status == .ok, "\(answer.text)")
            let json = try answer.json()
            #expect(json["scan"] == .bool(true))
            #expect(json["id"] == nil)
            #expect(json["receipt"] == nil)
            #expect(json["choices"]?["performance"] == .bool(false))
            #expect(json["regime"]?.stringValue == "opt-in")
            #expect(json["signals"] != nil)
            let subject = try #require(json["subject"]?.stringValue)
            // Nothing in the ledger, nothing the subject route can read back.
            let store = try TestServer.store(configuration)
            #expect(try await store.treeSize(log: 0) == 0)
            #expect(try await store.latestRecord(property: "demo", subject: subject) == nil)
            try expectError(
                try await client.get("/v1/properties/demo/subjects/\(subject)"), .notFound, code: "no_decision")
            // The beacon is dropped; a visitor's decision after it is the only one counted.
            let beacon = try await client.execute(
                uri: "/v1/properties/demo/events", method: .post,
                headers: [.contentType: "text/plain", Self.scanHeader: secret],
                body: ByteBuffer(string: #"{"event":"banner_shown","policyVersion":1,"lang":"en"}"#))
            #expect(beacon.status == .noContent, "\(beacon.text)")
            _ = try await client.recordDecision()
            let report = try await AnalyticsRouteTests.report(client, admin)
            #expect(report["total"]?["decisions"]?.intValue == 1)
            #expect(report["total"]?["bannersShown"]?.intValue == 0)
            #expect(try await store.treeSize(log: 0) == 1)
        }
    }

    @Test func aWrongExpiredOrForeignSecretIsRefusedAndNothingRecorded() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let expired = try await Self.issue(configuration, expires: ConsentService.now() - 1)
            let foreign = try await Self.issue(configuration, property: "other")
            for (secret, mentioning) in [
                ("not-a-secret", "not carry"), (expired, "expired"), (foreign, "not carry"),
                (String(repeating: "x", count: 4000), "not carry"),
            ] {
                let answer = try await client.post(
                    "/v1/properties/demo/consents", json: #"{"action":"accept_all","policyVersion":1}"#,
                    [Self.scanHeader: secret])
                try expectError(answer, .badRequest, code: "invalid_scan_secret", mentioning: mentioning)
                let beacon = try await client.execute(
                    uri: "/v1/properties/demo/events", method: .post,
                    headers: [.contentType: "text/plain", Self.scanHeader: secret],
                    body: ByteBuffer(string: #"{"event":"banner_shown","policyVersion":1,"lang":"en"}"#))
                try expectError(beacon, .badRequest, code: "invalid_scan_secret")
            }
            #expect(try await TestServer.store(configuration).treeSize(log: 0) == 0)
        }
    }
}
