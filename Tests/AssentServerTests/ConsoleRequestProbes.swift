import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// The console's request and records pages for the OpenAPI conformance suite: every documented status of each
/// is reached. Requests in the state each probe needs are filed through the API (and moved on with the admin
/// token) when the operation's probes are made.
enum ConsoleRequestProbes {
    typealias Probe = OpenAPIConformanceTests.Probe

    static func probes(
        for operation: OpenAPISpec.Operation, client: some TestClientProtocol,
        fixture: OpenAPIConformanceTests.Fixture
    ) async throws -> [Probe]? {
        let path = operation.path
        guard path.hasPrefix("/admin/requests") || path == "/admin/records" else { return nil }
        let console = fixture.console
        let admin = fixture.requests.admin
        let owner = try await console.session(client, ConsoleProbes.owner)
        let viewer = try await console.session(client, "viewer@example.org")
        let tag = operation.name.replacingOccurrences(of: " ", with: "-")
        /// Files a request from a client of this operation's own; answers its id.
        func file(_ type: String, _ name: String) async throws -> String {
            let details = type.hasPrefix("opt_out") ? "{}" : #"{"name":"Probe"}"#
            let email = "\(name)-\(abs(tag.hashValue % 100_000))@example.com"
            let filed = try await client.post(
                "/v1/properties/demo/requests", json: #"{"type":"\#(type)","email":"\#(email)","details":\#(details)}"#,
                [HTTPField.Name(RequestFixture.clientHeader)!: "console " + tag])
            try #require(filed.status == .accepted, "\(filed.text)")
            return try #require(try filed.json()["id"]?.stringValue)
        }
        func move(_ id: String, _ route: String, _ json: String) async throws {
            let moved = try await client.post(
                "/v1/admin/requests/\(id)/\(route)", json: json, [.authorization: "Bearer " + admin])
            try #require(moved.status == .ok, "\(moved.text)")
        }
        func get(_ name: String, _ uri: String, cookie: String? = nil) -> Probe {
            Probe(name: name, uri: uri, headers: cookie.map { [.cookie: $0] } ?? [:])
        }
        func post(_ name: String, _ uri: String, _ body: String, csrf: Bool = true) -> Probe {
            Probe(
                name: name, uri: uri,
                headers: [.cookie: owner.cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: (csrf ? "csrf=\(owner.token)&" : "") + body))
        }
        /// What every console form answers before anything else: not a form, an unreadable form, too large a
        /// form, no CSRF token, and an unknown request.
        func formProbes(_ action: String, _ id: String) -> [Probe] {
            let uri = "/admin/requests/\(id)/\(action)"
            return [
                Probe(
                    name: "not a form", uri: uri, headers: [.cookie: owner.cookie, .contentType: "application/json"],
                    body: ByteBuffer(string: "{}")),
                post("unreadable form", uri, "a=%zz"),
                post("too large", uri, "x=" + String(repeating: "a", count: 70_000)),
                post("no csrf", uri, "reason=x", csrf: false),
                post("unknown request", "/admin/requests/nope/\(action)", "reason=x"),
            ]
        }
        switch operation.name {
        case "GET /admin/requests":
            return [
                get("good", "/admin/requests?status=all&overdue=1&type=access&property=demo", cookie: owner.cookie),
                get("viewer", "/admin/requests", cookie: viewer.cookie), get("not signed in", "/admin/requests"),
            ]
        case "GET /admin/requests/{id}", "GET /admin/requests/{id}/export":
            let suffix = path.hasSuffix("/export") ? "/export" : ""
            let good = "/admin/requests/\(fixture.requests.exportID)\(suffix)"
            var probes = [
                get("good", good, cookie: owner.cookie), get("viewer", good, cookie: viewer.cookie),
                get("not signed in", good),
                get("unknown", "/admin/requests/nope\(suffix)", cookie: owner.cookie),
            ]
            if !suffix.isEmpty {
                probes.append(
                    get("no export", "/admin/requests/\(fixture.requests.extendID)/export", cookie: owner.cookie))
            }
            return probes
        case "POST /admin/requests/{id}/verify":
            let id = try await file("access", "verify")
            return formProbes("verify", id) + [
                post("no reason", "/admin/requests/\(id)/verify", "reason="),
                post("good", "/admin/requests/\(id)/verify", "reason=passport+seen"),
                post("again", "/admin/requests/\(id)/verify", "reason=passport+seen"),
            ]
        case "POST /admin/requests/{id}/start":
            let id = try await file("opt_out_sale_sharing", "start")
            let unverified = try await file("access", "start")
            return formProbes("start", id) + [
                post("good", "/admin/requests/\(id)/start", ""),
                post("not verified", "/admin/requests/\(unverified)/start", ""),
            ]
        case "POST /admin/requests/{id}/complete":
            let id = try await file("opt_out_sale_sharing", "complete")
            let received = try await file("opt_out_sale_sharing", "received")
            try await move(id, "status", #"{"status":"in_progress"}"#)
            return formProbes("complete", id) + [
                post("good", "/admin/requests/\(id)/complete", ""),
                post("not started", "/admin/requests/\(received)/complete", ""),
            ]
        case "POST /admin/requests/{id}/deny", "POST /admin/requests/{id}/extend":
            let action = String(path.split(separator: "/").last!)
            let id = try await file("delete", action)
            return formProbes(action, id) + [
                post("no reason", "/admin/requests/\(id)/\(action)", "reason=+"),
                post("good", "/admin/requests/\(id)/\(action)", "reason=no+data+held"),
                post("again", "/admin/requests/\(id)/\(action)", "reason=no+data+held"),
            ]
        case "POST /admin/requests/{id}/export":
            let id = try await file("access", "export")
            try await move(id, "verify", #"{"reason":"passport seen"}"#)
            let deletion = try await file("delete", "export")
            return formProbes("export", id) + [
                post("good", "/admin/requests/\(id)/export", ""),
                post("not an access request", "/admin/requests/\(deletion)/export", ""),
            ]
        case "POST /admin/requests/{id}/upload":
            let id = try await file("access", "upload")
            try await move(id, "verify", #"{"reason":"passport seen"}"#)
            let deletion = try await file("delete", "upload")
            let boundary = "probe-boundary"
            func multipart(_ name: String, _ id: String, _ parts: [(String, String)], csrf: Bool = true) -> Probe {
                var text = ""
                for (field, value) in (csrf ? [("csrf", owner.token)] : []) + parts {
                    let file = field == "file" ? "; filename=\"export.json\"\r\nContent-Type: application/json" : ""
                    text +=
                        "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\(file)\r\n\r\n\(value)\r\n"
                }
                text += "--\(boundary)--\r\n"
                return Probe(
                    name: name, uri: "/admin/requests/\(id)/upload",
                    headers: [.cookie: owner.cookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
                    body: ByteBuffer(string: text))
            }
            return [
                post("not multipart", "/admin/requests/\(id)/upload", ""),
                Probe(
                    name: "not multipart at all", uri: "/admin/requests/\(id)/upload",
                    headers: [
                        .cookie: owner.cookie, .contentType: "multipart/form-data; boundary=\(boundary)",
                    ], body: ByteBuffer(string: "junk")),
                multipart("no csrf", id, [("file", "{}")], csrf: false),
                multipart("no file", id, []),
                multipart("not JSON", id, [("file", "nope")]),
                multipart(
                    "too large", id, [("file", String(repeating: "a", count: RequestService.maxExportBytes + 20_000))]),
                multipart("unknown request", "nope", [("file", "{}")]),
                multipart("not an access request", deletion, [("file", "{}")]),
                multipart("good", id, [("file", #"{"decisions":[]}"#)]),
            ]
        case "GET /admin/records":
            return [
                get("form", "/admin/records", cookie: owner.cookie),
                get("by record", "/admin/records?record=\(fixture.record)", cookie: owner.cookie),
                get("by subject", "/admin/records?property=demo&subject=\(fixture.subject)", cookie: owner.cookie),
                get("bad subject", "/admin/records?property=demo&subject=nope", cookie: owner.cookie),
                get("unknown record", "/admin/records?record=\(UUID().uuidString)", cookie: owner.cookie),
                get("viewer", "/admin/records", cookie: viewer.cookie), get("not signed in", "/admin/records"),
            ]
        default:
            return nil
        }
    }
}
