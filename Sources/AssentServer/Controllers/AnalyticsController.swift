import AssentCore
import AssentStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Consent analytics: the widget's beacon and the admin report (docs/analytics.md).
struct AnalyticsController<Context: RequestContext>: Sendable {
    let service: ConsentService
    let logger: Logger
    let sessions: ConsoleSessions

    /// A beacon is a few dozen bytes.
    static var maxBeaconBytes: Int { 1024 }

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("properties/:property/events", use: event)
        routes.on("properties/:property/events", method: .options, use: preflight)
        routes.get("admin/properties/:property/analytics", use: report)
        return routes
    }

    /// `navigator.sendBeacon` sends a string as `text/plain;charset=UTF-8` (a simple request, no preflight);
    /// `application/json` is taken too.
    @Sendable func event(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("property")
        let entry = try await service.property(id)
        let cors = try CORS.headers(request, origins: entry.current.property.origins)
        let body = try await Body.bytes(
            request, limit: Self.maxBeaconBytes, types: ["text/plain", "application/json"])
        // A compliance scanner's beacon is dropped: it is no visitor.
        if let secret = request.headers.value(ScanSecret.header) {
            try await service.checkScanSecret(secret, propertyID: id)
            return Response(status: .noContent, headers: cors)
        }
        try await service.countEvent(
            propertyID: id, body: body,
            regionHeader: request.headers.value(service.directory.headers.region),
            demoRegion: request.uri.queryParameters["region"].map(String.init))
        var headers = cors
        headers[.cacheControl] = "no-store"
        return Response(status: .noContent, headers: headers)
    }

    @Sendable func preflight(_ request: Request, context: Context) async throws -> Response {
        let entry = try await service.property(try context.parameters.require("property"))
        var headers = try CORS.headers(request, origins: entry.current.property.origins)
        headers[.accessControlAllowMethods] = "POST, OPTIONS"
        headers[.accessControlAllowHeaders] = "Content-Type, Assent-Scan"
        headers[.accessControlMaxAge] = "600"
        return Response(status: .noContent, headers: headers)
    }

    @Sendable func report(_ request: Request, context: Context) async throws -> Response {
        // An admin token, or a console session whose role reads analytics of this property.
        let actor = try await sessions.actor(request, context: context, write: false)
        try actor.require(.readAnalytics, property: try context.parameters.require("property"))
        let query = request.uri.queryParameters
        let format = query["format"].map(String.init) ?? "json"
        guard format == "json" || format == "csv" else {
            throw AssentError.badRequest("format: expected json or csv", code: "invalid_query")
        }
        let report = try await service.analyticsReport(
            propertyID: try context.parameters.require("property"), from: query["from"].map(String.init),
            to: query["to"].map(String.init), by: query["by"].map(String.init), logger: logger)
        if format == "csv" {
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: report.csv)))
        }
        return jsonResponse(headers: [.cacheControl: "no-store"], report.jsonValue)
    }
}
