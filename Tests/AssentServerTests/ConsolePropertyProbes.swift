import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// The console's property pages, their preview and the revisions in the admin API, for the OpenAPI conformance
/// suite: every documented status of each is reached. Saves post the form as it was read, so the demo property
/// the other probes use stays as it is.
enum ConsolePropertyProbes {
    typealias Probe = OpenAPIConformanceTests.Probe

    static func probes(
        for operation: OpenAPISpec.Operation, client: some TestClientProtocol,
        fixture: OpenAPIConformanceTests.Fixture
    ) async throws -> [Probe]? {
        let path = operation.path
        guard
            path.hasPrefix("/admin/properties") || path == "/admin/preview.js"
                || path.hasPrefix("/v1/admin/properties/{property}/revisions")
        else { return nil }
        let console = fixture.console
        let admin = fixture.requests.admin
        let owner = try await console.session(client, ConsoleProbes.owner)
        let elsewhere = try await console.session(client, "elsewhere@example.org")
        func get(_ name: String, _ uri: String, cookie: String? = nil, headers: HTTPFields = [:]) -> Probe {
            var all = headers
            if let cookie { all[.cookie] = cookie }
            return Probe(name: name, uri: uri, headers: all)
        }
        func form(_ fields: [(String, String)], csrf: Bool = true) -> String {
            ((csrf ? [("csrf", owner.token)] : []) + fields).map { "\($0.0)=\(ConsoleBrowser.encode($0.1))" }
                .joined(separator: "&")
        }
        func post(
            _ name: String, _ uri: String, _ body: String, contentType: String = "application/x-www-form-urlencoded"
        )
            -> Probe
        {
            Probe(
                name: name, uri: uri, headers: [.cookie: owner.cookie, .contentType: contentType],
                body: ByteBuffer(string: body))
        }
        /// The general part's form as the owner reads it.
        func general() async throws -> [(String, String)] {
            let page = try await client.execute(
                uri: "/admin/properties/demo/edit/general", method: .get, headers: [.cookie: owner.cookie])
            return ConsolePropertyTests.formFields(page.text)
        }
        /// A draft of the demo property kept for the owner: its preview's path.
        func draft() async throws -> String {
            let kept = try await client.execute(
                uri: "/admin/properties/demo/preview", method: .get, headers: [.cookie: owner.cookie])
            return try #require(kept.headers[.location])
        }
        switch operation.name {
        case "GET /admin/properties":
            return [get("good", "/admin/properties", cookie: owner.cookie), get("not signed in", "/admin/properties")]
        case "GET /admin/properties/{property}", "GET /admin/properties/{property}/history":
            let suffix = path.hasSuffix("/history") ? "/history" : ""
            return [
                get("good", "/admin/properties/demo\(suffix)?saved=1&from=1", cookie: owner.cookie),
                get("not signed in", "/admin/properties/demo\(suffix)"),
                get("other property", "/admin/properties/demo\(suffix)", cookie: elsewhere.cookie),
                get("unknown", "/admin/properties/nope\(suffix)", cookie: owner.cookie),
            ]
        case "GET /admin/properties/{property}/edit/{section}":
            return [
                get("good", "/admin/properties/demo/edit/general", cookie: owner.cookie),
                get("categories", "/admin/properties/demo/edit/categories", cookie: owner.cookie),
                get("document", "/admin/properties/demo/edit/document", cookie: owner.cookie),
                get("not signed in", "/admin/properties/demo/edit/general"),
                get("other property", "/admin/properties/demo/edit/general", cookie: elsewhere.cookie),
                get("unknown part", "/admin/properties/demo/edit/nope", cookie: owner.cookie),
            ]
        case "POST /admin/properties/{property}/edit/{section}",
            "POST /admin/properties/{property}/edit/{section}/preview":
            let suffix = path.hasSuffix("/preview") ? "/preview" : ""
            let uri = "/admin/properties/demo/edit/general\(suffix)"
            let fields = try await general()
            var probes = [
                post("not a form", uri, "{}", contentType: "application/json"),
                post("unreadable form", uri, "a=%zz"),
                post("good", uri, form(fields)),
                post("no csrf", uri, form(fields, csrf: false)),
                post("unknown part", "/admin/properties/demo/edit/nope\(suffix)", form(fields)),
                post(
                    "problems", uri,
                    form(ConsolePropertyTests.replacing(fields, "l:$.origins", with: "not an origin"))),
            ]
            if suffix.isEmpty {
                probes.append(
                    post("stale", uri, form(ConsolePropertyTests.replacing(fields, "revision", with: "999"))))
            }
            return probes
        case "GET /admin/properties/{property}/preview":
            return [
                get("good", "/admin/properties/demo/preview", cookie: owner.cookie),
                get("other property", "/admin/properties/demo/preview", cookie: elsewhere.cookie),
                get("unknown", "/admin/properties/nope/preview", cookie: owner.cookie),
            ]
        case "GET /admin/properties/{property}/preview/{draft}",
            "GET /admin/properties/{property}/preview/{draft}/frame":
            let suffix = path.hasSuffix("/frame") ? "/frame" : ""
            let preview = try await draft()
            return [
                get("good", preview + suffix + "?region=FR&lang=es&gpc=1", cookie: owner.cookie),
                get("not signed in", preview + suffix),
                get("other property", preview + suffix, cookie: elsewhere.cookie),
                get("gone", "/admin/properties/demo/preview/nope\(suffix)", cookie: owner.cookie),
            ]
        case "GET /admin/properties/{property}/preview/{draft}/{gpc}/config":
            let preview = try await draft()
            return [
                get("good", preview + "/gpc/config?lang=es&region=US-CA"),
                get("gone", "/admin/properties/demo/preview/nope/none/config"),
            ]
        case "POST /admin/properties/{property}/preview/{draft}/{gpc}/consents":
            let preview = try await draft()
            let json: HTTPFields = [.contentType: "application/json"]
            let good = ByteBuffer(string: #"{"action":"reject_all","choices":{},"policyVersion":1,"lang":"en"}"#)
            return [
                Probe(name: "good", uri: preview + "/none/consents", headers: json, body: good),
                Probe(name: "malformed", uri: preview + "/none/consents", headers: json, body: ByteBuffer(string: "{")),
                Probe(
                    name: "gone", uri: "/admin/properties/demo/preview/nope/none/consents", headers: json, body: good),
                Probe(
                    name: "too large", uri: preview + "/none/consents", headers: json,
                    body: ByteBuffer(string: #"{"lang":""# + String(repeating: "a", count: 70_000) + #""}"#)),
                Probe(
                    name: "text/plain", uri: preview + "/none/consents", headers: [.contentType: "text/plain"],
                    body: good),
            ]
        case "POST /admin/properties/{property}/preview/{draft}/{gpc}/events":
            return [
                Probe(
                    name: "good", uri: try await draft() + "/none/events", headers: [:], body: ByteBuffer(string: "{}"))
            ]
        case "GET /admin/preview.js":
            let first = try await client.execute(uri: "/admin/preview.js", method: .get)
            return [
                get("good", "/admin/preview.js"),
                get("If-None-Match", "/admin/preview.js", headers: [.ifNoneMatch: first.headers[.eTag] ?? "\"x\""]),
            ]
        case "GET /v1/admin/properties/{property}/revisions",
            "GET /v1/admin/properties/{property}/revisions/{revision}":
            let suffix = path.hasSuffix("{revision}") ? "/1" : ""
            let token: HTTPFields = [.authorization: "Bearer " + admin]
            var probes = [
                get("good", "/v1/admin/properties/demo/revisions\(suffix)", headers: token),
                get("session", "/v1/admin/properties/demo/revisions\(suffix)", cookie: owner.cookie),
                get("no auth", "/v1/admin/properties/demo/revisions\(suffix)"),
                get("other property", "/v1/admin/properties/demo/revisions\(suffix)", cookie: elsewhere.cookie),
                get("unknown", "/v1/admin/properties/nope/revisions\(suffix)", headers: token),
            ]
            if !suffix.isEmpty {
                probes.append(get("bad revision", "/v1/admin/properties/demo/revisions/x", headers: token))
                probes.append(get("no such revision", "/v1/admin/properties/demo/revisions/99", headers: token))
            }
            return probes
        default:
            return nil
        }
    }
}
