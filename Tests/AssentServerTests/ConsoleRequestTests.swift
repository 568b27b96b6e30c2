import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// The console's privacy requests and consent records, through the real router and store: the queue, a
/// request's page and every action, each role's allowed and refused actions, the admin JSON routes with a console
/// session, and the records page's verified receipts.
@Suite("Console requests and records")
struct ConsoleRequestTests {
    static let password = ConsoleRouteTests.password

    /// Files a request through the public API; answers its id.
    static func file(
        _ client: some TestClientProtocol, type: String = "access", email: String = "ana@example.com",
        property: String = "demo", region: String = "US-CA", subject: String? = nil
    ) async throws -> String {
        let subjectMember = subject.map { #","subject":"\#($0)""# } ?? ""
        // Opt-outs take no details.
        let details = type.hasPrefix("opt_out") ? "{}" : #"{"name":"Ana Ruiz"}"#
        let filed = try await client.post(
            "/v1/properties/\(property)/requests",
            json: #"{"type":"\#(type)","email":"\#(email)","details":\#(details)\#(subjectMember)}"#,
            [.regionHeader: region])
        #expect(filed.status == .accepted, "\(filed.text)")
        return try #require(try filed.json()["id"]?.stringValue)
    }

    static func signedIn(
        _ client: some TestClientProtocol, _ configuration: ServerConfiguration, _ email: String, _ role: AccountRole,
        properties: [String]? = nil
    ) async throws -> ConsoleBrowser {
        try await ConsoleRouteTests.account(configuration, email, role, properties: properties)
        var browser = ConsoleBrowser()
        #expect(try await browser.signIn(client, email, password).status == .seeOther)
        return browser
    }

    /// A request received long ago, written straight to the store: overdue today.
    static func overdueRequest(_ configuration: ServerConfiguration, id: String) async throws {
        let received = ConsentService.now() - 200 * Timestamp.millisecondsPerDay
        let request = PrivacyRequest(
            id: id, property: "demo", type: .delete, law: .ccpa, region: "US-CA", lang: "en",
            email: "old@example.com", emailHash: String(repeating: "a", count: 64), receivedAt: received,
            deadlines: RequestDeadlines(
                received: CivilDate(milliseconds: received), type: .delete, law: .ccpa, calendar: BusinessCalendar()),
            statusTokenHash: Secrets.sha256Hex(id))
        try await TestServer.store(configuration).createRequest(
            request,
            event: RequestEvent(requestID: id, at: received, actor: "requester", action: "created", to: .received),
            challenge: nil, suppression: nil, webhook: nil)
    }

    @Test func aPrivacyOfficerWorksAnAccessRequestFromReceivedToCompleted() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let id = try await Self.file(client)
            var officer = try await Self.signedIn(client, configuration, "pat@example.org", .privacy)
            let queue = try await officer.get(client, "/admin/requests")
            #expect(queue.status == .ok)
            #expect(queue.text.contains("/admin/requests/\(id)"))
            #expect(queue.text.contains("ana@example.com"))
            #expect(queue.text.contains("45 days left"))

            let page = try await officer.get(client, "/admin/requests/\(id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("Ana Ruiz") && page.text.contains("ana@example.com"))
            #expect(page.text.contains("action=\"/admin/requests/\(id)/verify\""))
            #expect(!page.text.contains("action=\"/admin/requests/\(id)/complete\""), "not verified: no completing")

            let noReason = try await officer.post(client, "/admin/requests/\(id)/verify", [("reason", "  ")])
            #expect(noReason.status == .badRequest)
            #expect(ConsoleRouteTests.errorText(noReason) == "Give a reason.")
            // A reason too long for the requester's mail comes back in its own form, to be shortened.
            let long = String(repeating: "checked ", count: 251)
            let tooLong = try await officer.post(client, "/admin/requests/\(id)/verify", [("reason", long)])
            #expect(tooLong.status == .badRequest)
            #expect(ConsoleRouteTests.errorText(tooLong)?.hasPrefix("The reason is too long") == true)
            #expect(tooLong.text.contains("id=\"verify-reason\" name=\"reason\" type=\"text\" value=\"\(long)\""))
            #expect(tooLong.text.contains("id=\"deny-reason\" name=\"reason\" type=\"text\" value=\"\""))
            let verified = try await officer.post(
                client, "/admin/requests/\(id)/verify", [("reason", "Called her back on the phone on file")])
            #expect(verified.status == .seeOther)
            #expect(verified.headers[.location] == "/admin/requests/\(id)?done=verified")
            #expect(try await officer.post(client, "/admin/requests/\(id)/start").status == .seeOther)
            #expect(try await officer.post(client, "/admin/requests/\(id)/export").status == .seeOther)
            let download = try await officer.get(client, "/admin/requests/\(id)/export")
            #expect(download.status == .ok)
            #expect(download.headers[.contentDisposition]?.contains("attachment") == true)
            #expect(try download.json()["requests"]?.arrayValue?.count == 1)
            #expect(try await officer.post(client, "/admin/requests/\(id)/complete").status == .seeOther)

            let done = try await officer.get(client, "/admin/requests/\(id)")
            #expect(done.text.contains("Completed"))
            #expect(!done.text.contains("action=\"/admin/requests/\(id)/deny\""), "a closed request has no actions")
            let store = try TestServer.store(configuration)
            let events = try await store.requestEvents(requestID: id)
            #expect(events.map(\.action) == ["created", "verified", "status", "export_attached", "status"])
            let account = try #require(try await store.account(email: "pat@example.org"))
            #expect(events.dropFirst().allSatisfy { $0.actor == "account:" + account.id })
            #expect(events[1].note == "by hand: Called her back on the phone on file")
            // The history names the person, not the id.
            #expect(done.text.contains("<td>pat@example.org</td>"))
            let audited = try await store.auditEvents(AuditFilter(property: "demo")).map(\.action)
            for action in ["request.verify", "request.status", "request.export", "request.export_download"] {
                #expect(audited.contains(action), "\(action) in the audit log")
            }
            let mails = try Outbox.messages(in: configuration).filter { $0.contains("ana@example.com") }
            #expect(mails.last?.contains("Your request is complete") == true)
            #expect(try await officer.post(client, "/admin/requests/\(id)/complete").status == .conflict)
        }
    }

