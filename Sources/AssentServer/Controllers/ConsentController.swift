import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The widget's API: config, recording decisions, reading them back.
struct ConsentController<Context: RequestContext>: Sendable {
    let service: ConsentService
    /// What a config answer varies by, made once (the region header is the server's setting).
    private let configVary: String

    init(service: ConsentService) {
        self.service = service
        configVary = "Origin, Sec-GPC, Assent-Identity, \(service.configuration.regionHeader)"
    }

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("properties/:property/config", use: config)
        routes.post("properties/:property/consents", use: record)
        routes.on("properties/:property/consents", method: .options, use: preflight)
        routes.on("properties/:property/config", method: .options, use: preflight)
        routes.get("properties/:property/subjects/:subject", use: latest)
        routes.get("properties/:property/subjects/:subject/history", use: history)
        return routes
    }

    private var regionHeader: HTTPField.Name { service.directory.headers.region }

    /// The property id from the path, after checking that the property exists and that the request's origin
    /// may use it; with the CORS headers for the answer.
    private func propertyAndCORS(_ request: Request, _ context: Context) async throws -> (String, HTTPFields) {
        let (entry, cors) = try await entryAndCORS(request, context)
        return (entry.current.property.id, cors)
    }

    /// `propertyAndCORS` with the property looked up, for a route that goes on with it.
    private func entryAndCORS(_ request: Request, _ context: Context) async throws -> (PropertyCache.Entry, HTTPFields)
    {
        let entry = try await service.property(try context.parameters.require("property"))
        return (entry, try CORS.headers(request, origins: entry.current.property.origins))
    }

    @Sendable func config(_ request: Request, context: Context) async throws -> Response {
        let (entry, cors) = try await entryAndCORS(request, context)
        let query = request.uri.queryParameters
        let region = try service.region(
            propertyID: entry.current.property.id, header: request.headers.value(regionHeader),
            demoOverride: query["region"].map(String.init))
        let gpc = request.headers.value(.secGPC) == "1"
        let lang = query["lang"].map(String.init)
        let document: RenderedDocument
        var headers = cors
        if let token = request.headers.value(ConsentService.identityHeader) {
            // A signed-in reader: their decision is in the answer, so no cache may keep it.
            document = RenderedDocument(
                bytes: try await service.identityConfig(
                    entry: entry, lang: lang, region: region, gpc: gpc, token: token))
            headers[.cacheControl] = "no-store"
        } else {
            document = try await service.config(entry: entry, lang: lang, region: region, gpc: gpc)
            headers[.cacheControl] = "no-cache"
        }
        headers[.eTag] = document.etag
        headers[.vary] = configVary
        if ifNoneMatch(request.headers.value(.ifNoneMatch), matches: document.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: document.body))
    }

    @Sendable func record(_ request: Request, context: Context) async throws -> Response {
        let (entry, cors) = try await entryAndCORS(request, context)
        let body = try await Body.json(request, limit: service.configuration.maxBodyBytes)
        let scanSecret = request.headers.value(ScanSecret.header)
        let decision = try await service.record(
            entry: entry, body: body, regionHeader: request.headers.value(regionHeader),
            gpcHeader: request.headers.value(.secGPC) == "1",
            identity: request.headers.value(ConsentService.identityHeader), scanSecret: scanSecret)
        var headers = cors
        headers[.cacheControl] = "no-store"
        // A scanner's decision created nothing: 200, not 201.
        let status: HTTPResponse.Status = scanSecret == nil ? .created : .ok
        return jsonBytesResponse(status: status, headers: headers, decision)
    }

    @Sendable func preflight(_ request: Request, context: Context) async throws -> Response {
        var (_, headers) = try await propertyAndCORS(request, context)
        headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
        headers[.accessControlAllowHeaders] = "Content-Type, Assent-Identity, Assent-Scan"
        headers[.accessControlMaxAge] = "600"
        return Response(status: .noContent, headers: headers)
    }

    @Sendable func latest(_ request: Request, context: Context) async throws -> Response {
        let (id, cors) = try await propertyAndCORS(request, context)
        let bytes = try await service.latest(propertyID: id, subject: try context.parameters.require("subject"))
        var headers = cors
        headers[.cacheControl] = "no-store"
        return jsonBytesResponse(headers: headers, bytes)
    }

    @Sendable func history(_ request: Request, context: Context) async throws -> Response {
        let (id, cors) = try await propertyAndCORS(request, context)
        let bytes = try await service.history(propertyID: id, subject: try context.parameters.require("subject"))
        var headers = cors
        headers[.cacheControl] = "no-store"
        return jsonBytesResponse(headers: headers, bytes)
    }
}

