import AssentCore
import AssentStore
import Foundation

/// Bearer credentials for the admin API and the suppression lookups. The secret is shown once, when it is
/// made; the store keeps only its SHA-256, so a copy of the database grants nothing.
public enum APITokens {
    /// `asnt_` and 43 base64url characters (32 random bytes).
    public static let prefix = "asnt_"

    public struct Created: Sendable {
        public let token: APIToken
        public let secret: String
    }

    public static func create(
        store: any CredentialStore, scope: APIToken.Scope, property: String?, label: String, now: Int64
    ) async throws -> Created {
        let secret = prefix + Secrets.token()
        let token = APIToken(
            id: RandomID.uuid(milliseconds: now), secretHash: hash(secret), scope: scope, property: property,
            label: label, createdAt: now)
        try await store.saveToken(token)
        return Created(token: token, secret: secret)
    }

    public static func hash(_ secret: String) -> String { Secrets.sha256Hex(secret) }

    /// How often a token's last use is written: at most once a minute per token, not on every request.
    static let useResolution: Int64 = 60_000

    /// The live token a request's `Authorization: Bearer …` names, if it grants `scope` on `property`; its use at
    /// `now` is recorded (to the minute).
    static func authorize(
        store: any CredentialStore, header: String?, scope: APIToken.Scope, property: String?, now: Int64
    ) async throws -> APIToken {
        guard let header, header.lowercased().hasPrefix("bearer ") else {
            throw AssentError.unauthorized("an Authorization: Bearer token is required")
        }
        let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard secret.hasPrefix(prefix), let token = try await store.token(secretHash: hash(secret)),
            token.revokedAt == nil
        else { throw AssentError.unauthorized("the bearer token is not valid") }
        // An admin token may do everything a suppression key may; a suppression key only that, on its property.
        let allowed =
            token.scope == .admin || (token.scope == scope && (property == nil || token.property == property))
        guard allowed else { throw AssentError.forbidden("this token does not grant \(scope.rawValue) access here") }
        if token.lastUsedAt.map({ now - $0 >= useResolution }) ?? true {
            // Bookkeeping only: a failed write does not refuse the request.
            try? await store.markTokenUsed(id: token.id, at: now)
        }
        return token
    }
}
