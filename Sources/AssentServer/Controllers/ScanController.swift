import AssentCore
import AssentScanner
import AssentStore
import HTTPTypes
import Hummingbird
import NIOCore

/// Compliance scans over the admin API (docs/scanning.md): queue one, list them, read one with its report, and
/// the report as the HTML page a privacy officer keeps. Admin API tokens may do everything; a console session
/// follows its role (editors and owners start scans, every role reads them) and its property limits.
struct ScanController<Context: RequestContext>: Sendable {
    let consent: ConsentService
    let scans: ScanService
    let sessions: ConsoleSessions

    /// The report page holds no script and loads nothing: its styles are inline.
    static var reportPolicy: String {
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("admin/properties/:property/scans", use: create)
        routes.get("admin/properties/:property/scans", use: list)
        routes.get("admin/properties/:property/scans/:scan", use: show)
        routes.get("admin/properties/:property/scans/:scan/report", use: report)
        routes.get("admin/properties/:property/scan-schedule", use: schedule)
        routes.put("admin/properties/:property/scan-schedule", use: changeSchedule)
        return routes
    }

    /// The token's or the signed-in person's right to `permission` on the route's property.
    private func authorize(
        _ request: Request, _ context: Context, _ permission: ConsolePermission, write: Bool = false
    ) async throws -> AdminActor {
        let actor = try await sessions.actor(request, context: context, write: write)
        try actor.require(permission, property: try context.parameters.require("property"))
        return actor
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let actor = try await authorize(request, context, .editProperties, write: true)
        let property = try await consent.property(try context.parameters.require("property")).current.property
        // The body may be left out: every member is optional.
        var json = JSONValue.object([])
        if request.headers.value(.contentType) != nil
            || (request.headers.value(.contentLength).flatMap { Int($0) } ?? 0) > 0
        {
            json = try Body.parse(try await Body.json(request, limit: consent.configuration.maxBodyBytes))
        }
        let body = try RequestBody(json, code: "invalid_scan")
        try body.allow(["startURLs", "regions", "maxPages", "depth"])
        let options = try ScanOptions.resolve(
            property: property, startURLs: try body.strings("startURLs"), regions: try body.strings("regions"),
            maxPages: try body.int("maxPages"), depth: try body.int("depth"))
        let scan = try await scans.enqueue(property: property, options: options, trigger: "api")
        try await consent.store.appendAudit(
            actor.audit(
                "scan.create", target: scan.id, property: property.id,
                summary:
                    "\(options.startURLs.count) start URL(s), regions \(options.regions.map(\.code).joined(separator: ",")), at most \(options.maxPages) page(s)",
                at: sessions.clock()))
        return jsonResponse(
            status: .accepted,
            headers: [.location: "/v1/admin/properties/\(property.id)/scans/\(scan.id)", .cacheControl: "no-store"],
            .object(Self.view(scan)))
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        _ = try await authorize(request, context, .readProperties)
        let id = try await consent.property(try context.parameters.require("property")).current.property.id
        let found = try await consent.store.scans(property: id, limit: 100)
        return jsonResponse(
            headers: [.cacheControl: "no-store"], .object([("scans", .array(found.map { .object(Self.view($0)) }))]))
    }

    private func stored(_ request: Request, _ context: Context) async throws -> StoredScan {
        _ = try await authorize(request, context, .readProperties)
        let id = try await consent.property(try context.parameters.require("property")).current.property.id
        let scanID = try context.parameters.require("scan")
        guard scanID.utf8.count <= 64, let scan = try await consent.store.scan(id: scanID), scan.property == id else {
            throw AssentError.notFound("no scan \(scanID) of property \(id)", code: "unknown_scan")
        }
        return scan
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let scan = try await stored(request, context)
        var members = Self.view(scan)
        members.append(("report", try scan.report.map { try JSONParser.parse($0) } ?? .null))
        return jsonResponse(headers: [.cacheControl: "no-store"], .object(members))
    }

    @Sendable func report(_ request: Request, context: Context) async throws -> Response {
        let scan = try await stored(request, context)
        guard let bytes = scan.report else {
            throw AssentError(
                .conflict, "scan_not_finished",
                scan.status == .failed
                    ? "scan \(scan.id) failed without a report: \(scan.error ?? "")"
                    : "scan \(scan.id) is \(scan.status.rawValue): its report is ready when it is done")
        }
        let report: ScanReport
        do {
            report = try ScanReport(json: JSONParser.parse(bytes))
        } catch {
            throw StoreError.corrupt("the report of scan \(scan.id): \(error)")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: Self.reportPolicy,
                .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: report.html())))
    }

    @Sendable func schedule(_ request: Request, context: Context) async throws -> Response {
        _ = try await authorize(request, context, .readProperties)
        let revision = try await consent.property(try context.parameters.require("property")).current
        let view = try await ScanScheduleView.read(revision, scans: scans)
        return jsonResponse(headers: [.cacheControl: "no-store"], view.json)
    }

    /// Sets the schedule: `schedule` (off, daily, weekly, monthly) required; `startURLs`, `regions` and `maxPages`
    /// replace the property's when given; `If-Match` (the property's ETag) optional.
    @Sendable func changeSchedule(_ request: Request, context: Context) async throws -> Response {
        let actor = try await authorize(request, context, .editProperties, write: true)
        let id = try context.parameters.require("property")
        _ = try await consent.property(id)
        let body = try RequestBody(
            try await Body.json(request, limit: consent.configuration.maxBodyBytes), code: "invalid_scan_schedule")
        try body.allow(["schedule", "startURLs", "regions", "maxPages"])
        guard let schedule = try body.string("schedule") else {
            throw AssentError.badRequest(
                "schedule: required, one of \(ScanScheduleView.choices.joined(separator: ", "))",
                code: "invalid_scan_schedule")
        }
        let maxPages = try body.int("maxPages")
        var expected: Int?
        if let header = request.headers.value(.ifMatch), !header.isEmpty {
            let current = try await consent.store.currentProperty(id: id)
            try PropertyAdminController<Context>.checkPrecondition(header, current: current, id: id)
            expected = current?.revision
        }
        let save = try await ScanScheduleView.change(
            property: id, schedule: schedule, startURLs: try body.strings("startURLs"),
            regions: try body.strings("regions"),
            maxPages: maxPages, expected: expected, actor: actor, consent: consent, at: sessions.clock())
        let view = try await ScanScheduleView.read(save.saved, scans: scans)
        return jsonResponse(
            headers: [.cacheControl: "no-store", .eTag: PropertyAdminEtag.etag(save.saved.revision)], view.json)
    }

    /// A scan as the API shows it, without its report.
    static func view(_ scan: StoredScan) -> [(String, JSONValue)] {
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(Timestamp.iso8601(milliseconds: $0)) } ?? .null }
        let p = scan.progress
        return [
            ("id", .string(scan.id)), ("property", .string(scan.property)), ("status", .string(scan.status.rawValue)),
            ("request", (try? JSONParser.parse(scan.request)) ?? .null),
            (
                "progress",
                .object([
                    ("pagesDone", .int(p.pagesDone)), ("pagesKnown", .int(p.pagesKnown)),
                    ("visitsDone", .int(p.visitsDone)), ("visitsPlanned", .int(p.visitsPlanned)),
                    ("violations", .int(p.violations)),
                ])
            ),
            ("createdAt", time(scan.createdAt)), ("startedAt", time(scan.startedAt)),
            ("finishedAt", time(scan.finishedAt)), ("error", scan.error.map(JSONValue.string) ?? .null),
        ]
    }
}
