import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore

/// The admin console at `/admin/`: server-rendered pages and plain forms with post/redirect/get, so every page
/// works without JavaScript. No inline script or style (the CSP allows none), one stylesheet, texts from the
/// catalogues inserted as text. Each form carries a CSRF token; each page checks the role in one place
/// (`AdminActor.require`) and answers a refusal with a 403 page.
struct ConsoleController<Context: RequestContext>: Sendable {
    static var contentSecurityPolicy: String {
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            + "base-uri 'none'"
    }

    let store: any AssentStorage
    /// The services behind the pages: the console works through them, as the admin JSON API does.
    let consent: ConsentService
    let requests: RequestService
    let scans: ScanService
    let sessions: ConsoleSessions
    let csrfTokens: CSRFTokens
    let texts: ConsoleTexts
    let library: MustacheLibrary
    let stylesheet: StaticAsset
    /// Unsaved property drafts the preview shows (ConsoleController+Preview.swift).
    let previews = PreviewDrafts()
    let logger: Logger

    init(
        consent: ConsentService, requests: RequestService, scans: ScanService, sessions: ConsoleSessions,
        logger: Logger
    ) throws {
        store = consent.store
        self.consent = consent
        self.requests = requests
        self.scans = scans
        self.sessions = sessions
        self.logger = logger
        csrfTokens = CSRFTokens(store: store)
        texts = ConsoleTexts(catalogue: requests.texts)
        var library = MustacheLibrary()
        for name in Self.templates {
            try library.register(try Resources.text("console/\(name).mustache"), named: name)
        }
        self.library = library
        stylesheet = StaticAsset(
            bytes: try Resources.bytes("console/console.css"), contentType: "text/css; charset=utf-8",
            cacheControl: "public, max-age=3600, must-revalidate")
    }

    /// The console's templates, `Resources/console/<name>.mustache`.
    static var templates: [String] {
        [
            "layout", "sign-in", "setup", "message", "overview", "people", "audit", "analytics", "requests", "request",
            "records", "property-list", "property", "property-edit", "property-history", "property-preview",
            "scans", "scan", "tokens",
        ]
    }

    /// The navigation: a page's path, its title's key, and the permission that shows it.
    static var sections: [(path: String, key: String, permission: ConsolePermission)] {
        [
            ("/admin/", "overview", .readProperties),
            ("/admin/properties", "properties", .readProperties),
            ("/admin/analytics", "analytics", .readAnalytics),
            ("/admin/requests", "requests", .readRequests),
            ("/admin/records", "records", .readRecords),
            ("/admin/scans", "scans", .readProperties),
            ("/admin/people", "people", .managePeople),
            ("/admin/tokens", "tokens", .manageTokens),
            ("/admin/audit", "audit", .readAudit),
        ]
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/admin/console.css") { request, _ in stylesheet.response(for: request) }
        router.get("/admin/", use: guarded(overview))
        router.get("/admin/sign-in", use: guarded(signInPage))
        router.post("/admin/sign-in", use: guarded(signIn))
        router.post("/admin/sign-out", use: guarded(signOut))
        router.post("/admin/sign-out-everywhere", use: guarded(signOutEverywhere))
        router.get("/admin/setup/:secret", use: guarded(setupPage))
        router.post("/admin/setup/:secret", use: guarded(setup))
        router.get("/admin/people", use: guarded(people))
        router.post("/admin/people", use: guarded(createPerson))
        router.post("/admin/people/:id/disable", use: guarded(disablePerson))
        router.post("/admin/people/:id/enable", use: guarded(enablePerson))
        router.post("/admin/people/:id/password", use: guarded(setPassword))
        router.get("/admin/audit", use: guarded(audit))
        addRequestRoutes(to: router)
        addRecordRoutes(to: router)
        addAnalyticsRoutes(to: router)
        addPropertyRoutes(to: router)
        addPreviewRoutes(to: router)
        addScanRoutes(to: router)
        addTokenRoutes(to: router)
    }

    // MARK: Sign-in and set-up

