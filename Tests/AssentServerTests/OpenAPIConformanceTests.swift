import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import AssentServer

/// `/openapi.json` against the running server: every documented operation is called (with good input and with
/// each kind of bad input it documents) and must answer with a documented status, a documented content type and
/// the documented required members; and every route the server has is documented.
@Suite("openapi.json conforms to the server")
struct OpenAPIConformanceTests {
    /// Every route the server registers (Application+build.swift, ConsentController, LedgerController,
    /// SiteController, SignalsController), in OpenAPI path syntax.
    static let serverRoutes: Set<String> = [
        "GET /healthz",
        "GET /readyz",
        "GET /v1/properties/{property}/config",
        "OPTIONS /v1/properties/{property}/config",
        "POST /v1/properties/{property}/consents",
        "OPTIONS /v1/properties/{property}/consents",
        "GET /v1/properties/{property}/subjects/{subject}",
        "GET /v1/properties/{property}/subjects/{subject}/history",
        "GET /v1/receipts/{record}",
        "POST /v1/receipts/verify",
        "POST /v1/signals/decode",
        "GET /.well-known/jwks.json",
        "GET /.well-known/gpc.json",
        "GET /assent.js",
        "GET /assent.css",
        "GET /assent-signals.js",
        "GET /",
        "GET /demo/",
        "GET /demo/{file}",
        "GET /openapi.json",
        "GET /metrics",
        "POST /v1/properties/{property}/requests",
        "GET /v1/requests/status/{secret}",
        "POST /v1/requests/status/{secret}/verify",
        "POST /v1/requests/status/{secret}/code",
        "GET /v1/requests/status/{secret}/export",
        "GET /v1/admin/properties/{property}/requests",
        "GET /v1/admin/properties/{property}/export",
        "GET /v1/admin/requests/{id}",
        "POST /v1/admin/requests/{id}/status",
        "POST /v1/admin/requests/{id}/extend",
        "POST /v1/admin/requests/{id}/verify",
        "PUT /v1/admin/requests/{id}/export",
        "GET /v1/properties/{property}/suppression/{hash}",
        "POST /v1/properties/{property}/suppression",
        "GET /privacy/{property}/requests",
        "POST /privacy/{property}/requests",
        "GET /privacy/{property}/do-not-sell",
        "POST /privacy/{property}/do-not-sell",
        "GET /privacy/{property}/status/{secret}",
        "POST /privacy/{property}/status/{secret}/verify",
        "POST /privacy/{property}/status/{secret}/code",
        "GET /privacy/{property}/status/{secret}/export",
        "GET /v1/ledger/heads",
        "GET /v1/ledger/heads/latest",
        "GET /v1/ledger/proofs/consistency",
        "POST /v1/properties/{property}/events",
        "OPTIONS /v1/properties/{property}/events",
        "GET /v1/admin/properties/{property}/analytics",
        "POST /v1/admin/properties/{property}/scans",
        "GET /v1/admin/properties/{property}/scans",
        "GET /v1/admin/properties/{property}/scans/{scan}",
        "GET /v1/admin/properties/{property}/scans/{scan}/report",
        "GET /v1/admin/properties/{property}/scan-schedule",
        "PUT /v1/admin/properties/{property}/scan-schedule",
        "GET /v1/admin/tokens",
        "POST /v1/admin/tokens",
        "DELETE /v1/admin/tokens/{token}",
        "GET /admin/scans",
        "POST /admin/scans",
        "POST /admin/scans/schedule",
        "GET /admin/scans/{id}",
        "POST /admin/scans/{id}/take",
        "GET /admin/tokens",
        "POST /admin/tokens",
        "POST /admin/tokens/{id}/revoke",
        "GET /admin/setup/{secret}",
        "POST /admin/setup/{secret}",
        "GET /admin/sign-in",
        "POST /admin/sign-in",
        "POST /admin/sign-out",
        "POST /admin/sign-out-everywhere",
        "GET /admin/",
        "GET /admin/people",
        "POST /admin/people",
        "POST /admin/people/{id}/disable",
        "POST /admin/people/{id}/enable",
        "POST /admin/people/{id}/password",
        "GET /admin/audit",
        "GET /admin/analytics",
        "GET /admin/analytics.csv",
        "GET /admin/requests",
        "GET /admin/requests/{id}",
        "GET /admin/requests/{id}/export",
        "POST /admin/requests/{id}/verify",
        "POST /admin/requests/{id}/start",
        "POST /admin/requests/{id}/complete",
        "POST /admin/requests/{id}/deny",
        "POST /admin/requests/{id}/extend",
        "POST /admin/requests/{id}/export",
        "POST /admin/requests/{id}/upload",
        "GET /admin/records",
        "GET /admin/console.css",
        "GET /v1/admin/properties",
        "GET /v1/admin/properties/{property}",
        "PUT /v1/admin/properties/{property}",
        "GET /v1/admin/properties/{property}/revisions",
        "GET /v1/admin/properties/{property}/revisions/{revision}",
        "GET /admin/properties",
        "GET /admin/properties/{property}",
        "GET /admin/properties/{property}/edit/{section}",
        "POST /admin/properties/{property}/edit/{section}",
        "POST /admin/properties/{property}/edit/{section}/preview",
        "GET /admin/properties/{property}/history",
        "GET /admin/properties/{property}/preview",
        "GET /admin/properties/{property}/preview/{draft}",
        "GET /admin/properties/{property}/preview/{draft}/frame",
        "GET /admin/properties/{property}/preview/{draft}/{gpc}/config",
        "POST /admin/properties/{property}/preview/{draft}/{gpc}/consents",
        "POST /admin/properties/{property}/preview/{draft}/{gpc}/events",
        "GET /admin/preview.js",
    ]

