import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import AssentServer

/// Privacy requests through HTTP, with the mail read back from the outbox the server writes to when no SMTP
/// server is configured.
@Suite("Privacy request routes")
struct RequestRouteTests {
    static func adminToken(_ configuration: ServerConfiguration) async throws -> HTTPFields {
        let store = try TestServer.store(configuration)
        let secret = try await APITokens.create(store: store, scope: .admin, property: nil, label: "t", now: 1).secret
        return [.authorization: "Bearer " + secret, .contentType: "application/json"]
    }

    @Test func accessRequestFromFilingToCompletion() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let filed = try await client.post(
                "/v1/properties/demo/requests",
                json: #"{"type":"access","email":"Ana@Example.com","details":{"name":"Ana Ruiz"}}"#,
                [.regionHeader: "US-CA"])
            #expect(filed.status == .accepted)
            let body = try filed.json()
            #expect(body["status"]?.stringValue == "received")
            #expect(body["law"]?.stringValue == "ccpa")
            #expect(body["awaitingCode"]?.boolValue == true)
            let received = try #require(body["receivedAt"]?.stringValue)
            let day = try #require(CivilDate(received.prefix(10)))
            #expect(body["respondBy"]?.stringValue == day.adding(days: 45).description)
            let secret = String(try #require(body["statusUrl"]?.stringValue).split(separator: "/").last!)
            let id = try #require(body["id"]?.stringValue)

            let status = try await client.get("/v1/requests/status/\(secret)")
            #expect(status.status == .ok)
            #expect(try status.json()["email"] == nil, "the requester's view carries no address")

            let wrong = try await client.post("/v1/requests/status/\(secret)/verify", json: #"{"code":"abcdef"}"#)
            #expect(wrong.status == .unprocessableContent)
            #expect(try wrong.json()["error"]?["message"]?.stringValue?.contains("4 attempt(s) left") == true)

            let code = try Outbox.code(sentTo: "ana@example.com", in: configuration)
            let verified = try await client.post("/v1/requests/status/\(secret)/verify", json: #"{"code":"\#(code)"}"#)
            #expect(verified.status == .ok)
            #expect(try verified.json()["status"]?.stringValue == "verified")
            let again = try await client.post("/v1/requests/status/\(secret)/verify", json: #"{"code":"\#(code)"}"#)
            #expect(again.status == .conflict, "a used code does not verify twice")

            let admin = try await Self.adminToken(configuration)
            for next in ["in_progress", "completed"] {
                let moved = try await client.post(
                    "/v1/admin/requests/\(id)/status", json: #"{"status":"\#(next)"}"#, admin)
                #expect(moved.status == .ok, "\(moved.text)")
            }
            let closed = try await client.get("/v1/requests/status/\(secret)")
            #expect(try closed.json()["status"]?.stringValue == "completed")

            let shown = try await client.get("/v1/admin/requests/\(id)", admin)
            let history = try #require(try shown.json()["history"]?.arrayValue)
            #expect(
                history.compactMap { $0["action"]?.stringValue } == [
                    "created", "code_failed", "verified", "status", "status",
                ])
            #expect(history.last?["actor"]?.stringValue?.hasPrefix("admin:") == true)
            #expect(try shown.json()["email"]?.stringValue == "ana@example.com")
            let mails = try Outbox.messages(in: configuration).filter { $0.contains("ana@example.com") }
            #expect(mails.count == 2, "the code, then the completion")
            #expect(mails.last?.contains("Your request is complete") == true)
        }
    }

    @Test func theAnswerNeverTellsWhetherAnAddressIsKnown() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            func file(_ email: String) async throws -> (HTTPResponse.Status, [String]) {
                let response = try await client.post(
                    "/v1/properties/demo/requests", json: #"{"type":"opt_out_lists","email":"\#(email)"}"#)
                return (response.status, try response.json().objectValue?.map(\.0) ?? [])
            }
            let first = try await file("known@example.com")
            let repeated = try await file("known@example.com")
            let fresh = try await file("stranger@example.com")
            #expect(first.0 == .accepted)
            #expect(repeated.0 == first.0 && fresh.0 == first.0)
            #expect(repeated.1 == first.1 && fresh.1 == first.1)
        }
    }

    @Test func optingOutByAddressReachesTheSuppressionList() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let filed = try await client.post(
                "/v1/properties/demo/requests", json: #"{"type":"opt_out_sale_sharing","email":" Bo@Example.com "}"#)
            #expect(filed.status == .accepted)
            #expect(try filed.json()["awaitingCode"]?.boolValue == false, "an opt-out needs no code")
            let store = try TestServer.store(configuration)
            let secret = try await store.secret(property: "demo", kind: "suppression", candidate: [0])
            let hash = try #require(EmailAddress("bo@example.com")).suppressionHash(secret: secret)
            let other = try #require(EmailAddress("cy@example.com")).suppressionHash(secret: secret)
            let key = try await APITokens.create(
                store: store, scope: .suppression, property: "demo", label: "crm", now: 1
            ).secret
            let auth: HTTPFields = [.authorization: "Bearer " + key]

            let one = try await client.get("/v1/properties/demo/suppression/\(hash)", auth)
            #expect(one.status == .ok)
            #expect(try one.json()["suppressed"]?.boolValue == true)
            #expect(
                try await client.get("/v1/properties/demo/suppression/\(other)", auth).json()["suppressed"]
                    == .bool(false))

            let bulk = try await client.post(
                "/v1/properties/demo/suppression", json: #"{"hashes":["\#(other)","\#(hash)"]}"#, auth)
            #expect(try bulk.json()["suppressed"]?.arrayValue == [.string(hash)])
            let tooMany = "[" + Array(repeating: "\"\(other)\"", count: 10_001).joined(separator: ",") + "]"
            let refused = try await client.post(
                "/v1/properties/demo/suppression", json: #"{"hashes":\#(tooMany)}"#, auth)
            #expect(refused.status == .badRequest)

            // The key opens nothing else.
            #expect(try await client.get("/v1/admin/properties/demo/requests", auth).status == .forbidden)
            #expect(try await client.get("/v1/properties/demo/suppression/\(hash)").status == .unauthorized)
        }
    }

    @Test func gdprRequestsAreDueInAMonthAndExtendOnce() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let filed = try await client.post(
                "/v1/properties/demo/requests",
                json: #"{"type":"delete","email":"eu@example.com","details":{"name":"E U"}}"#, [.regionHeader: "FR"])
            let body = try filed.json()
            #expect(body["law"]?.stringValue == "gdpr")
            let receivedAt = try #require(body["receivedAt"]?.stringValue)
            let day = try #require(CivilDate(receivedAt.prefix(10)))
            #expect(
                body["respondBy"]?.stringValue == BusinessCalendar().onOrAfter(day.adding(months: 1)).description)
            let id = try #require(body["id"]?.stringValue)
            let admin = try await Self.adminToken(configuration)
            let noReason = try await client.post("/v1/admin/requests/\(id)/extend", json: #"{"reason":" "}"#, admin)
            #expect(noReason.status == .conflict)
            let tooLong = try await client.post(
                "/v1/admin/requests/\(id)/extend", json: #"{"reason":"\#(String(repeating: "x", count: 2001))"}"#, admin
            )
            try expectError(tooLong, .badRequest, code: "invalid_request")
            let extended = try await client.post(
                "/v1/admin/requests/\(id)/extend", json: #"{"reason":"backups to search"}"#, admin)
            #expect(extended.status == .ok)
            #expect(
                try extended.json()["respondBy"]?.stringValue
                    == BusinessCalendar().onOrAfter(
                        BusinessCalendar().onOrAfter(day.adding(months: 1)).adding(days: 45)
                    ).description)
            let mails = try Outbox.messages(in: configuration).filter { $0.contains("eu@example.com") }
            #expect(mails.last?.contains("backups to search") == true, "the requester is told why")
            #expect(
                try await client.post("/v1/admin/requests/\(id)/extend", json: #"{"reason":"again"}"#, admin).status
                    == .conflict)
        }
    }
}

