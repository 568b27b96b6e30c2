import AssentCore
import AssentPostgres
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

/// The real application on a fresh data directory (signing key and outbox in a temporary folder, and the SQLite
/// file there too), removed when the test is done. With `ASSENT_TEST_SERVER_STORE=postgres` (and
/// `ASSENT_TEST_DATABASE_URL`, an administrator's URL) each server runs on a fresh PostgreSQL database instead,
/// dropped when the test is done.
enum TestServer {
    /// The port the demo property's origins are seeded with; the router tests open no socket.
    static let port = 8080
    static let allowedOrigin = "http://localhost:8080"

    enum StoreKind: String, Sendable {
        case sqlite
        case postgres
    }

    /// The store the servers run on, from `ASSENT_TEST_SERVER_STORE` (`sqlite`, the default, or `postgres`).
    static let storeKind: StoreKind = {
        let text = ProcessInfo.processInfo.environment["ASSENT_TEST_SERVER_STORE"] ?? ""
        switch text {
        case "", "sqlite":
            return .sqlite
        case "postgres":
            guard TestPostgres.isAvailable else {
                fatalError("ASSENT_TEST_SERVER_STORE=postgres needs ASSENT_TEST_DATABASE_URL (an administrator's URL)")
            }
            return .postgres
        default:
            fatalError("ASSENT_TEST_SERVER_STORE=\(text): expected sqlite or postgres")
        }
    }()

    /// A configuration on a fresh data directory. On PostgreSQL its database is named here and made when a
    /// server first starts on it; `store: .sqlite` keeps a test that works on the SQLite file on SQLite.
    static func configuration(port: Int = port, store: StoreKind = storeKind) -> ServerConfiguration {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("assent-server-tests-\(UUID().uuidString)").path
        var configuration = ServerConfiguration(port: port, dataDirectory: directory)
        if store == .postgres {
            configuration.databaseURL = try! TestPostgres.urlText(database: TestPostgres.freshName())
        }
        return configuration
    }

