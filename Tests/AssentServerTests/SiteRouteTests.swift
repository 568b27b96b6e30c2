import AssentCore
import AssentStore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

@Suite("Site routes: health, widget assets, demo, well-known files, OpenAPI, metrics, unknown routes")
struct SiteRouteTests {
    @Test("GET /healthz")
    func health() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get("/healthz")
            #expect(response.status == .ok)
            #expect(response.isJSON)
            #expect(response.text == #"{"status":"ok"}"#)
        }
    }

    @Test("GET /readyz is ready while the database answers, and every answer names its request id")
    func ready() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get("/readyz")
            #expect(response.status == .ok)
            #expect(response.text == #"{"status":"ready"}"#)
            let first = try #require(response.headers[.requestID])
            let again = try await client.get("/nowhere")
            #expect(again.headers[.requestID].map { !$0.isEmpty && $0 != first } == true, "errors carry one too")
        }
    }

    struct DatabaseDown: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    /// The store itself is not made to fail here: the check is the controller's seam. A database that refuses
    /// is a 503 naming why; one that hangs is a 503 after the timeout, not a hung probe.
    @Test("GET /readyz fails with the database: an error or no answer in time is a 503 with Retry-After")
    func readinessFailsWithTheDatabase() async throws {
        for (check, mentions) in [
            ({ @Sendable () async throws -> Void in throw DatabaseDown() }, "connection refused"),
            ({ @Sendable () async throws -> Void in try await Task.sleep(for: .seconds(60)) }, "did not answer"),
        ] {
            let router = Router()
            router.addMiddleware { ServerMiddleware(routes: nil) }
            ReadinessController<BasicRequestContext>(check: check, timeout: .milliseconds(200)).addRoutes(to: router)
            try await Application(router: router).test(.router) { client in
                let started = ContinuousClock.now
                let response = try await client.execute(uri: "/readyz", method: .get)
                #expect(started.duration(to: .now) < .seconds(30), "answered long before the 60-second hang")
                #expect(response.status == .serviceUnavailable)
                let error = try response.json()["error"]
                #expect(error?["code"]?.stringValue == "not_ready")
                #expect(error?["message"]?.stringValue?.contains(mentions) == true)
                #expect(response.headers[.retryAfter] == "1")
            }
        }
    }

    /// A store that cannot reach its database says so with `StoreError.unavailable`; the client gets a 503 with
    /// Retry-After (and can retry), never a 500 or a hang, and other store errors are not mistaken for it.
    @Test("an unavailable database is a 503 with Retry-After; other store errors are not")
    func unavailableStoreIs503() async throws {
        let router = Router()
        router.addMiddleware { ServerMiddleware(routes: nil) }
        router.get("/down") { _, _ -> String in throw StoreError.unavailable("connection refused") }
        router.get("/corrupt") { _, _ -> String in throw StoreError.corrupt("row 7") }
        try await Application(router: router).test(.router) { client in
            let down = try await client.execute(uri: "/down", method: .get)
            #expect(down.status == .serviceUnavailable)
            #expect(down.headers[.retryAfter] == "1")
            #expect(try down.json()["error"]?["code"]?.stringValue == "unavailable")
            let corrupt = try await client.execute(uri: "/corrupt", method: .get)
            #expect(corrupt.status == .internalServerError)
            #expect(try corrupt.json()["error"]?["code"]?.stringValue == "internal")
        }
    }

    struct Asset: Sendable, CustomTestStringConvertible {
        let path: String
        let contentType: String
        let marker: String
        var testDescription: String { path }
    }

    static let assets = [
        Asset(path: "/assent.js", contentType: "text/javascript; charset=utf-8", marker: "data-property"),
        Asset(path: "/assent.css", contentType: "text/css; charset=utf-8", marker: ".assent"),
    ]

    @Test("widget assets: identity body, ETag and 304, cache headers", arguments: assets)
    func assetETag(_ asset: Asset) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get(asset.path)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == asset.contentType)
            #expect(response.headers[.contentEncoding] == nil)
            #expect(response.headers[.vary] == "Accept-Encoding")
            #expect(response.headers[.cacheControl]?.contains("max-age") == true)
            #expect(response.text.contains(asset.marker))
            let etag = try #require(response.headers[.eTag])

            let notModified = try await client.get(asset.path, [.ifNoneMatch: etag])
            #expect(notModified.status == .notModified)
            #expect(notModified.headers[.eTag] == etag)
            #expect(notModified.body.readableBytes == 0)

            let inList = try await client.get(asset.path, [.ifNoneMatch: "\"other\", \(etag)"])
            #expect(inList.status == .notModified)
            let star = try await client.get(asset.path, [.ifNoneMatch: "*"])
            #expect(star.status == .notModified)
            let stale = try await client.get(asset.path, [.ifNoneMatch: "\"other\""])
            #expect(stale.status == .ok)
            #expect(stale.bytes == response.bytes)
        }
    }

    @Test("widget assets: gzip when accepted, and it decompresses to the identity body", arguments: assets)
    func assetGzip(_ asset: Asset) async throws {
        try await TestServer.withRouter { client in
            let identity = try await client.get(asset.path)
            let gzipped = try await client.get(asset.path, [.acceptEncoding: "gzip, deflate, br"])
            #expect(gzipped.status == .ok)
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            #expect(gzipped.headers[.contentType] == asset.contentType)
            #expect(gzipped.headers[.eTag] == identity.headers[.eTag])
            #expect(gzipped.headers[.vary] == "Accept-Encoding")
            #expect(gzipped.bytes.prefix(2) == [0x1f, 0x8b])
            #expect(gzipped.body.readableBytes < identity.body.readableBytes)
            #expect(try gunzip(gzipped.bytes) == identity.bytes)

            let other = try await client.get(asset.path, [.acceptEncoding: "br"])
            #expect(other.headers[.contentEncoding] == nil)
            #expect(other.bytes == identity.bytes)
        }
    }

    @Test("GET /demo/ is the demo publisher page with the widget's script tag")
    func demoPage() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get("/demo/")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let html = response.text
            #expect(html.hasPrefix("<!doctype html>"))
            #expect(html.contains(#"<script src="/assent.js" data-property="demo""#))
            #expect(html.contains("async></script>"))

            let france = try await client.get("/demo/?region=FR").text
            #expect(france.contains(#"data-region="FR""#))
            #expect(france.contains(#"aria-current="page""#))
            // Whatever is asked for, only a region code reaches the page.
            let hostile = try await client.get("/demo/?region=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").text
            #expect(!hostile.contains("<script>alert(1)"))
        }
    }

    @Test("demo files are served; a missing one is a JSON 404; / redirects to the demo")
    func demoFiles() async throws {
        try await TestServer.withRouter { client in
            let video = try await client.get("/demo/video.html")
            #expect(video.status == .ok)
            #expect(video.headers[.contentType] == "text/html; charset=utf-8")
            try expectError(
                try await client.get("/demo/nothere.html"), .notFound, code: "not_found",
                mentioning: "/demo/nothere.html")
            try expectError(try await client.get("/demo/index.mustache"), .notFound, code: "not_found")
            let root = try await client.get("/")
            #expect(root.status == .found)
            #expect(root.headers[.location] == "/demo/")
        }
    }

    @Test("GET /.well-known/gpc.json declares GPC support")
    func gpcJSON() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get("/.well-known/gpc.json")
            #expect(response.status == .ok)
            #expect(response.isJSON)
            let body = try response.json()
            #expect(body["gpc"]?.boolValue == true)
            #expect(body["lastUpdate"]?.stringValue?.count == 10)
            let etag = try #require(response.headers[.eTag])
            #expect(try await client.get("/.well-known/gpc.json", [.ifNoneMatch: etag]).status == .notModified)
        }
    }

    @Test("GET /openapi.json is an OpenAPI 3.1 document")
    func openAPI() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get("/openapi.json")
            #expect(response.status == .ok)
            #expect(response.isJSON)
            #expect(response.headers[.eTag] != nil)
            let document = try response.json()
            #expect(document["openapi"]?.stringValue == "3.1.0")
            #expect(document["info"]?["title"]?.stringValue == "Assent")
            #expect((document["paths"]?.keys.count ?? 0) >= 15)
        }
    }

    @Test("GET /metrics serves the registry the server was given, to the holder of the metrics token")
    func metrics() async throws {
        let exposition = "# TYPE assent_test_total counter\nassent_test_total 3\n"
        var configuration = TestServer.configuration()
        configuration.metricsToken = "site-route-tests-token"
        let bearer: HTTPFields = [.authorization: "Bearer site-route-tests-token"]
        try await TestServer.withRouter(configuration, metrics: { Array(exposition.utf8) }) { client in
            let response = try await client.get("/metrics", bearer)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(response.text == exposition)
        }
        var empty = TestServer.configuration()
        empty.metricsToken = "site-route-tests-token"
        try await TestServer.withRouter(empty) { client in
            let response = try await client.get("/metrics", bearer)
            #expect(response.status == .ok)
            #expect(response.body.readableBytes == 0)
        }
    }

    @Test(
        "unknown routes and methods are JSON errors, not 500s",
        arguments: [
            ("/nope", HTTPRequest.Method.get), ("/v1/properties", .get), ("/v1/properties/demo", .get),
            ("/healthz", .delete), ("/v1/properties/demo/consents", .put), ("/v1/properties/demo/consents", .get),
            ("/.well-known/other.json", .get),
        ])
    func unknownRoutes(_ path: String, _ method: HTTPRequest.Method) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.execute(uri: path, method: method)
            #expect(response.status == .notFound || response.status == .methodNotAllowed, "\(response.status)")
            let message = try expectErrorShape(response)
            #expect(message.contains(path))
        }
    }
}
