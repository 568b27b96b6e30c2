import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird

/// API tokens in the admin API: list them (never their secrets), create one (its secret in this answer only),
/// revoke one. Owners and admin tokens only (`manageTokens`); each change is written to the audit log, as the
/// console's tokens page does through the same functions.
struct TokenAdminController<Context: RequestContext>: Sendable {
    let store: any AssentStorage
    let sessions: ConsoleSessions

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("admin/tokens", use: list)
        routes.post("admin/tokens", use: create)
        routes.delete("admin/tokens/:token", use: revoke)
        return routes
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: false)
        try actor.require(.manageTokens)
        let tokens = try await APITokens.listed(store: store)
        return jsonResponse(
            headers: [.cacheControl: "no-store"], .object([("tokens", .array(tokens.map { .object(Self.view($0)) }))]))
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: true)
        try actor.require(.manageTokens)
        let json = try Body.parse(try await Body.json(request, limit: 16 * 1024))
        guard let object = json.objectValue else {
            throw AssentError.badRequest("expected an object with label, scope and property", code: "invalid_token")
        }
        var fields: [String: String] = [:]
        for (name, value) in object {
            guard ["label", "scope", "property"].contains(name) else {
                throw AssentError.badRequest("\(name): unknown field", code: "invalid_token")
            }
            if value == .null { continue }
            guard let text = value.stringValue else {
                throw AssentError.badRequest("\(name): expected a string", code: "invalid_token")
            }
            fields[name] = text
        }
        let asked: APITokens.Request
        do {
            asked = try APITokens.Request.check(
                label: fields["label"] ?? "", scope: fields["scope"] ?? APIToken.Scope.admin.rawValue,
                property: fields["property"], known: Set(try await store.propertyIDs()))
        } catch let problem as APITokens.Problem {
            throw problem.error
        }
        let created = try await APITokens.create(asked, actor: actor, store: store, now: sessions.clock())
        var members = Self.view(created.token)
        members.append(("secret", .string(created.secret)))
        return jsonResponse(
            status: .created,
            headers: [.location: "/v1/admin/tokens/\(created.token.id)", .cacheControl: "no-store"],
            .object(members))
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: true)
        try actor.require(.manageTokens)
        let id = try context.parameters.require("token")
        let token = try await APITokens.revoke(id: id, actor: actor, store: store, now: sessions.clock())
        return jsonResponse(headers: [.cacheControl: "no-store"], .object(Self.view(token)))
    }

    /// A token as the API shows it: never its secret or the secret's hash.
    static func view(_ token: APIToken) -> [(String, JSONValue)] {
        [
            ("id", .string(token.id)), ("label", .string(token.label)), ("scope", .string(token.scope.rawValue)),
            ("property", token.property.map(JSONValue.string) ?? .null),
            ("createdAt", .string(Timestamp.iso8601(milliseconds: token.createdAt))),
            ("revokedAt", token.revokedAt.map { .string(Timestamp.iso8601(milliseconds: $0)) } ?? .null),
            ("lastUsedAt", token.lastUsedAt.map { .string(Timestamp.iso8601(milliseconds: $0)) } ?? .null),
        ]
    }
}

extension APITokens {
    /// A token someone asked for, checked: a label of at most 200 characters, a scope, and a property for a
    /// suppression token (an admin token covers every property).
    struct Request: Sendable, Equatable {
        static let maximumLabel = 200

        var label: String
        var scope: APIToken.Scope
        var property: String?

        /// Throws 400 `invalid_token` naming what is wrong (`key`: the console's text for it).
        static func check(label: String, scope: String, property: String?, known: Set<String>) throws -> Request {
            let label = label.trimmingCharacters(in: .whitespacesAndNewlines)
            let property = property.flatMap { $0.isEmpty ? nil : $0 }
            guard label.count <= maximumLabel else {
                throw Problem("label: at most \(maximumLabel) characters", key: "problem.tokenLabel")
            }
            guard let scope = APIToken.Scope(rawValue: scope) else {
                throw Problem("scope: expected admin or suppression", key: "problem.tokenScope")
            }
            switch scope {
            case .admin:
                guard property == nil else {
                    throw Problem(
                        "property: an admin token covers every property; leave it out", key: "problem.tokenProperty")
                }
            case .suppression:
                guard let property, known.contains(property) else {
                    throw Problem(
                        "property: a suppression token is for one existing property", key: "problem.tokenProperty")
                }
            }
            return Request(label: label, scope: scope, property: property)
        }
    }

    /// Why a token request was refused: the API's message, and the console's text for it.
    struct Problem: Error {
        let message: String
        let key: String
        init(_ message: String, key: String) {
            self.message = message
            self.key = key
        }
        var error: AssentError { AssentError.badRequest(message, code: "invalid_token") }
    }

    /// Every token, newest first.
    static func listed(store: any CredentialStore) async throws -> [APIToken] {
        try await store.tokens().sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// Creates the token and writes `token.create` to the audit log.
    static func create(_ request: Request, actor: AdminActor, store: any AssentStorage, now: Int64) async throws
        -> Created
    {
        let created = try await create(
            store: store, scope: request.scope, property: request.property, label: request.label, now: now)
        try await store.appendAudit(
            actor.audit(
                "token.create", target: created.token.id, property: request.property,
                summary: "\(request.scope.rawValue) token"
                    + (request.label.isEmpty ? "" : " \"\(request.label)\""), at: now))
        return created
    }

    /// Revokes the token (at once, on every server: each request reads it) and writes `token.revoke` to the audit
    /// log; a token revoked already stays as it was. 404 `unknown_token` when there is none.
    static func revoke(id: String, actor: AdminActor, store: any AssentStorage, now: Int64) async throws -> APIToken {
        guard id.utf8.count <= 64, var token = try await store.tokens().first(where: { $0.id == id }) else {
            throw AssentError.notFound("no token \(id)", code: "unknown_token")
        }
        guard token.revokedAt == nil else { return token }
        token.revokedAt = now
        try await store.saveToken(token)
        try await store.appendAudit(
            actor.audit(
                "token.revoke", target: token.id, property: token.property,
                summary: "\(token.scope.rawValue) token" + (token.label.isEmpty ? "" : " \"\(token.label)\"")
                    + " revoked", at: now))
        return token
    }
}
