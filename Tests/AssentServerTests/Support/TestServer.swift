import AssentCore
import AssentSQLite
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import AssentServer

/// The real application on a fresh data directory (SQLite file and signing key in a temporary folder),
/// removed when the test is done.
enum TestServer {
    /// The port the demo property's origins are seeded with; the router tests open no socket.
    static let port = 8080
    static let allowedOrigin = "http://localhost:8080"

    static func configuration(port: Int = port) -> ServerConfiguration {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("assent-server-tests-\(UUID().uuidString)").path
        return ServerConfiguration(port: port, dataDirectory: directory)
    }

    /// Builds the application and runs `body` with a router test client.
    static func withRouter<T: Sendable>(
        _ configuration: ServerConfiguration = configuration(),
        metrics: (@Sendable () -> [UInt8])? = nil,
        prepare: @Sendable (ServerConfiguration) async throws -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await run(configuration, setup: .router, metrics: metrics, prepare: prepare, body)
    }

    static func run<T: Sendable>(
        _ configuration: ServerConfiguration, setup: TestingSetup, metrics: (@Sendable () -> [UInt8])? = nil,
        keepDirectory: Bool = false, prepare: @Sendable (ServerConfiguration) async throws -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        defer { if !keepDirectory { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) } }
        var logger = Logger(label: "assent-test")
        logger.logLevel = .error
        let app = try await buildApplication(configuration, logger: logger, metrics: metrics)
        try await prepare(configuration)
        return try await app.test(setup, body)
    }

    /// A second property, imported straight into the server's database the way `assent property import` does.
    static func importProperty(_ property: Property, into configuration: ServerConfiguration) async throws -> Int {
        let store = try SQLiteStore(path: configuration.databasePath)
        let (revision, _) = try await store.saveProperty(property, at: Int64(Date().timeIntervalSince1970 * 1000))
        return revision.property.policyVersion
    }
}

// MARK: Requests

extension TestClientProtocol {
    func get(_ uri: String, _ headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    func post(_ uri: String, json: String, _ headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return try await execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(string: json))
    }

    /// Records a decision on a property and returns the 201 body.
    func recordDecision(
        property: String = "demo", _ json: String = #"{"action":"accept_all","policyVersion":1}"#,
        _ headers: HTTPFields = [:]
    ) async throws -> JSONValue {
        let response = try await post("/v1/properties/\(property)/consents", json: json, headers)
        try #require(response.status == .created, "recording failed: \(response.status) \(response.text)")
        return try response.json()
    }
}

extension HTTPField.Name {
    static let regionHeader = HTTPField.Name("X-Assent-Region")!
    static let secGPCHeader = HTTPField.Name("Sec-GPC")!
}

// MARK: Responses

extension TestResponse {
    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(body.readableBytesView) }

    func json() throws -> JSONValue { try JSONParser.parse(bytes) }

    var isJSON: Bool { headers[.contentType]?.hasPrefix("application/json") == true }
}

/// Checks the one error shape every failure has: JSON `{"error":{"code":…,"message":…}}` and nothing else.
@discardableResult
func expectError(
    _ response: TestResponse, _ status: HTTPResponse.Status, code: String, mentioning: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    let message = try expectErrorShape(response, sourceLocation: sourceLocation)
    #expect(
        try response.json()["error"]?["code"]?.stringValue == code, "\(response.text)", sourceLocation: sourceLocation)
    if let mentioning {
        #expect(
            message.contains(mentioning), "message \(message) should mention \(mentioning)",
            sourceLocation: sourceLocation)
    }
    return message
}

/// The error body is exactly `{"error":{"code":string,"message":non-empty string}}`, served as JSON, and never a 500.
@discardableResult
func expectErrorShape(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    #expect(
        response.status.code >= 400 && response.status.code < 500, "\(response.status)", sourceLocation: sourceLocation)
    #expect(response.isJSON, "content type \(response.headers[.contentType] ?? "none")", sourceLocation: sourceLocation)
    let body = try response.json()
    let outer = try #require(body.objectValue, sourceLocation: sourceLocation)
    #expect(outer.map(\.0) == ["error"], sourceLocation: sourceLocation)
    let inner = try #require(body["error"]?.objectValue, sourceLocation: sourceLocation)
    #expect(inner.map(\.0) == ["code", "message"], sourceLocation: sourceLocation)
    let code = try #require(body["error"]?["code"]?.stringValue, sourceLocation: sourceLocation)
    #expect(!code.isEmpty, sourceLocation: sourceLocation)
    let message = try #require(body["error"]?["message"]?.stringValue, sourceLocation: sourceLocation)
    #expect(!message.isEmpty, sourceLocation: sourceLocation)
    return message
}

// MARK: JSON helpers

extension JSONValue {
    /// The object with one member replaced, following a path of member names.
    func replacing(_ path: [String], with value: JSONValue) -> JSONValue {
        guard let first = path.first, case .object(let members) = self else { return path.isEmpty ? value : self }
        return .object(
            members.map { name, member in
                name == first ? (name, member.replacing(Array(path.dropFirst()), with: value)) : (name, member)
            })
    }

    var compactString: String { String(decoding: CanonicalJSON.orderedBytes(self), as: UTF8.self) }

    var keys: [String] { objectValue?.map(\.0) ?? [] }

    func boolChoices() -> [String: Bool] {
        var result: [String: Bool] = [:]
        for (key, value) in objectValue ?? [] { result[key] = value.boolValue }
        return result
    }
}

func isLowercaseUUID(_ s: String?) -> Bool {
    guard let s else { return false }
    return normalizedUUID(s) == s
}

/// Decompresses gzip with the system's gzip, so the check does not share code with the server's compressor.
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(
        fileURLWithPath: FileManager.default.fileExists(atPath: "/bin/gzip") ? "/bin/gzip" : "/usr/bin/gzip")
    process.arguments = ["-dc"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    // The assets are far below a pipe's buffer, so writing everything before reading cannot block.
    input.fileHandleForWriting.write(Data(bytes))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw GunzipError(status: process.terminationStatus) }
    return Array(data)
}

struct GunzipError: Error { let status: Int32 }