@Suite("Do Not Sell page")
struct DoNotSellRouteTests {
    /// The CSRF cookie and token the form page hands out.
    static func csrf(_ client: some TestClientProtocol) async throws -> String {
        let page = try await client.get("/privacy/demo/do-not-sell")
        #expect(page.status == .ok)
        let cookie = try #require(page.headers[.setCookie])
        return String(try #require(cookie.split(separator: ";").first?.split(separator: "=").last))
    }

    static func decision(fromSetCookie header: String) throws -> JSONValue {
        let value = try #require(header.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last)
        return try JSONParser.parse(Array(try #require(String(value).removingPercentEncoding).utf8))
    }

    @Test func optsThisBrowserOutKeepingItsOtherChoices() async throws {
        try await TestServer.withRouter { client in
            let earlier = try await client.recordDecision(#"{"action":"accept_all","policyVersion":1}"#)
            let subject = try #require(earlier["subject"]?.stringValue)
            let widgetCookie = try #require(
                #"{"s":"\#(subject)","c":{"functional":1,"performance":1,"targeting":1,"social":1,"sale":1},"v":1,"t":1,"e":9999999999,"g":0}"#
                    .addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let token = try await Self.csrf(client)
            let answer = try await client.execute(
                uri: "/privacy/demo/do-not-sell", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded",
                    .cookie: "assent_csrf=\(token); assent_demo=\(widgetCookie)",
                ], body: ByteBuffer(string: "csrf=\(token)"))
            #expect(answer.status == .seeOther)
            #expect(answer.headers[.location]?.hasPrefix("/privacy/demo/do-not-sell?done=1") == true)
            let cookie = try Self.decision(fromSetCookie: try #require(answer.headers[.setCookie]))
            #expect(cookie["s"]?.stringValue == subject, "the same browser, the same subject")
            let latest = try await client.get("/v1/properties/demo/subjects/\(subject)").json()
            #expect(latest["choices"]?["sale"] == .bool(false))
            #expect(latest["choices"]?["targeting"] == .bool(false))
            #expect(latest["choices"]?["functional"] == .bool(true), "other choices stay as they were")
            #expect(latest["choices"]?["performance"] == .bool(true))
            #expect(cookie["c"]?["sale"] == .int(0) && cookie["c"]?["functional"] == .int(1))
        }
    }

    @Test func withoutACookieANewSubjectAndWithAnAddressARequest() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let token = try await Self.csrf(client)
            let answer = try await client.execute(
                uri: "/privacy/demo/do-not-sell", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(token)"],
                body: ByteBuffer(string: "csrf=\(token)&email=dns%40example.com"))
            #expect(answer.status == .seeOther)
            #expect(answer.headers[.location]?.contains("/privacy/demo/status/") == true)
            let cookie = try Self.decision(fromSetCookie: try #require(answer.headers[.setCookie]))
            let subject = try #require(cookie["s"]?.stringValue)
            let latest = try await client.get("/v1/properties/demo/subjects/\(subject)").json()
            #expect(latest["choices"]?["sale"] == .bool(false))
            #expect(try Outbox.messages(in: configuration).contains { $0.contains("dns@example.com") })

            let forged = try await client.execute(
                uri: "/privacy/demo/do-not-sell", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "csrf=x"))
            #expect(forged.status == .forbidden, "no CSRF cookie, no opt-out recorded")
        }
    }
}

@Suite("Subject export")
struct SubjectExportTests {
    @Test func anAccessRequestFindsTheBrowsersDecisionsWithReceipts() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let decision = try await client.recordDecision(#"{"action":"reject_all","policyVersion":1}"#)
            let subject = try #require(decision["subject"]?.stringValue)
            let filed = try await client.post(
                "/v1/properties/demo/requests",
                json: #"{"type":"access","email":"ex@example.com","details":{"name":"Ex"},"subject":"\#(subject)"}"#)
            #expect(filed.status == .accepted)
            let admin = try await RequestRouteTests.adminToken(configuration)
            let export = try await client.get("/v1/admin/properties/demo/export?email=EX%40example.com", admin)
            #expect(export.status == .ok)
            let body = try export.json()
            #expect(body["subjects"]?.arrayValue == [.string(subject)], "the request's browser is followed")
            let decisions = try #require(body["decisions"]?.arrayValue)
            #expect(decisions.count == 1)
            #expect(decisions.first?["id"] == decision["id"])
            let receipt = try #require(decisions.first?["receipt"])
            let verified = try await client.post("/v1/receipts/verify", json: receipt.compactString)
            #expect(try verified.json()["valid"] == .bool(true), "the exported receipt verifies")
            #expect(body["requests"]?.arrayValue?.count == 1)
            #expect(body["suppressed"] == .bool(false))
            let none = try await client.get("/v1/admin/properties/demo/export?email=nobody%40example.com", admin)
            #expect(try none.json()["requests"]?.arrayValue == [])
        }
    }
}

@Suite("Address retention")
struct RetentionTests {
    @Test func addressesOfRequestsClosedLongerAgoThanTheRetentionAreErased() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            var ids: [String] = []
            for address in ["old@example.com", "open@example.com"] {
                let filed = try await client.post(
                    "/v1/properties/demo/requests", json: #"{"type":"opt_out_lists","email":"\#(address)"}"#)
                ids.append(try #require(try filed.json()["id"]?.stringValue))
            }
            for status in ["in_progress", "completed"] {
                _ = try await client.post(
                    "/v1/admin/requests/\(ids[0])/status", json: #"{"status":"\#(status)"}"#, admin)
            }
            let store = try TestServer.store(configuration)
            let now = ConsentService.now()
            let service = RetentionService(
                store: store, days: 30, logger: Logger(label: "test"), clock: { now + 31 * 86_400_000 })
            #expect(await service.eraseDue() == 1)
            let closed = try await client.get("/v1/admin/requests/\(ids[0])", admin).json()
            #expect(closed["email"] == .null)
            #expect(closed["history"]?.arrayValue?.last?["action"]?.stringValue == "email_erased")
            let open = try await client.get("/v1/admin/requests/\(ids[1])", admin).json()
            #expect(open["email"]?.stringValue == "open@example.com", "an open request keeps its address")
            let early = RetentionService(store: store, days: 30, logger: Logger(label: "test"), clock: { now })
            #expect(await early.eraseDue() == 0)
        }
    }
}
