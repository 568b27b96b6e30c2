import AssentCore
import AssentSQLite
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// The form pages' CSRF tokens are the server's own, the headers every answer carries, and who may read
/// `/metrics`.
@Suite("Hardening")
struct HardeningRouteTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The token the do-not-sell page hands out, and the whole Set-Cookie line it came in.
    static func issued(_ client: some TestClientProtocol, _ headers: HTTPFields = [:]) async throws
        -> (token: String, setCookie: String)
    {
        let page = try await client.get("/privacy/demo/do-not-sell", headers)
        #expect(page.status == .ok)
        let cookie = try #require(page.headers[.setCookie])
        let token = String(try #require(cookie.split(separator: ";").first?.split(separator: "=").last))
        return (token, cookie)
    }

    static func post(_ client: some TestClientProtocol, token: String, extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = form
        headers[.cookie] = "assent_csrf=\(token)"
        for field in extra { headers[field.name] = field.value }
        return try await client.execute(
            uri: "/privacy/demo/do-not-sell", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(token)")
        )
    }

    @Test func aTokenTheServerDidNotIssueIsRefusedEvenWhenCookieAndFieldMatch() async throws {
        try await TestServer.withRouter { client in
            let made = Base64URL.encode((0..<32).map { UInt8($0) })
            let forged = try await Self.post(client, token: made)
            #expect(forged.status == .forbidden)
            #expect(forged.text.contains("csrf"))
            let (token, _) = try await Self.issued(client)
            #expect(try await Self.post(client, token: token).status == .seeOther)
        }
    }

    @Test func anotherServersTokenIsRefused() async throws {
        let other = try await TestServer.withRouter { client in try await Self.issued(client).token }
        try await TestServer.withRouter { client in
            let answer = try await Self.post(client, token: other)
            #expect(answer.status == .forbidden)
        }
    }

    @Test func aPostFromAnotherOriginIsRefused() async throws {
        var configuration = TestServer.configuration()
        configuration.publicURL = "http://consent.example"
        try await TestServer.withRouter(configuration) { client in
            let (token, _) = try await Self.issued(client)
            let ours = try await Self.post(client, token: token, extra: [.origin: "http://consent.example"])
            #expect(ours.status == .seeOther, "the public origin is this server's")
            let evil = try await Self.post(client, token: token, extra: [.origin: "https://evil.example"])
            #expect(evil.status == .forbidden)
            let opaque = try await Self.post(client, token: token, extra: [.origin: "null"])
            #expect(opaque.status == .forbidden)
            let referred = try await Self.post(
                client, token: token, extra: [.referer: "https://evil.example/page"])
            #expect(referred.status == .forbidden)
            let ourPage = try await Self.post(
                client, token: token, extra: [.referer: "http://consent.example/privacy/demo/do-not-sell"])
            #expect(ourPage.status == .seeOther)
        }
    }

    /// A person whose form expired (no cookie, here) gets the form again in their language, with what they typed,
    /// nothing filed, and a token that works; a form another site posted is shown empty.
    @Test func anExpiredFormComesBackAsThePageWithWhatWasTyped() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let body = "csrf=stale&type=access&email=ana%40example.com&name=Ana+Ruiz"
            let expired = try await client.execute(
                uri: "/privacy/demo/requests?lang=es", method: .post, headers: Self.form, body: ByteBuffer(string: body)
            )
            #expect(expired.status == .forbidden)
            #expect(expired.headers[.contentType]?.hasPrefix("text/html") == true)
            let texts = try TextCatalogue()
            #expect(expired.text.contains(TextCatalogueTests.escaped(texts.text("privacy", "error.csrf", "es"))))
            #expect(expired.text.contains("value=\"ana@example.com\""), "what was typed is kept")
            let outbox = TransportMailer.outboxDirectory(configuration)
            #expect(!FileManager.default.fileExists(atPath: outbox), "nothing was filed, so nothing was mailed")
            // The page's new token files the request.
            let token = try TextCatalogueTests.csrf(expired)
            #expect(expired.text.contains("name=\"csrf\" value=\"\(token)\""))
            let again = try await client.execute(
                uri: "/privacy/demo/requests?lang=es", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(token)"],
                body: ByteBuffer(string: body.replacingOccurrences(of: "csrf=stale", with: "csrf=\(token)")))
            #expect(again.status == .seeOther)

            // Posted by another site with a valid cookie: refused, and the form comes back empty.
            let evil = try await client.execute(
                uri: "/privacy/demo/requests", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(token)",
                    .origin: "https://evil.example",
                ],
                body: ByteBuffer(string: body.replacingOccurrences(of: "csrf=stale", with: "csrf=\(token)")))
            #expect(evil.status == .forbidden)
            #expect(evil.text.contains(TextCatalogueTests.escaped(texts.text("privacy", "error.csrf", "en"))))
            #expect(!evil.text.contains("ana@example.com"))

            // The do-not-sell form answers the same way.
            let dns = try await client.execute(
                uri: "/privacy/demo/do-not-sell", method: .post, headers: Self.form, body: ByteBuffer(string: "csrf=x"))
            #expect(dns.status == .forbidden && dns.text.contains("<form"))
        }
    }

    @Test func tokensAgeOutAfterADay() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-csrf-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { TestServer.removeDirectory(directory.path) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path)
        let tokens = CSRFTokens(store: store)
        let now: Int64 = 1_800_000_000_000
        let token = try await tokens.issue(now: now)
        #expect(try await tokens.isValid(token, now: now))
        #expect(try await tokens.isValid(token, now: now + CSRFTokens.lifetime - 1))
        #expect(try await !tokens.isValid(token, now: now + CSRFTokens.lifetime))
        #expect(try await !tokens.isValid(token, now: now - 120_000), "not issued in the future")
        // A second keeper on the same database (another server) accepts it: the secret is the store's.
        #expect(
            try await CSRFTokens(store: try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
                .isValid(token, now: now))
        var bytes = try #require(Base64URL.decode(token))
        bytes[3] ^= 1
        #expect(try await !tokens.isValid(Base64URL.encode(bytes), now: now), "a changed time breaks the MAC")
        #expect(try await !tokens.isValid("", now: now))
        #expect(try await !tokens.isValid(String(repeating: "A", count: 5000), now: now))
    }

    @Test func cookiesAreSecureOverTLSOnly() async throws {
        try await TestServer.withRouter { client in
            let (_, cookie) = try await Self.issued(client)
            #expect(!cookie.contains("Secure"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        }
        var https = TestServer.configuration()
        https.publicURL = "https://consent.example"
        try await TestServer.withRouter(https) { client in
            let (token, cookie) = try await Self.issued(client)
            #expect(cookie.hasSuffix("; Secure"))
            let answer = try await Self.post(client, token: token)
            #expect(answer.status == .seeOther)
            #expect(answer.headers[.setCookie]?.hasSuffix("; Secure") == true, "the decision cookie too")
        }
        var proxied = TestServer.configuration()
        proxied.forwardedProtoHeader = "X-Forwarded-Proto"
        try await TestServer.withRouter(proxied) { client in
            let proto = HTTPField.Name("X-Forwarded-Proto")!
            let overTLS = try await Self.issued(client, [proto: "https"]).setCookie
            let plain = try await Self.issued(client, [proto: "http"]).setCookie
            let unsaid = try await Self.issued(client).setCookie
            #expect(overTLS.hasSuffix("; Secure"))
            #expect(!plain.contains("Secure") && !unsaid.contains("Secure"))
        }
        try await TestServer.withRouter { client in
            // Without the option the header is not trusted.
            let proto = HTTPField.Name("X-Forwarded-Proto")!
            let untrusted = try await Self.issued(client, [proto: "https"]).setCookie
            #expect(!untrusted.contains("Secure"))
        }
    }

    @Test func everyAnswerIsNosniffAndSubjectAnswersAreNotStored() async throws {
        try await TestServer.withRouter { client in
            let recorded = try await client.recordDecision()
            let subject = try #require(recorded["subject"]?.stringValue)
            let id = try #require(recorded["id"]?.stringValue)
            for path in [
                "/v1/properties/demo/subjects/\(subject)", "/v1/properties/demo/subjects/\(subject)/history",
                "/v1/receipts/\(id)", "/v1/properties/demo/subjects/nobody", "/nope",
            ] {
                let answer = try await client.get(path)
                #expect(answer.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(answer.headers[.cacheControl] == "no-store", "\(path)")
            }
            for path in ["/assent.js", "/v1/properties/demo/config", "/.well-known/jwks.json", "/healthz"] {
                #expect(try await client.get(path).headers[.xContentTypeOptions] == "nosniff", "\(path)")
            }
            #expect(
                try await client.get("/assent.js").headers[.cacheControl] != "no-store", "assets keep their caching")
        }
    }

    @Test func metricsNeedTheTokenOrTheirOwnAddress() async throws {
        let exposition = Array("assent_test_total 3\n".utf8)
        try await TestServer.withRouter(metrics: { exposition }) { client in
            let answer = try await client.get("/metrics")
            #expect(answer.status == .notFound)
            #expect(try answer.json()["error"]?["code"]?.stringValue == "metrics_disabled")
        }
        var tokened = TestServer.configuration()
        tokened.metricsToken = "0123456789abcdef-metrics"
        try await TestServer.withRouter(tokened, metrics: { exposition }) { client in
            let refused = try await client.get("/metrics")
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await client.get("/metrics", [.authorization: "Bearer wrong"]).status == .unauthorized)
            #expect(
                try await client.get("/metrics", [.authorization: "Basic 0123456789abcdef-metrics"]).status
                    == .unauthorized)
            let served = try await client.get("/metrics", [.authorization: "Bearer 0123456789abcdef-metrics"])
            #expect(served.status == .ok)
            #expect(served.bytes == exposition)
        }
        var elsewhere = TestServer.configuration()
        elsewhere.metricsToken = "0123456789abcdef-metrics"
        elsewhere.metricsListen = ListenAddress("127.0.0.1:1")
        try await TestServer.withRouter(elsewhere, metrics: { exposition }) { client in
            let answer = try await client.get("/metrics", [.authorization: "Bearer 0123456789abcdef-metrics"])
            #expect(answer.status == .notFound)
            #expect(try answer.json()["error"]?["code"]?.stringValue == "metrics_elsewhere")
        }
    }

    @Test func aHeaderNameHTTPCannotCarryIsRefusedAtStart() async throws {
        for change in [
            { (c: inout ServerConfiguration) in c.regionHeader = "X-Régión" },
            { (c: inout ServerConfiguration) in c.clientHeader = "X Forwarded For" },
            { (c: inout ServerConfiguration) in c.forwardedProtoHeader = "" },
        ] {
            var configuration = TestServer.configuration(store: .sqlite)
            change(&configuration)
            defer { TestServer.removeDirectory(configuration.dataDirectory) }
            await #expect(throws: DataDirectoryError.self) { try await buildApplication(configuration) }
        }
    }

    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464), ("[::1]:9464", "::1", 9464),
        ("metrics.internal:1", "metrics.internal", 1),
    ])
    func listenAddresses(_ text: String, _ host: String, _ port: Int) {
        #expect(ListenAddress(text) == ListenAddress(host: host, port: port))
    }

    @Test(arguments: ["", ":9464", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x", "a b:1", "[]:1"])
    func badListenAddresses(_ text: String) {
        #expect(ListenAddress(text) == nil)
    }
}