    /// Documented statuses no request can provoke on a healthy server.
    static let unreachable: Set<String> = [
        // a record not yet covered by a tree head: the reply waits for the signed head
        "GET /v1/receipts/{record} 503",
        // the database down: SiteRouteTests.readinessFailsWithTheDatabase
        "GET /readyz 503",
        // a server without a metrics token or address: HardeningRouteTests.metricsNeedTheTokenOrTheirOwnAddress
        "GET /metrics 404",
        // a compliance scan's decision: needs a secret issued into the store (ScanSecretRouteTests)
        "POST /v1/properties/{property}/consents 200",
        // taking entries needs a finished scan with a report, stored in the store (ConsoleScanProposalTests)
        "POST /admin/scans/{id}/take 303",
    ]
    static let metricsToken = "conformance-metrics-token"

    @Test("every route the server has is documented, and nothing else is")
    func routesDocumented() async throws {
        try await TestServer.withRouter { client in
            let spec = try await OpenAPISpec.load(client)
            let documented = Set(spec.operations.map(\.name))
            #expect(documented.subtracting(Self.serverRoutes).isEmpty, "documented but not served")
            #expect(Self.serverRoutes.subtracting(documented).isEmpty, "served but not documented")
            let ids = spec.operations.compactMap { $0.operation["operationId"]?.stringValue }
            #expect(ids.count == spec.operations.count)
            #expect(Set(ids).count == ids.count, "operationIds are unique")
        }
    }

    @Test("the list above is the router's own list of routes")
    func routesListMatchesRouter() async throws {
        // The router alone, on SQLite whatever the other tests run on: the routes do not depend on the store.
        let configuration = TestServer.configuration(store: .sqlite)
        defer { TestServer.removeDirectory(configuration.dataDirectory) }
        let opened = try DataDirectory.open(configuration)
        let service = TestServer.consentService(configuration, opened, clock: { 0 })
        let requests = RequestService(
            store: opened.store, directory: service.directory,
            mailer: try TransportMailer.make(configuration, logger: Logger(label: "assent-test")),
            publicBase: configuration.baseURL, logger: Logger(label: "assent-test"), texts: try TextCatalogue())
        let router = try buildRouter(service: service, requests: requests, metrics: nil)
        try router.validate()
        func normalized(_ route: String) -> String {
            route.count > 1 && route.hasSuffix("/") ? String(route.dropLast()) : route
        }
        let registered = Set(router.routes.map { normalized("\($0.method.rawValue) \($0.path)") })
        #expect(registered == Set(Self.serverRoutes.map(normalized)))
    }

