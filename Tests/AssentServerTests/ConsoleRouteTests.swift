import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// A browser for the console's routes: keeps the cookies the server sets and sends them back, and posts forms
/// with the CSRF token the last page carried.
struct ConsoleBrowser {
    var cookies: [String: String] = [:]

    var cookieHeader: String {
        cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
    }

    mutating func keep(_ response: TestResponse) {
        for header in response.headers[values: .setCookie] {
            guard let pair = header.split(separator: ";").first, let eq = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<eq])
            let value = String(pair[pair.index(after: eq)...])
            if header.contains("Max-Age=0") { cookies.removeValue(forKey: name) } else { cookies[name] = value }
        }
    }

    mutating func get(_ client: some TestClientProtocol, _ path: String) async throws -> TestResponse {
        let response = try await client.execute(uri: path, method: .get, headers: [.cookie: cookieHeader], body: nil)
        keep(response)
        return response
    }

    /// Posts the form, with the CSRF cookie's token unless `csrf` is false.
    mutating func post(
        _ client: some TestClientProtocol, _ path: String, _ fields: [(String, String)] = [], csrf: Bool = true
    ) async throws -> TestResponse {
        var all = fields
        if csrf, let token = cookies[ConsoleNames.csrfCookie] { all.append(("csrf", token)) }
        let body = all.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
        let response = try await client.execute(
            uri: path, method: .post,
            headers: [.cookie: cookieHeader, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    /// Signs in from the sign-in page (which sets the CSRF cookie first).
    mutating func signIn(_ client: some TestClientProtocol, _ email: String, _ password: String) async throws
        -> TestResponse
    {
        _ = try await get(client, "/admin/sign-in")
        return try await post(client, "/admin/sign-in", [("email", email), ("password", password)])
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
    }
}

@Suite("Console routes")
struct ConsoleRouteTests {
    static let password = "correct horse battery"

    @discardableResult
    static func account(
        _ configuration: ServerConfiguration, _ email: String, _ role: AccountRole, properties: [String]? = nil
    ) async throws -> Account {
        try await ConsoleAccounts.create(
            store: try TestServer.store(configuration), email: email, displayName: email, role: role,
            properties: properties, password: password, now: ConsentService.now())
    }

    /// The text of the page's error paragraph.
    static func errorText(_ response: TestResponse) -> String? {
        guard let start = response.text.range(of: "<p class=\"error\" role=\"alert\">"),
            let end = response.text.range(of: "</p>", range: start.upperBound..<response.text.endIndex)
        else { return nil }
        return String(response.text[start.upperBound..<end.lowerBound])
    }

    @Test func theSetUpLinkCreatesTheOwnerOnceAndThenSignsIn() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            let secret = try await ConsoleAccounts.makeSetupSecret(store: store, now: ConsentService.now())
            var browser = ConsoleBrowser()
            let signInPage = try await browser.get(client, "/admin/sign-in")
            #expect(signInPage.text.contains("set-up link"), "with no owner the sign-in page points to the link")
            let page = try await browser.get(client, "/admin/setup/\(secret)")
            #expect(page.status == .ok)
            #expect(page.text.contains("name=\"password\""))
            let weak = try await browser.post(
                client, "/admin/setup/\(secret)", [("email", "owner@example.org"), ("password", "short")])
            #expect(weak.status == .badRequest)
            let created = try await browser.post(
                client, "/admin/setup/\(secret)",
                [("email", "Owner@Example.org"), ("name", "Olga"), ("password", Self.password)])
            #expect(created.status == .seeOther)
            #expect(created.headers[.location] == "/admin/")
            let cookie = try #require(created.headers[values: .setCookie].first { $0.hasPrefix("assent_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
            let overview = try await browser.get(client, "/admin/")
            #expect(overview.status == .ok)
            #expect(overview.text.contains("<code>demo</code>"))
            #expect(overview.text.contains("owner@example.org"))
            // Used: it creates nobody else, even in another browser.
            var other = ConsoleBrowser()
            #expect(try await other.get(client, "/admin/setup/\(secret)").status == .gone)
            let again = try await other.post(
                client, "/admin/setup/\(secret)", [("email", "mallory@example.org"), ("password", Self.password)])
            #expect(again.status == .gone)
            #expect(try await store.accounts().map(\.email) == ["owner@example.org"])
            #expect(try await store.auditEvents(AuditFilter(action: "account.create")).count == 1)
        }
    }

    @Test func anExpiredOrUnknownSetUpLinkIsRefused() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            let secret = "expired-secret-expired-secret-expired-secre"
            try await store.saveSetupToken(hash: Secrets.sha256Hex(secret), expiresAt: ConsentService.now() - 1)
            var browser = ConsoleBrowser()
            #expect(try await browser.get(client, "/admin/setup/\(secret)").status == .gone)
            #expect(try await browser.get(client, "/admin/setup/never-issued").status == .gone)
            let post = try await browser.post(
                client, "/admin/setup/\(secret)", [("email", "owner@example.org"), ("password", Self.password)])
            #expect(post.status == .gone)
            #expect(try await store.accounts().isEmpty)
        }
    }

    @Test func signInAnswersAnUnknownAccountAsAWrongPasswordAndLimitsFailures() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.account(configuration, "ed@example.org", .editor)
            var browser = ConsoleBrowser()
            let wrong = try await browser.signIn(client, "ed@example.org", "not the password")
            let unknown = try await browser.signIn(client, "nobody@example.org", Self.password)
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(Self.errorText(wrong) != nil && Self.errorText(wrong) == Self.errorText(unknown))
            #expect(browser.cookies[ConsoleSessions.cookie] == nil)
            let good = try await browser.signIn(client, "ED@example.org", Self.password)
            #expect(good.status == .seeOther && good.headers[.location] == "/admin/")
            #expect(browser.cookies[ConsoleSessions.cookie] != nil)
            #expect(try await browser.get(client, "/admin/").status == .ok)
            // Five failures on one account: the sixth try is refused, even with the right password.
            var attacker = ConsoleBrowser()
            for _ in 0..<5 {
                #expect(
                    try await attacker.signIn(client, "ed@example.org", "guess guess guess").status == .unauthorized)
            }
            let limited = try await attacker.signIn(client, "ed@example.org", Self.password)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            #expect(attacker.cookies[ConsoleSessions.cookie] == nil)
        }
    }

    @Test func aFormWithoutItsCSRFTokenIsRefused() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.account(configuration, "owner@example.org", .owner)
            var browser = ConsoleBrowser()
            _ = try await browser.get(client, "/admin/sign-in")
            let refused = try await browser.post(
                client, "/admin/sign-in", [("email", "owner@example.org"), ("password", Self.password)], csrf: false)
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("Form expired"))
            #expect(browser.cookies[ConsoleSessions.cookie] == nil)
            #expect(try await browser.signIn(client, "owner@example.org", Self.password).status == .seeOther)
            let noToken = try await browser.post(
                client, "/admin/people",
                [("email", "x@example.org"), ("role", "viewer"), ("password", Self.password)], csrf: false)
            #expect(noToken.status == .forbidden)
            #expect(try await TestServer.store(configuration).account(email: "x@example.org") == nil)
        }
    }

    @Test func signOutEndsOneSessionAndSignOutEverywhereEndsThemAll() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.account(configuration, "v@example.org", .viewer)
            var first = ConsoleBrowser()
            var second = ConsoleBrowser()
            var third = ConsoleBrowser()
            for index in 0..<3 {
                var browser = [first, second, third][index]
                #expect(try await browser.signIn(client, "v@example.org", Self.password).status == .seeOther)
                switch index {
                case 0: first = browser
                case 1: second = browser
                default: third = browser
                }
            }
            #expect(try await first.post(client, "/admin/sign-out").status == .seeOther)
            #expect(try await first.get(client, "/admin/").headers[.location] == "/admin/sign-in")
            #expect(try await second.get(client, "/admin/").status == .ok)
            _ = try await second.get(client, "/admin/")
            #expect(try await second.post(client, "/admin/sign-out-everywhere").status == .seeOther)
            #expect(try await third.get(client, "/admin/").headers[.location] == "/admin/sign-in")
        }
    }

    @Test(arguments: [
        (AccountRole.owner, true, true, true), (.editor, false, false, true), (.privacy, false, false, false),
        (.viewer, false, false, false),
    ])
    func eachRoleIsAllowedItsOwnPagesAndActions(
        role: AccountRole, people: Bool, audit: Bool, editProperties: Bool
    ) async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.account(configuration, "someone@example.org", role)
            var browser = ConsoleBrowser()
            #expect(try await browser.signIn(client, "someone@example.org", Self.password).status == .seeOther)
            #expect(try await browser.get(client, "/admin/").status == .ok)
            let peoplePage = try await browser.get(client, "/admin/people")
            #expect(peoplePage.status == (people ? .ok : .forbidden))
            if !people { #expect(peoplePage.text.contains("Not allowed")) }
            let created = try await browser.post(
                client, "/admin/people",
                [("email", "new@example.org"), ("role", "viewer"), ("password", Self.password)])
            #expect(created.status == (people ? .seeOther : .forbidden))
            #expect(try await browser.get(client, "/admin/audit").status == (audit ? .ok : .forbidden))
            // The property API with the session's cookie, as the console's pages will call it.
            let cookie: HTTPFields = [.cookie: browser.cookieHeader]
            let listed = try await client.get("/v1/admin/properties", cookie)
            #expect(listed.status == .ok)
            let read = try await client.get("/v1/admin/properties/demo", cookie)
            #expect(read.status == .ok)
            var document = read.text
            document = document.replacingOccurrences(of: "\"name\": \"", with: "\"name\": \"Renamed ")
            #expect(document != read.text)
            let saved = try await client.execute(
                uri: "/v1/admin/properties/demo", method: .put,
                headers: [
                    .cookie: browser.cookieHeader, .contentType: "application/json",
                    .ifMatch: try #require(read.headers[.eTag]),
                ], body: ByteBuffer(string: document))
            #expect(saved.status == (editProperties ? .ok : .forbidden), "\(saved.text)")
            if !editProperties { #expect(try saved.json()["error"]?["code"]?.stringValue == "forbidden") }
        }
    }

    @Test func anAccountLimitedToSomePropertiesSeesAndChangesOnlyThose() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.account(configuration, "limited@example.org", .editor, properties: ["elsewhere"])
            var browser = ConsoleBrowser()
            #expect(try await browser.signIn(client, "limited@example.org", Self.password).status == .seeOther)
            let cookie: HTTPFields = [.cookie: browser.cookieHeader]
            #expect(try await browser.get(client, "/admin/").text.contains("<code>demo</code>") == false)
            let listed = try await client.get("/v1/admin/properties", cookie).json()
            #expect(listed["properties"] == .array([]))
            #expect(try await client.get("/v1/admin/properties/demo", cookie).status == .forbidden)
        }
    }

    @Test func aStaleSaveIsRefusedAndEveryChangeIsAudited() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let read = try await client.get("/v1/admin/properties/demo", admin)
            #expect(read.status == .ok)
            let etag = try #require(read.headers[.eTag])
            #expect(
                try await client.get("/v1/admin/properties/demo", [.ifNoneMatch: etag] + admin).status == .notModified)
            func put(_ body: String, _ extra: HTTPFields) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/admin/properties/demo", method: .put, headers: admin + extra,
                    body: ByteBuffer(string: body))
            }
            let renamed = read.text.replacingOccurrences(of: "\"name\": \"", with: "\"name\": \"Ours ")
            #expect(renamed != read.text)
            let missing = try await put(renamed, [:])
            #expect(missing.status == .preconditionRequired)
            #expect(try missing.json()["error"]?["code"]?.stringValue == "if_match_required")
            let first = try await put(renamed, [.ifMatch: etag])
            #expect(first.status == .ok)
            let newTag = try #require(first.headers[.eTag])
            #expect(newTag != etag)
            // A second editor who read the first revision: refused, with what to do.
            let stale = try await put(
                read.text.replacingOccurrences(of: "\"name\": \"", with: "\"name\": \"Theirs "), [.ifMatch: etag])
            #expect(stale.status == .preconditionFailed)
            #expect(try stale.json()["error"]?["code"]?.stringValue == "stale_revision")
            #expect(try await client.get("/v1/admin/properties/demo", admin).text.contains("\"name\": \"Ours "))
            // Validation as `property import` does it, every problem by its JSON path.
            let invalid = try await put(
                #"{"id":"demo","name":"","languages":["en"],"bogus":1}"#, [.ifMatch: newTag])
            #expect(invalid.status == .unprocessableContent)
            let message = try #require(try invalid.json()["error"]?["message"]?.stringValue)
            #expect(message.contains("$.name") && message.contains("$.bogus"))
            let otherID = try await put(
                renamed.replacingOccurrences(of: "\"id\": \"demo\"", with: "\"id\": \"other\""), [.ifMatch: newTag])
            #expect(otherID.status == .unprocessableContent)
            #expect(try otherID.json()["error"]?["message"]?.stringValue?.contains("$.id") == true)
            let events = try await TestServer.store(configuration).auditEvents(AuditFilter(property: "demo"))
            #expect(events.map(\.action) == ["property.update"])
            #expect(events.first?.actor.hasPrefix("token:") == true)
            #expect(events.first?.summary.contains("revision 2") == true)
        }
    }

    @Test func theAuditPageFiltersByAction() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.account(configuration, "owner@example.org", .owner)
            var browser = ConsoleBrowser()
            #expect(try await browser.signIn(client, "owner@example.org", Self.password).status == .seeOther)
            #expect(
                try await browser.post(
                    client, "/admin/people",
                    [
                        ("email", "ed@example.org"), ("role", "editor"), ("property.demo", "on"),
                        ("password", Self.password),
                    ]
                ).status == .seeOther)
            let ed = try #require(try await TestServer.store(configuration).account(email: "ed@example.org"))
            #expect(ed.role == .editor && ed.properties == ["demo"])
            let all = try await browser.get(client, "/admin/audit")
            #expect(all.text.contains("session.sign_in") && all.text.contains("account.create"))
            let filtered = try await browser.get(client, "/admin/audit?action=account.create")
            #expect(filtered.text.contains("<code>account.create</code>"))
            #expect(!filtered.text.contains("<code>session.sign_in</code>"))
            // The language links show the same page: its filter kept, a notice and the old choice not.
            let noticed = try await browser.get(client, "/admin/audit?action=account.create&done=x&lang=en")
            #expect(noticed.text.contains(#"<a href="?action=account.create&amp;lang=es" lang="es""#))
            #expect(noticed.text.contains(#"<a href="?action=account.create&amp;lang=en" lang="en""#))
        }
    }

    @Test func pagesAllowNoInlineCodeNoFramingAndSpeakSpanish() async throws {
        try await TestServer.withRouter { client in
            var browser = ConsoleBrowser()
            let page = try await browser.get(client, "/admin/sign-in?lang=es")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(!policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"))
            #expect(page.text.contains("<html lang=\"es\">") && page.text.contains("Iniciar sesión"))
            #expect(!page.text.contains("style=") && !page.text.contains("<script"))
            // The choice is kept.
            #expect(try await browser.get(client, "/admin/sign-in").text.contains("<html lang=\"es\">"))
            let css = try await client.get("/admin/console.css")
            #expect(css.status == .ok && css.headers[.cacheControl]?.contains("max-age") == true)
        }
    }

    @Test func behindTLSTheSessionCookieIsSecure() async throws {
        let configuration = {
            var configuration = TestServer.configuration()
            configuration.publicURL = "https://consent.example.org"
            return configuration
        }()
        try await TestServer.withRouter(configuration) { client in
            try await Self.account(configuration, "v@example.org", .viewer)
            var browser = ConsoleBrowser()
            let signedIn = try await browser.signIn(client, "v@example.org", Self.password)
            #expect(signedIn.status == .seeOther)
            let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("assent_session=") })
            #expect(cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        }
    }

    @Test func everyLanguageHasEveryText() throws {
        let catalogue = try TextCatalogue()
        #expect(catalogue.sections("en").contains("console"))
        for lang in TextCatalogue.languages {
            #expect(catalogue.sections(lang) == catalogue.sections("en"), "sections of \(lang)")
            for section in catalogue.sections("en") {
                #expect(!catalogue.keys(section, "en").isEmpty)
                #expect(catalogue.keys(section, lang) == catalogue.keys(section, "en"), "\(section) in \(lang)")
            }
        }
    }
}

extension HTTPFields {
    static func + (a: HTTPFields, b: HTTPFields) -> HTTPFields {
        var all = a
        for field in b { all[field.name] = field.value }
        return all
    }
}