    @Sendable func signInPage(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        if page.actor != nil { return Self.seeOther("/admin/") }
        return try await renderSignIn(page, email: "")
    }

    private func renderSignIn(
        _ page: ConsolePage, email: String, error: String? = nil, status: HTTPResponse.Status = .ok,
        headers: HTTPFields = [:]
    ) async throws -> Response {
        let noOwner = try await !ConsoleAccounts.hasOwner(store: store)
        return render(
            page, "sign-in", title: page.t["signIn"]!, values: ["email": email, "noOwner": noOwner], error: error,
            status: status, headers: headers)
    }

    @Sendable func signIn(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let form = try await page.form(request)
        let email = String((form["email"] ?? "").prefix(254))
        do {
            let (account, secret) = try await sessions.signIn(
                email: email, password: form["password"] ?? "", client: page.client)
            try await store.appendAudit(
                AuditEvent(
                    time: sessions.clock(), actor: "account:" + account.id, actorLabel: account.email,
                    action: "session.sign_in", target: account.email, summary: "signed in", client: page.client))
            var response = Self.seeOther("/admin/")
            response.headers.append(HTTPField(name: .setCookie, value: sessions.cookie(secret, secure: page.secure)))
            return response
        } catch ConsoleSessions.SignInError.rejected {
            return try await renderSignIn(page, email: email, error: page.t["signInFailed"], status: .unauthorized)
        } catch ConsoleSessions.SignInError.limited(let seconds) {
            return try await renderSignIn(
                page, email: email, error: page.t["signInLimited"], status: .tooManyRequests,
                headers: [.retryAfter: String(seconds)])
        }
    }

    @Sendable func signOut(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        _ = try await page.form(request)
        if let actor = page.actor, case .account(let account, let session) = actor.kind {
            try await sessions.signOut(session)
            try await store.appendAudit(
                actor.audit("session.sign_out", target: account.email, summary: "signed out", at: sessions.clock()))
        }
        var response = Self.seeOther("/admin/sign-in")
        response.headers.append(HTTPField(name: .setCookie, value: sessions.cookie(nil, secure: page.secure)))
        return response
    }

    @Sendable func signOutEverywhere(_ request: Request, context: Context, page: ConsolePage) async throws
        -> Response
    {
        _ = try await page.form(request)
        let actor = try page.signedIn()
        guard let account = actor.account else { throw AssentError.forbidden("not a console session") }
        let ended = try await store.revokeSessions(account: account.id, at: sessions.clock())
        try await store.appendAudit(
            actor.audit(
                "session.sign_out_everywhere", target: account.email, summary: "\(ended) session(s) ended",
                at: sessions.clock()))
        var response = Self.seeOther("/admin/sign-in?done=everywhere")
        response.headers.append(HTTPField(name: .setCookie, value: sessions.cookie(nil, secure: page.secure)))
        return response
    }

    @Sendable func setupPage(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let secret = try context.parameters.require("secret")
        guard try await setupUsable(secret) else { return setupGone(page) }
        return render(
            page, "setup", title: page.t["setupTitle"]!, values: ["secret": secret, "email": "", "name": ""])
    }

    private func setupUsable(_ secret: String) async throws -> Bool {
        guard secret.utf8.count <= 64,
            try await store.setupTokenUsable(hash: Secrets.sha256Hex(secret), at: sessions.clock())
        else { return false }
        return try await !ConsoleAccounts.hasOwner(store: store)
    }

    private func setupGone(_ page: ConsolePage) -> Response {
        render(
            page, "message", title: page.t["setupGoneTitle"]!,
            values: ["message": page.t["setupGone"]!, "back": "/admin/sign-in", "backLabel": page.t["signIn"]!],
            status: .gone)
    }