    @Test("every $ref in the document resolves")
    func refsResolve() async throws {
        try await TestServer.withRouter { client in
            let spec = try await OpenAPISpec.load(client)
            var refs: [String] = []
            func walk(_ value: JSONValue) {
                switch value {
                case .object(let members):
                    for (name, member) in members {
                        if name == "$ref", let ref = member.stringValue { refs.append(ref) } else { walk(member) }
                    }
                case .array(let items): items.forEach(walk)
                default: break
                }
            }
            walk(spec.document)
            #expect(refs.count > 30)
            for ref in refs { #expect(spec.pointer(ref) != nil, "\(ref)") }
        }
    }

    @Test("every documented operation answers every probe with a documented status, content type and members")
    func operationsConform() async throws {
        let configuration = {
            var configuration = TestServer.configuration()
            configuration.clientHeader = RequestFixture.clientHeader
            configuration.metricsToken = Self.metricsToken
            return configuration
        }()
        try await TestServer.withRouter(configuration) { client in
            let spec = try await OpenAPISpec.load(client)
            // With objections to legitimate interests: the subject's decision, history and receipt carry them, and
            // the consent probes (which name the subject) carry them over.
            let decision = try await client.recordDecision(
                #"{"action":"accept_all","policyVersion":1,"tcf":{"vendorLIObjections":[20],"purposeLIObjections":[7]}}"#,
                [.regionHeader: "FR"])
            #expect(decision["tcf"] != nil && decision["signals"]?["tcf"] != nil)
            let fixture = Fixture(
                subject: try #require(decision["subject"]?.stringValue),
                record: try #require(decision["id"]?.stringValue),
                receipt: try #require(decision["receipt"]),
                requests: try await RequestFixture.make(client, configuration),
                console: try await ConsoleProbes.make(client, configuration))
            // A property that takes signed-in readers' tokens (IdentityRouteTests.swift).
            _ = try await TestServer.importProperty(ReaderTokens.properties()[0], into: configuration)

            var seen: Set<String> = []
            for operation in spec.operations {
                for probe in try await probes(for: operation, spec: spec, fixture: fixture, client: client) {
                    let response = try await client.execute(
                        uri: probe.uri, method: operation.method, headers: probe.headers, body: probe.body)
                    let context =
                        "\(operation.name) [\(probe.name)] → \(response.status.code) \(response.text.prefix(200))"
                    let documented = spec.responses(operation)
                    let status = String(response.status.code)
                    #expect(response.status.code < 500, "\(context)")
                    guard let described = documented[status] else {
                        Issue.record("undocumented status: \(context); documented: \(documented.keys.sorted())")
                        continue
                    }
                    seen.insert("\(operation.name) \(status)")
                    try check(response, against: described, spec: spec, context: context)
                }
            }
            #expect(seen.count >= 45, "the probes reached \(seen.count) documented responses")
            for operation in spec.operations {
                for status in spec.responses(operation).keys.sorted() {
                    let name = "\(operation.name) \(status)"
                    #expect(seen.contains(name) || Self.unreachable.contains(name), "no probe reached \(name)")
                }
            }
        }
    }

    @Test("the nested check finds what contradicts the schemas below the top level")
    func nestedCheckFindsProblems() async throws {
        try await TestServer.withRouter { client in
            let spec = try await OpenAPISpec.load(client)
            let schema = JSONValue.object([("$ref", .string("#/components/schemas/Config"))])
            let config = try await client.get("/v1/properties/demo/config", [.regionHeader: "FR"]).json()
            #expect(spec.nestedProblems(config, schema: schema, at: "$") == [])
            let signals = try #require(config["signals"]?.objectValue)
            let broken =
                config
                .replacing(["signals"], with: .object(signals + [("extra", .int(1))]))
                .replacing(["signals", "consentMode", "ad_storage"], with: .string("maybe"))
                .replacing(["signals", "gppSid"], with: .array([.string("2")]))
                .replacing(["tcf", "cmpId"], with: .bool(true))
            let problems = spec.nestedProblems(broken, schema: schema, at: "$")
            #expect(
                problems == [
                    "$.signals.extra is not documented",
                    "$.signals.gppSid[0] is a string, documented as integer",
                    "$.signals.consentMode.ad_storage is not one of the documented values",
                    "$.tcf.cmpId is a boolean, documented as integer",
                ], "\(problems)")
        }
    }

    // MARK: Probes

    struct Fixture {
        let subject: String
        let record: String
        let receipt: JSONValue
        let requests: RequestFixture
        let console: ConsoleProbes
    }

