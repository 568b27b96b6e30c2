import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// The console's operations for the OpenAPI conformance suite: every documented status of each is reached. The
/// operations come in the document's order, set-up first: its probe creates the owner the later ones sign in as.
struct ConsoleProbes: Sendable {
    typealias Probe = OpenAPIConformanceTests.Probe
    static let password = "correct horse battery"
    static let owner = "owner@example.org"
    let setupSecret: String
    let viewerID: String
    let editorID: String

    static func make(_ client: some TestClientProtocol, _ configuration: ServerConfiguration) async throws
        -> ConsoleProbes
    {
        let store = try TestServer.store(configuration)
        let now = ConsentService.now()
        func create(_ email: String, _ role: AccountRole) async throws -> Account {
            try await ConsoleAccounts.create(
                store: store, email: email, displayName: email, role: role, properties: nil, password: password,
                now: now)
        }
        let viewer = try await create("viewer@example.org", .viewer)
        let editor = try await create("editor@example.org", .editor)
        _ = try await create("limited@example.org", .editor)
        _ = try await ConsoleAccounts.create(
            store: store, email: "elsewhere@example.org", displayName: "elsewhere", role: .viewer,
            properties: ["elsewhere"], password: password, now: now)
        return ConsoleProbes(
            setupSecret: try await ConsoleAccounts.makeSetupSecret(store: store, now: now), viewerID: viewer.id,
            editorID: editor.id)
    }