    /// Removes a test's data directory until it is gone. The store's SQLite connections close when the last
    /// reference to it goes, which can be while the directory is being removed, and the last one to close
    /// checkpoints its write-ahead log into the database file: `assent.sqlite` can come back after its removal
    /// (about one directory per run of the server tests was left in `/tmp`). Once the directory itself is gone,
    /// nothing makes it again. Tries for up to 5 s.
    static func removeDirectory(_ path: String) {
        for _ in 0..<100 {
            try? FileManager.default.removeItem(atPath: path)
            if !FileManager.default.fileExists(atPath: path) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
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

    /// Builds the application, runs `prepare` and then `body` with a test client. The data directory (and the
    /// PostgreSQL database) are removed afterwards unless `keepDirectory`, for a server started again on them;
    /// `removingData` removes them then.
    static func run<T: Sendable>(
        _ configuration: ServerConfiguration, setup: TestingSetup, metrics: (@Sendable () -> [UInt8])? = nil,
        keepDirectory: Bool = false, prepare: @Sendable (ServerConfiguration) async throws -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        defer { if !keepDirectory { removeDirectory(configuration.dataDirectory) } }
        var logger = Logger(label: "assent-test")
        logger.logLevel = .error
        guard let database = try databaseName(configuration) else {
            let app = try await buildApplication(configuration, logger: logger, metrics: metrics)
            try await prepare(configuration)
            return try await app.test(setup, body)
        }
        await postgresSlots.enter()
        defer { postgresSlots.leave() }
        if try await !TestPostgres.databaseExists(database) { try await TestPostgres.createDatabase(database) }
        let result: T
        do {
            result = try await DataDirectory.withStorage(configuration, logger: logger) { opened in
                try await serving(opened.store, on: configuration) {
                    let app = try await buildApplication(
                        configuration, opened: opened, logger: logger, metrics: metrics)
                    try await prepare(configuration)
                    return try await app.test(setup, body)
                }
            }
        } catch {
            if !keepDirectory { try? await TestPostgres.dropDatabase(database) }
            throw error
        }
        if !keepDirectory { try await TestPostgres.dropDatabase(database) }
        return result
    }

    /// Runs `body` (servers started with `keepDirectory`), then removes the data directory and the database.
    static func removingData<T: Sendable>(
        _ configuration: ServerConfiguration, _ body: () async throws -> T
    ) async throws -> T {
        func remove() async throws {
            removeDirectory(configuration.dataDirectory)
            if let database = try databaseName(configuration) { try await TestPostgres.dropDatabase(database) }
        }
        let result: T
        do {
            result = try await body()
        } catch {
            try? await remove()
            throw error
        }
        try await remove()
        return result
    }

    /// How many servers run on PostgreSQL at once. Swift Testing runs the tests in parallel, and a hundred
    /// servers making databases and pools at the same time on a small machine keep each other from a connection
    /// longer than the store waits for one (`PostgresStore.defaultLeaseTimeout`); eight keep two cores busy.
    private static let postgresSlots = Slots(8)

    /// The PostgreSQL database of the configuration, nil for SQLite.
    private static func databaseName(_ configuration: ServerConfiguration) throws -> String? {
        try configuration.databaseURL.map { try PostgresURL($0).database }
    }

    /// The stores of the PostgreSQL servers running now, by data directory.
    private static let running = Locked<[String: any AssentStorage]>([:])

    private static func serving<T>(
        _ store: any AssentStorage, on configuration: ServerConfiguration, _ body: () async throws -> T
    ) async throws -> T {
        running.withLock { $0[configuration.dataDirectory] = store }
        defer { running.withLock { _ = $0.removeValue(forKey: configuration.dataDirectory) } }
        return try await body()
    }

    /// The database of the server running on `configuration`, for what a test does beside the API (as the
    /// command line would): on SQLite a store of its own on the file; on PostgreSQL the running server's store,
    /// whose connection pool lives as long as the server.
    static func store(_ configuration: ServerConfiguration) throws -> any AssentStorage {
        guard configuration.databaseURL != nil else { return try SQLiteStore(path: configuration.databasePath) }
        guard let store = running.withLock({ $0[configuration.dataDirectory] }) else {
            throw TestServerError("no server is running on \(configuration.dataDirectory)")
        }
        return store
    }

    /// Opens the configuration's data directory with the demo vendor list and the demo property saved (no
    /// origins), as `serve` seeds a new one.
    static func openWithDemo(_ configuration: ServerConfiguration) async throws -> DataDirectory.Opened {
        let opened = try DataDirectory.open(configuration)
        _ = try await opened.store.saveVendorList(DemoVendorList.stored(at: ConsentService.now()))
        _ = try await opened.store.saveProperty(DemoProperty.make(origins: []), at: ConsentService.now())
        return opened
    }

    /// The consent service on a data directory opened by the test, without a router: one ledger log, written
    /// with `clock`'s time.
    static func consentService(
        _ configuration: ServerConfiguration, _ opened: DataDirectory.Opened,
        clock: @escaping @Sendable () -> Int64 = { ConsentService.now() }
    ) -> ConsentService {
        let writer = LedgerShards(
            count: 1, store: opened.store, signer: opened.signer, logger: Logger(label: "assent-test"), clock: clock)
        return ConsentService(configuration: configuration, store: opened.store, writer: writer, signer: opened.signer)
    }

    /// A second property, imported straight into the server's database the way `assent property import` does.
    static func importProperty(_ property: Property, into configuration: ServerConfiguration) async throws -> Int {
        let store = try store(configuration)
        let (revision, _) = try await store.saveProperty(property, at: Int64(Date().timeIntervalSince1970 * 1000))
        return revision.property.policyVersion
    }
}

/// A counting semaphore: `enter` waits, first come first served, while every slot is taken.
final class Slots: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Locked<State>

    init(_ count: Int) { state = Locked(State(free: count)) }

    func enter() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if now { continuation.resume() }
        }
    }

    func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}

struct TestServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
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
