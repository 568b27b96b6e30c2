import AssentCore
import Foundation
import Logging
import WSClient

/// One event of the DevTools protocol: its method, its parameters, and the flattened session it came from (nil for
/// the browser target itself).
struct DevToolsEvent: Sendable {
    var method: String
    var params: JSONValue
    var sessionID: String?
}

/// Why a DevTools call failed.
struct DevToolsError: Error, CustomStringConvertible {
    enum Kind: Sendable { case protocolError, timeout, closed }
    var kind: Kind
    var description: String
}

/// A websocket connection to the browser's DevTools endpoint: commands with request ids answered through
/// continuations, events handed to every listener. One connection carries every tab through flattened sessions.
actor DevToolsConnection {
    /// DevTools messages (a cookie list, a frame tree) are far larger than WSClient's 16 KiB default frame.
    static let maxMessageSize = 64 << 20

    private var writer: WebSocketOutboundWriter?
    private var nextID = 1
    private var pending: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
    private var listeners: [Int: @Sendable (DevToolsEvent) -> Void] = [:]
    private var nextListener = 1
    private var closed = false
    private var ready: [CheckedContinuation<Void, any Error>] = []
    private var task: Task<Void, Never>?
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Connects to `url` (ws://127.0.0.1:PORT/devtools/browser/ID) and returns once the socket is open.
    static func connect(url: String, logger: Logger) async throws -> DevToolsConnection {
        let connection = DevToolsConnection(logger: logger)
        await connection.start(url: url)
        try await connection.waitReady()
        return connection
    }

    private func start(url: String) {
        // WSClient sends no Origin header; Chromium checks `--remote-allow-origins` only against one that is sent.
        let configuration = WebSocketClientConfiguration(maxFrameSize: Self.maxMessageSize)
        let logger = self.logger
        task = Task { [weak self] in
            let weakSelf = self
            do {
                try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
                    inbound, outbound, _ in
                    guard let connection = weakSelf else { return }
                    await connection.opened(outbound)
                    for try await message in inbound.messages(maxSize: Self.maxMessageSize) {
                        guard case .text(let text) = message else { continue }
                        await connection.received(text)
                    }
                }
                await weakSelf?.close(
                    DevToolsError(kind: .closed, description: "the browser closed the DevTools socket"))
            } catch {
                await weakSelf?.close(DevToolsError(kind: .closed, description: "DevTools socket: \(error)"))
            }
        }
    }

    private func waitReady() async throws {
        if writer != nil { return }
        if closed { throw DevToolsError(kind: .closed, description: "the DevTools socket did not open") }
        try await withCheckedThrowingContinuation { ready.append($0) }
    }

    private func opened(_ outbound: WebSocketOutboundWriter) {
        writer = outbound
        for waiter in ready { waiter.resume() }
        ready = []
    }

    var isClosed: Bool { closed }

    private func received(_ text: String) {
        guard let message = try? JSONParser.parse(text) else { return }
        if let id = message["id"]?.intValue {
            guard let continuation = pending.removeValue(forKey: id) else { return }
            if let error = message["error"] {
                let text = error["message"]?.stringValue ?? "error"
                continuation.resume(throwing: DevToolsError(kind: .protocolError, description: text))
            } else {
                continuation.resume(returning: message["result"] ?? .object([]))
            }
        } else if let method = message["method"]?.stringValue {
            let event = DevToolsEvent(
                method: method, params: message["params"] ?? .object([]), sessionID: message["sessionId"]?.stringValue)
            for listener in listeners.values { listener(event) }
        }
    }

    /// Fails every pending call and refuses new ones.
    func close(_ error: DevToolsError) {
        guard !closed else { return }
        closed = true
        for continuation in pending.values { continuation.resume(throwing: error) }
        pending = [:]
        for waiter in ready { waiter.resume(throwing: error) }
        ready = []
        writer = nil
        // Cancelling the client's task closes the socket.
        task?.cancel()
    }

    /// Adds a listener for every event; returns its token for `removeListener`.
    func addListener(_ listener: @escaping @Sendable (DevToolsEvent) -> Void) -> Int {
        let token = nextListener
        nextListener += 1
        listeners[token] = listener
        return token
    }

    func removeListener(_ token: Int) { listeners[token] = nil }

    /// Sends a command and waits for its answer, at most `timeout`.
    func call(
        _ method: String, _ params: [(String, JSONValue)] = [], session: String? = nil,
        timeout: Duration = .seconds(15)
    ) async throws -> JSONValue {
        guard let writer, !closed else { throw DevToolsError(kind: .closed, description: "DevTools socket closed") }
        let id = nextID
        nextID += 1
        var message: [(String, JSONValue)] = [
            ("id", .int(id)), ("method", .string(method)), ("params", .object(params)),
        ]
        if let session { message.append(("sessionId", .string(session))) }
        let text = String(decoding: CanonicalJSON.orderedBytes(.object(message)), as: UTF8.self)
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.expire(id, method: method, timeout: timeout)
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            pending[id] = continuation
            Task {
                do { try await writer.writeTextMessage(text) } catch {
                    self.fail(id, DevToolsError(kind: .closed, description: "DevTools write: \(error)"))
                }
            }
        }
    }

    /// Sends a command whose answer nobody waits for (continuing a paused request, dismissing a dialog).
    nonisolated func send(_ method: String, _ params: [(String, JSONValue)] = [], session: String? = nil) {
        Task { _ = try? await self.call(method, params, session: session) }
    }

    private func expire(_ id: Int, method: String, timeout: Duration) {
        fail(id, DevToolsError(kind: .timeout, description: "\(method) had no answer within \(timeout)"))
    }

    private func fail(_ id: Int, _ error: DevToolsError) {
        pending.removeValue(forKey: id)?.resume(throwing: error)
    }
}