/// CORS only for the property's allowed origins (and the server's own origin). A browser request from any
/// other origin is refused outright, so another site cannot write records in a visitor's name.
enum CORS {
    static func headers(_ request: Request, origins: [String]) throws -> HTTPFields {
        guard let origin = request.headers.value(.origin) else { return [:] }
        let sameOrigin = request.head.authority.map { origin == "http://\($0)" || origin == "https://\($0)" } ?? false
        guard origins.contains(origin) || sameOrigin else {
            throw AssentError(.forbidden, "origin_not_allowed", "origin \(origin) is not allowed for this property")
        }
        return [.accessControlAllowOrigin: origin, .vary: "Origin"]
    }
}

/// The media type of a Content-Type value, lowercased, without parameters or spaces.
func mediaType(_ value: String) -> String {
    // What nearly every client sends, answered without building a string.
    if value == "application/json" || value == "application/json; charset=utf-8" { return "application/json" }
    var result = ""
    for scalar in value.unicodeScalars {
        if scalar == ";" { break }
        if scalar != " " && scalar != "\t" { result.unicodeScalars.append(scalar) }
    }
    return result.lowercased()
}

/// Request bodies: JSON only, bounded.
enum Body {
    /// The bytes of a body as JSON, or 400 `invalid_json` saying what is wrong with them.
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        do {
            return try JSONReader.parse(bytes)
        } catch {
            throw invalid(error)
        }
    }

    /// A reader's problems as the 400 a client gets: `invalid_json` for bytes that are not JSON, else `code` with
    /// the first problem as `field: message` (its path without `$.`; `body` for the whole body).
    static func invalid(_ error: JSONReadError, code: String = "invalid_request") -> AssentError {
        guard let problem = error.problems.first else { return AssentError.badRequest("invalid request", code: code) }
        if error.parse { return AssentError.badRequest("request body is \(problem.message)", code: "invalid_json") }
        let field = problem.path == "$" ? "body" : String(problem.path.dropFirst(problem.path.hasPrefix("$.") ? 2 : 0))
        return AssentError.badRequest("\(field): \(problem.message)", code: code)
    }

    /// Throws the reader's first problem as `invalid`.
    static func check(_ reader: JSONReader, code: String = "invalid_request") throws {
        do { try reader.check() } catch { throw invalid(error, code: code) }
    }

    static func json(_ request: Request, limit: Int) async throws -> [UInt8] {
        try await bytes(request, limit: limit, types: ["application/json"])
    }

    /// The body of one of the media `types` (the first one named in the error), at most `limit` bytes.
    static func bytes(_ request: Request, limit: Int, types: [String]) async throws -> [UInt8] {
        let type = request.headers.value(.contentType).map(mediaType)
        guard let type, types.contains(type) else {
            throw AssentError(
                .unsupportedMediaType, "unsupported_media_type",
                "expected Content-Type: \(types.joined(separator: " or ")), got \(request.headers.value(.contentType) ?? "none")"
            )
        }
        if let length = request.headers.value(.contentLength).flatMap({ Int($0) }), length > limit {
            throw AssentError(
                .contentTooLarge, "body_too_large", "request body of \(length) bytes exceeds the \(limit)-byte limit")
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return buffer.withUnsafeReadableBytes { Array($0) }
        } catch is NIOTooManyBytesError {
            throw AssentError(.contentTooLarge, "body_too_large", "request body exceeds the \(limit)-byte limit")
        }
    }
}

extension HTTPField.Name {
    static let secGPC = HTTPField.Name("Sec-GPC")!
}
