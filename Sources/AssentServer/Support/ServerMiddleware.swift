import AssentStore
import Dispatch
import HTTPTypes
import Hummingbird
import Metrics

/// Everything the server does around every request, in one layer: the JSON error body for anything a handler
/// threw, request count and latency per route for `/metrics`, the request's id in `X-Request-Id` (the id
/// every log line about the request carries as `hb.request.id`, so a publisher who reports a problem can point
/// at its lines), `nosniff` on every answer and `no-store` on every answer whose route set no caching of its own.
///
/// One layer rather than three because each layer of Hummingbird's chain is another async call that copies the
/// request and its context: three of them (with Hummingbird's metrics middleware, which also wraps every body in
/// a closure) cost a cached `GET` about a fifth of its time (`scripts/bench-consent`).
struct ServerMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A miss on a routed path with another method is a 405 naming the methods it allows.
    let routes: RouteTable?
    var metrics = RouteMetrics()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = DispatchTime.now().uptimeNanoseconds
        metrics.active.increment()
        defer { metrics.active.decrement() }
        var response: Response
        let failed: Bool
        do {
            response = try await next(request, context)
            failed = false
        } catch {
            response = try errorResponse(error, request: request, context: context, routes: routes)
            failed = true
        }
        metrics.record(
            route: context.endpointPath ?? (failed ? "NotFound" : "Unknown"), method: request.method,
            status: response.status, failed: failed, nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
        response.headers[.requestID] = context.id
        // No answer is ever sniffed into another type, and none is kept by a cache unless its route says so:
        // answers carry addresses, decisions and receipts, and a shared cache must not keep them.
        response.headers[.xContentTypeOptions] = "nosniff"
        if !response.headers.contains(.cacheControl) { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Request metrics under the names and dimensions Hummingbird's own middleware uses (`hb_requests`,
/// `http_server_request_duration_seconds`, `hb_request_errors`, `http_server_active_requests`), with the
/// handles kept per route, method and status so that a request costs one dictionary lookup.
final class RouteMetrics: Sendable {
    private struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    private struct Handles: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter

        init(_ key: Key, factory: any MetricsFactory) {
            let dimensions = [
                ("http.route", key.route), ("http.request.method", key.method.rawValue),
                ("http.response.status_code", String(key.status)),
            ]
            requests = Counter(label: "hb.requests", dimensions: dimensions, factory: factory)
            duration = Timer(
                label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds,
                factory: factory)
            errors = Counter(
                label: "hb.request.errors",
                dimensions: [
                    ("http.route", key.route), ("http.request.method", key.method.rawValue),
                    ("error.type", String(key.status)),
                ], factory: factory)
        }
    }

    let active: Meter
    private let factory: any MetricsFactory
    private let handles = Locked<[Key: Handles]>([:])

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        active = Meter(label: "http.server.active_requests", factory: factory)
    }

    func record(
        route: String, method: HTTPRequest.Method, status: HTTPResponse.Status, failed: Bool, nanoseconds: UInt64
    ) {
        let key = Key(route: route, method: method, status: status.code)
        let found = handles.withLock { $0[key] }
        let metrics: Handles
        if let found {
            metrics = found
        } else {
            // Made outside the lock (the factory takes its own); a second maker for the same key gets the same
            // metrics from the factory.
            let made = Handles(key, factory: factory)
            metrics = handles.withLock { table in
                if let raced = table[key] { return raced }
                table[key] = made
                return made
            }
        }
        metrics.requests.increment()
        if failed { metrics.errors.increment() }
        metrics.duration.recordNanoseconds(Int64(clamping: nanoseconds))
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
