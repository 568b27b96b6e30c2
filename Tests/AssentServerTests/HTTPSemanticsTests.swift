import AssentCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// HTTP behaviour that proxies and browsers rely on; each test states what HTTP requires.
@Suite("HTTP semantics: HEAD, conditional requests, content coding")
struct HTTPSemanticsTests {
    /// RFC 9110 §9.1: a server that supports GET must support HEAD. Hummingbird only adds HEAD when the router
    /// is built with `options: .autoGenerateHeadEndpoints` (Application+build.swift, `buildRouter`).
    @Test(
        "HEAD answers like GET without a body",
        arguments: ["/healthz", "/assent.js", "/v1/properties/demo/config", "/demo/"])
    func head(_ path: String) async throws {
        try await TestServer.withRouter { client in
            let get = try await client.get(path)
            let head = try await client.execute(uri: path, method: .head)
            try #require(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentType] == get.headers[.contentType])
            #expect(head.headers[.eTag] == get.headers[.eTag])
        }
    }

    /// RFC 9110 §15.5.6: a method the target does not support is a 405 that lists the supported ones in `Allow`;
    /// the router itself answers 404 for any miss (RouteTable.swift, errorResponse in AssentError.swift).
    @Test(
        "a known path asked with another method is a 405 naming the allowed methods",
        arguments: [
            ("/metrics", HTTPRequest.Method.delete, "GET, HEAD"),
            ("/v1/receipts/verify", .get, "POST"),
            ("/v1/properties/demo/consents", .put, "OPTIONS, POST"),
            ("/privacy/demo/status/abc", .post, "GET, HEAD"),
        ])
    func methodNotAllowed(_ path: String, _ method: HTTPRequest.Method, _ allow: String) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.execute(uri: path, method: method)
            try expectError(response, .methodNotAllowed, code: "method_not_allowed")
            #expect(response.headers[.allow] == allow)
        }
    }

    @Test("an unknown path is still a 404, whatever the method")
    func unknownPath() async throws {
        try await TestServer.withRouter { client in
            try expectError(try await client.execute(uri: "/nowhere", method: .delete), .notFound, code: "not_found")
            try expectError(try await client.get("/v1/properties/demo/nothing"), .notFound, code: "not_found")
        }
    }

    /// RFC 9110 §13.1.2: If-None-Match is a list and uses weak comparison, so `W/"tag"` (what a proxy that
    /// compresses sends back) and a list holding the tag both match. The config route compares the header to
    /// the ETag as one exact string (ConsentController.swift, `config`).
    @Test("config: If-None-Match with a weak tag or a list is a 304")
    func configConditionalForms() async throws {
        try await TestServer.withRouter { client in
            let etag = try #require(try await client.get("/v1/properties/demo/config").headers[.eTag])
            let weak = try await client.get("/v1/properties/demo/config", [.ifNoneMatch: "W/\(etag)"])
            #expect(weak.status == .notModified)
            let list = try await client.get("/v1/properties/demo/config", [.ifNoneMatch: "\"other\", \(etag)"])
            #expect(list.status == .notModified)
        }
    }

    /// The same weak comparison for the widget assets (StaticAssets.swift, `response(for:)`).
    @Test("assets: If-None-Match with a weak tag is a 304")
    func assetWeakETag() async throws {
        try await TestServer.withRouter { client in
            let etag = try #require(try await client.get("/assent.js").headers[.eTag])
            let weak = try await client.get("/assent.js", [.ifNoneMatch: "W/\(etag)"])
            #expect(weak.status == .notModified)
        }
    }

    /// RFC 9110 §12.5.3: `gzip;q=0` means gzip is not acceptable; the asset check is a substring match
    /// (StaticAssets.swift, `request.headers[.acceptEncoding]?.contains("gzip")`).
    @Test("assets: Accept-Encoding gzip;q=0 gets the identity body")
    func gzipRefused() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get("/assent.js", [.acceptEncoding: "gzip;q=0, identity"])
            #expect(response.headers[.contentEncoding] == nil)
        }
    }
}
