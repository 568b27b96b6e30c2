import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One connection to an SMTP server, carrying one message. Not shared: `SMTPTransport.deliver` owns it from connect
/// to close.
final class SMTPSession {
    let server: String
    private let configuration: SMTPConfiguration
    private let tlsContext: NIOSSLContext?
    private let channel: any Channel
    private let handler: NIOLoopBound<SMTPClientHandler>
    private let timeout: TimeAmount
    private var extensions = SMTPExtensions()
    private var tls: String?
    private var transcript: [String] = []
    /// Text never to show: the password and every encoding of the credentials sent.
    private var secrets: [String] = []

    private init(
        server: String, configuration: SMTPConfiguration, tlsContext: NIOSSLContext?, channel: any Channel,
        handler: NIOLoopBound<SMTPClientHandler>
    ) {
        self.server = server
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.channel = channel
        self.handler = handler
        self.timeout = TimeAmount(configuration.timeout)
    }

    static func connect(
        configuration: SMTPConfiguration, tlsContext: NIOSSLContext?, group: any EventLoopGroup
    ) async throws -> SMTPSession {
        let host = configuration.host
        let server = host.contains(":") ? "[\(host)]:\(configuration.port)" : "\(host):\(configuration.port)"
        let implicitTLS = configuration.security == .implicitTLS ? tlsContext : nil
        let serverHostname = Self.serverHostname(host)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(configuration.timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPClientHandler(eventLoop: channel.eventLoop))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: configuration.port).get()
        } catch ChannelError.connectTimeout {
            throw SMTPError(step: .connect, reason: .timedOut(configuration.timeout), server: server)
        } catch let error as NIOConnectionError {
            let reason: String
            if let dnsError = error.dnsAError ?? error.dnsAAAAError {
                reason = "cannot resolve \(host) (\(dnsError))"
            } else if error.connectionErrors.isEmpty {
                reason = "no address found for \(host)"
            } else {
                reason = error.connectionErrors.map { "\($0.target): \($0.error)" }.joined(separator: "; ")
            }
            throw SMTPError(step: .connect, reason: .failed(reason), server: server)
        } catch {
            throw SMTPError(step: .connect, reason: .failed("\(error)"), server: server)
        }
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(
                    try channel.pipeline.syncOperations.handler(type: SMTPClientHandler.self),
                    eventLoop: channel.eventLoop)
            }.get()
            return SMTPSession(
                server: server, configuration: configuration, tlsContext: tlsContext, channel: channel,
                handler: handler)
        } catch {
            try? await channel.close()
            throw SMTPError(step: .connect, reason: .connectionClosed, server: server)
        }
    }

    func deliver(_ message: MailMessage) async throws -> SMTPDelivery {
        if configuration.security == .implicitTLS {
            try await awaitHandshake()
            tls = "implicit TLS"
        }
        try expect(await exchange(nil, step: .greeting), [220], step: .greeting)
        try await hello(allowingHELO: configuration.security == .implicitTLS || configuration.security == .plain)
        switch configuration.security {
        case .startTLSRequired, .startTLSIfOffered:
            if extensions.contains("STARTTLS") {
                try await startTLS()
                try await hello(allowingHELO: false)
            } else if configuration.security == .startTLSRequired {
                throw SMTPError(
                    step: .startTLS,
                    reason: .failed("the server does not offer STARTTLS, and the URL requires it (starttls=required)"),
                    server: server)
            }
        case .implicitTLS, .plain: break
        }
        var mechanism: String?
        if let credentials = configuration.credentials {
            mechanism = try await authenticate(credentials)
        }
        try expect(await exchange("MAIL FROM:<\(message.from.address)>", step: .mailFrom), [250], step: .mailFrom)
        try expect(await exchange("RCPT TO:<\(message.to.address)>", step: .rcptTo), [250, 251], step: .rcptTo)
        try expect(await exchange("DATA", step: .data), [354], step: .data)
        let payload = SMTPTransport.dataPayload(message.rendered())
        transcript += ["C: <message, \(payload.count - 3) bytes>", "C: ."]
        let reply = try await exchange(bytes: ByteBuffer(bytes: payload), step: .messageBody)
        try expect(reply, [250], step: .messageBody)
        return SMTPDelivery(
            server: server, tls: tls, authentication: mechanism, reply: reply, transcript: transcript)
    }

    /// Says goodbye without waiting long: the message is already accepted.
    func quit() async {
        transcript.append("C: QUIT")
        let handler = handler
        let bytes = ByteBuffer(string: "QUIT\r\n")
        let wait = min(timeout, .seconds(5))
        _ = try? await channel.eventLoop.flatSubmit { handler.value.request(bytes, timeout: wait) }.get()
        await close()
    }

    func close() async {
        try? await channel.close()
    }

    // MARK: - Steps

    private func hello(allowingHELO: Bool) async throws {
        let name = configuration.ehloName ?? addressLiteral(channel.localAddress) ?? "localhost"
        let reply = try await exchange("EHLO \(name)", step: .ehlo)
        if reply.code == 250 {
            extensions = SMTPExtensions(ehlo: reply)
            return
        }
        // A server from before ESMTP: fine for a plain relay, never when STARTTLS may be needed.
        guard allowingHELO, (500...504).contains(reply.code) else { throw rejected(reply, step: .ehlo) }
        try expect(await exchange("HELO \(name)", step: .ehlo), [250], step: .ehlo)
        extensions = SMTPExtensions()
    }

    private func startTLS() async throws {
        try expect(await exchange("STARTTLS", step: .startTLS), [220], step: .startTLS)
        guard let tlsContext else {
            throw SMTPError(step: .startTLS, reason: .failed("TLS is not set up"), server: server)
        }
        let channel = channel
        let handler = handler
        let serverHostname = Self.serverHostname(configuration.host)
        do {
            try await channel.eventLoop.submit {
                // Bytes after the 220 were sent before TLS: an attacker's, never to be read as the server's.
                guard !handler.value.holdsUnreadInput else { throw PlaintextAfterSTARTTLS() }
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname), position: .first)
            }.get()
        } catch is PlaintextAfterSTARTTLS {
            throw SMTPError(
                step: .startTLS,
                reason: .failed("the server sent more after its reply to STARTTLS (refusing possible injection)"),
                server: server)
        } catch {
            throw attribute(error, step: .tlsHandshake)
        }
        try await awaitHandshake()
        tls = "STARTTLS"
        extensions = SMTPExtensions()
    }

    /// Returns the mechanism used.
    private func authenticate(_ credentials: SMTPConfiguration.Credentials) async throws -> String {
        guard tls != nil || SMTPTransport.isLoopback(channel.remoteAddress?.ipAddress) else {
            throw SMTPError(
                step: .authentication(mechanism: ""),
                reason: .failed(
                    "refusing to send credentials over an unencrypted connection to a server that is not on "
                        + "loopback; use smtps:// or a server that offers STARTTLS"),
                server: server)
        }
        let offered = extensions.authMechanisms
        let encode = { (text: String) in Data(text.utf8).base64EncodedString() }
        let plain = encode("\u{0}\(credentials.username)\u{0}\(credentials.password)")
        secrets = [credentials.password, plain, encode(credentials.username), encode(credentials.password)]
        if offered.contains("PLAIN") {
            let step = SMTPError.Step.authentication(mechanism: "PLAIN")
            let reply = try await exchange("AUTH PLAIN \(plain)", step: step, logAs: "AUTH PLAIN <credentials hidden>")
            try expect(reply, [235], step: step)
            return "PLAIN"
        }
        if offered.contains("LOGIN") {
            let step = SMTPError.Step.authentication(mechanism: "LOGIN")
            try expect(await exchange("AUTH LOGIN", step: step), [334], step: step)
            let username = try await exchange(encode(credentials.username), step: step, logAs: "<username hidden>")
            try expect(username, [334], step: step)
            let password = try await exchange(encode(credentials.password), step: step, logAs: "<password hidden>")
            try expect(password, [235], step: step)
            return "LOGIN"
        }
        let reason =
            offered.isEmpty
            ? "credentials are given but the server offers no AUTH" + (tls == nil ? " without TLS" : "")
            : "the server offers neither AUTH PLAIN nor LOGIN (only \(offered.sorted().joined(separator: ", ")))"
        throw SMTPError(step: .authentication(mechanism: ""), reason: .failed(reason), server: server)
    }

    // MARK: - Replies

    private func exchange(_ command: String?, step: SMTPError.Step, logAs: String? = nil) async throws -> SMTPReply {
        if let command { transcript.append("C: " + (logAs ?? command)) }
        return try await exchange(bytes: command.map { ByteBuffer(string: $0 + "\r\n") }, step: step)
    }

    private func exchange(bytes: ByteBuffer?, step: SMTPError.Step) async throws -> SMTPReply {
        let handler = handler
        let timeout = timeout
        let received: SMTPReply
        do {
            received = try await channel.eventLoop.flatSubmit { handler.value.request(bytes, timeout: timeout) }.get()
        } catch {
            throw attribute(error, step: step)
        }
        let reply = SMTPReply(code: received.code, lines: received.lines.map(redacted))
        for (index, line) in reply.lines.enumerated() {
            transcript.append("S: \(reply.code)\(index == reply.lines.count - 1 ? " " : "-")\(line)")
        }
        return reply
    }

    private func awaitHandshake() async throws {
        let handler = handler
        let timeout = timeout
        do {
            try await channel.eventLoop.flatSubmit { handler.value.handshake(timeout: timeout) }.get()
        } catch {
            throw attribute(error, step: .tlsHandshake)
        }
    }

    private func expect(_ reply: SMTPReply, _ codes: Set<Int>, step: SMTPError.Step) throws {
        guard codes.contains(reply.code) else { throw rejected(reply, step: step) }
    }

    private func rejected(_ reply: SMTPReply, step: SMTPError.Step) -> SMTPError {
        SMTPError(step: step, reason: .rejected(reply), server: server)
    }

    private func attribute(_ error: any Error, step: SMTPError.Step) -> SMTPError {
        if let error = error as? SMTPError { return error }
        let reason: SMTPError.Reason
        switch error as? SMTPConnectionFailure {
        case .timedOut: reason = .timedOut(configuration.timeout)
        case .closed: reason = .connectionClosed
        case .failed(let underlying): reason = .failed(redacted(Self.describe(underlying)))
        case nil: reason = .failed(redacted(Self.describe(error)))
        }
        return SMTPError(step: step, reason: reason, server: server)
    }

    private func redacted(_ text: String) -> String {
        secrets.filter { $0.count >= 3 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "<hidden>") }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError: "TLS: \(error)"
        default: "\(error)"
        }
    }

    /// The name for SNI and certificate checks: nil for an IP address, whose check is against the peer's address.
    private static func serverHostname(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// The EHLO argument when no name is configured: the local address as an RFC 5321 address literal.
    private func addressLiteral(_ address: SocketAddress?) -> String? {
        guard let address, let ip = address.ipAddress else { return nil }
        switch address {
        case .v6: return "[IPv6:\(ip)]"
        default: return "[\(ip)]"
        }
    }
}

private struct PlaintextAfterSTARTTLS: Error {}
