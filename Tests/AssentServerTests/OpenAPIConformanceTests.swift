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
        "GET /",
        "GET /demo/",
        "GET /demo/{file}",
        "GET /openapi.json",
        "GET /metrics",
    ]

    /// Documented statuses no request can provoke on a healthy server.
    static let unreachable: Set<String> = [
        "GET /v1/receipts/{record} 503"  // a record not yet covered by a tree head: the reply waits for the signed head
    ]

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
        let configuration = TestServer.configuration()
        defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
        let opened = try DataDirectory.open(configuration)
        let writer = LedgerWriter(
            store: opened.store, signer: opened.signer, logger: Logger(label: "assent-test"), clock: { 0 })
        let service = ConsentService(
            configuration: configuration, store: opened.store, writer: writer, signer: opened.signer)
        let router = try buildRouter(service: service, metrics: nil)
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
        try await TestServer.withRouter { client in
            let spec = try await OpenAPISpec.load(client)
            let decision = try await client.recordDecision(
                #"{"action":"accept_all","policyVersion":1}"#, [.regionHeader: "FR"])
            let fixture = Fixture(
                subject: try #require(decision["subject"]?.stringValue),
                record: try #require(decision["id"]?.stringValue),
                receipt: try #require(decision["receipt"]))

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

    // MARK: Probes

    struct Fixture {
        let subject: String
        let record: String
        let receipt: JSONValue
    }

    struct Probe {
        let name: String
        let uri: String
        var headers: HTTPFields = [:]
        var body: ByteBuffer? = nil
    }

    /// The good request, then one probe per kind of bad input the operation documents.
    func probes(
        for operation: OpenAPISpec.Operation, spec: OpenAPISpec, fixture: Fixture, client: some TestClientProtocol
    ) async throws -> [Probe] {
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
        }
        if names.contains("Sec-GPC") {
            var headers = originHeaders
            headers[.secGPCHeader] = "1"
            headers[.regionHeader] = "US-CA"
            probes.append(Probe(name: "GPC", uri: uri(good), headers: headers, body: goodBody))
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
}
