import AssentCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// The openapi.json probes of the console's scans and tokens pages and of the admin API's scan schedule and tokens
/// (OpenAPIConformanceTests): each documented status provoked. Sessions are the owner's, the viewer's, and a viewer's
/// limited to another property, as ConsoleProbes makes them; the scans run by the server's real queue against a
/// port nothing listens on.
enum ConsoleScanTokenProbes {
    typealias Probe = OpenAPIConformanceTests.Probe

    /// Each operation's probes; before those of a form's POST, a body that is not a form (415) and a form that cannot
    /// be read (400), which every console form answers before looking at anything else.
    static func probes(
        for operation: OpenAPISpec.Operation, client: some TestClientProtocol, console: ConsoleProbes, admin: String,
        suppression: String
    ) async throws -> [Probe]? {
        guard
            let found = try await specific(
                for: operation, client: client, console: console, admin: admin, suppression: suppression)
        else { return nil }
        return ConsoleProbes.withFormProbes(found, for: operation)
    }

    private static func specific(
        for operation: OpenAPISpec.Operation, client: some TestClientProtocol, console: ConsoleProbes, admin: String,
        suppression: String
    ) async throws -> [Probe]? {
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        let json: HTTPFields = [.authorization: "Bearer " + admin, .contentType: "application/json"]
        let auth: HTTPFields = [.authorization: "Bearer " + admin]
        let foreign: HTTPFields = [.authorization: "Bearer " + suppression, .contentType: "application/json"]
        func post(_ name: String, _ uri: String, cookie: String, _ body: String) -> Probe {
            var headers = form
            headers[.cookie] = cookie
            return Probe(name: name, uri: uri, headers: headers, body: ByteBuffer(string: body))
        }
        func get(_ name: String, _ uri: String, cookie: String? = nil) -> Probe {
            Probe(name: name, uri: uri, headers: cookie.map { [.cookie: $0] } ?? [:])
        }
        func body(_ name: String, _ uri: String, _ headers: HTTPFields, _ text: String) -> Probe {
            Probe(name: name, uri: uri, headers: headers, body: ByteBuffer(string: text))
        }
        let tooLarge = #"{"label":""# + String(repeating: "a", count: 20_000) + #""}"#
        func owner() async throws -> (cookie: String, token: String) {
            try await console.session(client, ConsoleProbes.owner)
        }
        func viewer() async throws -> (cookie: String, token: String) {
            try await console.session(client, "viewer@example.org")
        }
        switch operation.name {
        case "GET /admin/scans":
            let owner = try await owner()
            let elsewhere = try await console.session(client, "elsewhere@example.org")
            return [
                get("good", "/admin/scans?property=demo", cookie: owner.cookie), get("not signed in", "/admin/scans"),
                get("limited elsewhere", "/admin/scans?property=demo", cookie: elsewhere.cookie),
                get("unknown", "/admin/scans?property=nope", cookie: owner.cookie),
            ]
        case "POST /admin/scans":
            let owner = try await owner()
            let viewer = try await viewer()
            let good = "csrf=\(owner.token)&property=demo&startURLs=http%3A%2F%2F127.0.0.1%3A9%2F&regions=FR&maxPages=1"
            // The queue takes 4 waiting or running: five more good ones reach the 429 whatever has finished.
            return [
                post("good", "/admin/scans", cookie: owner.cookie, good),
                post(
                    "bad start URL", "/admin/scans", cookie: owner.cookie,
                    "csrf=\(owner.token)&property=demo&startURLs=%2Fshop"),
                post("viewer", "/admin/scans", cookie: viewer.cookie, "csrf=\(viewer.token)&property=demo"),
                post("no csrf", "/admin/scans", cookie: owner.cookie, "property=demo"),
                post("unknown", "/admin/scans", cookie: owner.cookie, "csrf=\(owner.token)&property=nope"),
            ] + (1...5).map { post("good \($0)", "/admin/scans", cookie: owner.cookie, good) }
        case "POST /admin/scans/schedule":
            let owner = try await owner()
            let viewer = try await viewer()
            let uri = "/admin/scans/schedule"
            return [
                post("good", uri, cookie: owner.cookie, "csrf=\(owner.token)&property=demo&schedule=off"),
                post(
                    "unknown schedule", uri, cookie: owner.cookie, "csrf=\(owner.token)&property=demo&schedule=hourly"),
                post(
                    "no start URL", uri, cookie: owner.cookie,
                    "csrf=\(owner.token)&property=demo&schedule=weekly&startURLs="),
                post("stale", uri, cookie: owner.cookie, "csrf=\(owner.token)&property=demo&schedule=off&revision=0"),
                post("viewer", uri, cookie: viewer.cookie, "csrf=\(viewer.token)&property=demo&schedule=off"),
                post("unknown property", uri, cookie: owner.cookie, "csrf=\(owner.token)&property=nope&schedule=off"),
            ]
        case "GET /admin/scans/{id}":
            let viewer = try await viewer()
            let scans = try await client.get("/v1/admin/properties/demo/scans", auth).json()["scans"]?.arrayValue
            let id = try #require(scans?.first?["id"]?.stringValue)
            return [
                get("good", "/admin/scans/\(id)", cookie: viewer.cookie), get("not signed in", "/admin/scans/\(id)"),
                get("unknown", "/admin/scans/nope", cookie: viewer.cookie),
            ]
        case "POST /admin/scans/{id}/take":
            // The scans the probes started ran against a port nothing answers: no report to take from (409).
            let owner = try await owner()
            let viewer = try await viewer()
            let scans = try await client.get("/v1/admin/properties/demo/scans", auth).json()["scans"]?.arrayValue
            let uri = "/admin/scans/\(try #require(scans?.first?["id"]?.stringValue))/take"
            return [
                post("no report", uri, cookie: owner.cookie, "csrf=\(owner.token)&revision=1&add.0=1"),
                post("viewer", uri, cookie: viewer.cookie, "csrf=\(viewer.token)&revision=1"),
                post("no csrf", uri, cookie: owner.cookie, "revision=1"),
                post("unknown", "/admin/scans/nope/take", cookie: owner.cookie, "csrf=\(owner.token)&revision=1"),
            ]
        case "GET /admin/tokens":
            return [
                get("good", "/admin/tokens", cookie: try await owner().cookie), get("not signed in", "/admin/tokens"),
                get("viewer", "/admin/tokens", cookie: try await viewer().cookie),
            ]
        case "POST /admin/tokens":
            let owner = try await owner()
            let viewer = try await viewer()
            let nobody = try await console.csrf(client)
            return [
                post("good", "/admin/tokens", cookie: owner.cookie, "csrf=\(owner.token)&label=probe&scope=admin"),
                post("not signed in", "/admin/tokens", cookie: nobody.cookie, "csrf=\(nobody.token)&scope=admin"),
                post("bad scope", "/admin/tokens", cookie: owner.cookie, "csrf=\(owner.token)&scope=root"),
                post("viewer", "/admin/tokens", cookie: viewer.cookie, "csrf=\(viewer.token)&scope=admin"),
            ]
        case "POST /admin/tokens/{id}/revoke":
            let owner = try await owner()
            let viewer = try await viewer()
            let made = try await client.post("/v1/admin/tokens", json: #"{"label":"to revoke"}"#, json)
            let id = try #require(try made.json()["id"]?.stringValue)
            return [
                post("good", "/admin/tokens/\(id)/revoke", cookie: owner.cookie, "csrf=\(owner.token)"),
                post("viewer", "/admin/tokens/\(id)/revoke", cookie: viewer.cookie, "csrf=\(viewer.token)"),
                post("unknown", "/admin/tokens/nope/revoke", cookie: owner.cookie, "csrf=\(owner.token)"),
            ]
        case "GET /v1/admin/properties/{property}/scan-schedule":
            let uri = "/v1/admin/properties/demo/scan-schedule"
            return [
                Probe(name: "good", uri: uri, headers: auth), Probe(name: "no token", uri: uri),
                Probe(name: "suppression token", uri: uri, headers: foreign),
                Probe(name: "unknown", uri: "/v1/admin/properties/nope/scan-schedule", headers: auth),
            ]
        case "PUT /v1/admin/properties/{property}/scan-schedule":
            let uri = "/v1/admin/properties/demo/scan-schedule"
            var stale = json
            stale[.ifMatch] = "\"rev-999\""
            var text = json
            text[.contentType] = "text/plain"
            return [
                body("good", uri, json, #"{"schedule":"off"}"#),
                body("unknown schedule", uri, json, #"{"schedule":"hourly"}"#),
                body("no start URL", uri, json, #"{"schedule":"weekly","startURLs":[]}"#),
                body("stale", uri, stale, #"{"schedule":"off"}"#),
                body("no token", uri, [.contentType: "application/json"], #"{"schedule":"off"}"#),
                body("suppression token", uri, foreign, #"{"schedule":"off"}"#),
                body("unknown", "/v1/admin/properties/nope/scan-schedule", json, #"{"schedule":"off"}"#),
                body("text", uri, text, #"{"schedule":"off"}"#), body("too large", uri, json, tooLarge),
            ]
        case "GET /v1/admin/tokens":
            return [
                Probe(name: "good", uri: "/v1/admin/tokens", headers: auth),
                Probe(name: "no token", uri: "/v1/admin/tokens"),
                Probe(name: "suppression token", uri: "/v1/admin/tokens", headers: foreign),
            ]
        case "POST /v1/admin/tokens":
            var text = json
            text[.contentType] = "text/plain"
            let uri = "/v1/admin/tokens"
            return [
                body("good", uri, json, #"{"label":"probe","scope":"suppression","property":"demo"}"#),
                body("bad scope", uri, json, #"{"scope":"root"}"#),
                body("no token", uri, [.contentType: "application/json"], "{}"),
                body("suppression token", uri, foreign, "{}"), body("text", uri, text, "{}"),
                body("too large", uri, json, tooLarge),
            ]
        case "DELETE /v1/admin/tokens/{token}":
            let made = try await client.post("/v1/admin/tokens", json: #"{"label":"to delete"}"#, json)
            let id = try #require(try made.json()["id"]?.stringValue)
            return [
                Probe(name: "good", uri: "/v1/admin/tokens/\(id)", headers: auth),
                Probe(name: "no token", uri: "/v1/admin/tokens/\(id)"),
                Probe(name: "suppression token", uri: "/v1/admin/tokens/\(id)", headers: foreign),
                Probe(name: "unknown", uri: "/v1/admin/tokens/nope", headers: auth),
            ]
        default:
            return nil
        }
    }
}
