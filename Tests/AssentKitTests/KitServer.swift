import AssentCore
import AssentKit
import AssentServer
import AssentStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A real Assent server on a real socket (the application `assent serve` builds, on a fresh data directory), for
/// the client to talk to over HTTP as an app would.
enum KitServer {
    /// How long a test's client waits for this server. The server shares the test process's few cooperative
    /// threads with every other test running at the same time: on a busy two-core machine a request has waited
    /// more than the production default of 10 s for a thread. The tests check what the client does, not how fast
    /// the server answers.
    static let timeout: TimeInterval = 120

    struct Running: Sendable {
        let client: any TestClientProtocol
        let configuration: ServerConfiguration
        let url: URL
    }

    static func configuration() -> ServerConfiguration {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("assentkit-tests-\(UUID().uuidString)").path
        return ServerConfiguration(port: 0, dataDirectory: directory)
    }

    /// Removes the data directory until it is gone: the store's last SQLite connection can close while it is
    /// being removed and put `assent.sqlite` back (as `TestServer.removeDirectory` in the server tests).
    static func removeDirectory(_ path: String) {
        for _ in 0..<100 {
            try? FileManager.default.removeItem(atPath: path)
            if !FileManager.default.fileExists(atPath: path) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Runs `body` against a live server, which is stopped when `body` returns; the data directory is removed
    /// afterwards.
    static func run<T: Sendable>(
        _ configuration: ServerConfiguration = configuration(), _ body: @Sendable (Running) async throws -> T
    ) async throws -> T {
        defer { removeDirectory(configuration.dataDirectory) }
        var logger = Logger(label: "assentkit-test")
        logger.logLevel = .error
        let app = try await buildApplication(configuration, logger: logger)
        return try await app.test(.live) { client in
            guard let port = client.port else { throw KitTestError("the live server has no port") }
            return try await body(
                Running(client: client, configuration: configuration, url: URL(string: "http://127.0.0.1:\(port)")!))
        }
    }
}

struct KitTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension KitServer.Running {
    /// The server's own decoding of a signal string (`POST /v1/signals/decode`).
    func decode(_ string: String) async throws -> JSONValue {
        let body = CanonicalJSON.bytes(.object([("string", .string(string))]))
        let response = try await client.execute(
            uri: "/v1/signals/decode", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(bytes: body))
        guard response.status == .ok else { throw KitTestError("decode: \(response.status)") }
        return try JSONParser.parse(Array(response.body.readableBytesView))
    }

    /// A client of the demo property as seen from `region` (the header the publisher's CDN would set).
    func client(
        region: String, store: any AssentStateStore = MemoryStateStore(), defaults: SharedDefaults = .fresh(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> AssentClient {
        AssentClient(
            server: url, property: "demo", store: store,
            configuration: .init(
                language: "en", extraHeaders: ["X-Assent-Region": region], iabDefaults: defaults, now: now,
                timeout: KitServer.timeout))
    }
}

/// State kept in memory, for tests that do not restart.
final class MemoryStateStore: AssentStateStore, Sendable {
    private let state = Locked<AssentState?>(nil)
    func load() throws -> AssentState? { state.withLock { $0 } }
    func save(_ state: AssentState) throws { self.state.withLock { $0 = state } }
}

extension SharedDefaults {
    /// An empty suite of its own.
    static func fresh() -> SharedDefaults {
        let name = "assentkit-tests-\(UUID().uuidString)"
        let defaults = UserDefaults(suiteName: name)!
        defaults.removePersistentDomain(forName: name)
        return SharedDefaults(defaults)
    }

    /// The owned IAB keys present now.
    var iabKeys: [String: Any] {
        value.dictionaryRepresentation().filter { key, _ in
            InAppKeys.ownedPrefixes.contains { key.hasPrefix($0) }
        }
    }
}

/// A clock a test moves.
final class TestClock: Sendable {
    private let time = Locked(Date())
    var now: Date { time.withLock { $0 } }
    func set(_ date: Date) { time.withLock { $0 = date } }
}
