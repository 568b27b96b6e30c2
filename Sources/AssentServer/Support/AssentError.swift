import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The only way an error reaches a client: a status, a stable machine code and a message that names the problem.
/// Rendered as `{"error":{"code":…,"message":…}}`.
public struct AssentError: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Extra response headers: `WWW-Authenticate` on a 401, `Retry-After` on a 429 or 503.
    public var headers: HTTPFields
    /// What a page needs to say this error in its own words and language (such as the attempts left after a
    /// wrong code), so that no page reads them out of the English `message`. Never sent in the JSON answer.
    public var values: [String: String] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse(
            status: status, headers: headers,
            .object([("error", .object([("code", .string(code)), ("message", .string(message))]))]))
    }

    static func badRequest(_ message: String, code: String = "bad_request") -> AssentError {
        AssentError(.badRequest, code, message)
    }

    static func notFound(_ message: String, code: String = "not_found") -> AssentError {
        AssentError(.notFound, code, message)
    }

    static func unauthorized(_ message: String) -> AssentError {
        AssentError(.unauthorized, "unauthorized", message, headers: [.wwwAuthenticate: "Bearer"])
    }

    static func forbidden(_ message: String) -> AssentError { AssentError(.forbidden, "forbidden", message) }

    static func conflict(_ message: String, code: String = "conflict") -> AssentError {
        AssentError(.conflict, code, message)
    }

    /// 429 with the seconds to wait.
    static func tooManyRequests(_ message: String, retryAfter seconds: Int) -> AssentError {
        AssentError(
            .tooManyRequests, "rate_limited", message, headers: [.retryAfter: String(max(1, seconds))])
    }

    static let internalError = AssentError(.internalServerError, "internal", "internal error; it has been logged")
}

/// Renders a JSON value with the members in the order given.
func jsonResponse(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], _ value: JSONValue) -> Response {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(512)
    CanonicalJSON.write(value, sorted: false, into: &bytes)
    return jsonBytesResponse(status: status, headers: headers, bytes)
}

/// A response whose body is JSON already rendered.
func jsonBytesResponse(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], _ bytes: [UInt8]) -> Response {
    var fields = headers
    fields[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// The JSON error answer for anything a handler threw (`ServerMiddleware` gives every request this): our own
/// errors as they are, Hummingbird's (unknown route, method not allowed, body too large) in the same shape, and
/// anything else a logged 500. With `routes`, a miss on a routed path with another method is a 405 naming the
/// methods it allows.
func errorResponse(_ error: any Error, request: Request, context: some RequestContext, routes: RouteTable?) throws
    -> Response
{
    switch error {
    case let error as AssentError:
        return try error.response(from: request, context: context)
    case let error as HTTPError:
        let code: String
        let message: String
        var status = error.status
        var headers = error.headers
        if error.status == .notFound, error.body == nil,
            let allowed = routes?.allowedMethods(path: request.uri.path), !allowed.isEmpty
        {
            status = .methodNotAllowed
            headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        }
        switch status {
        case .notFound:
            code = "not_found"
            message = error.body ?? "no route for \(request.method) \(request.uri.path)"
        case .methodNotAllowed:
            code = "method_not_allowed"
            message = error.body ?? "\(request.method) is not allowed on \(request.uri.path)"
        case .contentTooLarge:
            code = "body_too_large"
            message = error.body ?? "request body too large"
        default:
            code = status.code < 500 ? "bad_request" : "internal"
            message = error.body ?? status.reasonPhrase
        }
        var response = try AssentError(status, code, message).response(from: request, context: context)
        for field in headers where field.name != .contentType && field.name != .contentLength {
            response.headers.append(field)
        }
        return response
    case StoreError.unavailable(let why):
        // Not the client's fault and not a bug: the database is away (restarting, failing over).
        context.logger.warning("database unavailable", metadata: ["error": "\(why)"])
        return try AssentError(
            .serviceUnavailable, "unavailable", "the database is unavailable; try again shortly",
            headers: [.retryAfter: "1"]
        ).response(from: request, context: context)
    case is NIOTooManyBytesError:
        return try AssentError(.contentTooLarge, "body_too_large", "request body too large").response(
            from: request, context: context)
    case let error as HTTPParserError:
        // A body the HTTP parser could not read while a handler collected it (a broken chunked encoding): the
        // client's doing, so a 400 rather than an unexplained 500.
        return try AssentError.badRequest("the request could not be read: \(error)", code: "bad_request").response(
            from: request, context: context)
    default:
        context.logger.error(
            "unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
        return try AssentError.internalError.response(from: request, context: context)
    }
}
