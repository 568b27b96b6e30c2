import AssentCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MetricsTestKit
import Testing

@testable import AssentServer

/// The one layer around every request: errors become the JSON error body, each answer is counted and timed under
/// its route, method and status (thrown errors also as errors), and each names its request id.
@Suite("Server middleware")
struct ServerMiddlewareTests {
    struct Boom: Error {}

    static func withServer(_ metrics: TestMetrics, _ body: @Sendable (any TestClientProtocol) async throws -> Void)
        async throws
    {
        let router = Router()
        let routes = RouteTable()
        router.addMiddleware { ServerMiddleware(routes: routes, metrics: RouteMetrics(factory: metrics)) }
        router.get("/items/:id") { _, _ in jsonResponse(.object([("ok", .bool(true))])) }
        router.post("/items/:id") { _, _ -> Response in throw AssentError.badRequest("no such item", code: "bad_item") }
        router.get("/crash") { _, _ -> Response in throw Boom() }
        routes.load(router.routes)
        try await Application(router: router).test(.router, body)
    }

    static func requests(_ metrics: TestMetrics, _ route: String, _ method: String, _ status: Int) throws -> Int64 {
        try metrics.expectCounter(
            "hb.requests",
            [("http.route", route), ("http.request.method", method), ("http.response.status_code", String(status))]
        ).totalValue
    }

    @Test("answers and errors are counted and timed per route, method and status, and name their request id")
    func countsAndNames() async throws {
        let metrics = TestMetrics()
        try await Self.withServer(metrics) { client in
            var ids: Set<String> = []
            for _ in 0..<3 {
                let response = try await client.execute(uri: "/items/7", method: .get)
                #expect(response.status == .ok)
                ids.insert(try #require(response.headers[.requestID]))
            }
            let refused = try await client.execute(uri: "/items/7", method: .post)
            #expect(refused.status == .badRequest)
            #expect(try refused.json()["error"]?["code"]?.stringValue == "bad_item")
            ids.insert(try #require(refused.headers[.requestID]))
            let crashed = try await client.execute(uri: "/crash", method: .get)
            #expect(crashed.status == .internalServerError)
            #expect(try crashed.json()["error"]?["code"]?.stringValue == "internal")
            let wrongMethod = try await client.execute(uri: "/crash", method: .delete)
            #expect(wrongMethod.status == .methodNotAllowed)
            ids.insert(try #require(wrongMethod.headers[.requestID]))
            #expect(ids.count == 5, "every answer has its own id")
        }
        #expect(try Self.requests(metrics, "/items/{id}", "GET", 200) == 3)
        #expect(try Self.requests(metrics, "/items/{id}", "POST", 400) == 1)
        #expect(try Self.requests(metrics, "/crash", "GET", 500) == 1)
        let errors = try metrics.expectCounter(
            "hb.request.errors",
            [("http.route", "/items/{id}"), ("http.request.method", "POST"), ("error.type", "400")])
        #expect(errors.totalValue == 1)
        let noErrors = try metrics.expectCounter(
            "hb.request.errors", [("http.route", "/items/{id}"), ("http.request.method", "GET"), ("error.type", "200")])
        #expect(noErrors.totalValue == 0, "an answer that was not an error counts no error")
        let timer = try metrics.expectTimer(
            "http.server.request.duration",
            [("http.route", "/items/{id}"), ("http.request.method", "GET"), ("http.response.status_code", "200")])
        #expect(timer.values.count == 3)
        #expect(timer.values.allSatisfy { $0 >= 0 })
        #expect(try metrics.expectMeter("http.server.active_requests").lastValue == 0, "none left in flight")
    }
}
