import AssentCore
import AssentStore
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import AssentServer

/// Attaching the answer to an access request, and the requester downloading it from their status link.
@Suite("Request exports")
struct RequestExportRouteTests {
    /// Files a request through the API; returns its id and the secret of its status link.
    static func file(
        _ client: some TestClientProtocol, type: String = "access", email: String
    ) async throws -> (id: String, secret: String) {
        let filed = try await client.post(
            "/v1/properties/demo/requests",
            json: #"{"type":"\#(type)","email":"\#(email)","details":{"name":"Ana Ruiz"}}"#)
        try #require(filed.status == .accepted, "\(filed.text)")
        let body = try filed.json()
        return (
            try #require(body["id"]?.stringValue),
            String(try #require(body["statusUrl"]?.stringValue).split(separator: "/").last!)
        )
    }

    /// An access request whose address is confirmed with the mailed code.
    static func verified(
        _ client: some TestClientProtocol, _ configuration: ServerConfiguration, email: String
    ) async throws -> (id: String, secret: String) {
        let request = try await file(client, email: email)
        let code = try Outbox.code(sentTo: email, in: configuration)
        let verified = try await client.post(
            "/v1/requests/status/\(request.secret)/verify", json: #"{"code":"\#(code)"}"#)
        try #require(verified.status == .ok, "\(verified.text)")
        return request
    }

    static func put(
        _ client: some TestClientProtocol, _ id: String, _ body: String, _ headers: HTTPFields
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/admin/requests/\(id)/export", method: .put, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func anExportIsAttachedRecordedAnnouncedAndDownloadedExactlyAsSent() async throws {
        let configuration = {
            var configuration = TestServer.configuration()
            configuration.webhook = WebhookConfiguration(url: "http://127.0.0.1:9/hook", secret: "s")
            return configuration
        }()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let request = try await Self.verified(client, configuration, email: "ana@example.com")
            // The subject export as the publisher got it, spaced as it likes: served byte for byte.
            let exported = try await client.get(
                "/v1/admin/properties/demo/export?email=ana%40example.com", admin)
            let document =
                "{\n  \"export\": " + exported.text + ",\n  \"note\": \"ñ\",\n  \"pad\": \""
                + String(repeating: "x", count: 2000) + "\"\n}"
            let attached = try await Self.put(client, request.id, document, admin)
            #expect(attached.status == .ok, "\(attached.text)")
            let summary = try #require(try attached.json()["export"])
            let bytes = Array(document.utf8)
            #expect(summary["bytes"]?.intValue == bytes.count)
            #expect(summary["sha256"]?.stringValue == Hex.encode(SHA256.hash(data: bytes)))

            let shown = try await client.get("/v1/admin/requests/\(request.id)", admin).json()
            #expect(shown["export"] == summary)
            let line = try #require(shown["history"]?.arrayValue?.last)
            #expect(line["action"]?.stringValue == "export_attached")
            #expect(line["actor"]?.stringValue?.hasPrefix("admin:") == true)
            #expect(line["note"]?.stringValue?.contains(summary["sha256"]?.stringValue ?? "?") == true)

            let store = try TestServer.store(configuration)
            let calls = try await store.dueWebhooks(at: .max, limit: 100).map {
                String(decoding: $0.body, as: UTF8.self)
            }
            #expect(calls.contains { $0.contains(#""event":"request.export_attached""#) && $0.contains(request.id) })

            let status = try await client.get("/v1/requests/status/\(request.secret)").json()
            #expect(status["export"]?["bytes"]?.intValue == bytes.count)

            for uri in [
                "/v1/requests/status/\(request.secret)/export", "/privacy/demo/status/\(request.secret)/export",
            ] {
                let download = try await client.get(uri)
                #expect(download.status == .ok, "\(uri)")
                #expect(download.bytes == bytes, "\(uri): the document exactly as attached")
                #expect(download.headers[.contentType]?.hasPrefix("application/json") == true)
                #expect(
                    download.headers[.contentDisposition]
                        == "attachment; filename=\"privacy-export-\(request.id).json\"")
                #expect(download.headers[.cacheControl] == "no-store")
            }
            let page = try await client.get("/privacy/demo/status/\(request.secret)")
            #expect(page.text.contains("href=\"/privacy/demo/status/\(request.secret)/export\""))
            let size = String(format: "%.1f", Double(bytes.count) / 1000)
            #expect(page.text.contains("(JSON, \(size) KB)"), "the size, for people")
            let spanish = try await client.get("/privacy/demo/status/\(request.secret)?lang=es")
            #expect(spanish.text.contains("Descargar sus datos"))

            // Completing the request tells the requester where their data is.
            for next in ["in_progress", "completed"] {
                _ = try await client.post(
                    "/v1/admin/requests/\(request.id)/status", json: #"{"status":"\#(next)"}"#, admin)
            }
            let mail = try #require(try Outbox.messages(in: configuration).last { $0.contains("ana@example.com") })
            #expect(mail.contains("Your data is ready"))
            #expect(try await client.get("/v1/requests/status/\(request.secret)/export").bytes == bytes)
        }
    }

    @Test func attachingAgainReplacesTheDocument() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let request = try await Self.verified(client, configuration, email: "bo@example.com")
            #expect(try await Self.put(client, request.id, #"{"v":1}"#, admin).status == .ok)
            _ = try await client.post(
                "/v1/admin/requests/\(request.id)/status", json: #"{"status":"in_progress"}"#, admin)
            #expect(try await Self.put(client, request.id, #"[{"v":2}]"#, admin).status == .ok)
            #expect(try await client.get("/v1/requests/status/\(request.secret)/export").text == #"[{"v":2}]"#)
            let history = try await client.get("/v1/admin/requests/\(request.id)", admin).json()["history"]
            let notes = history?.arrayValue?.filter { $0["action"]?.stringValue == "export_attached" }
                .compactMap { $0["note"]?.stringValue }
            #expect(notes?.count == 2)
            #expect(notes?.last?.hasPrefix("replaced: ") == true)
        }
    }

    @Test func onlyAVerifiedOpenAccessRequestTakesAnExport() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let waiting = try await Self.file(client, email: "wait@example.com")
            try expectError(
                try await Self.put(client, waiting.id, "{}", admin), .conflict, code: "invalid_export",
                mentioning: "not confirmed")
            let deletion = try await Self.file(client, type: "delete", email: "del@example.com")
            try expectError(
                try await Self.put(client, deletion.id, "{}", admin), .conflict, code: "invalid_export",
                mentioning: "delete request")
            let verified = try await Self.verified(client, configuration, email: "ok@example.com")
            try expectError(
                try await Self.put(client, verified.id, "{", admin), .badRequest, code: "invalid_json")
            try expectError(
                try await Self.put(client, verified.id, "42", admin), .badRequest, code: "invalid_export",
                mentioning: "object or array")
            let tooLarge = #"{"x":""# + String(repeating: "a", count: RequestService.maxExportBytes) + #""}"#
            try expectError(
                try await Self.put(client, verified.id, tooLarge, admin), .contentTooLarge, code: "body_too_large")
            let justFits = #"{"x":""# + String(repeating: "a", count: RequestService.maxExportBytes - 10) + #""}"#
            #expect(try await Self.put(client, verified.id, justFits, admin).status == .ok)
            try expectError(
                try await Self.put(client, "nope", "{}", admin), .notFound, code: "unknown_request")
            try expectError(
                try await Self.put(client, verified.id, "{}", [.contentType: "application/json"]), .unauthorized,
                code: "unauthorized")
            let store = try TestServer.store(configuration)
            let key = try await APITokens.create(
                store: store, scope: .suppression, property: "demo", label: "crm", now: 1
            ).secret
            try expectError(
                try await Self.put(
                    client, verified.id, "{}", [.contentType: "application/json", .authorization: "Bearer " + key]),
                .forbidden, code: "forbidden")
            _ = try await client.post(
                "/v1/admin/requests/\(verified.id)/status", json: #"{"status":"denied","reason":"no"}"#, admin)
            try expectError(
                try await Self.put(client, verified.id, "{}", admin), .conflict, code: "invalid_export",
                mentioning: "already denied")
        }
    }