    @Test func denyingAndExtendingNeedAReasonTheRequesterIsMailed() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let id = try await Self.file(client, type: "delete", email: "bo@example.com")
            var owner = try await Self.signedIn(client, configuration, "owner@example.org", .owner)
            let bare = try await owner.post(client, "/admin/requests/\(id)/deny")
            #expect(bare.status == .badRequest)
            #expect(try await owner.post(client, "/admin/requests/\(id)/extend").status == .badRequest)
            let extended = try await owner.post(
                client, "/admin/requests/\(id)/extend", [("reason", "We hold records in three systems")])
            #expect(extended.status == .seeOther)
            let page = try await owner.get(client, "/admin/requests/\(id)?done=extended")
            #expect(page.text.contains("The deadline was extended"))
            #expect(!page.text.contains("action=\"/admin/requests/\(id)/extend\""), "only one extension")
            #expect(
                try await owner.post(client, "/admin/requests/\(id)/extend", [("reason", "again")]).status == .conflict)
            let denied = try await owner.post(
                client, "/admin/requests/\(id)/deny", [("reason", "We hold no data about this address")])
            #expect(denied.status == .seeOther)
            let mails = try Outbox.messages(in: configuration).filter { $0.contains("bo@example.com") }
            #expect(mails.contains { $0.contains("We hold records in three systems") })
            #expect(mails.last?.contains("We hold no data about this address") == true)
        }
    }

    @Test func theQueueFiltersSortsByDeadlineAndMarksOverdueRequestsInWords() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let access = try await Self.file(client, type: "access", email: "a@example.com")
            let optOut = try await Self.file(client, type: "opt_out_sale_sharing", email: "b@example.com")
            try await Self.overdueRequest(configuration, id: "0190-0000-old")
            var officer = try await Self.signedIn(client, configuration, "pat@example.org", .privacy)
            let queue = try await officer.get(client, "/admin/requests").text
            let positions = ["0190-0000-old", optOut, access].map {
                queue.range(of: "/admin/requests/\($0)\"")?.lowerBound
            }
            #expect(positions.allSatisfy { $0 != nil })
            #expect(positions[0]! < positions[1]! && positions[1]! < positions[2]!, "the soonest deadline first")
            #expect(queue.contains("<strong class=\"overdue\">Overdue by"))
            let overdue = try await officer.get(client, "/admin/requests?overdue=1").text
            #expect(overdue.contains("0190-0000-old") && !overdue.contains(access) && !overdue.contains(optOut))
            let deletions = try await officer.get(client, "/admin/requests?type=access&status=all").text
            #expect(deletions.contains(access) && !deletions.contains(optOut) && !deletions.contains("0190-0000-old"))
            let spanish = try await officer.get(client, "/admin/requests?lang=es").text
            #expect(spanish.contains("Vencida hace"))
        }
    }

    @Test func theQueueIsPaged() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            for n in 0..<(ConsoleController<AssentRequestContext>.requestPageSize + 1) {
                try await Self.overdueRequest(configuration, id: String(format: "0190-0000-%03d", n))
            }
            var officer = try await Self.signedIn(client, configuration, "pat@example.org", .privacy)
            let first = try await officer.get(client, "/admin/requests").text
            #expect(first.contains("0190-0000-000") && !first.contains("0190-0000-050\""))
            #expect(first.contains("rel=\"next\""))
            let second = try await officer.get(client, "/admin/requests?status=open&page=2").text
            #expect(second.contains("/admin/requests/0190-0000-050\"") && second.contains("rel=\"prev\""))
            #expect(!second.contains("rel=\"next\""))
        }
    }

    @Test func viewersAndEditorsAreRefusedAndLimitedAccountsSeeOnlyTheirProperties() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let id = try await Self.file(client)
            for role in [AccountRole.viewer, .editor] {
                var browser = try await Self.signedIn(client, configuration, "\(role.rawValue)@example.org", role)
                #expect(try await browser.get(client, "/admin/requests").status == .forbidden)
                #expect(try await browser.get(client, "/admin/requests/\(id)").status == .forbidden)
                #expect(try await browser.get(client, "/admin/records").status == .forbidden)
                let refused = try await browser.post(client, "/admin/requests/\(id)/verify", [("reason", "x")])
                #expect(refused.status == .forbidden)
                let nav = try await browser.get(client, "/admin/").text
                #expect(!nav.contains("href=\"/admin/requests\""))
            }
            var elsewhere = try await Self.signedIn(
                client, configuration, "shop@example.org", .privacy, properties: ["shop"])
            #expect(!(try await elsewhere.get(client, "/admin/requests").text.contains(id)))
            #expect(try await elsewhere.get(client, "/admin/requests/\(id)").status == .forbidden)
            #expect(try await elsewhere.get(client, "/admin/requests?property=demo").status == .forbidden)
            #expect(try await elsewhere.post(client, "/admin/requests/\(id)/start").status == .forbidden)
            var mine = try await Self.signedIn(
                client, configuration, "demo@example.org", .privacy, properties: ["demo"])
            #expect(try await mine.get(client, "/admin/requests").text.contains(id))
            #expect(try await mine.get(client, "/admin/requests/nope").status == .notFound)
            #expect(
                try await TestServer.store(configuration).requestEvents(requestID: id).count == 1, "nothing changed")
        }
    }

    @Test func theAdminJSONRoutesTakeAConsoleSessionByRoleAndAuditTokens() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let id = try await Self.file(client)
            let officer = try await Self.signedIn(client, configuration, "pat@example.org", .privacy)
            let viewer = try await Self.signedIn(client, configuration, "vi@example.org", .viewer)
            let json: HTTPFields = [.contentType: "application/json"]
            func session(_ browser: ConsoleBrowser, origin: String? = nil) -> HTTPFields {
                var headers = json
                headers[.cookie] = browser.cookieHeader
                if let origin { headers[.origin] = origin }
                return headers
            }
            #expect(try await client.get("/v1/admin/requests/\(id)", session(officer)).status == .ok)
            #expect(try await client.get("/v1/admin/properties/demo/requests", session(officer)).status == .ok)
            #expect(try await client.get("/v1/admin/requests/\(id)", session(viewer)).status == .forbidden)
            #expect(try await client.get("/v1/admin/properties/demo/requests", session(viewer)).status == .forbidden)
            #expect(try await client.get("/v1/admin/requests/\(id)").status == .unauthorized)
            let foreign = try await client.post(
                "/v1/admin/requests/\(id)/verify", json: #"{"reason":"x"}"#,
                session(officer, origin: "https://evil.example"))
            #expect(foreign.status == .forbidden)
            let noReason = try await client.post(
                "/v1/admin/requests/\(id)/verify", json: #"{}"#, session(officer))
            #expect(noReason.status == .badRequest)
            let verified = try await client.post(
                "/v1/admin/requests/\(id)/verify", json: #"{"reason":"ID card shown at the desk"}"#,
                session(officer))
            #expect(verified.status == .ok, "\(verified.text)")
            #expect(try verified.json()["status"]?.stringValue == "verified")
            let twice = try await client.post(
                "/v1/admin/requests/\(id)/verify", json: #"{"reason":"again"}"#,
                session(officer))
            #expect(twice.status == .conflict)

            let admin = try await RequestRouteTests.adminToken(configuration)
            let started = try await client.post(
                "/v1/admin/requests/\(id)/status", json: #"{"status":"in_progress"}"#, admin)
            #expect(started.status == .ok)
            let store = try TestServer.store(configuration)
            let audit = try await store.auditEvents(AuditFilter(property: "demo"))
            #expect(audit.contains { $0.action == "request.verify" && $0.actor.hasPrefix("account:") })
            #expect(audit.contains { $0.action == "request.status" && $0.actor.hasPrefix("token:") })
            #expect(try await store.requestEvents(requestID: id).last?.actor.hasPrefix("admin:") == true)

            // By deadline, paged by offset.
            _ = try await Self.file(client, type: "opt_out_sale_sharing", email: "b@example.com")
            let sorted = try await client.get("/v1/admin/properties/demo/requests?sort=deadline&limit=1", admin)
            #expect(try sorted.json()["requests"]?.arrayValue?.first?["type"]?.stringValue == "opt_out_sale_sharing")
            #expect(try sorted.json()["next"]?.stringValue == "1")
            let next = try await client.get("/v1/admin/properties/demo/requests?sort=deadline&offset=1", admin)
            #expect(try next.json()["requests"]?.arrayValue?.first?["id"]?.stringValue == id)
            #expect(try await client.get("/v1/admin/properties/demo/requests?sort=size", admin).status == .badRequest)
        }
    }

    @Test func theRecordsPageVerifiesEachReceiptAndAuditsTheLookup() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let decision = try await client.recordDecision(
                #"{"action":"reject_all","policyVersion":1}"#, [.regionHeader: "US-CA"])
            let record = try #require(decision["id"]?.stringValue)
            let subject = try #require(decision["subject"]?.stringValue)
            var officer = try await Self.signedIn(client, configuration, "pat@example.org", .privacy)
            let empty = try await officer.get(client, "/admin/records")
            #expect(empty.status == .ok && empty.text.contains("name=\"subject\""))
            let byID = try await officer.get(client, "/admin/records?record=\(record)")
            #expect(byID.status == .ok)
            #expect(byID.text.contains("Verified: the signature is valid"))
            #expect(byID.text.contains("Reject all"))
            let bySubject = try await officer.get(client, "/admin/records?property=demo&subject=\(subject)&lang=es")
            #expect(bySubject.text.contains("Verificado: la firma es válida"))
            #expect(bySubject.text.contains(record))
            let bad = try await officer.get(client, "/admin/records?property=demo&subject=not-a-subject")
            #expect(bad.status == .badRequest)
            let unknown = try await officer.get(client, "/admin/records?record=\(UUID().uuidString.lowercased())")
            #expect(unknown.status == .notFound)
            let lookups = try await TestServer.store(configuration).auditEvents(
                AuditFilter(action: "records.lookup"))
            #expect(lookups.map(\.target).sorted() == ["record " + record, "subject " + subject])
            var limited = try await Self.signedIn(
                client, configuration, "shop@example.org", .privacy, properties: ["shop"])
            #expect(try await limited.get(client, "/admin/records?record=\(record)").status == .forbidden)
        }
    }
}