    @Sendable func setup(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let secret = try context.parameters.require("secret")
        let form = try await page.form(request)
        guard try await setupUsable(secret) else { return setupGone(page) }
        let email = form["email"] ?? ""
        let name = form["name"] ?? ""
        let password = form["password"] ?? ""
        do {
            _ = try ConsoleAccounts.checkEmail(email)
            try ConsoleAccounts.checkPassword(password)
        } catch {
            return render(
                page, "setup", title: page.t["setupTitle"]!,
                values: ["secret": secret, "email": email, "name": name], error: page.t[error.key] ?? error.message,
                status: .badRequest)
        }
        let now = sessions.clock()
        // The link is spent before the account exists: of two posts at once, one creates the owner.
        guard try await store.useSetupToken(hash: Secrets.sha256Hex(secret), at: now) else { return setupGone(page) }
        let account = try await ConsoleAccounts.create(
            store: store, email: email, displayName: name, role: .owner, properties: nil, password: password, now: now)
        try await store.appendAudit(
            AuditEvent(
                time: now, actor: "account:" + account.id, actorLabel: account.email, action: "account.create",
                target: account.email, summary: "owner created with the set-up link", client: page.client))
        let cookie = try await sessions.open(account: account, now: now)
        var response = Self.seeOther("/admin/")
        response.headers.append(HTTPField(name: .setCookie, value: sessions.cookie(cookie, secure: page.secure)))
        return response
    }

    // MARK: People