    struct Probe: Sendable {
        let name: String
        let uri: String
        var headers: HTTPFields = [:]
        var body: ByteBuffer? = nil
    }

    /// The good request, then one probe per kind of bad input the operation documents.
    func probes(
        for operation: OpenAPISpec.Operation, spec: OpenAPISpec, fixture: Fixture, client: some TestClientProtocol
    ) async throws -> [Probe] {
        if let special = fixture.requests.probes(for: operation) { return special }
        if let scans = try await ScanProbes.probes(
            for: operation, client: client, admin: fixture.requests.admin, suppression: fixture.requests.suppression)
        {
            return scans
        }
        if let mine = try await ConsoleRequestProbes.probes(for: operation, client: client, fixture: fixture) {
            return mine
        }
        if let properties = try await ConsolePropertyProbes.probes(for: operation, client: client, fixture: fixture) {
            return properties
        }
        if let scansAndTokens = try await ConsoleScanTokenProbes.probes(
            for: operation, client: client, console: fixture.console, admin: fixture.requests.admin,
            suppression: fixture.requests.suppression)
        {
            return scansAndTokens
        }
        if let console = try await fixture.console.probes(
            for: operation, client: client, admin: fixture.requests.admin)
        {
            return console
        }
        if let analytics = Self.analyticsProbes(for: operation, fixture: fixture) { return analytics }
        if operation.name == "GET /metrics" {
            return [
                Probe(name: "good", uri: "/metrics", headers: [.authorization: "Bearer \(Self.metricsToken)"]),
                Probe(name: "no token", uri: "/metrics"),
                Probe(name: "wrong token", uri: "/metrics", headers: [.authorization: "Bearer nope"]),
            ]
        }
        if operation.path.hasPrefix("/v1/ledger/") {
            // The fixture's decision made log 0 one record long.
            let path = operation.path
            if path == "/v1/ledger/heads" { return [Probe(name: "good", uri: path)] }
            if path == "/v1/ledger/heads/latest" {
                return [
                    Probe(name: "good", uri: path), Probe(name: "log 0", uri: path + "?log=0"),
                    Probe(name: "bad log", uri: path + "?log=x"), Probe(name: "no such log", uri: path + "?log=9"),
                ]
            }
            return [
                Probe(name: "good", uri: path + "?log=0&from=0&to=1"),
                Probe(name: "bad log", uri: path + "?log=-1&from=0&to=1"),
                Probe(name: "from after to", uri: path + "?from=1&to=0"),
                Probe(name: "to beyond the head", uri: path + "?from=0&to=99"),
                Probe(name: "no from", uri: path + "?to=1"),
                Probe(name: "no such log", uri: path + "?log=9&from=0&to=1"),
            ]
        }
        let good: [String: String] = [
            "property": "demo", "subject": fixture.subject, "record": fixture.record, "file": "video.html",
        ]
        let bad: [String: [String]] = [
            "property": ["nope", "NOT-VALID"], "subject": ["not-a-uuid", UUID().uuidString.lowercased()],
            "record": ["not-a-uuid", UUID().uuidString.lowercased()], "file": ["nothere.html"],
        ]
        func uri(_ values: [String: String], query: String = "") -> String {
            var path = operation.path
            for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
            return path + query
        }
        let parameters = spec.parameters(operation)
        let names = Set(parameters.compactMap { $0["name"]?.stringValue })
        let hasBody = operation.operation["requestBody"] != nil
        var goodBody: ByteBuffer?
        var jsonHeaders: HTTPFields = [:]
        if hasBody {
            jsonHeaders[.contentType] = "application/json"
            let body: String
            if operation.path.hasSuffix("/consents") {
                body =
                    #"{"subject":"\#(fixture.subject)","action":"save","choices":{"performance":true},"policyVersion":1}"#
            } else if operation.path == "/v1/signals/decode" {
                body = #"{"string":"DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA"}"#
            } else {
                body = fixture.receipt.compactString
            }
            goodBody = ByteBuffer(string: body)
        }
        var originHeaders = jsonHeaders
        if names.contains("Origin") { originHeaders[.origin] = TestServer.allowedOrigin }

        var probes = [Probe(name: "good", uri: uri(good), headers: originHeaders, body: goodBody)]
        for (name, values) in bad where operation.path.contains("{\(name)}") {
            for value in values {
                var path = good
                path[name] = value
                probes.append(Probe(name: "\(name)=\(value)", uri: uri(path), headers: originHeaders, body: goodBody))
            }
        }
        if names.contains("Origin") {
            var headers = jsonHeaders
            headers[.origin] = "https://evil.example"
            probes.append(Probe(name: "foreign origin", uri: uri(good), headers: headers, body: goodBody))
        }
        if names.contains("region") {
            probes.append(Probe(name: "bad region", uri: uri(good, query: "?region=Atlantis")))
            probes.append(Probe(name: "region and lang", uri: uri(good, query: "?region=BR&lang=es")))
            probes.append(Probe(name: "opt-in region", uri: uri(good, query: "?region=FR")))
        }
        if names.contains("X-Assent-Region") {
            // France: TCF applies (a TC string in the signals, the TCF layer in the config).
            var headers = originHeaders
            headers[.regionHeader] = "FR"
            probes.append(Probe(name: "region header FR", uri: uri(good), headers: headers, body: goodBody))
        }
        if names.contains("Sec-GPC") {
            var headers = originHeaders
            headers[.secGPCHeader] = "1"
            headers[.regionHeader] = "US-CA"
            probes.append(Probe(name: "GPC", uri: uri(good), headers: headers, body: goodBody))
        }
        if names.contains("Assent-Identity") {
            // Signed-in readers: a good and an expired token on a property that takes them, any on one that does not.
            let readers = uri(good.merging(["property": ReaderTokens.properties()[0].id]) { $1 })
            for (name, property, token) in [
                ("reader token", readers, ReaderTokens.hmac()),
                ("expired reader token", readers, ReaderTokens.hmac(exp: ReaderTokens.later(-60))),
                ("malformed reader token", readers, "x"),
                ("reader token where none is taken", uri(good), ReaderTokens.hmac()),
            ] {
                var headers = originHeaders
                headers[.assentIdentity] = token
                probes.append(Probe(name: name, uri: property, headers: headers, body: goodBody))
            }
        }
        if names.contains("Accept-Encoding") {
            probes.append(Probe(name: "gzip", uri: uri(good), headers: [.acceptEncoding: "gzip"]))
        }
        if names.contains("If-None-Match") {
            let first = try await client.execute(uri: uri(good), method: operation.method, headers: originHeaders)
            if let etag = first.headers[.eTag] {
                probes.append(Probe(name: "If-None-Match", uri: uri(good), headers: [.ifNoneMatch: etag]))
            }
        }
        if hasBody {
            probes.append(
                Probe(name: "malformed JSON", uri: uri(good), headers: jsonHeaders, body: ByteBuffer(string: "{")))
            probes.append(
                Probe(name: "text/plain", uri: uri(good), headers: [.contentType: "text/plain"], body: goodBody))
            probes.append(
                Probe(
                    name: "too large", uri: uri(good), headers: jsonHeaders,
                    body: ByteBuffer(string: #"{"lang":""# + String(repeating: "a", count: 70_000) + #""}"#)))
            probes.append(
                Probe(name: "wrong shape", uri: uri(good), headers: jsonHeaders, body: ByteBuffer(string: "[]")))
        }
        return probes
    }

    /// The analytics beacon and the admin report (AnalyticsRouteTests has the behaviour).
    static func analyticsProbes(for operation: OpenAPISpec.Operation, fixture: Fixture) -> [Probe]? {
        let good = ByteBuffer(string: #"{"event":"banner_shown","policyVersion":1,"lang":"en"}"#)
        let beacon: HTTPFields = [.contentType: "text/plain;charset=UTF-8", .origin: TestServer.allowedOrigin]
        func with(_ headers: HTTPFields, _ extra: HTTPFields) -> HTTPFields { headers.merging(extra) }
        switch operation.name {
        case "POST /v1/properties/{property}/events":
            let uri = "/v1/properties/demo/events"
            return [
                Probe(name: "good", uri: uri, headers: beacon, body: good),
                Probe(
                    name: "json", uri: uri, headers: with(beacon, [.contentType: "application/json"]), body: good),
                Probe(name: "region header FR", uri: uri, headers: with(beacon, [.regionHeader: "FR"]), body: good),
                Probe(name: "demo region", uri: uri + "?region=BR", headers: beacon, body: good),
                Probe(name: "bad region", uri: uri + "?region=Atlantis", headers: beacon, body: good),
                Probe(name: "property=nope", uri: "/v1/properties/nope/events", headers: beacon, body: good),
                Probe(
                    name: "foreign origin", uri: uri, headers: with(beacon, [.origin: "https://evil.example"]),
                    body: good),
                Probe(name: "malformed JSON", uri: uri, headers: beacon, body: ByteBuffer(string: "{")),
                Probe(
                    name: "unknown event", uri: uri, headers: beacon,
                    body: ByteBuffer(string: #"{"event":"click","policyVersion":1}"#)),
                Probe(name: "text/html", uri: uri, headers: with(beacon, [.contentType: "text/html"]), body: good),
                Probe(
                    name: "too large", uri: uri, headers: beacon,
                    body: ByteBuffer(string: #"{"lang":""# + String(repeating: "a", count: 2000) + #""}"#)),
            ]
        case "GET /v1/admin/properties/{property}/analytics":
            let uri = "/v1/admin/properties/demo/analytics"
            let admin: HTTPFields = [.authorization: "Bearer " + fixture.requests.admin]
            return [
                Probe(name: "good", uri: uri, headers: admin),
                Probe(name: "by region", uri: uri + "?by=region&from=2026-01-01&to=2026-12-31", headers: admin),
                Probe(name: "csv", uri: uri + "?format=csv", headers: admin),
                Probe(name: "bad by", uri: uri + "?by=subject", headers: admin),
                Probe(name: "no token", uri: uri),
                Probe(
                    name: "suppression token", uri: uri,
                    headers: [.authorization: "Bearer " + fixture.requests.suppression]),
                Probe(name: "property=nope", uri: "/v1/admin/properties/nope/analytics", headers: admin),
            ]
        default:
            return nil
        }
    }

    // MARK: Checking a response

    func check(_ response: TestResponse, against described: JSONValue, spec: OpenAPISpec, context: String) throws {
        if let etag = described["headers"]?["ETag"], etag != .null {
            #expect(response.headers[.eTag] != nil, "documented ETag missing: \(context)")
        }
        let content = described["content"]?.objectValue ?? []
        if content.isEmpty {
            #expect(response.body.readableBytes == 0, "a response documented without content has a body: \(context)")
            return
        }
        let type = response.headers[.contentType]?.split(separator: ";").first.map(String.init) ?? ""
        guard let media = content.first(where: { $0.0 == type })?.1 else {
            Issue.record("content type \(type) not documented (\(content.map(\.0))): \(context)")
            return
        }
        guard type == "application/json", let schema = media["schema"] else { return }
        let bytes = response.headers[.contentEncoding] == "gzip" ? try gunzip(response.bytes) : response.bytes
        let body = try JSONParser.parse(bytes)
        let required = spec.requiredMembers(schema)
        for member in required {
            #expect(body[member] != nil, "required member \(member) missing: \(context)")
        }
        if spec.isClosedObject(schema), case .object(let members) = body {
            let allowed = spec.propertyNames(schema)
            for (name, _) in members { #expect(allowed.contains(name), "undocumented member \(name): \(context)") }
        }
        if spec.resolve(schema)["type"]?.stringValue == "object" {
            #expect(body.objectValue != nil, "not an object: \(context)")
        }
        for problem in spec.nestedProblems(body, schema: schema, at: "$") {
            Issue.record("\(problem): \(context)")
        }
    }
}

/// Just enough of an OpenAPI reader for the conformance test: operations, parameters, responses and the
/// top-level members a schema requires (following `$ref` and `allOf`).
struct OpenAPISpec: Sendable {
    let document: JSONValue

    struct Operation: Sendable {
        let path: String
        let method: HTTPRequest.Method
        let operation: JSONValue
        let pathItem: JSONValue
        var name: String { "\(method.rawValue) \(path)" }
    }

    static func load(_ client: some TestClientProtocol) async throws -> OpenAPISpec {
        let response = try await client.get("/openapi.json")
        try #require(response.status == .ok)
        let document = try response.json()
        try #require(document["openapi"]?.stringValue == "3.1.0")
        return OpenAPISpec(document: document)
    }

    var operations: [Operation] {
        var result: [Operation] = []
        for (path, item) in document["paths"]?.objectValue ?? [] {
            for (key, operation) in item.objectValue ?? [] {
                guard ["get", "post", "put", "delete", "patch", "options", "head"].contains(key) else { continue }
                result.append(
                    Operation(
                        path: path, method: HTTPRequest.Method(key.uppercased())!, operation: operation, pathItem: item)
                )
            }
        }
        return result
    }

    /// A JSON pointer such as `#/components/schemas/Error`.
    func pointer(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#/") else { return nil }
        var value: JSONValue? = document
        for part in ref.dropFirst(2).split(separator: "/") {
            let name = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            value = value?[name]
        }
        return value
    }

    func resolve(_ value: JSONValue) -> JSONValue {
        var current = value
        var hops = 0
        while let ref = current["$ref"]?.stringValue, let target = pointer(ref), hops < 16 {
            current = target
            hops += 1
        }
        return current
    }

    func parameters(_ operation: Operation) -> [JSONValue] {
        ((operation.pathItem["parameters"]?.arrayValue ?? []) + (operation.operation["parameters"]?.arrayValue ?? []))
            .map(resolve)
    }

    func responses(_ operation: Operation) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (status, response) in operation.operation["responses"]?.objectValue ?? [] {
            result[status] = resolve(response)
        }
        return result
    }

    func requiredMembers(_ schema: JSONValue) -> Set<String> {
        let schema = resolve(schema)
        var required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        for part in schema["allOf"]?.arrayValue ?? [] { required.formUnion(requiredMembers(part)) }
        return required
    }

    func propertyNames(_ schema: JSONValue) -> Set<String> {
        let schema = resolve(schema)
        var names = Set(schema["properties"]?.keys ?? [])
        for part in schema["allOf"]?.arrayValue ?? [] { names.formUnion(propertyNames(part)) }
        return names
    }

    func isClosedObject(_ schema: JSONValue) -> Bool { resolve(schema)["additionalProperties"] == .bool(false) }

    /// What in a value's members, at any depth, contradicts the schemas describing them: a type, an enum, a
    /// required member, an undocumented member of a closed object. Follows `$ref`, `allOf`, `properties`,
    /// `items` and schema-valued `additionalProperties`; alternatives (`oneOf`, `anyOf`) are not chosen
    /// between, so their members are not checked.
    func nestedProblems(_ value: JSONValue, schema: JSONValue, at path: String) -> [String] {
        let schema = resolve(schema)
        var problems: [String] = []
        for part in schema["allOf"]?.arrayValue ?? [] {
            problems += nestedProblems(value, schema: part, at: path)
        }
        var types: [String] = []
        if let type = schema["type"]?.stringValue { types = [type] }
        if let list = schema["type"]?.arrayValue { types = list.compactMap(\.stringValue) }
        if !types.isEmpty && !types.contains(where: { Self.matches(value, type: $0) }) {
            problems.append("\(path) is \(value.typeName), documented as \(types.joined(separator: " or "))")
            return problems
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            problems.append("\(path) is not one of the documented values")
        }
        switch value {
        case .object(let members):
            let properties = schema["properties"]?.objectValue ?? []
            if path != "$" {
                // The top level is checked by the caller with the messages it always had.
                for name in requiredMembers(schema) where value[name] == nil {
                    problems.append("\(path).\(name) is required but missing")
                }
                if isClosedObject(schema) {
                    let documented = propertyNames(schema)
                    for (name, _) in members where !documented.contains(name) {
                        problems.append("\(path).\(name) is not documented")
                    }
                }
            }
            for (name, member) in members {
                if let described = properties.first(where: { $0.0 == name })?.1 {
                    problems += nestedProblems(member, schema: described, at: "\(path).\(name)")
                } else if let extra = schema["additionalProperties"], extra.objectValue != nil {
                    problems += nestedProblems(member, schema: extra, at: "\(path).\(name)")
                }
            }
        case .array(let items):
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() {
                    problems += nestedProblems(item, schema: itemSchema, at: "\(path)[\(i)]")
                }
            }
        default: break
        }
        return problems
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null):
            true
        case ("number", .number): true
        case ("integer", .number(_, let integer)): integer != nil
        default: false
        }
    }
}
