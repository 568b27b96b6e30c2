import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// What the conformance test needs to call the privacy-request operations: tokens of each kind, and requests
/// in the states each probe needs, filed through the API with the codes read back from the outbox.
struct RequestFixture: Sendable {
    let admin: String
    let suppression: String
    /// A suppression token for another property: 403 on the demo's lists.
    let otherSuppression: String
    /// An access request waiting for its code, and the code the outbox holds.
    let verifySecret: String
    let verifyCode: String
    /// An access request waiting for its code, for wrong codes (enough of them lock it).
    let waitingSecret: String
    /// Access requests waiting for their codes, for resending through the API and through the page (a request
    /// gets at most 5 codes, so each route has its own).
    let resendSecret: String
    let pageResendSecret: String
    /// An opt-out: never waits for a code; moved to in_progress by the transition probe.
    let optOutSecret: String
    let optOutID: String
    /// An access request for the extension probe and for reading.
    let extendID: String
    /// The CSRF token of the pages, with its cookie.
    let csrf: String
    /// An access request waiting for its code, verified through the status page.
    let pageVerifySecret: String
    let pageVerifyCode: String
    /// A verified access request with an export attached, to download.
    let exportSecret: String
    let exportID: String
    let hash = String(repeating: "ab", count: 32)

    static func make(_ client: some TestClientProtocol, _ configuration: ServerConfiguration) async throws
        -> RequestFixture
    {
        let store = try TestServer.store(configuration)
        func token(_ scope: APIToken.Scope, _ property: String?) async throws -> String {
            try await APITokens.create(store: store, scope: scope, property: property, label: "probe", now: 1).secret
        }
        func file(_ type: String, _ email: String) async throws -> (secret: String, id: String) {
            // Opt-outs take no details.
            let details = type.hasPrefix("opt_out") ? "{}" : #"{"name":"Probe"}"#
            let response = try await client.post(
                "/v1/properties/demo/requests",
                json: #"{"type":"\#(type)","email":"\#(email)","details":\#(details)}"#)
            try #require(response.status == .accepted, "\(response.status) \(response.text)")
            let body = try response.json()
            let url = try #require(body["statusUrl"]?.stringValue)
            return (String(url.split(separator: "/").last!), try #require(body["id"]?.stringValue))
        }
        let verify = try await file("access", "verify@example.com")
        let waiting = try await file("access", "waiting@example.com")
        let resend = try await file("access", "resend@example.com")
        let pageResend = try await file("access", "pageresend@example.com")
        let optOut = try await file("opt_out_sale_sharing", "optout@example.com")
        let extend = try await file("delete", "extend@example.com")
        let pageVerify = try await file("access", "pageverify@example.com")
        let admin = try await token(.admin, nil)
        let exported = try await file("access", "export@example.com")
        let verified = try await client.post(
            "/v1/requests/status/\(exported.secret)/verify",
            json: #"{"code":"\#(try Outbox.code(sentTo: "export@example.com", in: configuration))"}"#)
        try #require(verified.status == .ok, "\(verified.text)")
        let attached = try await client.execute(
            uri: "/v1/admin/requests/\(exported.id)/export", method: .put,
            headers: [.authorization: "Bearer " + admin, .contentType: "application/json"],
            body: ByteBuffer(string: #"{"decisions":[]}"#))
        try #require(attached.status == .ok, "\(attached.text)")
        let form = try await client.get("/privacy/demo/requests")
        let cookie = try #require(form.headers[.setCookie], "the form sets the CSRF cookie")
        let csrf = String(try #require(cookie.split(separator: ";").first?.split(separator: "=").last))
        return RequestFixture(
            admin: admin, suppression: try await token(.suppression, "demo"),
            otherSuppression: try await token(.suppression, "other"), verifySecret: verify.secret,
            verifyCode: try Outbox.code(sentTo: "verify@example.com", in: configuration), waitingSecret: waiting.secret,
            resendSecret: resend.secret, pageResendSecret: pageResend.secret,
            optOutSecret: optOut.secret, optOutID: optOut.id, extendID: extend.id, csrf: csrf,
            pageVerifySecret: pageVerify.secret,
            pageVerifyCode: try Outbox.code(sentTo: "pageverify@example.com", in: configuration),
            exportSecret: exported.secret, exportID: exported.id)
    }

    typealias Probe = OpenAPIConformanceTests.Probe

    /// The header the conformance test's server trusts for the client address: each operation gets its own,
    /// so every rate limit can be reached whatever order the operations run in.
    static let clientHeader = "X-Client"

    /// The probes for a privacy-request operation, each from a client of its own; nil for other operations.
    func probes(for operation: OpenAPISpec.Operation) -> [Probe]? {
        requestProbes(for: operation).map { probes in
            probes.map { probe in
                var probe = probe
                probe.headers[HTTPField.Name(Self.clientHeader)!] = operation.name
                return probe
            }
        }
    }

    private func requestProbes(for operation: OpenAPISpec.Operation) -> [Probe]? {
        let json: HTTPFields = [.contentType: "application/json"]
        func bearer(_ secret: String, _ headers: HTTPFields = [:]) -> HTTPFields {
            var fields = headers
            fields[.authorization] = "Bearer " + secret
            return fields
        }
        func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
        /// The kinds of bad body every JSON operation documents.
        func badBodies(_ uri: String, _ headers: HTTPFields, limit: Int = 70_000) -> [Probe] {
            [
                Probe(name: "malformed JSON", uri: uri, headers: headers, body: body("{")),
                Probe(
                    name: "text/plain", uri: uri, headers: headers.merging([.contentType: "text/plain"]),
                    body: body("{}")),
                Probe(
                    name: "too large", uri: uri, headers: headers,
                    body: body(#"{"x":""# + String(repeating: "a", count: limit) + #""}"#)),
                Probe(name: "wrong shape", uri: uri, headers: headers, body: body("[]")),
                Probe(name: "unknown field", uri: uri, headers: headers, body: body(#"{"nope":1}"#)),
            ]
        }
        let admin = bearer(self.admin, json)
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(csrf)"]
        func formBodies(_ uri: String) -> [Probe] {
            [
                Probe(
                    name: "no token", uri: uri, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: body("code=1")),
                Probe(name: "wrong token", uri: uri, headers: form, body: body("csrf=nope&code=1")),
                Probe(
                    name: "text/plain", uri: uri, headers: form.merging([.contentType: "text/plain"]), body: body("x")),
                Probe(
                    name: "too large", uri: uri, headers: form,
                    body: body("csrf=\(csrf)&x=" + String(repeating: "a", count: 70_000))),
                Probe(name: "a field twice", uri: uri, headers: form, body: body("csrf=\(csrf)&x=1&x=2")),
            ]
        }
        switch operation.name {
        case "GET /privacy/{property}/requests":
            return [
                Probe(name: "good", uri: "/privacy/demo/requests"),
                Probe(name: "Spanish", uri: "/privacy/demo/requests?lang=es"),
                Probe(name: "unknown property", uri: "/privacy/nope/requests"),
            ]
        case "POST /privacy/{property}/requests":
            let uri = "/privacy/demo/requests"
            let good = body("csrf=\(csrf)&type=access&email=page%40example.com&name=Page+Reader")
            return [
                Probe(name: "good", uri: uri, headers: form, body: good),
                Probe(name: "no type", uri: uri, headers: form, body: body("csrf=\(csrf)&email=page%40example.com")),
                Probe(
                    name: "bad email", uri: uri, headers: form, body: body("csrf=\(csrf)&type=access&email=nope&name=x")
                ),
                Probe(name: "unknown property", uri: "/privacy/nope/requests", headers: form, body: good),
                Probe(name: "same address", uri: uri, headers: form, body: good),
                Probe(name: "same address again", uri: uri, headers: form, body: good),
                Probe(name: "over the limit", uri: uri, headers: form, body: good),
            ] + formBodies(uri)
        case "GET /privacy/{property}/do-not-sell":
            return [
                Probe(name: "good", uri: "/privacy/demo/do-not-sell"),
                Probe(name: "done", uri: "/privacy/demo/do-not-sell?done=1&lang=es"),
                Probe(name: "unknown property", uri: "/privacy/nope/do-not-sell"),
            ]
        case "POST /privacy/{property}/do-not-sell":
            let uri = "/privacy/demo/do-not-sell"
            let withAddress = body("csrf=\(csrf)&email=dns%40example.com")
            return [
                Probe(name: "good", uri: uri, headers: form, body: body("csrf=\(csrf)")),
                Probe(name: "with an address", uri: uri, headers: form, body: withAddress),
                Probe(name: "bad address", uri: uri, headers: form, body: body("csrf=\(csrf)&email=nope")),
                Probe(name: "unknown property", uri: "/privacy/nope/do-not-sell", headers: form, body: withAddress),
                Probe(name: "same address", uri: uri, headers: form, body: withAddress),
                Probe(name: "same address again", uri: uri, headers: form, body: withAddress),
                Probe(name: "over the limit", uri: uri, headers: form, body: withAddress),
            ] + formBodies(uri)
        case "GET /privacy/{property}/status/{secret}":
            return [
                Probe(name: "good", uri: "/privacy/demo/status/\(verifySecret)"),
                Probe(name: "notice", uri: "/privacy/demo/status/\(verifySecret)?done=filed&lang=es"),
                Probe(name: "wrong secret", uri: "/privacy/demo/status/wrong"),
                Probe(name: "unknown property", uri: "/privacy/nope/status/wrong"),
            ]
        case "POST /privacy/{property}/status/{secret}/verify":
            let uri = "/privacy/demo/status/\(pageVerifySecret)/verify"
            let waiting = "/privacy/demo/status/\(waitingSecret)/verify"
            let wrong = body("csrf=\(csrf)&code=abcdef")
            let more = (1...18).map { Probe(name: "attempt \($0)", uri: waiting, headers: form, body: wrong) }
            return [
                Probe(name: "good", uri: uri, headers: form, body: body("csrf=\(csrf)&code=\(pageVerifyCode)")),
                Probe(name: "wrong code", uri: waiting, headers: form, body: wrong),
                Probe(
                    name: "needs no code", uri: "/privacy/demo/status/\(optOutSecret)/verify", headers: form,
                    body: wrong),
                Probe(name: "wrong secret", uri: "/privacy/demo/status/wrong/verify", headers: form, body: wrong),
                Probe(name: "unknown property", uri: "/privacy/nope/status/wrong/verify", headers: form, body: wrong),
            ] + formBodies(waiting) + more
        case "POST /privacy/{property}/status/{secret}/code":
            let uri = "/privacy/demo/status/\(pageResendSecret)/code"
            let good = body("csrf=\(csrf)")
            return [
                Probe(name: "good", uri: uri, headers: form, body: good),
                Probe(
                    name: "needs no code", uri: "/privacy/demo/status/\(optOutSecret)/code", headers: form, body: good),
                Probe(name: "wrong secret", uri: "/privacy/demo/status/wrong/code", headers: form, body: good),
                Probe(name: "unknown property", uri: "/privacy/nope/status/wrong/code", headers: form, body: good),
                Probe(name: "again", uri: uri, headers: form, body: good),
                Probe(name: "over the limit", uri: uri, headers: form, body: good),
            ] + formBodies(uri)
        case "POST /v1/properties/{property}/requests":
            let uri = "/v1/properties/demo/requests"
            let good = body(#"{"type":"access","email":"probe@example.com","details":{"name":"Probe"}}"#)
            return [
                Probe(name: "good", uri: uri, headers: json, body: good),
                Probe(name: "unknown property", uri: "/v1/properties/nope/requests", headers: json, body: good),
                Probe(name: "bad type", uri: uri, headers: json, body: body(#"{"type":"x","email":"a@example.com"}"#)),
                Probe(name: "bad email", uri: uri, headers: json, body: body(#"{"type":"access","email":"nope"}"#)),
                Probe(
                    name: "missing detail", uri: uri, headers: json,
                    body: body(#"{"type":"delete","email":"a@example.com"}"#)),
                // Three requests per address every 10 minutes.
                Probe(name: "same address", uri: uri, headers: json, body: good),
                Probe(name: "same address again", uri: uri, headers: json, body: good),
                Probe(name: "over the limit", uri: uri, headers: json, body: good),
            ] + badBodies(uri, json)
        case "GET /v1/requests/status/{secret}/export":
            return [
                Probe(name: "good", uri: "/v1/requests/status/\(exportSecret)/export"),
                Probe(name: "not verified", uri: "/v1/requests/status/\(waitingSecret)/export"),
                Probe(name: "wrong secret", uri: "/v1/requests/status/wrong/export"),
            ]
        case "GET /privacy/{property}/status/{secret}/export":
            return [
                Probe(name: "good", uri: "/privacy/demo/status/\(exportSecret)/export"),
                Probe(name: "another property", uri: "/privacy/other/status/\(exportSecret)/export"),
                Probe(name: "wrong secret", uri: "/privacy/demo/status/wrong/export"),
            ]
        case "PUT /v1/admin/requests/{id}/export":
            let uri = "/v1/admin/requests/\(exportID)/export"
            let good = body(#"{"decisions":[],"note":"replaced"}"#)
            return [
                Probe(name: "good", uri: uri, headers: admin, body: good),
                Probe(
                    name: "not an access request", uri: "/v1/admin/requests/\(optOutID)/export", headers: admin,
                    body: good),
                Probe(name: "not a document", uri: uri, headers: admin, body: body("42")),
                Probe(name: "unknown id", uri: "/v1/admin/requests/nope/export", headers: admin, body: good),
                Probe(name: "no token", uri: uri, headers: json, body: good),
                Probe(name: "suppression token", uri: uri, headers: bearer(suppression, json), body: good),
            ] + badBodies(uri, admin, limit: RequestService.maxExportBytes + 1)
        case "GET /v1/requests/status/{secret}":
            return [
                Probe(name: "good", uri: "/v1/requests/status/\(verifySecret)"),
                Probe(name: "wrong secret", uri: "/v1/requests/status/wrong"),
            ]
        case "POST /v1/requests/status/{secret}/verify":
            let uri = "/v1/requests/status/\(verifySecret)/verify"
            let waiting = "/v1/requests/status/\(waitingSecret)/verify"
            let wrong = body(#"{"code":"abcdef"}"#)
            // 20 attempts per client: the good one, the wrong and the 409 below, then 17 more, then refused.
            let more = (1...18).map { Probe(name: "attempt \($0)", uri: waiting, headers: json, body: wrong) }
            return [
                Probe(name: "good", uri: uri, headers: json, body: body(#"{"code":"\#(verifyCode)"}"#)),
                Probe(name: "wrong code", uri: waiting, headers: json, body: wrong),
                Probe(
                    name: "needs no code", uri: "/v1/requests/status/\(optOutSecret)/verify", headers: json, body: wrong
                ),
                Probe(name: "wrong secret", uri: "/v1/requests/status/wrong/verify", headers: json, body: wrong),
                Probe(name: "empty code", uri: waiting, headers: json, body: body(#"{"code":""}"#)),
            ] + badBodies(waiting, json) + more
        case "POST /v1/requests/status/{secret}/code":
            let uri = "/v1/requests/status/\(resendSecret)/code"
            return [
                Probe(name: "good", uri: uri),
                Probe(name: "needs no code", uri: "/v1/requests/status/\(optOutSecret)/code"),
                Probe(name: "wrong secret", uri: "/v1/requests/status/wrong/code"),
                Probe(name: "again", uri: uri),
                Probe(name: "over the limit", uri: uri),
            ]
        case "GET /v1/admin/properties/{property}/requests":
            let uri = "/v1/admin/properties/demo/requests"
            return [
                Probe(name: "good", uri: uri, headers: bearer(self.admin)),
                Probe(
                    name: "filtered", uri: uri + "?status=received,verified&type=access&limit=2",
                    headers: bearer(self.admin)),
                Probe(name: "overdue", uri: uri + "?overdue=true", headers: bearer(self.admin)),
                Probe(name: "no token", uri: uri),
                Probe(name: "bad token", uri: uri, headers: bearer("asnt_nope")),
                Probe(name: "suppression token", uri: uri, headers: bearer(suppression)),
                Probe(name: "unknown property", uri: "/v1/admin/properties/nope/requests", headers: bearer(self.admin)),
                Probe(name: "bad status", uri: uri + "?status=bogus", headers: bearer(self.admin)),
                Probe(name: "bad limit", uri: uri + "?limit=0", headers: bearer(self.admin)),
            ]
        case "GET /v1/admin/properties/{property}/export":
            let uri = "/v1/admin/properties/demo/export"
            return [
                Probe(name: "by address", uri: uri + "?email=verify%40example.com", headers: bearer(self.admin)),
                Probe(name: "by subject", uri: uri + "?subject=\(UUID().uuidString)", headers: bearer(self.admin)),
                Probe(name: "nothing to look for", uri: uri, headers: bearer(self.admin)),
                Probe(name: "bad address", uri: uri + "?email=nope", headers: bearer(self.admin)),
                Probe(name: "bad subject", uri: uri + "?subject=nope", headers: bearer(self.admin)),
                Probe(name: "no token", uri: uri + "?email=verify%40example.com"),
                Probe(name: "suppression token", uri: uri + "?email=a%40example.com", headers: bearer(suppression)),
                Probe(
                    name: "unknown property", uri: "/v1/admin/properties/nope/export?email=a%40example.com",
                    headers: bearer(self.admin)),
            ]
        case "GET /v1/admin/requests/{id}":
            let uri = "/v1/admin/requests/\(extendID)"
            return [
                Probe(name: "good", uri: uri, headers: bearer(self.admin)),
                Probe(name: "unknown id", uri: "/v1/admin/requests/nope", headers: bearer(self.admin)),
                Probe(name: "no token", uri: uri),
                Probe(name: "suppression token", uri: uri, headers: bearer(suppression)),
            ]
        case "POST /v1/admin/requests/{id}/status":
            let uri = "/v1/admin/requests/\(optOutID)/status"
            let good = body(#"{"status":"in_progress"}"#)
            return [
                Probe(name: "good", uri: uri, headers: admin, body: good),
                Probe(name: "not allowed now", uri: uri, headers: admin, body: body(#"{"status":"verified"}"#)),
                Probe(name: "unknown status", uri: uri, headers: admin, body: body(#"{"status":"bogus"}"#)),
                Probe(name: "unknown id", uri: "/v1/admin/requests/nope/status", headers: admin, body: good),
                Probe(name: "no token", uri: uri, headers: json, body: good),
                Probe(name: "suppression token", uri: uri, headers: bearer(suppression, json), body: good),
            ] + badBodies(uri, admin)
        case "POST /v1/admin/requests/{id}/extend":
            let uri = "/v1/admin/requests/\(extendID)/extend"
            let good = body(#"{"reason":"the data sits in several systems"}"#)
            return [
                Probe(name: "good", uri: uri, headers: admin, body: good),
                Probe(name: "twice", uri: uri, headers: admin, body: good),
                Probe(name: "unknown id", uri: "/v1/admin/requests/nope/extend", headers: admin, body: good),
                Probe(name: "no token", uri: uri, headers: json, body: good),
                Probe(name: "suppression token", uri: uri, headers: bearer(suppression, json), body: good),
            ] + badBodies(uri, admin)
        case "POST /v1/admin/requests/{id}/verify":
            let uri = "/v1/admin/requests/\(extendID)/verify"
            let good = body(#"{"reason":"the requester showed an ID card at the desk"}"#)
            return [
                Probe(name: "no reason", uri: uri, headers: admin, body: body("{}")),
                Probe(name: "good", uri: uri, headers: admin, body: good),
                Probe(name: "again", uri: uri, headers: admin, body: good),
                Probe(name: "unknown id", uri: "/v1/admin/requests/nope/verify", headers: admin, body: good),
                Probe(name: "no token", uri: uri, headers: json, body: good),
                Probe(name: "suppression token", uri: uri, headers: bearer(suppression, json), body: good),
            ] + badBodies(uri, admin)
        case "GET /v1/properties/{property}/suppression/{hash}":
            let uri = "/v1/properties/demo/suppression/\(hash)"
            return [
                Probe(name: "good", uri: uri, headers: bearer(suppression)),
                Probe(name: "admin token", uri: uri, headers: bearer(self.admin)),
                Probe(name: "bad hash", uri: "/v1/properties/demo/suppression/xyz", headers: bearer(suppression)),
                Probe(name: "no token", uri: uri),
                Probe(name: "other property's token", uri: uri, headers: bearer(otherSuppression)),
                Probe(
                    name: "unknown property", uri: "/v1/properties/nope/suppression/\(hash)",
                    headers: bearer(self.admin)),
            ]
        case "POST /v1/properties/{property}/suppression":
            let uri = "/v1/properties/demo/suppression"
            let headers = bearer(suppression, json)
            let good = body(#"{"hashes":["\#(hash)"]}"#)
            return [
                Probe(name: "good", uri: uri, headers: headers, body: good),
                Probe(name: "bad element", uri: uri, headers: headers, body: body(#"{"hashes":["xyz"]}"#)),
                Probe(name: "not a list", uri: uri, headers: headers, body: body(#"{"hashes":"x"}"#)),
                Probe(name: "no token", uri: uri, headers: json, body: good),
                Probe(name: "other property's token", uri: uri, headers: bearer(otherSuppression, json), body: good),
                Probe(
                    name: "unknown property", uri: "/v1/properties/nope/suppression", headers: bearer(self.admin, json),
                    body: good),
            ] + badBodies(uri, headers, limit: 900_000)
        default:
            return nil
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var fields = self
        for field in other { fields[field.name] = field.value }
        return fields
    }
}

/// Mail the server wrote to its outbox (no SMTP server configured).
enum Outbox {
    static func messages(in configuration: ServerConfiguration) throws -> [String] {
        let directory = (configuration.dataDirectory as NSString).appendingPathComponent("outbox")
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted().filter { $0.hasSuffix(".eml") }
            .map { try String(contentsOfFile: (directory as NSString).appendingPathComponent($0), encoding: .utf8) }
    }

    /// The six-digit code in the latest message to `address`.
    static func code(sentTo address: String, in configuration: ServerConfiguration) throws -> String {
        let message = try #require(
            try messages(in: configuration).last {
                $0.contains("\r\nTo: \(address)\r\n") || $0.contains("To: <\(address)>")
            },
            "no mail to \(address)")
        let line = try #require(
            message.split(separator: "\r\n").first {
                let text = $0.trimmingCharacters(in: .whitespaces)
                return text.count == 6 && text.allSatisfy(\.isNumber)
            }, "no code in the mail to \(address)")
        return line.trimmingCharacters(in: .whitespaces)
    }
}
