import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AssentServer

/// API tokens in the console (owners only) and the admin API: made with the secret shown once, listed without it,
/// revoked so that they stop working, each change in the audit log; every other role refused.
@Suite("Console tokens")
struct ConsoleTokenTests {
    /// The secret in the page's read-only field.
    static func secret(in page: String) -> String? {
        guard let start = page.range(of: "id=\"secret\" type=\"text\" readonly value=\""),
            let end = page.range(of: "\"", range: start.upperBound..<page.endIndex)
        else { return nil }
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test func anOwnerMakesATokenSeesItsSecretOnceAndRevokesIt() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            var owner = try await ConsoleScanTests.signedIn(client, configuration, "owner@example.com", .owner)
            let empty = try await owner.get(client, "/admin/tokens")
            #expect(empty.status == .ok)
            #expect(empty.text.contains("href=\"/admin/tokens\" aria-current=\"page\""))
            // A suppression token needs a property; an admin token none.
            let noProperty = try await owner.post(
                client, "/admin/tokens", [("label", "lookup"), ("scope", "suppression"), ("property", "")])
            #expect(noProperty.status == .badRequest)
            #expect(ConsoleRouteTests.errorText(noProperty)?.contains("suppression token") == true)
            let badScope = try await owner.post(client, "/admin/tokens", [("label", "x"), ("scope", "root")])
            #expect(badScope.status == .badRequest)
            let forged = try await owner.post(
                client, "/admin/tokens", [("label", "x"), ("scope", "admin")], csrf: false)
            #expect(forged.status == .forbidden)
            let store = try TestServer.store(configuration)
            #expect(try await store.tokens().isEmpty)

            let made = try await owner.post(client, "/admin/tokens", [("label", "CI deploy"), ("scope", "admin")])
            #expect(made.status == .created, "\(made.text)")
            #expect(made.headers[.cacheControl] == "no-store")
            #expect(made.headers[.location] == nil, "the secret never goes into a URL")
            let secret = try #require(Self.secret(in: made.text))
            #expect(secret.hasPrefix(APITokens.prefix))
            // The secret works, and is never shown again.
            let listed = try await client.get("/v1/admin/tokens", [.authorization: "Bearer " + secret])
            #expect(listed.status == .ok, "\(listed.text)")
            #expect(!listed.text.contains(secret))
            let tokens = try #require(try listed.json()["tokens"]?.arrayValue)
            #expect(tokens.count == 1)
            #expect(tokens.first?["label"]?.stringValue == "CI deploy")
            #expect(tokens.first?["secretHash"] == nil)
            let id = try #require(tokens.first?["id"]?.stringValue)
            // This very call is the token's last use, recorded to the minute.
            let used = try #require(try await store.tokens().first?.lastUsedAt)
            #expect(abs(used - ConsentService.now()) < 60_000)
            #expect(tokens.first?["lastUsedAt"]?.stringValue == Timestamp.iso8601(milliseconds: used))
            let again = try await owner.get(client, "/admin/tokens")
            #expect(!again.text.contains(secret))
            #expect(again.text.contains("CI deploy") && again.text.contains(id))
            let usedShown = String(Timestamp.iso8601(milliseconds: used).prefix(16)).replacingOccurrences(
                of: "T", with: " ")
            #expect(again.text.contains("<td>\(usedShown)</td><td>Active</td>"), "\(again.text)")

            // A suppression token for the demo.
            let lookup = try await owner.post(
                client, "/admin/tokens", [("label", "lookup"), ("scope", "suppression"), ("property", "demo")])
            #expect(lookup.status == .created)
            #expect(try await store.tokens().first { $0.label == "lookup" }?.property == "demo")
            #expect(try await owner.get(client, "/admin/tokens").text.contains("<td>never</td>"), "not used yet")

            // Revoked: it stops working at once.
            let revoked = try await owner.post(client, "/admin/tokens/\(id)/revoke")
            #expect(revoked.status == .seeOther)
            #expect(revoked.headers[.location] == "/admin/tokens?done=tokenRevoked")
            try expectError(
                try await client.get("/v1/admin/tokens", [.authorization: "Bearer " + secret]), .unauthorized,
                code: "unauthorized")
            let after = try await owner.get(client, "/admin/tokens?done=tokenRevoked")
            #expect(after.text.contains("The token was revoked"))
            #expect(!after.text.contains("/admin/tokens/\(id)/revoke"), "a revoked token has no revoke button")
            #expect(try await owner.post(client, "/admin/tokens/nope/revoke").status == .notFound)
            let created = try await store.auditEvents(AuditFilter(action: "token.create"))
            #expect(created.count == 2 && created.allSatisfy { $0.actorLabel == "owner@example.com" })
            let revokes = try await store.auditEvents(AuditFilter(action: "token.revoke"))
            #expect(revokes.map(\.target) == [id])
        }
    }

    @Test func everyRoleButOwnerIsRefusedTokensInTheConsoleAndTheAPI() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            let existing = try await APITokens.create(
                store: store, scope: .admin, property: nil, label: "machine", now: 1)
            for role in [AccountRole.editor, .privacy, .viewer] {
                var person = try await ConsoleScanTests.signedIn(
                    client, configuration, "\(role.rawValue)@example.com", role)
                #expect(try await person.get(client, "/admin/tokens").status == .forbidden, "\(role)")
                let overview = try await person.get(client, "/admin/")
                #expect(!overview.text.contains("href=\"/admin/tokens\""), "\(role) has no tokens link")
                let made = try await person.post(client, "/admin/tokens", [("label", "x"), ("scope", "admin")])
                #expect(made.status == .forbidden, "\(role)")
                let revoke = try await person.post(client, "/admin/tokens/\(existing.token.id)/revoke")
                #expect(revoke.status == .forbidden, "\(role)")
                try expectError(
                    try await client.get("/v1/admin/tokens", [.cookie: person.cookieHeader]), .forbidden,
                    code: "forbidden")
            }
            #expect(try await store.tokens().count == 1)
            #expect(try await store.tokens().first?.revokedAt == nil)
        }
    }

    @Test func theAdminAPIMakesListsAndRevokesTokens() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            func post(_ body: String) async throws -> TestResponse {
                try await client.post("/v1/admin/tokens", json: body, admin)
            }
            let made = try await post(#"{"label":"lookup","scope":"suppression","property":"demo"}"#)
            #expect(made.status == .created, "\(made.text)")
            let json = try made.json()
            let secret = try #require(json["secret"]?.stringValue)
            let id = try #require(json["id"]?.stringValue)
            #expect(made.headers[.location] == "/v1/admin/tokens/\(id)")
            #expect(json["scope"]?.stringValue == "suppression" && json["property"]?.stringValue == "demo")
            #expect(json["revokedAt"] == .null)
            // A suppression token is no admin token.
            try expectError(
                try await client.get("/v1/admin/tokens", [.authorization: "Bearer " + secret]), .forbidden,
                code: "forbidden")
            let plain = try await post(#"{}"#)
            #expect(plain.status == .created)
            #expect(try plain.json()["scope"]?.stringValue == "admin")
            try expectError(
                try await post(#"{"scope":"root"}"#), .badRequest, code: "invalid_token", mentioning: "scope")
            try expectError(try await post(#"{"scope":"suppression"}"#), .badRequest, code: "invalid_token")
            try expectError(
                try await post(#"{"scope":"suppression","property":"nope"}"#), .badRequest, code: "invalid_token")
            try expectError(
                try await post(#"{"scope":"admin","property":"demo"}"#), .badRequest, code: "invalid_token")
            try expectError(try await post(#"{"label":7}"#), .badRequest, code: "invalid_token")
            try expectError(try await post(#"{"colour":"red"}"#), .badRequest, code: "invalid_token")
            try expectError(
                try await post(#"{"label":"\#(String(repeating: "x", count: 201))"}"#), .badRequest,
                code: "invalid_token", mentioning: "label")
            try expectError(try await post("[1]"), .badRequest, code: "invalid_token")
            try expectError(try await post("{"), .badRequest, code: "invalid_json")
            try expectError(
                try await client.post("/v1/admin/tokens", json: "{}"), .unauthorized, code: "unauthorized")

            let revoked = try await client.execute(uri: "/v1/admin/tokens/\(id)", method: .delete, headers: admin)
            #expect(revoked.status == .ok, "\(revoked.text)")
            #expect(try revoked.json()["revokedAt"]?.stringValue != nil)
            try expectError(
                try await client.execute(uri: "/v1/admin/tokens/nope", method: .delete, headers: admin), .notFound,
                code: "unknown_token")
            let listed = try await client.get("/v1/admin/tokens", admin).json()
            let tokens = try #require(listed["tokens"]?.arrayValue)
            #expect(tokens.count == 3)
            #expect(tokens.first { $0["id"]?.stringValue == id }?["revokedAt"]?.stringValue != nil)
            let audit = try await TestServer.store(configuration).auditEvents(AuditFilter(action: "token.create"))
            #expect(audit.count == 2 && audit.allSatisfy { $0.actor.hasPrefix("token:") })
        }
    }
}
