import AssentCore
import AssentStore
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// Where request events go, and the key that signs them.
public struct WebhookConfiguration: Sendable, Equatable {
    public var url: String
    public var secret: String

    public init(url: String, secret: String) {
        self.url = url
        self.secret = secret
    }

    /// `Assent-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it
    /// with the shared secret and refuses a stale `t`, so a captured call cannot be replayed later.
    public static func signature(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + Hex.encode(Array(mac))
    }
}

/// Calls the webhook for every delivery the store holds due: the deliveries are written in the same transaction
/// as the change they announce, so none is lost to a crash, and retried with backoff until the receiver answers
/// 2xx (at most `maxAttempts` times).
final class WebhookDispatcher: Service, Sendable {
    let store: any WebhookOutbox
    let configuration: WebhookConfiguration
    let logger: Logger
    let clock: @Sendable () -> Int64
    static let maxAttempts = 12
    private let tls: NIOSSLContext

    init(
        store: any WebhookOutbox, configuration: WebhookConfiguration, logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { ConsentService.now() }
    ) throws {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        tls = try NIOSSLContext(configuration: .makeClientConfiguration())
    }

    /// 10 s, 20 s, 40 s … doubling, at most 6 hours.
    static func backoff(afterAttempt attempt: Int) -> Int64 {
        min(10_000 << Int64(min(attempt - 1, 20)), 6 * 3_600_000)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.deliverDue()
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// One pass: every due delivery, oldest first.
    func deliverDue() async {
        let due: [WebhookDelivery]
        do {
            due = try await store.dueWebhooks(at: clock(), limit: 50)
        } catch {
            logger.error("cannot read webhook deliveries", metadata: ["error": "\(error)"])
            return
        }
        for var delivery in due {
            let now = clock()
            let outcome: String?
            do {
                let status = try await post(delivery)
                outcome = (200..<300).contains(status) ? nil : "HTTP \(status)"
            } catch {
                outcome = "\(error)"
            }
            delivery.attempts += 1
            if let outcome {
                delivery.lastError = outcome
                delivery.nextAttemptAt =
                    delivery.attempts >= Self.maxAttempts
                    ? Int64.max : now + Self.backoff(afterAttempt: delivery.attempts)
                logger.warning(
                    "webhook not accepted",
                    metadata: ["delivery": "\(delivery.id)", "attempt": "\(delivery.attempts)", "error": "\(outcome)"])
            } else {
                delivery.deliveredAt = now
                delivery.lastError = nil
            }
            do {
                try await store.saveWebhookAttempt(delivery)
            } catch {
                logger.error("cannot save a webhook attempt", metadata: ["error": "\(error)"])
            }
        }
    }

    /// POSTs the body; returns the status code. 10 s to connect, 10 s for the answer.
    private func post(_ delivery: WebhookDelivery) async throws -> Int {
        guard let url = URL(string: delivery.url), let host = url.host, let scheme = url.scheme,
            scheme == "http" || scheme == "https"
        else { throw WebhookError("not an http(s) URL: \(delivery.url)") }
        let secure = scheme == "https"
        let port = url.port ?? (secure ? 443 : 80)
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(delivery.body.count))
        headers.add(name: "User-Agent", value: "assent-webhooks")
        headers.add(name: "Assent-Delivery", value: delivery.id)
        headers.add(
            name: "Assent-Signature",
            value: WebhookConfiguration.signature(
                secret: configuration.secret, timestamp: clock() / 1000, body: delivery.body))
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        let body = ByteBuffer(bytes: delivery.body)
        let tls = secure ? self.tls : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(.head(head))
                    try await outbound.write(.body(.byteBuffer(body)))
                    try await outbound.write(.end(nil))
                    for try await part in inbound {
                        if case .head(let head) = part { return Int(head.status.code) }
                    }
                    throw WebhookError("the connection closed before an answer")
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                channel.channel.close(promise: nil)
                throw WebhookError("no answer within 10 s")
            }
            let status = try await group.next()!
            group.cancelAll()
            return status
        }
    }
}

struct WebhookError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
