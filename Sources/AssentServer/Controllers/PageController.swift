import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The requester's pages, rendered on the server: they work with JavaScript turned off. Forms carry a CSRF
/// token the server issued (`CSRFTokens`) that must match a SameSite=Strict cookie and come from this origin;
/// every text is escaped by the templates.
struct PageController<Context: RequestContext>: Sendable {
    let service: RequestService
    /// Records the opt-out of the Do Not Sell page.
    let consent: ConsentService
    let library: MustacheLibrary
    let csrfTokens: CSRFTokens

    init(service: RequestService, consent: ConsentService) throws {
        self.service = service
        self.consent = consent
        csrfTokens = CSRFTokens(store: service.store)
        var library = MustacheLibrary()
        for name in ["layout", "requests", "status", "do-not-sell"] {
            try library.register(try Resources.text("privacy/\(name).mustache"), named: name)
        }
        self.library = library
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/privacy/:property/requests", use: requestForm)
        router.post("/privacy/:property/requests", use: fileRequest)
        router.get("/privacy/:property/do-not-sell", use: doNotSellPage)
        router.post("/privacy/:property/do-not-sell", use: doNotSell)
        router.get("/privacy/:property/status/:secret", use: statusPage)
        router.post("/privacy/:property/status/:secret/verify", use: verify)
        router.post("/privacy/:property/status/:secret/code", use: resend)
        router.get("/privacy/:property/status/:secret/export", use: download)
    }

    // MARK: Handlers

    @Sendable func requestForm(_ request: Request, context: Context) async throws -> Response {
        let page = try await Page(request, context, service, csrfTokens)
        return render(page, "requests", title: page.t["requestsTitle"]!, values: formValues(page, Form(fields: [:])))
    }