    /// A CSRF token and the cookie that carries it.
    func csrf(_ client: some TestClientProtocol) async throws -> (token: String, cookie: String) {
        let page = try await client.get("/admin/sign-in")
        let header = try #require(page.headers[values: .setCookie].first { $0.hasPrefix(ConsoleNames.csrfCookie) })
        let pair = String(try #require(header.split(separator: ";").first))
        return (String(pair.dropFirst(ConsoleNames.csrfCookie.count + 1)), pair)
    }

    /// A signed-in session's cookie header (session and CSRF cookies) and the CSRF token.
    func session(_ client: some TestClientProtocol, _ email: String) async throws -> (cookie: String, token: String) {
        let (token, csrfCookie) = try await csrf(client)
        let answer = try await client.execute(
            uri: "/admin/sign-in", method: .post,
            headers: [.cookie: csrfCookie, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(
                string:
                    "csrf=\(token)&email=\(email)&password=\(Self.password.replacingOccurrences(of: " ", with: "+"))"))
        let header = try #require(answer.headers[values: .setCookie].first { $0.hasPrefix(ConsoleSessions.cookie) })
        return (csrfCookie + "; " + String(try #require(header.split(separator: ";").first)), token)
    }

    /// Each operation's own probes; before those of a form's POST, a body that is not a form (415) and a form that
    /// cannot be read (400), which every console form answers before looking at anything else.
    func probes(for operation: OpenAPISpec.Operation, client: some TestClientProtocol, admin: String) async throws
        -> [Probe]?
    {
        guard let found = try await specific(for: operation, client: client, admin: admin) else { return nil }
        return Self.withFormProbes(found, for: operation)
    }

    /// Before a console form's own probes, a body that is not a form (415) and a form that cannot be read (400).
    static func withFormProbes(_ found: [Probe], for operation: OpenAPISpec.Operation) -> [Probe] {
        guard operation.name.hasPrefix("POST /admin/"), let uri = found.first?.uri else { return found }
        return [
            Probe(
                name: "not a form", uri: uri, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")),
            Probe(
                name: "unreadable form", uri: uri, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "a=%zz")),
        ] + found
    }

    private func specific(for operation: OpenAPISpec.Operation, client: some TestClientProtocol, admin: String)
        async throws -> [Probe]?
    {
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        func post(_ name: String, _ uri: String, cookie: String, _ body: String) -> Probe {
            var headers = form
            headers[.cookie] = cookie
            return Probe(name: name, uri: uri, headers: headers, body: ByteBuffer(string: body))
        }
        func get(_ name: String, _ uri: String, cookie: String? = nil) -> Probe {
            Probe(name: name, uri: uri, headers: cookie.map { [.cookie: $0] } ?? [:])
        }
        let password = Self.password.replacingOccurrences(of: " ", with: "+")
        switch operation.name {
        case "GET /admin/setup/{secret}":
            return [get("good", "/admin/setup/\(setupSecret)"), get("unknown", "/admin/setup/nope")]
        case "POST /admin/setup/{secret}":
            let (token, cookie) = try await csrf(client)
            let uri = "/admin/setup/\(setupSecret)"
            return [
                post("no csrf", uri, cookie: cookie, "email=\(Self.owner)&password=\(password)"),
                post("short password", uri, cookie: cookie, "csrf=\(token)&email=\(Self.owner)&password=short"),
                post("unknown link", "/admin/setup/nope", cookie: cookie, "csrf=\(token)&email=\(Self.owner)"),
                post("good", uri, cookie: cookie, "csrf=\(token)&email=\(Self.owner)&name=Olga&password=\(password)"),
            ]
        case "GET /admin/sign-in":
            let owner = try await session(client, Self.owner)
            return [get("good", "/admin/sign-in?lang=es"), get("signed in", "/admin/sign-in", cookie: owner.cookie)]
        case "POST /admin/sign-in":
            let (token, cookie) = try await csrf(client)
            let wrong = "csrf=\(token)&email=limited@example.org&password=wrong+wrong+wrong"
            return [
                post(
                    "good", "/admin/sign-in", cookie: cookie, "csrf=\(token)&email=\(Self.owner)&password=\(password)"),
                post("no csrf", "/admin/sign-in", cookie: cookie, "email=\(Self.owner)&password=\(password)"),
                post(
                    "unknown account", "/admin/sign-in", cookie: cookie,
                    "csrf=\(token)&email=x@example.org&password=\(password)"),
            ] + (1...5).map { post("wrong \($0)", "/admin/sign-in", cookie: cookie, wrong) } + [
                post(
                    "limited", "/admin/sign-in", cookie: cookie,
                    "csrf=\(token)&email=limited@example.org&password=\(password)")
            ]
        case "POST /admin/sign-out":
            let owner = try await session(client, Self.owner)
            return [
                post("no csrf", "/admin/sign-out", cookie: owner.cookie, ""),
                post("good", "/admin/sign-out", cookie: owner.cookie, "csrf=\(owner.token)"),
            ]
        case "POST /admin/sign-out-everywhere":
            let editor = try await session(client, "editor@example.org")
            return [
                post("no csrf", "/admin/sign-out-everywhere", cookie: editor.cookie, ""),
                post("good", "/admin/sign-out-everywhere", cookie: editor.cookie, "csrf=\(editor.token)"),
            ]
        case "GET /admin/":
            let owner = try await session(client, Self.owner)
            return [get("good", "/admin/", cookie: owner.cookie), get("not signed in", "/admin/")]
        case "GET /admin/people", "GET /admin/audit":
            let owner = try await session(client, Self.owner)
            let viewer = try await session(client, "viewer@example.org")
            let uri =
                operation.path + (operation.path.hasSuffix("audit") ? "?action=account.create&from=2020-01-01" : "")
            return [
                get("good", uri, cookie: owner.cookie), get("viewer", uri, cookie: viewer.cookie),
                get("not signed in", uri),
            ]
        case "POST /admin/people":
            let owner = try await session(client, Self.owner)
            let fields = "csrf=\(owner.token)&email=new@example.org&role=viewer&property.demo=on&password=\(password)"
            return [
                post("no csrf", "/admin/people", cookie: owner.cookie, "email=new@example.org"),
                post("bad role", "/admin/people", cookie: owner.cookie, "csrf=\(owner.token)&role=king"),
                post("good", "/admin/people", cookie: owner.cookie, fields),
            ]
        case "POST /admin/people/{id}/disable", "POST /admin/people/{id}/enable", "POST /admin/people/{id}/password":
            let owner = try await session(client, Self.owner)
            let action = operation.path.split(separator: "/").last!
            // The owner's row of the people page names its id in its forms.
            let page = try await client.execute(
                uri: "/admin/people", method: .get, headers: [.cookie: owner.cookie], body: nil
            ).text
            let row = try #require(page.range(of: "<td>\(Self.owner)</td>"))
            let form = try #require(page.range(of: "/admin/people/", range: row.upperBound..<page.endIndex))
            let ownerID = String(page[form.upperBound...].prefix { $0 != "/" })
            var probes = [
                post("no csrf", "/admin/people/\(editorID)/\(action)", cookie: owner.cookie, ""),
                post("unknown", "/admin/people/nobody/\(action)", cookie: owner.cookie, "csrf=\(owner.token)"),
                post(
                    "good", "/admin/people/\(editorID)/\(action)", cookie: owner.cookie,
                    "csrf=\(owner.token)&password=\(password)+new"),
            ]
            if action == "disable" {
                probes.append(
                    post("last owner", "/admin/people/\(ownerID)/disable", cookie: owner.cookie, "csrf=\(owner.token)"))
            }
            if action == "password" {
                probes.append(
                    post(
                        "short", "/admin/people/\(editorID)/password", cookie: owner.cookie,
                        "csrf=\(owner.token)&password=x"))
            }
            return probes
        case "GET /admin/analytics", "GET /admin/analytics.csv":
            let viewer = try await session(client, "viewer@example.org")
            let elsewhere = try await session(client, "elsewhere@example.org")
            let chart = operation.path.hasSuffix(".csv") ? "&chart=rates" : ""
            let uri = operation.path + "?property=demo" + chart
            return [
                get("good", uri, cookie: viewer.cookie),
                get("bad day", uri + "&from=someday", cookie: viewer.cookie),
                get("unknown", operation.path + "?property=nope" + chart, cookie: viewer.cookie),
                get("limited elsewhere", uri, cookie: elsewhere.cookie), get("not signed in", uri),
            ]
        case "GET /admin/console.css":
            let first = try await client.get("/admin/console.css")
            return [
                get("good", "/admin/console.css"),
                Probe(name: "cached", uri: "/admin/console.css", headers: [.ifNoneMatch: first.headers[.eTag] ?? "x"]),
            ]
        case "GET /v1/admin/properties":
            let viewer = try await session(client, "viewer@example.org")
            return [
                get("session", "/v1/admin/properties", cookie: viewer.cookie), get("nobody", "/v1/admin/properties"),
            ]
        case "GET /v1/admin/properties/{property}":
            let viewer = try await session(client, "viewer@example.org")
            let uri = "/v1/admin/properties/demo"
            let etag = try await client.get(uri, [.cookie: viewer.cookie]).headers[.eTag] ?? "x"
            // new@example.org is limited to the demo property (the people probe made it so).
            return [
                get("session", uri, cookie: viewer.cookie),
                Probe(name: "cached", uri: uri, headers: [.cookie: viewer.cookie, .ifNoneMatch: etag]),
                get("nobody", uri), get("unknown", "/v1/admin/properties/nope", cookie: viewer.cookie),
                get(
                    "other property for a limited account", "/v1/admin/properties/other",
                    cookie: try await session(client, "new@example.org").cookie),
            ]
        case "PUT /v1/admin/properties/{property}":
            let bearer: HTTPFields = [.authorization: "Bearer " + admin, .contentType: "application/json"]
            let read = try await client.get("/v1/admin/properties/demo", bearer)
            let etag = try #require(read.headers[.eTag])
            let document = read.text
            let viewer = try await session(client, "viewer@example.org")
            func put(_ name: String, _ uri: String, _ headers: HTTPFields, _ body: String) -> Probe {
                Probe(name: name, uri: uri, headers: headers, body: ByteBuffer(string: body))
            }
            var matching = bearer
            matching[.ifMatch] = etag
            var stale = bearer
            stale[.ifMatch] = "\"rev-999\""
            var text = matching
            text[.contentType] = "text/plain"
            let uri = "/v1/admin/properties/demo"
            return [
                put("good", uri, matching, document),
                put(
                    "new", "/v1/admin/properties/fresh", bearer,
                    document.replacingOccurrences(of: "\"id\": \"demo\"", with: "\"id\": \"fresh\"")),
                put("no If-Match", uri, bearer, document), put("stale", uri, stale, document),
                put("invalid", uri, matching, #"{"id":"demo"}"#), put("text", uri, text, document),
                put("nobody", uri, [.contentType: "application/json", .ifMatch: etag], document),
                put(
                    "viewer", uri, [.contentType: "application/json", .ifMatch: etag, .cookie: viewer.cookie], document),
            ]
        default:
            return nil
        }
    }
}
