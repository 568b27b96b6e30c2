import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird

/// The API tokens page (owners only): every token with its scope and state, a form that creates one, and a revoke
/// button per live token. A new token's secret is shown once, in the answer to the form's POST (no-store, never in
/// a URL, never again); the admin API (`/v1/admin/tokens`) does the same through the same functions.
extension ConsoleController {
    func addTokenRoutes(to router: Router<Context>) {
        router.get("/admin/tokens", use: guarded(tokens))
        router.post("/admin/tokens", use: guarded(createToken))
        router.post("/admin/tokens/:id/revoke", use: guarded(revokeToken))
    }

    @Sendable func tokens(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.manageTokens)
        let notice = request.uri.queryParameters["done"].flatMap { page.t[String($0)] }
        return try await renderTokens(page, form: Form(fields: [:]), notice: notice)
    }

    private func renderTokens(
        _ page: ConsolePage, form: Form, created: APITokens.Created? = nil, notice: String? = nil,
        error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        func day(_ ms: Int64) -> String {
            String(Timestamp.iso8601(milliseconds: ms).prefix(16).replacingOccurrences(of: "T", with: " "))
        }
        let rows: [[String: Any]] = try await APITokens.listed(store: store).map { token in
            let name = token.label.isEmpty ? token.id : token.label
            var row: [String: Any] = [
                "id": token.id, "label": token.label.isEmpty ? "—" : token.label,
                "scope": page.t["tokenScope." + token.scope.rawValue] ?? token.scope.rawValue,
                "property": token.property ?? page.t["allProperties"]!, "created": day(token.createdAt),
                "lastUsed": token.lastUsedAt.map(day) ?? page.t["tokenNeverUsed"]!,
                "live": token.revokedAt == nil,
                "revokeLabel": page.t["tokenRevokeLabel"]!.replacingOccurrences(of: "{name}", with: name),
            ]
            row["state"] =
                token.revokedAt.map { page.t["tokenRevokedOn"]!.replacingOccurrences(of: "{time}", with: day($0)) }
                ?? page.t["active"]!
            return row
        }
        let chosenScope = form["scope"] ?? APIToken.Scope.admin.rawValue
        let scopes: [[String: Any]] = APIToken.Scope.allCases.map {
            [
                "value": $0.rawValue, "label": page.t["tokenScopeChoice." + $0.rawValue] ?? $0.rawValue,
                "selected": $0.rawValue == chosenScope,
            ]
        }
        var properties: [[String: Any]] = []
        for id in try await store.propertyIDs().sorted() {
            properties.append(["value": id, "selected": form["property"] == id])
        }
        var values: [String: Any] = [
            "tokens": rows, "hasTokens": !rows.isEmpty, "scopes": scopes, "propertyOptions": properties,
            "form": ["label": form["label"] ?? ""],
        ]
        if let created {
            values["created"] = [
                "secret": created.secret, "id": created.token.id,
                "label": created.token.label.isEmpty ? created.token.id : created.token.label,
            ]
        }
        return render(
            page, "tokens", title: page.t["tokens"]!, values: values, notice: notice, error: error, status: status,
            current: "tokens")
    }

    @Sendable func createToken(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let form = try await page.form(request)
        let actor = try page.signedIn()
        try actor.require(.manageTokens)
        let asked: APITokens.Request
        do {
            asked = try APITokens.Request.check(
                label: form["label"] ?? "", scope: form["scope"] ?? "",
                property: form["scope"] == APIToken.Scope.suppression.rawValue ? form["property"] : nil,
                known: Set(try await store.propertyIDs()))
        } catch let problem as APITokens.Problem {
            return try await renderTokens(
                page, form: form, error: page.t[problem.key] ?? problem.message, status: .badRequest)
        }
        let created = try await APITokens.create(asked, actor: actor, store: store, now: sessions.clock())
        // The secret is in this answer only (no-store): a redirect would have to carry it in a URL or keep it.
        return try await renderTokens(page, form: Form(fields: [:]), created: created, status: .created)
    }

    @Sendable func revokeToken(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        _ = try await page.form(request)
        let actor = try page.signedIn()
        try actor.require(.manageTokens)
        _ = try await APITokens.revoke(
            id: try context.parameters.require("id"), actor: actor, store: store, now: sessions.clock())
        return Self.seeOther("/admin/tokens?done=tokenRevoked")
    }
}