    @Sendable func fileRequest(_ request: Request, context: Context) async throws -> Response {
        let page = try await Page(request, context, service, csrfTokens)
        let form = try await Form.read(request, limit: service.configuration.maxBodyBytes)
        if let refused = page.refusal(form) {
            return render(
                page, "requests", title: page.t["requestsTitle"]!, values: formValues(page, page.refill(form)),
                error: page.text(refused), status: refused.status)
        }
        guard let type = RequestType(rawValue: form["type"] ?? "") else {
            return render(
                page, "requests", title: page.t["requestsTitle"]!, values: formValues(page, form),
                error: page.t["error.chooseType"]!, status: .badRequest)
        }
        // Only what this type asks for: a field the requester filled in before choosing another type is not
        // sent.
        var details: [String: String] = [:]
        for point in page.requests.dataPoints(for: type) {
            if let value = form[point.key]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                details[point.key] = value
            }
        }
        if let problem = page.problem(email: form["email"], required: true) ?? page.problem(details, type) {
            return render(
                page, "requests", title: page.t["requestsTitle"]!, values: formValues(page, form), error: problem,
                status: .badRequest)
        }
        do {
            let filed = try await service.file(
                RequestService.Filing(
                    propertyID: page.propertyID, type: type, email: form["email"], details: details, subject: nil,
                    regionHeader: request.headers.value(service.directory.headers.region),
                    demoRegion: nil, lang: page.lang,
                    client: clientKey(request, context, header: service.directory.headers.client)))
            return Self.seeOther(
                "/privacy/\(page.propertyID)/status/\(filed.statusSecret)?done=filed&lang=\(page.lang)")
        } catch let error as AssentError {
            return render(
                page, "requests", title: page.t["requestsTitle"]!, values: formValues(page, form),
                error: page.text(error), status: error.status, headers: error.headers)
        }
    }

    @Sendable func doNotSellPage(_ request: Request, context: Context) async throws -> Response {
        let page = try await Page(request, context, service, csrfTokens)
        let known = request.cookies[WidgetCookie.name(page.propertyID)].flatMap { WidgetCookie($0.value) } != nil
        let notice = request.uri.queryParameters["done"] != nil ? page.t["dnsDone"] : nil
        return render(
            page, "do-not-sell", title: page.t["dnsTitle"]!, values: ["subjectKnown": known], notice: notice)
    }

    @Sendable func doNotSell(_ request: Request, context: Context) async throws -> Response {
        let page = try await Page(request, context, service, csrfTokens)
        let form = try await Form.read(request, limit: service.configuration.maxBodyBytes)
        if let refused = page.refusal(form) {
            return render(
                page, "do-not-sell", title: page.t["dnsTitle"]!, values: ["subjectKnown": false],
                error: page.text(refused), status: refused.status)
        }
        if let problem = page.problem(email: form["email"], required: false) {
            return render(
                page, "do-not-sell", title: page.t["dnsTitle"]!, values: ["subjectKnown": false], error: problem,
                status: .badRequest)
        }
        do {
            let outcome = try await service.doNotSell(
                propertyID: page.propertyID,
                widgetCookie: request.cookies[WidgetCookie.name(page.propertyID)]?.value, email: form["email"],
                regionHeader: request.headers.value(service.directory.headers.region),
                gpc: request.headers.value(.secGPC) == "1", host: request.head.authority,
                lang: page.lang, client: clientKey(request, context, header: service.directory.headers.client),
                consent: consent)
            let location =
                outcome.filed.map {
                    "/privacy/\(page.propertyID)/status/\($0.statusSecret)?done=filed&lang=\(page.lang)"
                }
                ?? "/privacy/\(page.propertyID)/do-not-sell?done=1&lang=\(page.lang)"
            var response = Self.seeOther(location)
            response.headers.append(
                HTTPField(name: .setCookie, value: outcome.cookie + (page.secure ? "; Secure" : "")))
            return response
        } catch let error as AssentError {
            return render(
                page, "do-not-sell", title: page.t["dnsTitle"]!, values: ["subjectKnown": false],
                error: page.text(error),
                status: error.status, headers: error.headers)
        }
    }

    @Sendable func statusPage(_ request: Request, context: Context) async throws -> Response {
        let page = try await Page(request, context, service, csrfTokens)
        let secret = try context.parameters.require("secret")
        let found: PrivacyRequest
        do {
            found = try await service.request(statusSecret: secret)
        } catch let error as AssentError {
            return render(
                page, nil, title: page.t["notFound"]!, values: [:], error: page.text(error), status: error.status)
        }
        let notice = (request.uri.queryParameters["done"]).flatMap { page.t["done." + String($0)] }
        return renderStatus(page, found, secret: secret, notice: notice)
    }

    /// The attached export, from the status page's link: the same document and the same 404 as the JSON API.
    @Sendable func download(_ request: Request, context: Context) async throws -> Response {
        let (found, document) = try await service.downloadableExport(
            statusSecret: try context.parameters.require("secret"),
            propertyID: try context.parameters.require("property"))
        return exportResponse(found, document)
    }

    @Sendable func verify(_ request: Request, context: Context) async throws -> Response {
        let page = try await Page(request, context, service, csrfTokens)
        let secret = try context.parameters.require("secret")
        let form = try await Form.read(request, limit: service.configuration.maxBodyBytes)
        do {
            if let refused = page.refusal(form) { throw refused }
            _ = try await service.verify(
                statusSecret: secret, code: String((form["code"] ?? "").prefix(20)),
                client: clientKey(request, context, header: service.directory.headers.client)
            )
            return Self.seeOther("/privacy/\(page.propertyID)/status/\(secret)?done=verified&lang=\(page.lang)")
        } catch let error as AssentError {
            guard let found = try? await service.request(statusSecret: secret) else {
                return render(
                    page, nil, title: page.t["notFound"]!, values: [:], error: page.text(error), status: error.status)
            }
            return renderStatus(page, found, secret: secret, error: page.text(error), status: error.status)
        }
    }

    @Sendable func resend(_ request: Request, context: Context) async throws -> Response {
        let page = try await Page(request, context, service, csrfTokens)
        let secret = try context.parameters.require("secret")
        let form = try await Form.read(request, limit: service.configuration.maxBodyBytes)
        do {
            if let refused = page.refusal(form) { throw refused }
            try await service.resendCode(
                statusSecret: secret,
                client: clientKey(request, context, header: service.directory.headers.client))
            return Self.seeOther("/privacy/\(page.propertyID)/status/\(secret)?done=sent&lang=\(page.lang)")
        } catch let error as AssentError {
            guard let found = try? await service.request(statusSecret: secret) else {
                return render(
                    page, nil, title: page.t["notFound"]!, values: [:], error: page.text(error), status: error.status)
            }
            return renderStatus(
                page, found, secret: secret, error: page.text(error), status: error.status, headers: error.headers)
        }
    }

    // MARK: Rendering

    private func formValues(_ page: Page, _ form: Form) -> [String: Any] {
        let chosen = form["type"] ?? ""
        let types: [[String: Any]] = RequestType.allCases.map {
            ["value": $0.rawValue, "label": page.texts.name(of: $0, page.lang), "checked": $0.rawValue == chosen]
        }
        // Every data point of the property, each marked with the types that ask for it: the page's style hides
        // those the chosen type does not ask for, without a script.
        let dataPoints: [[String: Any]] = page.requests.dataPoints.map { point in
            var values: [String: Any] = [
                "key": point.key, "label": point.label(in: page.lang),
                "hint": point.hint(in: page.lang)
                    ?? page.dataPointHint(point.types, required: point.required),
                "multiline": point.multiline, "value": form[point.key] ?? "",
                "typeClasses": point.types.map { "for-" + $0.rawValue }.joined(separator: " "),
            ]
            if let autocomplete = point.autocomplete {
                values["autocomplete"] = autocomplete
                values["hasAutocomplete"] = true
            }
            return values
        }
        return ["types": types, "email": form["email"] ?? "", "dataPoints": dataPoints]
    }

    private func renderStatus(
        _ page: Page, _ r: PrivacyRequest, secret: String, notice: String? = nil, error: String? = nil,
        status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        var values: [String: Any] = [
            "secret": secret, "typeLabel": page.texts.name(of: r.type, page.lang),
            "statusLabel": page.texts.name(of: r.status, page.lang),
            "received": page.fill(
                "receivedOn", ["date": String(Timestamp.iso8601(milliseconds: r.receivedAt).prefix(10))]),
            "respondBy": r.due.description, "awaitingCode": r.awaitingCode, "locked": r.lockedAt != nil,
        ]
        if let reason = r.extensionReason { values["extensionReason"] = reason }
        if let reason = r.denialReason { values["denialReason"] = reason }
        if r.exportDownloadable, let export = r.export {
            values["export"] = ["exportSize": page.fill("exportSize", ["size": Self.size(export.bytes)])]
        }
        return render(
            page, "status", title: page.t["statusTitle"]!, values: values, notice: notice, error: error,
            status: status, headers: headers)
    }

    private func render(
        _ page: Page, _ template: String?, title: String, values: [String: Any], notice: String? = nil,
        error: String? = nil, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        var values = values
        values["t"] = page.t
        values["property"] = page.propertyID
        values["csrf"] = page.csrf
        values["lang"] = page.lang
        let content = template.flatMap { library.render(values, withTemplate: $0) } ?? ""
        var layout: [String: Any] = [
            "lang": page.lang, "title": title, "propertyName": page.propertyName, "content": content,
        ]
        if let notice { layout["notice"] = notice }
        if let error { layout["error"] = error }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        // No referrer leaves for another site (status links carry a secret), but the browser still names this
        // origin on the pages' own form posts, which the CSRF check asks for: under `no-referrer` it sends
        // `Origin: null`.
        fields[.referrerPolicy] = "same-origin"
        if page.newCSRF {
            fields.append(
                HTTPField(
                    name: .setCookie,
                    value: "\(CSRFTokens.cookie)=\(page.csrf); Path=/privacy; HttpOnly; SameSite=Strict; "
                        + "Max-Age=\(CSRFTokens.lifetime / 1000)\(page.secure ? "; Secure" : "")"))
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A size for people: bytes, KB or MB, one decimal.
    static func size(_ bytes: Int) -> String {
        if bytes < 1000 { return "\(bytes) B" }
        let (value, unit) = bytes < 1_000_000 ? (Double(bytes) / 1000, "KB") : (Double(bytes) / 1_000_000, "MB")
        return String(format: "%.1f", value) + " " + unit
    }

    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

/// What every page needs: the property, the language, the texts and the CSRF token.
private struct Page {
    let propertyID: String
    let propertyName: String
    /// What the property's requests ask for beyond the address.
    let requests: RequestSettings
    let lang: String
    /// The `privacy` section in the page's language.
    let t: [String: String]
    let texts: TextCatalogue
    let csrf: String
    /// The token was made for this response and must be set as a cookie.
    let newCSRF: Bool
    /// The request came from a page of this origin (or says nothing of where it came from).
    let sameOrigin: Bool
    /// The client reached the server over TLS: cookies are set `Secure`.
    let secure: Bool

    init(_ request: Request, _ context: some RequestContext, _ service: RequestService, _ tokens: CSRFTokens)
        async throws
    {
        propertyID = try context.parameters.require("property")
        let property = try await service.directory.property(propertyID).current.property
        propertyName = property.name
        requests = property.requestSettings
        let language =
            request.uri.queryParameters["lang"].map { property.language(matching: String($0)) }
            ?? AcceptLanguage.best(
                request.headers[values: .acceptLanguage].joined(separator: ","), among: property.languages)
            ?? property.defaultLanguage
        lang = language
        texts = service.texts
        t = service.texts.texts("privacy", language)
        let configuration = service.configuration
        let now = service.clock()
        if let cookie = request.cookies[CSRFTokens.cookie]?.value, try await tokens.isValid(cookie, now: now) {
            csrf = cookie
            newCSRF = false
        } else {
            csrf = try await tokens.issue(now: now)
            newCSRF = true
        }
        sameOrigin = CSRFTokens.isSameOrigin(
            origin: request.headers.value(.origin), referer: request.headers.value(.referer),
            host: request.head.authority,
            publicURL: configuration.publicURL)
        secure = configuration.servedOverTLS(
            protoHeaderValue: service.directory.headers.forwardedProto.flatMap { request.headers.value($0) })
    }

    /// The form's token must be one this server issued and still valid (checked when the page was built), equal
    /// to the cookie's, and posted from this origin: another site can make the browser post, but cannot read the
    /// cookie to put it in the form, nor make a token of its own (and SameSite=Strict keeps the cookie off its
    /// posts anyway).
    /// The 403 to answer instead (with the page again, its error in the page's language, and a token that works
    /// for sending it again), or nil when the form may be acted on.
    func refusal(_ form: Form) -> AssentError? {
        guard sameOrigin, !newCSRF, let sent = form["csrf"], sent == csrf else {
            return AssentError(
                .forbidden, "csrf", "the form has expired or did not come from this site; reload it and try again")
        }
        return nil
    }

    /// What a refused form is shown again with: what the person typed when it came from this site, and nothing
    /// when another site posted it (its values are not put before the person as if they had typed them).
    func refill(_ form: Form) -> Form { sameOrigin ? form : Form(fields: [:]) }
}

/// An `application/x-www-form-urlencoded` body. A field given twice is refused.
struct Form {
    let fields: [String: String]

    subscript(name: String) -> String? { fields[name] }

    static func read(_ request: Request, limit: Int) async throws -> Form {
        let bytes = try await Body.bytes(request, limit: limit, types: ["application/x-www-form-urlencoded"])
        return try parse(String(decoding: bytes, as: UTF8.self))
    }

    static func parse(_ text: String) throws -> Form {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) throws -> String {
                guard let value = s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw AssentError.badRequest("the form is not correctly encoded", code: "invalid_form")
                }
                return value
            }
            let name = try decode(parts[0])
            guard fields[name] == nil else {
                throw AssentError.badRequest("the form field \(name) is given twice", code: "invalid_form")
            }
            fields[name] = parts.count > 1 ? try decode(parts[1]) : ""
        }
        return Form(fields: fields)
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}