    @Test func theDownloadIsA404UnlessTheRequestIsAVerifiedAccessRequestWithAnExport() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let unverified = try await Self.file(client, email: "un@example.com")
            let noExport = try await Self.verified(client, configuration, email: "none@example.com")
            let denied = try await Self.verified(client, configuration, email: "denied@example.com")
            #expect(try await Self.put(client, denied.id, #"{"a":1}"#, admin).status == .ok)
            #expect(try await client.get("/v1/requests/status/\(denied.secret)/export").status == .ok)
            _ = try await client.post(
                "/v1/admin/requests/\(denied.id)/status", json: #"{"status":"denied","reason":"not you"}"#, admin)
            for secret in [unverified.secret, noExport.secret, denied.secret, "wrong"] {
                for uri in ["/v1/requests/status/\(secret)/export", "/privacy/demo/status/\(secret)/export"] {
                    try expectError(try await client.get(uri), .notFound, code: "no_export")
                }
            }
            let exported = try await Self.verified(client, configuration, email: "yes@example.com")
            #expect(try await Self.put(client, exported.id, #"{"a":1}"#, admin).status == .ok)
            try expectError(
                try await client.get("/privacy/other/status/\(exported.secret)/export"), .notFound, code: "no_export")
            let page = try await client.get("/privacy/demo/status/\(noExport.secret)")
            #expect(!page.text.contains("/export"), "no link without an export")
        }
    }

    @Test func retentionErasesTheExportWithTheAddress() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let request = try await Self.verified(client, configuration, email: "gone@example.com")
            #expect(try await Self.put(client, request.id, #"{"a":1}"#, admin).status == .ok)
            for next in ["in_progress", "completed"] {
                _ = try await client.post(
                    "/v1/admin/requests/\(request.id)/status", json: #"{"status":"\#(next)"}"#, admin)
            }
            let store = try TestServer.store(configuration)
            let now = ConsentService.now()
            let early = RetentionService(store: store, days: 30, logger: Logger(label: "test"), clock: { now })
            #expect(await early.eraseDue() == 0)
            #expect(try await client.get("/v1/requests/status/\(request.secret)/export").status == .ok)
            let due = RetentionService(
                store: store, days: 30, logger: Logger(label: "test"), clock: { now + 31 * 86_400_000 })
            #expect(await due.eraseDue() == 1)
            try expectError(
                try await client.get("/v1/requests/status/\(request.secret)/export"), .notFound, code: "no_export")
            #expect(try await store.exportDocument(requestID: request.id) == nil)
            let shown = try await client.get("/v1/admin/requests/\(request.id)", admin).json()
            #expect(shown["export"] == .null)
            #expect(shown["email"] == .null)
            let actions = shown["history"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            #expect(Array(actions.suffix(2)) == ["email_erased", "export_erased"])
        }
    }
}