    @Sendable func people(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.managePeople)
        let notice = request.uri.queryParameters["done"].flatMap { page.t[String($0)] }
        return try await renderPeople(page, form: Form(fields: [:]), notice: notice)
    }

    private func renderPeople(
        _ page: ConsolePage, form: Form, notice: String? = nil, error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let accounts: [[String: Any]] = try await store.accounts().map { account in
            [
                "id": account.id, "email": account.email, "name": account.displayName,
                "role": page.roleName(account.role),
                "properties": account.properties.map { $0.isEmpty ? "—" : $0.joined(separator: ", ") }
                    ?? page.t["allProperties"]!,
                "status": account.disabledAt == nil ? page.t["active"]! : page.t["disabled"]!,
                "toggleAction": account.disabledAt == nil ? "disable" : "enable",
                "toggleLabel": (account.disabledAt == nil ? page.t["disable"]! : page.t["enable"]!) + " "
                    + account.email,
                "passwordLabel": page.t["newPasswordFor"]!.replacingOccurrences(of: "{email}", with: account.email),
            ]
        }
        let chosenRole = form["role"] ?? AccountRole.editor.rawValue
        let roles: [[String: Any]] = AccountRole.allCases.map {
            ["value": $0.rawValue, "label": page.roleDescription($0), "selected": $0.rawValue == chosenRole]
        }
        var choices: [[String: Any]] = []
        for id in try await store.propertyIDs().sorted() {
            let name = try await store.currentProperty(id: id)?.property.name ?? ""
            choices.append(["id": id, "name": name, "checked": form["property.\(id)"] == "on"])
        }
        return render(
            page, "people", title: page.t["people"]!,
            values: [
                "accounts": accounts, "roles": roles, "propertyChoices": choices,
                "hasPropertyChoices": !choices.isEmpty,
                "form": ["email": form["email"] ?? "", "name": form["name"] ?? ""],
            ], notice: notice, error: error, status: status, current: "people")
    }

    @Sendable func createPerson(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let form = try await page.form(request)
        let actor = try page.signedIn()
        try actor.require(.managePeople)
        guard let role = AccountRole(rawValue: form["role"] ?? "") else {
            return try await renderPeople(page, form: form, error: page.t["problem.role"], status: .badRequest)
        }
        let known = Set(try await store.propertyIDs())
        let chosen = form.fields.keys.filter { $0.hasPrefix("property.") && form[$0] == "on" }
            .map { String($0.dropFirst("property.".count)) }.sorted()
        guard chosen.allSatisfy(known.contains) else {
            return try await renderPeople(page, form: form, error: page.t["problem.properties"], status: .badRequest)
        }
        let now = sessions.clock()
        let account: Account
        do {
            account = try await ConsoleAccounts.create(
                store: store, email: form["email"] ?? "", displayName: form["name"] ?? "", role: role,
                properties: chosen.isEmpty ? nil : chosen, password: form["password"] ?? "", now: now)
        } catch let problem as ConsoleAccounts.Problem {
            return try await renderPeople(
                page, form: form, error: page.t[problem.key] ?? problem.message, status: .badRequest)
        }
        try await store.appendAudit(
            actor.audit(
                "account.create", target: account.email,
                summary: "role \(role.rawValue), "
                    + (account.properties.map { "properties " + $0.joined(separator: ", ") } ?? "every property"),
                at: now))
        return Self.seeOther("/admin/people?done=created")
    }

    private func person(_ context: Context, _ actor: AdminActor) async throws -> Account {
        try actor.require(.managePeople)
        let id = try context.parameters.require("id")
        guard let account = try await store.account(id: id) else { throw AssentError.notFound("no account \(id)") }
        return account
    }

    @Sendable func disablePerson(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        _ = try await page.form(request)
        let actor = try page.signedIn()
        var account = try await person(context, actor)
        if account.disabledAt == nil {
            let owners = try await store.accounts().filter { $0.role == .owner && $0.disabledAt == nil }
            if account.role == .owner, owners.count <= 1 {
                return try await renderPeople(
                    page, form: Form(fields: [:]), error: page.t["lastOwner"], status: .conflict)
            }
            let now = sessions.clock()
            account.disabledAt = now
            try await store.updateAccount(account)
            _ = try await store.revokeSessions(account: account.id, at: now)
            try await store.appendAudit(
                actor.audit("account.disable", target: account.email, summary: "disabled, signed out", at: now))
        }
        return Self.seeOther("/admin/people?done=changedDisabled")
    }

    @Sendable func enablePerson(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        _ = try await page.form(request)
        let actor = try page.signedIn()
        var account = try await person(context, actor)
        if account.disabledAt != nil {
            account.disabledAt = nil
            try await store.updateAccount(account)
            try await store.appendAudit(
                actor.audit("account.enable", target: account.email, summary: "enabled", at: sessions.clock()))
        }
        return Self.seeOther("/admin/people?done=changedEnabled")
    }

    @Sendable func setPassword(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let form = try await page.form(request)
        let actor = try page.signedIn()
        let account = try await person(context, actor)
        let now = sessions.clock()
        do {
            _ = try await ConsoleAccounts.resetPassword(
                store: store, account: account, password: form["password"] ?? "", now: now)
        } catch let problem as ConsoleAccounts.Problem {
            return try await renderPeople(
                page, form: Form(fields: [:]), error: page.t[problem.key] ?? problem.message, status: .badRequest)
        }
        try await store.appendAudit(
            actor.audit("account.password", target: account.email, summary: "password set, signed out", at: now))
        // Setting one's own password signs oneself out too.
        return Self.seeOther(account.id == actor.account?.id ? "/admin/sign-in" : "/admin/people?done=changedPassword")
    }

    // MARK: Audit

    @Sendable func audit(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.readAudit)
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let raw = query[Substring(name)], !raw.isEmpty else { return nil }
            return String(raw.prefix(200))
        }
        let from = value("from").flatMap { CivilDate($0) }
        let to = value("to").flatMap { CivilDate($0) }
        let filter = AuditFilter(
            actor: value("actor"), action: value("action"), property: value("property"),
            from: from.map { Int64($0.daysSinceEpoch) * Timestamp.millisecondsPerDay },
            to: to.map { $0.endMilliseconds - 1 }, limit: 200)
        let events: [[String: Any]] = try await store.auditEvents(filter).map { event in
            [
                "time": Timestamp.iso8601(milliseconds: event.time).prefix(19).replacingOccurrences(of: "T", with: " "),
                "actor": event.actorLabel, "action": event.action, "target": event.target, "summary": event.summary,
                "client": event.client ?? "—",
            ]
        }
        var actors: [[String: Any]] = try await store.accounts().map {
            ["value": "account:" + $0.id, "label": $0.email, "selected": "account:" + $0.id == filter.actor]
        }
        if let chosen = filter.actor, !actors.contains(where: { $0["value"] as? String == chosen }) {
            actors.append(["value": chosen, "label": chosen, "selected": true])
        }
        let actions: [[String: Any]] = ConsoleNames.auditActions.map { ["value": $0, "selected": $0 == filter.action] }
        let properties: [[String: Any]] = try await store.propertyIDs().sorted().map {
            ["value": $0, "selected": $0 == filter.property]
        }
        return render(
            page, "audit", title: page.t["audit"]!,
            values: [
                "events": events, "hasEvents": !events.isEmpty, "actors": actors, "actions": actions,
                "propertyOptions": properties, "from": from?.description ?? "", "to": to?.description ?? "",
            ], current: "audit")
    }

    // MARK: Rendering

    /// Builds the page's context, runs the handler, and turns a refusal into an HTML page with its status.
    func guarded(
        _ handler: @escaping @Sendable (Request, Context, ConsolePage) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        { request, context in
            let page = try await ConsolePage(request, context, controller: self)
            do {
                return try await handler(request, context, page)
            } catch let error as AssentError {
                if error.status == .unauthorized { return Self.seeOther("/admin/sign-in") }
                var title = page.t["errorTitle"] ?? ""
                var message = error.message
                if error.status == .forbidden {
                    let csrf = error.code == "csrf"
                    title = page.t[csrf ? "csrfTitle" : "forbiddenTitle"] ?? title
                    message = page.t[csrf ? "csrf" : "forbidden"] ?? message
                } else if error.status == .notFound {
                    title = page.t["notFoundTitle"] ?? title
                }
                return render(
                    page, "message", title: title,
                    values: ["message": message, "back": "/admin/", "backLabel": page.t["overview"]!],
                    status: error.status, headers: error.headers)
            }
        }
    }

    func render(
        _ page: ConsolePage, _ template: String, title: String, values: [String: Any], notice: String? = nil,
        error: String? = nil, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], current: String? = nil
    ) -> Response {
        var values = values
        values["t"] = page.t
        values["csrf"] = page.csrf
        values["lang"] = page.lang
        let content = library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "lang": page.lang, "title": title, "content": content, "t": page.t, "csrf": page.csrf,
            "isEnglish": page.lang == "en", "isSpanish": page.lang == "es",
            "inEnglish": page.languageLink("en"), "inSpanish": page.languageLink("es"),
        ]
        if let actor = page.actor, let account = actor.account {
            let items: [[String: Any]] = Self.sections.filter { actor.allows($0.permission) }.map {
                ["href": $0.path, "label": page.t[$0.key] ?? $0.key, "current": current == $0.key]
            }
            layout["nav"] = [
                "items": items,
                "signedInAs": page.t["signedInAs"]!.replacingOccurrences(of: "{email}", with: account.email)
                    .replacingOccurrences(of: "{role}", with: page.roleName(account.role)),
            ]
        }
        if let notice { layout["notice"] = notice }
        if let error { layout["error"] = error }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[.contentSecurityPolicy] = Self.contentSecurityPolicy
        fields[.referrerPolicy] = "same-origin"
        fields[.xFrameOptions] = "DENY"
        if page.newCSRF {
            fields.append(
                HTTPField(
                    name: .setCookie,
                    value: "\(ConsoleNames.csrfCookie)=\(page.csrf); Path=/admin; HttpOnly; SameSite=Strict; "
                        + "Max-Age=\(CSRFTokens.lifetime / 1000)\(page.secure ? "; Secure" : "")"))
        }
        if page.languageChosen {
            fields.append(
                HTTPField(
                    name: .setCookie,
                    value: "\(ConsoleNames.languageCookie)=\(page.lang); Path=/admin; SameSite=Strict; Max-Age=31536000"
                        + (page.secure ? "; Secure" : "")))
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    static func query(_ request: Request) -> String {
        request.uri.query.map { "?" + $0 } ?? ""
    }
}

