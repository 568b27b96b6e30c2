import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The privacy-request queue and a request's page: filters, deadlines, the history with who did each step, and
/// the actions, each a form that goes through `RequestService` as the admin JSON API does, into the request's
/// history and the audit log. Owners and the privacy role work requests; an account limited to some properties
/// sees and works only theirs.
extension ConsoleController {
    static var requestPageSize: Int { 50 }

    func addRequestRoutes(to router: Router<Context>) {
        router.get("/admin/requests", use: guarded(requestQueue))
        router.get("/admin/requests/:id", use: guarded(requestPage))
        router.get("/admin/requests/:id/export", use: guarded(requestExportDownload))
        router.post("/admin/requests/:id/verify", use: guarded(verifyRequest))
        router.post("/admin/requests/:id/start", use: guarded(startRequest))
        router.post("/admin/requests/:id/complete", use: guarded(completeRequest))
        router.post("/admin/requests/:id/deny", use: guarded(denyRequest))
        router.post("/admin/requests/:id/extend", use: guarded(extendRequest))
        router.post("/admin/requests/:id/export", use: guarded(attachRequestExport))
        router.post("/admin/requests/:id/upload", use: guarded(uploadRequestExport))
    }

    // MARK: Queue

    @Sendable func requestQueue(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.readRequests)
        let q = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let raw = q[Substring(name)], !raw.isEmpty else { return nil }
            return String(raw.prefix(100))
        }
        let visible = try await store.propertyIDs().sorted().filter { actor.sees(property: $0) }
        let property = value("property")
        if let property { try actor.require(.readRequests, property: property) }
        let type = value("type").flatMap(RequestType.init(rawValue:))
        let statusChoice = value("status") ?? "open"
        let statuses: Set<RequestStatus>? =
            switch statusChoice {
            case "all": nil
            case "open": Set(RequestStatus.allCases.filter { !$0.isFinal })
            default:
                RequestStatus(rawValue: statusChoice).map { Set([$0]) }
                    ?? Set(RequestStatus.allCases.filter { !$0.isFinal })
            }
        let overdue = value("overdue") == "1"
        let pageNumber = max(1, min(10_000, Int(value("page") ?? "") ?? 1))
        let now = requests.clock()
        let size = Self.requestPageSize
        let found = try await requests.list(
            RequestQuery(
                properties: property.map { [$0] } ?? (actor.account?.properties == nil ? nil : Set(visible)),
                statuses: statuses, types: type.map { [$0] },
                overdueAt: overdue ? now : nil, order: .deadline, offset: (pageNumber - 1) * size, limit: size + 1))
        let today = CivilDate(milliseconds: now)
        let rows: [[String: Any]] = found.prefix(size).map { r in
            var row = requestSummary(r, page: page, today: today, now: now)
            row["email"] = r.email ?? "—"
            return row
        }
        func link(_ number: Int) -> String {
            var parts: [String] = []
            if let property { parts.append("property=" + Self.requestsEncode(property)) }
            if let type { parts.append("type=" + type.rawValue) }
            parts.append("status=" + Self.requestsEncode(statusChoice))
            if overdue { parts.append("overdue=1") }
            parts.append("page=\(number)")
            return "/admin/requests?" + parts.joined(separator: "&")
        }
        let propertyOptions: [[String: Any]] = visible.map { ["value": $0, "selected": $0 == property] }
        let typeOptions: [[String: Any]] = RequestType.allCases.map {
            ["value": $0.rawValue, "label": page.requestType($0), "selected": $0 == type]
        }
        var statusOptions: [[String: Any]] = [
            ["value": "open", "label": page.t["requestsOpen"]!, "selected": statusChoice == "open"],
            ["value": "all", "label": page.t["any"]!, "selected": statusChoice == "all"],
        ]
        statusOptions += RequestStatus.allCases.map {
            ["value": $0.rawValue, "label": page.requestStatus($0), "selected": $0.rawValue == statusChoice]
        }
        var values: [String: Any] = [
            "requests": rows, "hasRequests": !rows.isEmpty, "propertyOptions": propertyOptions,
            "typeOptions": typeOptions, "statusOptions": statusOptions, "overdue": overdue,
            "pageLabel": page.t["requestsPage"]!.replacingOccurrences(of: "{page}", with: String(pageNumber)),
        ]
        if pageNumber > 1 { values["previous"] = link(pageNumber - 1) }
        if found.count > size { values["next"] = link(pageNumber + 1) }
        return render(page, "requests", title: page.t["requests"]!, values: values, current: "requests")
    }

    /// What the queue and a request's page both show of a request: its labels, deadline and days left.
    private func requestSummary(_ r: PrivacyRequest, page: ConsolePage, today: CivilDate, now: Int64)
        -> [String: Any]
    {
        let left = r.due.daysSinceEpoch - today.daysSinceEpoch
        let isOverdue = r.isOverdue(at: now)
        let daysLeft: String
        if r.status.isFinal {
            daysLeft = page.t["requestClosed"]!
        } else if isOverdue {
            daysLeft = page.t["requestOverdueBy"]!.replacingOccurrences(of: "{days}", with: String(max(1, -left)))
        } else if left == 0 {
            daysLeft = page.t["requestDueToday"]!
        } else {
            daysLeft = page.t[left == 1 ? "requestDayLeft" : "requestDaysLeft"]!
                .replacingOccurrences(of: "{days}", with: String(left))
        }
        return [
            "id": r.id, "property": r.property, "type": page.requestType(r.type),
            "status": page.requestStatus(r.status),
            "received": Self.requestsDay(r.receivedAt), "due": r.due.description, "daysLeft": daysLeft,
            "overdue": isOverdue,
            "openLabel": page.t["requestOpen"]!.replacingOccurrences(of: "{id}", with: r.id),
        ]
    }

    // MARK: One request

    @Sendable func requestPage(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard page.actor != nil else { return Self.seeOther("/admin/sign-in") }
        let notice = request.uri.queryParameters["done"].flatMap { page.t["requestDone." + String($0)] }
        return try await renderRequest(page, id: try context.parameters.require("id"), notice: notice)
    }

    /// Loads a request the actor may read (404 for an unknown id, 403 for another property's).
    private func readableRequest(_ id: String, _ actor: AdminActor, _ permission: ConsolePermission) async throws
        -> (PrivacyRequest, [RequestEvent])
    {
        try actor.require(permission)
        let (found, events) = try await requests.request(id: id)
        try actor.require(permission, property: found.property)
        return (found, events)
    }

    private func renderRequest(
        _ page: ConsolePage, id: String, notice: String? = nil, error: String? = nil,
        status: HTTPResponse.Status = .ok, form: Form = Form(fields: [:]), posted: String? = nil
    ) async throws -> Response {
        let actor = try page.signedIn()
        let (r, events) = try await readableRequest(id, actor, .readRequests)
        let now = requests.clock()
        var values = requestSummary(r, page: page, today: CivilDate(milliseconds: now), now: now)
        let people = Dictionary(
            try await store.accounts().map { ("account:" + $0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
        values["history"] = events.map { e -> [String: Any] in
            var change = e.from.map(page.requestStatus) ?? ""
            if let to = e.to { change += (change.isEmpty ? "" : " → ") + page.requestStatus(to) }
            return [
                "time": Self.requestsTime(e.at), "who": Self.requestsWho(e.actor, people: people, page: page),
                "action": page.t["requestAction." + e.action] ?? e.action, "change": change, "note": e.note ?? "",
            ]
        }
        var facts: [[String: Any]] = [
            ["name": page.t["requestEmail"]!, "value": r.email ?? page.t["requestErased"]!],
            ["name": page.t["requestLaw"]!, "value": r.law.rawValue.uppercased()],
            ["name": page.t["requestRegion"]!, "value": r.region],
            ["name": page.t["requestLanguage"]!, "value": r.lang],
            ["name": page.t["requestAcknowledgeBy"]!, "value": r.deadlines.acknowledgeBy.description],
        ]
        for (key, value) in r.details.sorted(by: { $0.key < $1.key }) {
            facts.append(["name": key, "value": value])
        }
        if let subject = r.subject { facts.append(["name": page.t["requestSubject"]!, "value": subject]) }
        if let at = r.verifiedAt {
            facts.append(["name": page.t["requestVerifiedAt"]!, "value": Self.requestsTime(at)])
        }
        if let at = r.closedAt { facts.append(["name": page.t["requestClosedAt"]!, "value": Self.requestsTime(at)]) }
        if let reason = r.extensionReason {
            facts.append(["name": page.t["requestExtensionReason"]!, "value": reason])
        }
        if let reason = r.denialReason { facts.append(["name": page.t["requestDenialReason"]!, "value": reason]) }
        if let at = r.lockedAt { facts.append(["name": page.t["requestLocked"]!, "value": Self.requestsTime(at)]) }
        values["facts"] = facts
        if let export = r.export {
            values["export"] = [
                "summary": page.t["requestExportSummary"]!.replacingOccurrences(
                    of: "{bytes}", with: String(export.bytes)
                )
                .replacingOccurrences(of: "{time}", with: Self.requestsTime(export.attachedAt)),
                "sha256": export.sha256,
            ]
        }
        if actor.allows(.workRequests, property: r.property), !r.status.isFinal {
            var actions: [String: Any] = [:]
            if r.status == .received, r.type.needsVerification { actions["verify"] = true }
            if r.status.canMove(to: .inProgress, type: r.type) { actions["start"] = true }
            if r.status.canMove(to: .completed, type: r.type) { actions["complete"] = true }
            actions["deny"] = true
            if !r.isExtended, !r.isOverdue(at: now), r.deadlines.extendedRespondBy > r.deadlines.respondBy {
                actions["extend"] = true
                actions["extendTo"] = page.t["requestExtendTo"]!.replacingOccurrences(
                    of: "{day}", with: r.deadlines.extendedRespondBy.description)
            }
            if (try? RequestTransition.checkExport(status: r.status, type: r.type)) != nil {
                actions["attach"] = true
            }
            values["actions"] = actions
        }
        // A refused action's form keeps the reason typed into it (and only that form: each has its own).
        if let posted, let reason = form["reason"] { values["form"] = [posted + "Reason": reason] }
        return render(
            page, "request",
            title: page.t["requestTitle"]!.replacingOccurrences(of: "{type}", with: page.requestType(r.type)),
            values: values, notice: notice, error: error, status: status, current: "requests")
    }

    @Sendable func requestExportDownload(_ request: Request, context: Context, page: ConsolePage) async throws
        -> Response
    {
        let actor = try page.signedIn()
        let (r, _) = try await readableRequest(try context.parameters.require("id"), actor, .readRequests)
        guard r.export != nil, let document = try await store.exportDocument(requestID: r.id) else {
            throw AssentError.notFound("no export is attached to this request", code: "no_export")
        }
        try await store.appendAudit(
            actor.audit(
                "request.export_download", target: r.id, property: r.property, summary: "export downloaded",
                at: requests.clock()))
        return exportResponse(r, document)
    }

    // MARK: Actions

    /// Runs one action on a request: the CSRF-checked form, the permission for its property, the service call,
    /// the audit event; a refusal the person can fix is shown on the request's page beside the form.
    private func workOnRequest(
        _ request: Request, _ context: Context, _ page: ConsolePage, form: Form? = nil, needsReason: Bool = false,
        _ action: (PrivacyRequest, String?, AdminActor) async throws -> (audit: String, summary: String, done: String)
    ) async throws -> Response {
        let form = if let form { form } else { try await page.form(request) }
        let actor = try page.signedIn()
        let id = try context.parameters.require("id")
        let (r, _) = try await readableRequest(id, actor, .workRequests)
        let reason = form["reason"].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let posted = request.uri.path.split(separator: "/").last.map(String.init)
        if needsReason, (reason ?? "").isEmpty {
            return try await renderRequest(
                page, id: id, error: page.t["requestReasonRequired"], status: .badRequest, form: form, posted: posted)
        }
        if (reason ?? "").count > RequestService.maxReasonLength {
            return try await renderRequest(
                page, id: id, error: page.t["requestReasonTooLong"], status: .badRequest, form: form, posted: posted)
        }
        do {
            let (auditAction, summary, done) = try await action(r, reason, actor)
            try await store.appendAudit(
                actor.audit(auditAction, target: r.id, property: r.property, summary: summary, at: requests.clock()))
            return Self.seeOther("/admin/requests/\(r.id)?done=\(done)")
        } catch let error as AssentError where error.status != .forbidden && error.status != .notFound {
            return try await renderRequest(
                page, id: id, error: error.message, status: error.status, form: form, posted: posted)
        }
    }

    private func moveRequest(
        _ request: Request, _ context: Context, _ page: ConsolePage, to next: RequestStatus, needsReason: Bool = false
    ) async throws -> Response {
        try await workOnRequest(request, context, page, needsReason: needsReason) { r, reason, actor in
            let changed = try await requests.transition(
                id: r.id, to: next, reason: reason, actor: actor.requestActor)
            return ("request.status", "\(r.status.rawValue) → \(changed.status.rawValue)", next.rawValue)
        }
    }

    @Sendable func verifyRequest(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        try await workOnRequest(request, context, page, needsReason: true) { r, reason, actor in
            _ = try await requests.verifyByHand(id: r.id, reason: reason, actor: actor.requestActor)
            return ("request.verify", "verified by hand: \(reason ?? "")", "verified")
        }
    }

    @Sendable func startRequest(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        try await moveRequest(request, context, page, to: .inProgress)
    }

    @Sendable func completeRequest(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        try await moveRequest(request, context, page, to: .completed)
    }

    @Sendable func denyRequest(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        try await moveRequest(request, context, page, to: .denied, needsReason: true)
    }

    @Sendable func extendRequest(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        try await workOnRequest(request, context, page, needsReason: true) { r, reason, actor in
            let changed = try await requests.extend(id: r.id, reason: reason, actor: actor.requestActor)
            return ("request.extend", "extended to \(changed.due): \(reason ?? "")", "extended")
        }
    }

    /// Attaches the export Assent builds from its own records of the person (their decisions with receipts, their
    /// requests with their histories, whether their address is suppressed).
    @Sendable func attachRequestExport(_ request: Request, context: Context, page: ConsolePage) async throws
        -> Response
    {
        try await workOnRequest(request, context, page) { r, _, actor in
            let document = try await requests.export(propertyID: r.property, email: r.email, subject: r.subject)
            let bytes = CanonicalJSON.orderedBytes(document)
            let changed = try await requests.attachExport(id: r.id, document: bytes, actor: actor.requestActor)
            return (
                "request.export", "export built from Assent's records attached (\(changed.export?.bytes ?? 0) bytes)",
                "attached"
            )
        }
    }

    /// Attaches an export file the publisher put together: a multipart upload, its CSRF token checked as any
    /// form's, the document checked and kept as `PUT /v1/admin/requests/{id}/export` does.
    @Sendable func uploadRequestExport(_ request: Request, context: Context, page: ConsolePage) async throws
        -> Response
    {
        let upload = try await page.multipartForm(request, limit: RequestService.maxExportBytes + 16 * 1024)
        let document = upload.file("file")?.body ?? []
        if document.isEmpty {
            _ = try page.signedIn()
            return try await renderRequest(
                page, id: try context.parameters.require("id"), error: page.t["requestUploadMissing"],
                status: .badRequest)
        }
        return try await workOnRequest(request, context, page, form: Form(fields: [:])) { r, _, actor in
            let changed = try await requests.attachExport(id: r.id, document: document, actor: actor.requestActor)
            return ("request.export", "export file attached (\(changed.export?.bytes ?? 0) bytes)", "attached")
        }
    }

    // MARK: Formatting

    static func requestsDay(_ milliseconds: Int64) -> String { CivilDate(milliseconds: milliseconds).description }

    static func requestsTime(_ milliseconds: Int64) -> String {
        Timestamp.iso8601(milliseconds: milliseconds).prefix(19).replacingOccurrences(of: "T", with: " ")
    }

    /// A history line's actor for people: the account's address, an API token, the requester, the system.
    static func requestsWho(_ actor: String, people: [String: String], page: ConsolePage) -> String {
        if let email = people[actor] { return email }
        if actor.hasPrefix("admin:") {
            return page.t["requestActorToken"]!.replacingOccurrences(of: "{id}", with: String(actor.dropFirst(6)))
        }
        return page.t["requestActor." + actor] ?? actor
    }

    static func requestsEncode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

extension ConsolePage {
    /// A posted `multipart/form-data` form, once its CSRF token is checked as `form(_:)` checks one.
    func multipartForm(_ request: Request, limit: Int) async throws -> MultipartForm {
        let form = try await MultipartForm.read(request, limit: limit)
        guard sameOrigin, !newCSRF, let sent = form["csrf"], sent == csrf else {
            throw AssentError(
                .forbidden, "csrf", "the form has expired or did not come from this site; reload it and try again")
        }
        return form
    }

    func requestType(_ type: RequestType) -> String { t["requestType." + type.rawValue] ?? type.rawValue }
    func requestStatus(_ status: RequestStatus) -> String { t["requestStatus." + status.rawValue] ?? status.rawValue }
}

extension AdminActor {
    /// Who a request's history names: `account:<id>` for a person, `admin:<token id>` for a machine (as before the
    /// console).
    var requestActor: String {
        switch kind {
        case .account(let account, _): "account:" + account.id
        case .token(let token): "admin:" + token.id
        }
    }
}