extension Page {
    /// A text of the `privacy` section with its `{name}` values filled in.
    func fill(_ key: String, _ values: [String: String]) -> String { TextCatalogue.fill(t[key] ?? key, values) }

    /// The line under a data point the property gave no hint for: which requests need it ("Needed when you ask
    /// to see or delete your data.").
    func dataPointHint(_ types: [RequestType], required: Bool) -> String {
        let verbs = types.map { t["verb." + $0.rawValue] ?? $0.rawValue }
        let list =
            verbs.count < 2 ? verbs.joined() : verbs.dropLast().joined(separator: ", ") + " \(t["or"]!) " + verbs.last!
        return fill(required ? "dataPointNeeded" : "dataPointOptional", ["types": list])
    }

    /// What is wrong with the address typed, in the page's words; nil when nothing is. The service checks the
    /// same again.
    func problem(email: String?, required: Bool) -> String? {
        let typed = (email ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if typed.isEmpty { return required ? t["error.emailRequired"] : nil }
        return EmailAddress(typed) == nil ? t["error.emailInvalid"] : nil
    }

    /// What is wrong with the details a request of `type` carries, naming the field by its label; nil when
    /// nothing is. The same rules as `RequestSettings.check`, which the service applies again.
    func problem(_ details: [String: String], _ type: RequestType) -> String? {
        for point in requests.dataPoints(for: type) {
            let value = details[point.key] ?? ""
            let field = point.label(in: lang)
            if value.count > RequestSettings.maximumValueLength {
                return fill("error.detailTooLong", ["field": field, "max": String(RequestSettings.maximumValueLength)])
            }
            if point.required && value.allSatisfy(\.isWhitespace) {
                return fill("error.detailRequired", ["field": field])
            }
        }
        return nil
    }

    /// The words a page shows for an error of the request flow, in the page's language, chosen by the error's
    /// code (the JSON API's message stays English, for machines).
    func text(_ error: AssentError) -> String {
        let key: String
        switch error.code {
        case "rate_limited": key = "error.rateLimited"
        case "request_locked": key = "error.locked"
        case "not_awaiting_code": key = "error.noCodeNeeded"
        case "no_code": key = "error.noCode"
        case "code_expired": key = "error.codeExpired"
        case "csrf": key = "error.csrf"
        case "code_exhausted": key = "error.codeExhausted"
        case "unknown_request": key = "error.unknownRequest"
        case "request_changed": key = "error.changed"
        case "invalid_request": key = "error.invalid"
        case "wrong_code":
            // RequestService.verify says how many tries are left, or that the request is now locked.
            if error.values["locked"] != nil { return t["error.wrongCodeLocked"]! }
            if let left = error.values["left"], (Int(left) ?? 0) > 0 { return fill("error.wrongCode", ["left": left]) }
            key = "error.wrongCodeAskNew"
        default: key = "error.other"
        }
        return t[key]!
    }
}
