import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// Limits an attacker cannot turn against a requester: per-request caps on wrong codes and new codes (kept in the
/// store, so they hold whatever the clients and the servers), and opt-outs that no limit refuses.
@Suite("Privacy request limits")
struct RequestLimitRouteTests {
    static let clientHeader = HTTPField.Name("X-Test-Client")!

    /// A server that takes the client's address from a header, so that each call can come from another client.
    static func configuration() -> ServerConfiguration {
        var configuration = TestServer.configuration()
        configuration.clientHeader = "X-Test-Client"
        return configuration
    }

    static func from(_ client: Int) -> HTTPFields { [clientHeader: "203.0.113.\(client)"] }

    static func mails(to address: String, in configuration: ServerConfiguration) throws -> [String] {
        try Outbox.messages(in: configuration).filter { $0.contains(address) }
    }

    /// Files an access request; returns its status secret and id.
    static func fileAccess(_ client: some TestClientProtocol, email: String, from n: Int) async throws -> (
        String, String
    ) {
        let filed = try await client.post(
            "/v1/properties/demo/requests", json: #"{"type":"access","email":"\#(email)","details":{"name":"L"}}"#,
            from(n))
        #expect(filed.status == .accepted, "\(filed.text)")
        let body = try filed.json()
        let secret = String(try #require(body["statusUrl"]?.stringValue?.split(separator: "/").last))
        return (secret, try #require(body["id"]?.stringValue))
    }

    @Test func tenWrongCodesFromAnyClientsLockTheRequest() async throws {
        let configuration = Self.configuration()
        try await TestServer.withRouter(configuration) { client in
            let (secret, id) = try await Self.fileAccess(client, email: "lock@example.com", from: 1)
            var answers: [(HTTPResponse.Status, String)] = []
            for attempt in 0..<10 {
                if attempt == 5 {
                    // The first code is used up after five; a new one goes on counting for the request.
                    let resent = try await client.post(
                        "/v1/requests/status/\(secret)/code", json: "{}", Self.from(100))
                    #expect(resent.status == .accepted)
                }
                let wrong = try await client.post(
                    "/v1/requests/status/\(secret)/verify", json: #"{"code":"abcdef"}"#, Self.from(10 + attempt))
                answers.append((wrong.status, try wrong.json()["error"]?["code"]?.stringValue ?? ""))
                if attempt == 8 {
                    #expect(
                        try wrong.json()["error"]?["message"]?.stringValue?.contains("1 attempt(s) left") == true,
                        "the request's own count, not the code's")
                }
                if attempt == 9 {
                    #expect(try wrong.json()["error"]?["message"]?.stringValue?.contains("locked") == true)
                }
            }
            #expect(answers.allSatisfy { $0 == (.unprocessableContent, "wrong_code") })

            // Locked: even the right code is refused now, from a client that never tried before, and no new code
            // is sent.
            let code = try Outbox.code(sentTo: "lock@example.com", in: configuration)
            let right = try await client.post(
                "/v1/requests/status/\(secret)/verify", json: #"{"code":"\#(code)"}"#, Self.from(200))
            #expect(right.status == .conflict)
            #expect(try right.json()["error"]?["code"]?.stringValue == "request_locked")
            let mailsBefore = try Self.mails(to: "lock@example.com", in: configuration).count
            let resend = try await client.post("/v1/requests/status/\(secret)/code", json: "{}", Self.from(201))
            #expect(resend.status == .conflict)
            #expect(try resend.json()["error"]?["code"]?.stringValue == "request_locked")
            #expect(try Self.mails(to: "lock@example.com", in: configuration).count == mailsBefore)

            // The requester's view says so and how to start again.
            let status = try await client.get("/v1/requests/status/\(secret)").json()
            #expect(status["locked"] == .bool(true))
            #expect(status["awaitingCode"] == .bool(false))
            #expect(status["status"]?.stringValue == "received")
            #expect(status["newRequestUrl"]?.stringValue == "/privacy/demo/requests")
            let page = try await client.get("/privacy/demo/status/\(secret)?lang=en")
            #expect(page.status == .ok)
            #expect(page.text.contains("This request is locked"))
            #expect(page.text.contains(#"href="/privacy/demo/requests?lang=en""#))
            #expect(!page.text.contains(#"name="code""#), "no code form on a locked request")

            // A stored state: what a restarted server or another one reads.
            let stored = try #require(try await TestServer.store(configuration).request(id: id))
            #expect(stored.lockedAt != nil)
            let admin = try await RequestRouteTests.adminToken(configuration)
            let shown = try await client.get("/v1/admin/requests/\(id)", admin).json()
            #expect(shown["lockedAt"]?.stringValue != nil)
            let actions = shown["history"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            #expect(actions.filter { $0 == "code_failed" }.count == 10)
            #expect(actions.last == "locked")
        }
    }

    @Test func aSixthCodeIsRefusedWhateverTheClients() async throws {
        let configuration = Self.configuration()
        try await TestServer.withRouter(configuration) { client in
            let (secret, _) = try await Self.fileAccess(client, email: "codes@example.com", from: 1)
            for n in 0..<4 {
                let resent = try await client.post("/v1/requests/status/\(secret)/code", json: "{}", Self.from(10 + n))
                #expect(resent.status == .accepted, "code \(n + 2)")
            }
            #expect(try Self.mails(to: "codes@example.com", in: configuration).count == 5)
            let sixth = try await client.post("/v1/requests/status/\(secret)/code", json: "{}", Self.from(50))
            #expect(sixth.status == .conflict)
            #expect(try sixth.json()["error"]?["code"]?.stringValue == "request_locked")
            #expect(try Self.mails(to: "codes@example.com", in: configuration).count == 5, "no sixth code mailed")
            #expect(try await client.get("/v1/requests/status/\(secret)").json()["locked"] == .bool(true))
        }
    }

    @Test func anOptOutIsHonouredAfterAbusiveFilings() async throws {
        let configuration = Self.configuration()
        try await TestServer.withRouter(configuration) { client in
            let victim = "victim@example.com"
            // Someone files with the victim's address from many clients until the address is refused.
            var refused = false
            for n in 0..<6 {
                let filed = try await client.post(
                    "/v1/properties/demo/requests",
                    json: #"{"type":"access","email":"\#(victim)","details":{"name":"V"}}"#,
                    Self.from(10 + n))
                refused = refused || filed.status == .tooManyRequests
            }
            #expect(refused, "the per-address limit on other requests stays")
            for n in 0..<6 {
                let filed = try await client.post(
                    "/v1/properties/demo/requests", json: #"{"type":"opt_out_sale_sharing","email":"\#(victim)"}"#,
                    Self.from(10 + n))
                #expect(filed.status == .accepted)
            }
            // The owner's own opt-out, by the API and on the Do Not Sell page, is still honoured.
            let own = try await client.post(
                "/v1/properties/demo/requests", json: #"{"type":"opt_out_sale_sharing","email":"\#(victim)"}"#,
                Self.from(99))
            #expect(own.status == .accepted)
            #expect(try own.json()["status"]?.stringValue == "received")
            let token = try await DoNotSellRouteTests.csrf(client)
            var headers: HTTPFields = [
                .contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(token)",
            ]
            headers[Self.clientHeader] = "203.0.113.99"
            let page = try await client.execute(
                uri: "/privacy/demo/do-not-sell", method: .post, headers: headers,
                body: .init(string: "csrf=\(token)&email=victim%40example.com"))
            #expect(page.status == .seeOther)
            #expect(page.headers[.location]?.contains("/privacy/demo/status/") == true)

            let store = try TestServer.store(configuration)
            let key = try await store.secret(property: "demo", kind: "suppression", candidate: [0])
            let hash = try #require(EmailAddress(victim)).suppressionHash(secret: key)
            #expect(try await store.suppressed(property: "demo", hashes: [hash]) == [hash])
            // Three access filings were mailed, then one opt-out; the rest were recorded without mail.
            #expect(try Self.mails(to: victim, in: configuration).count == 4)
        }
    }

    @Test func aRepeatedOptOutIsAnsweredTheSameAndMailsNothingMore() async throws {
        let configuration = Self.configuration()
        try await TestServer.withRouter(configuration) { client in
            var answers: [(HTTPResponse.Status, [String])] = []
            var ids: [String] = []
            for n in 0..<3 {
                let filed = try await client.post(
                    "/v1/properties/demo/requests", json: #"{"type":"opt_out_lists","email":"again@example.com"}"#,
                    Self.from(n))
                let body = try filed.json()
                answers.append((filed.status, body.objectValue?.map(\.0) ?? []))
                ids.append(try #require(body["id"]?.stringValue))
            }
            #expect(answers.allSatisfy { $0.0 == .accepted && $0.1 == answers[0].1 })
            #expect(try Self.mails(to: "again@example.com", in: configuration).count == 1)
            let admin = try await RequestRouteTests.adminToken(configuration)
            let later = try await client.get("/v1/admin/requests/\(ids[2])", admin).json()
            let last = later["history"]?.arrayValue?.last
            #expect(last?["action"]?.stringValue == "mail_withheld")
            #expect(last?["note"]?.stringValue?.contains("suppression list") == true)
        }
    }
}
