import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Privacy requests over JSON: the requester's side (file, status, code) and the publisher's admin API
/// (queue, transitions, extension, verification by hand, export) and suppression lookups. The admin routes take
/// an admin token or a console session by role (readRequests, workRequests) and property; every change is
/// written to the audit log, whoever made it.
struct RequestController<Context: RequestContext>: Sendable {
    let service: RequestService
    let sessions: ConsoleSessions

    init(service: RequestService, sessions: ConsoleSessions? = nil) {
        self.service = service
        self.sessions =
            sessions
            ?? ConsoleSessions(
                store: service.store, configuration: service.configuration, clock: service.clock)
    }

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("properties/:property/requests", use: file)
        routes.get("requests/status/:secret", use: status)
        routes.post("requests/status/:secret/verify", use: verify)
        routes.post("requests/status/:secret/code", use: resend)
        routes.get("requests/status/:secret/export", use: download)
        routes.get("admin/properties/:property/requests", use: list)
        routes.get("admin/properties/:property/export", use: export)
        routes.get("admin/requests/:id", use: show)
        routes.post("admin/requests/:id/status", use: transition)
        routes.post("admin/requests/:id/extend", use: extend)
        routes.post("admin/requests/:id/verify", use: verifyByHand)
        routes.put("admin/requests/:id/export", use: attachExport)
        routes.get("properties/:property/suppression/:hash", use: suppressionOne)
        routes.post("properties/:property/suppression", use: suppressionBulk)
        return routes
    }

    private var limit: Int { service.configuration.maxBodyBytes }

    // MARK: Requester

    @Sendable func file(_ request: Request, context: Context) async throws -> Response {
        let property = try context.parameters.require("property")
        let body = try RequestBody(try await Body.json(request, limit: limit))
        try body.allow(["type", "email", "details", "subject", "lang", "region"])
        guard let type = RequestType(rawValue: try body.string("type") ?? "") else {
            throw AssentError.badRequest(
                "type: one of " + RequestType.allCases.map(\.rawValue).joined(separator: ", "),
                code: "invalid_request")
        }
        let filed = try await service.file(
            RequestService.Filing(
                propertyID: property, type: type, email: try body.string("email"),
                details: try body.stringMap("details"),
                subject: try body.string("subject"),
                regionHeader: request.headers.value(service.directory.headers.region),
                demoRegion: try body.string("region"), lang: try body.string("lang"),
                client: clientKey(request, context, header: service.directory.headers.client)))
        var view = RequestViews.requester(filed.request)
        view.append(("statusUrl", .string(filed.statusURL)))
        return jsonResponse(status: .accepted, headers: [.cacheControl: "no-store"], .object(view))
    }

    @Sendable func status(_ request: Request, context: Context) async throws -> Response {
        let found = try await service.request(statusSecret: try context.parameters.require("secret"))
        return jsonResponse(headers: [.cacheControl: "no-store"], .object(RequestViews.requester(found)))
    }

    @Sendable func verify(_ request: Request, context: Context) async throws -> Response {
        let body = try RequestBody(try await Body.json(request, limit: limit))
        try body.allow(["code"])
        guard let code = try body.string("code"), !code.isEmpty, code.count <= 20 else {
            throw AssentError.badRequest("code: the code from the e-mail is required", code: "invalid_request")
        }
        let verified = try await service.verify(
            statusSecret: try context.parameters.require("secret"), code: code,
            client: clientKey(request, context, header: service.directory.headers.client))
        return jsonResponse(headers: [.cacheControl: "no-store"], .object(RequestViews.requester(verified)))
    }

    @Sendable func resend(_ request: Request, context: Context) async throws -> Response {
        try await service.resendCode(
            statusSecret: try context.parameters.require("secret"),
            client: clientKey(request, context, header: service.directory.headers.client))
        return jsonResponse(status: .accepted, .object([("sent", .bool(true))]))
    }

    @Sendable func download(_ request: Request, context: Context) async throws -> Response {
        let (found, document) = try await service.downloadableExport(
            statusSecret: try context.parameters.require("secret"))
        return exportResponse(found, document)
    }

    // MARK: Admin

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: false)
        let property = try context.parameters.require("property")
        try actor.require(.readRequests, property: property)
        _ = try await service.directory.property(property)
        let q = request.uri.queryParameters
        func set<T: RawRepresentable<String>>(_ name: String, _: T.Type) throws -> Set<T>? {
            guard let raw = q[name[...]] else { return nil }
            var values: Set<T> = []
            for part in raw.split(separator: ",") {
                guard let value = T(rawValue: String(part)) else {
                    throw AssentError.badRequest("\(name): unknown value \"\(part)\"", code: "invalid_query")
                }
                values.insert(value)
            }
            return values
        }
        func int(_ name: String) throws -> Int? {
            guard let raw = q[name[...]] else { return nil }
            guard let value = Int(raw) else {
                throw AssentError.badRequest("\(name): not an integer", code: "invalid_query")
            }
            return value
        }
        let overdue = q["overdue"].map { $0 == "true" || $0 == "1" } ?? false
        guard let order = RequestQuery.Order(rawValue: q["sort"].map(String.init) ?? "received") else {
            throw AssentError.badRequest("sort: received or deadline", code: "invalid_query")
        }
        let offset = try int("offset") ?? 0
        guard (0...100_000).contains(offset) else {
            throw AssentError.badRequest("offset: between 0 and 100000", code: "invalid_query")
        }
        if order == .deadline, q["after"] != nil {
            throw AssentError.badRequest("after: only with sort=received; page with offset", code: "invalid_query")
        }
        let query = RequestQuery(
            property: property, statuses: try set("status", RequestStatus.self),
            types: try set("type", RequestType.self),
            receivedSince: try int("since").map(Int64.init), overdueAt: overdue ? service.clock() : nil,
            after: q["after"].map(String.init), order: order, offset: offset, limit: try int("limit") ?? 100)
        let found = try await service.list(query)
        let now = service.clock()
        var members: [(String, JSONValue)] = [
            ("requests", .array(found.map { .object(RequestViews.admin($0, now: now)) }))
        ]
        if found.count == query.limit, let last = found.last {
            members.append(("next", .string(order == .deadline ? String(offset + found.count) : last.id)))
        }
        return jsonResponse(headers: [.cacheControl: "no-store"], .object(members))
    }

    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: false)
        let property = try context.parameters.require("property")
        try actor.require(.readRequests, property: property)
        let q = request.uri.queryParameters
        let document = try await service.export(
            propertyID: property, email: q["email"].map(String.init), subject: q["subject"].map(String.init))
        return jsonResponse(headers: [.cacheControl: "no-store"], document)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: false)
        let (found, events) = try await readable(context, actor, .readRequests)
        var view = RequestViews.admin(found, now: service.clock())
        view.append(("history", .array(events.map(RequestViews.event))))
        return jsonResponse(headers: [.cacheControl: "no-store"], .object(view))
    }

    @Sendable func transition(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: true)
        let (found, _) = try await readable(context, actor, .workRequests)
        let body = try RequestBody(try await Body.json(request, limit: limit))
        try body.allow(["status", "reason"])
        guard let next = RequestStatus(rawValue: try body.string("status") ?? "") else {
            throw AssentError.badRequest(
                "status: one of " + RequestStatus.allCases.map(\.rawValue).joined(separator: ", "),
                code: "invalid_request")
        }
        let changed = try await service.transition(
            id: found.id, to: next, reason: try body.string("reason"), actor: actor.requestActor)
        try await audit(actor, "request.status", changed, "\(found.status.rawValue) → \(changed.status.rawValue)")
        return jsonResponse(.object(RequestViews.admin(changed, now: service.clock())))
    }

    @Sendable func extend(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: true)
        let (found, _) = try await readable(context, actor, .workRequests)
        let body = try RequestBody(try await Body.json(request, limit: limit))
        try body.allow(["reason"])
        let reason = try body.string("reason")
        let changed = try await service.extend(id: found.id, reason: reason, actor: actor.requestActor)
        try await audit(actor, "request.extend", changed, "extended to \(changed.due): \(reason ?? "")")
        return jsonResponse(.object(RequestViews.admin(changed, now: service.clock())))
    }

    /// Verification by hand, for a requester who could not use the code: who did it and why go into the history.
    @Sendable func verifyByHand(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: true)
        let (found, _) = try await readable(context, actor, .workRequests)
        let body = try RequestBody(try await Body.json(request, limit: limit))
        try body.allow(["reason"])
        let reason = try body.string("reason")
        let changed = try await service.verifyByHand(id: found.id, reason: reason, actor: actor.requestActor)
        try await audit(actor, "request.verify", changed, "verified by hand: \(reason ?? "")")
        return jsonResponse(.object(RequestViews.admin(changed, now: service.clock())))
    }

    @Sendable func attachExport(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: true)
        let (found, _) = try await readable(context, actor, .workRequests)
        let document = try await Body.json(request, limit: RequestService.maxExportBytes)
        let changed = try await service.attachExport(id: found.id, document: document, actor: actor.requestActor)
        try await audit(actor, "request.export", changed, "export attached (\(document.count) bytes)")
        return jsonResponse(.object(RequestViews.admin(changed, now: service.clock())))
    }

    /// The request the route names, once the actor may use the permission on its property: the role is checked
    /// before the request is looked up, so a refused role learns nothing of which ids exist.
    private func readable(_ context: Context, _ actor: AdminActor, _ permission: ConsolePermission) async throws
        -> (PrivacyRequest, [RequestEvent])
    {
        try actor.require(permission)
        let found = try await service.request(id: try context.parameters.require("id"))
        try actor.require(permission, property: found.0.property)
        return found
    }

    private func audit(_ actor: AdminActor, _ action: String, _ request: PrivacyRequest, _ summary: String)
        async throws
    {
        try await service.store.appendAudit(
            actor.audit(action, target: request.id, property: request.property, summary: summary, at: service.clock()))
    }

    // MARK: Suppression

    @Sendable func suppressionOne(_ request: Request, context: Context) async throws -> Response {
        let property = try context.parameters.require("property")
        _ = try await authorize(request, scope: .suppression, property: property)
        let hash = try context.parameters.require("hash")
        let found = try await service.suppressed(propertyID: property, hashes: [hash])
        return jsonResponse(
            headers: [.cacheControl: "no-store"],
            .object([("hash", .string(hash)), ("suppressed", .bool(found.contains(hash)))]))
    }

    @Sendable func suppressionBulk(_ request: Request, context: Context) async throws -> Response {
        let property = try context.parameters.require("property")
        _ = try await authorize(request, scope: .suppression, property: property)
        // 10,000 hashes of 64 characters, quoted and separated: about 670 KB.
        let body = try RequestBody(try await Body.json(request, limit: 800 * 1024))
        try body.allow(["hashes"])
        guard let array = body.value("hashes")?.arrayValue else {
            throw AssentError.badRequest("hashes: an array of hex strings is required", code: "invalid_query")
        }
        var hashes: [String] = []
        hashes.reserveCapacity(array.count)
        for (i, value) in array.enumerated() {
            guard let hash = value.stringValue else {
                throw AssentError.badRequest("hashes[\(i)]: expected a string", code: "invalid_query")
            }
            hashes.append(hash)
        }
        let found = try await service.suppressed(propertyID: property, hashes: hashes)
        return jsonResponse(
            headers: [.cacheControl: "no-store"],
            .object([
                ("checked", .int(hashes.count)),
                ("suppressed", .array(hashes.filter(found.contains).map(JSONValue.string))),
            ]))
    }

    // MARK: Views

    private func authorize(_ request: Request, scope: APIToken.Scope, property: String?) async throws -> APIToken {
        try await APITokens.authorize(
            store: service.store, header: request.headers.value(.authorization), scope: scope, property: property,
            now: service.clock())
    }
}

