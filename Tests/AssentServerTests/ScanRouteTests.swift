import AssentCore
import AssentSQLite
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import AssentServer

/// The admin scan routes (docs/scanning.md): queueing, reading, the HTML report, and every kind of bad input.
@Suite("Scan routes")
struct ScanRouteTests {
    static let scans = "/v1/admin/properties/demo/scans"
    /// Nothing listens on the discard port: every visit of it fails at once.
    static let unreachable = "http://127.0.0.1:9/"

    /// Polls a scan until it is done or failed (a real Chromium runs it), at most `seconds`.
    static func finished(
        _ client: some TestClientProtocol, _ uri: String, _ admin: HTTPFields, seconds: Int = 120
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let response = try await client.get(uri, admin)
            try #require(response.status == .ok, "\(response.text)")
            let json = try response.json()
            if let status = json["status"]?.stringValue, status == "done" || status == "failed" { return json }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestServerError("scan \(uri) did not finish in \(seconds) s")
    }

    @Test func badInputIsA4xxNamingTheProblem() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            func post(_ body: String, _ uri: String = Self.scans) async throws -> TestResponse {
                try await client.post(uri, json: body, admin)
            }
            try expectError(
                try await post(#"{"startURLs":["\#(Self.unreachable)"]}"#, "/v1/admin/properties/nope/scans"),
                .notFound, code: "unknown_property")
            try expectError(try await post("{}"), .badRequest, code: "invalid_scan", mentioning: "startURLs")
            try expectError(
                try await post(#"{"startURLs":["/shop"]}"#), .badRequest, code: "invalid_scan", mentioning: "/shop")
            try expectError(
                try await post(#"{"startURLs":["ftp://example.com/"]}"#), .badRequest, code: "invalid_scan")
            try expectError(
                try await post(#"{"startURLs":"https://example.com/"}"#), .badRequest, code: "invalid_scan",
                mentioning: "array")
            // A bad member is named by its JSON path.
            try expectError(
                try await post(#"{"startURLs":["https://example.com/",3]}"#), .badRequest, code: "invalid_scan",
                mentioning: "startURLs[1]")
            try expectError(
                try await post(#"{"startURLs":["https://example.com/"],"regions":["France"]}"#), .badRequest,
                code: "invalid_scan", mentioning: "France")
            for pages in ["0", "501", "-3", "\"ten\""] {
                try expectError(
                    try await post(#"{"startURLs":["https://example.com/"],"maxPages":\#(pages)}"#), .badRequest,
                    code: "invalid_scan", mentioning: "maxPages")
            }
            try expectError(
                try await post(#"{"startURLs":["https://example.com/"],"depth":11}"#), .badRequest,
                code: "invalid_scan", mentioning: "depth")
            try expectError(
                try await post(#"{"startURLs":["https://example.com/"],"tabs":9}"#), .badRequest,
                code: "invalid_scan", mentioning: "tabs")
            try expectError(try await post("[1]"), .badRequest, code: "invalid_scan")
            try expectError(try await post("{"), .badRequest, code: "invalid_json")
            try expectError(
                try await client.post(Self.scans, json: #"{"startURLs":["https://example.com/"]}"#), .unauthorized,
                code: "unauthorized")
            try expectError(try await client.get(Self.scans + "/nope", admin), .notFound, code: "unknown_scan")
            try expectError(
                try await client.get(Self.scans + "/nope/report", admin), .notFound, code: "unknown_scan")
            try expectError(
                try await client.get("/v1/admin/properties/nope/scans", admin), .notFound, code: "unknown_property")
            // Nothing was queued by any of it.
            let list = try await client.get(Self.scans, admin)
            #expect(list.status == .ok)
            #expect(try list.json()["scans"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func aScanIsQueuedRunReadAndItsReportServedAsStrictHTML() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let queued = try await client.post(
                Self.scans, json: #"{"startURLs":["\#(Self.unreachable)"],"regions":["fr"],"maxPages":1}"#, admin)
            #expect(queued.status == .accepted, "\(queued.text)")
            let scan = try queued.json()
            let id = try #require(scan["id"]?.stringValue)
            #expect(queued.headers[.location] == "\(Self.scans)/\(id)")
            #expect(scan["request"]?["regions"] == .array([.string("FR")]))
            #expect(scan["request"]?["trigger"]?.stringValue == "api")
            let done = try await Self.finished(client, "\(Self.scans)/\(id)", admin)
            // No page could be visited: failed, saying why, with the report of what was tried.
            #expect(done["status"]?.stringValue == "failed", "\(done)")
            #expect(done["error"]?.stringValue?.contains("could not scan") == true, "\(done)")
            #expect(done["progress"]?["visitsDone"]?.intValue == 4, "\(done)")
            #expect(done["report"]?["version"]?.intValue == 1, "\(done)")
            #expect(done["report"]?["visits"]?.arrayValue?.count == 4)
            let list = try await client.get(Self.scans, admin).json()
            #expect(list["scans"]?.arrayValue?.map { $0["id"]?.stringValue } == [id])
            #expect(list["scans"]?.arrayValue?.first?["report"] == nil)
            let html = try await client.get("\(Self.scans)/\(id)/report", admin)
            #expect(html.status == .ok, "\(html.text)")
            #expect(html.headers[.contentType] == "text/html; charset=utf-8")
            #expect(html.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
            #expect(html.text.contains("<html") && !html.text.contains("<script"))
            // The scanner's own requests were never the server's to record.
            #expect(try await TestServer.store(configuration).treeSize(log: 0) == 0)
            // Starting it is in the audit log, with who did it.
            let audit = try await TestServer.store(configuration).auditEvents(AuditFilter(action: "scan.create"))
            #expect(audit.map(\.target) == [id])
            #expect(audit.first?.actor.hasPrefix("token:") == true)
        }
    }

    @Test func consoleSessionsFollowTheirRoleAndPropertiesOnScans() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await ConsoleRouteTests.account(configuration, "viewer@example.org", .viewer)
            try await ConsoleRouteTests.account(configuration, "other@example.org", .editor, properties: ["other"])
            let body = #"{"startURLs":["\#(Self.unreachable)"]}"#
            var viewer = ConsoleBrowser()
            #expect(
                try await viewer.signIn(client, "viewer@example.org", ConsoleRouteTests.password).status == .seeOther)
            let asViewer: HTTPFields = [.cookie: viewer.cookieHeader]
            #expect(try await client.get(Self.scans, asViewer).status == .ok)
            try expectError(try await client.post(Self.scans, json: body, asViewer), .forbidden, code: "forbidden")
            var other = ConsoleBrowser()
            #expect(try await other.signIn(client, "other@example.org", ConsoleRouteTests.password).status == .seeOther)
            let asOther: HTTPFields = [.cookie: other.cookieHeader]
            try expectError(try await client.get(Self.scans, asOther), .forbidden, code: "forbidden")
            try expectError(try await client.post(Self.scans, json: body, asOther), .forbidden, code: "forbidden")
            // Nothing was queued.
            #expect(try await TestServer.store(configuration).scans(property: "demo", limit: 10).isEmpty)
        }
    }

    @Test func aFullQueueIsA429AndAQueuedScanHasNoReportYet() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            let body = #"{"startURLs":["\#(Self.unreachable)"],"maxPages":1}"#
            var ids: [String] = []
            for _ in 0..<ScanService.defaultQueueLimit {
                let response = try await client.post(Self.scans, json: body, admin)
                try #require(response.status == .accepted, "\(response.text)")
                ids.append(try #require(try response.json()["id"]?.stringValue))
            }
            let refused = try await client.post(Self.scans, json: body, admin)
            try expectError(refused, .tooManyRequests, code: "scan_queue_full")
            #expect(refused.headers[.retryAfter] != nil)
            // The last one waits behind the others: no report yet.
            let last = try await client.get("\(Self.scans)/\(ids.last!)", admin).json()
            #expect(last["status"]?.stringValue == "queued", "\(last)")
            try expectError(
                try await client.get("\(Self.scans)/\(ids.last!)/report", admin), .conflict,
                code: "scan_not_finished")
        }
    }
}

/// The schedule: a property's `scan.schedule` queues a scan when due, and not again before its interval.
@Suite("Scan schedules")
struct ScanScheduleTests {
    @Test func aScheduledPropertyIsScannedOncePerInterval() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-scan-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { TestServer.removeDirectory(directory.path) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path)
        var property = Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"])
        property.scan = ScanSettings(schedule: .daily, startURLs: ["https://shop.example/"], regions: ["DE"])
        _ = try await store.saveProperty(property, at: 1)
        _ = try await store.saveProperty(
            Property.standard(id: "other", name: "Other", origins: ["https://other.example"]), at: 1)
        let now = Locked<Int64>(1_795_969_185_000)
        let service = ScanService(
            store: store, assentOrigin: "http://127.0.0.1:8080", logger: .init(label: "assent-test"),
            clock: { now.withLock { $0 } })
        let first = try await service.startDueScans()
        #expect(first.map(\.property) == ["shop"])
        let request = try JSONParser.parse(try #require(first.first).request)
        #expect(request["trigger"]?.stringValue == "schedule")
        #expect(request["regions"] == .array([.string("DE")]))
        now.withLock { $0 += 86_400_000 - 1 }
        #expect(try await service.startDueScans().isEmpty)
        now.withLock { $0 += 1 }
        #expect(try await service.startDueScans().count == 1)
        #expect(try await store.scans(property: "shop", limit: 10).count == 2)
    }
}