/// Names the console's pages share.
enum ConsoleNames {
    static let csrfCookie = "assent_console_csrf"
    static let languageCookie = "assent_console_lang"
    /// The actions the audit log's filter offers.
    static let auditActions = [
        "account.create", "account.disable", "account.enable", "account.password", "property.create",
        "property.update", "records.lookup", "request.export", "request.export_download", "request.extend",
        "request.status", "request.verify", "scan.create", "scan.schedule", "session.sign_in", "session.sign_out",
        "session.sign_out_everywhere", "token.create", "token.revoke",
    ]
}

/// What every console page needs: who is signed in, the language and texts, the CSRF token, and the client.
struct ConsolePage: Sendable {
    let actor: AdminActor?
    let lang: String
    /// `?lang=` named a language: it is kept in a cookie.
    let languageChosen: Bool
    let t: [String: String]
    let csrf: String
    let newCSRF: Bool
    let sameOrigin: Bool
    let secure: Bool
    let client: String
    let maxBodyBytes: Int
    /// The request's query as sent, without `lang` and `done`: kept by the links that change the language, so
    /// the page shown again in the other language is the same page (the same property, filters and dates).
    let otherQuery: [Substring]

    init<Context: RequestContext>(_ request: Request, _ context: Context, controller: ConsoleController<Context>)
        async throws
    {
        let sessions = controller.sessions
        let configuration = sessions.configuration
        let queryLang = request.uri.queryParameters["lang"].map(String.init)
        lang = ConsoleTexts.language(
            query: queryLang, cookie: request.cookies[ConsoleNames.languageCookie]?.value,
            acceptLanguage: request.headers[values: .acceptLanguage].joined(separator: ","))
        languageChosen = queryLang == lang
        t = controller.texts.texts(lang)
        client = clientKey(request, context, header: sessions.headers.client)
        secure = sessions.secure(request)
        maxBodyBytes = configuration.maxBodyBytes
        otherQuery = (request.uri.query ?? "").split(separator: "&").filter {
            let name = $0.prefix { $0 != "=" }
            return name != "lang" && name != "done"
        }
        if let (account, session) = try await sessions.current(request) {
            actor = AdminActor(kind: .account(account, session: session), client: client)
        } else {
            actor = nil
        }
        let now = sessions.clock()
        if let cookie = request.cookies[ConsoleNames.csrfCookie]?.value,
            try await controller.csrfTokens.isValid(cookie, now: now)
        {
            csrf = cookie
            newCSRF = false
        } else {
            csrf = try await controller.csrfTokens.issue(now: now)
            newCSRF = true
        }
        sameOrigin = CSRFTokens.isSameOrigin(
            origin: request.headers.value(.origin), referer: request.headers.value(.referer),
            host: request.head.authority,
            publicURL: configuration.publicURL)
    }

    /// The posted form, once its CSRF token is checked: issued by this deployment, equal to the cookie's, and
    /// posted from this origin.
    func form(_ request: Request, limit: Int? = nil) async throws -> Form {
        let form = try await Form.read(request, limit: limit ?? maxBodyBytes)
        guard sameOrigin, !newCSRF, let sent = form["csrf"], sent == csrf else {
            throw AssentError(
                .forbidden, "csrf", "the form has expired or did not come from this site; reload it and try again")
        }
        return form
    }

    /// The link to this page in `language` (a relative URL: this path, its query, and `lang`).
    func languageLink(_ language: String) -> String {
        "?" + (otherQuery + ["lang=\(language)"]).joined(separator: "&")
    }

    func signedIn() throws -> AdminActor {
        guard let actor else { throw AssentError.unauthorized("sign in first") }
        return actor
    }

    func roleName(_ role: AccountRole) -> String {
        t["roleName" + role.rawValue.prefix(1).uppercased() + role.rawValue.dropFirst()] ?? role.rawValue
    }

    func roleDescription(_ role: AccountRole) -> String {
        t["role" + role.rawValue.prefix(1).uppercased() + role.rawValue.dropFirst()] ?? role.rawValue
    }
}