/// Who is asking, for rate limits: the last entry of the trusted client header when one is configured (the
/// address the proxy saw; its name resolved at start, `HeaderNames.client`), else the peer address.
func clientKey(_ request: Request, _ context: some RequestContext, header name: HTTPField.Name?) -> String {
    if let name, let value = request.headers.value(name),
        let last = value.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty
    {
        return last
    }
    return (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "unknown"
}

/// A JSON request body as an object whose members are read by name with `JSONReader`; unknown members are
/// refused, so a typo in a field name is an error rather than a silently ignored field. Each accessor answers the
/// first problem it finds as a 400 with `code` (`invalid_request` unless given; `Body.invalid`).
struct RequestBody {
    let object: JSONReader.Object
    let code: String

    init(_ bytes: [UInt8], code: String = "invalid_request") throws {
        try self.init(try Body.parse(bytes), code: code)
    }

    /// `json` (already parsed; `.object([])` for a route whose body may be left out) as a request body.
    init(_ json: JSONValue, code: String = "invalid_request") throws {
        var reader = JSONReader(mode: .firstProblem)
        let object = reader.object(json, at: "$", expected: "a JSON object")
        try Body.check(reader, code: code)
        self.object = object!
        self.code = code
    }

    func allow(_ names: Set<String>) throws {
        var reader = JSONReader(mode: .firstProblem)
        _ = reader.object(.object(object.members), at: "$", allowed: Array(names))
        try Body.check(reader, code: code)
    }

    func value(_ name: String) -> JSONValue? { object.value(name) }

    func string(_ name: String) throws -> String? {
        var reader = JSONReader(mode: .firstProblem)
        let text = reader.string(object, name, nullable: true)
        try Body.check(reader, code: code)
        return text
    }

    func int(_ name: String) throws -> Int? {
        var reader = JSONReader(mode: .firstProblem)
        let number = reader.int(object, name)
        try Body.check(reader, code: code)
        return number
    }

    /// An array of strings; nil when the member is left out.
    func strings(_ name: String) throws -> [String]? {
        var reader = JSONReader(mode: .firstProblem)
        var texts: [String]?
        if let items = reader.array(object, name, expected: "an array of strings") {
            texts = items.enumerated().compactMap { i, item in
                reader.string(item, at: JSONReader.path(object.path(name), i))
            }
        }
        try Body.check(reader, code: code)
        return texts
    }

    func stringMap(_ name: String) throws -> [String: String] {
        guard let value = value(name), value != .null else { return [:] }
        var reader = JSONReader(mode: .firstProblem)
        var map: [String: String] = [:]
        if let members = reader.object(value, at: object.path(name)) {
            for (key, member) in members.members {
                if let text = reader.string(member, at: members.path(key)) { map[key] = text }
            }
        }
        try Body.check(reader, code: code)
        return map
    }
}

/// An attached export as a download: the document exactly as attached, never cached, never rendered by the
/// browser (nosniff, attachment).
func exportResponse(_ request: PrivacyRequest, _ document: [UInt8]) -> Response {
    jsonBytesResponse(
        headers: [
            .contentDisposition: "attachment; filename=\"privacy-export-\(request.id).json\"",
            .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
        ], document)
}
