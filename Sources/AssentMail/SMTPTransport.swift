import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Hands mail to an SMTP server (RFC 5321) over SwiftNIO, one connection per message: greeting, EHLO, STARTTLS
/// when the configuration asks for it, AUTH PLAIN or LOGIN when credentials are given, MAIL FROM, RCPT TO, DATA,
/// QUIT. Certificates and host names are verified; credentials never cross an unencrypted connection unless the
/// server is on loopback.
public struct SMTPTransport: MailTransport {
    public let configuration: SMTPConfiguration
    private let tlsContext: NIOSSLContext?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    /// Fails when the `ca=` file cannot be read: better at startup than at the first message.
    public init(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "assent.mail", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(SMTPConfigurationError) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        guard configuration.security != .plain else {
            tlsContext = nil
            return
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let file = configuration.trustedCertificatesFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(file)
            } catch {
                throw SMTPConfigurationError("ca=: cannot read PEM certificates from \(file) (\(error))")
            }
            guard !certificates.isEmpty else { throw SMTPConfigurationError("ca=: no certificate in \(file)") }
            tls.trustRoots = .certificates(certificates)
        }
        do {
            tlsContext = try NIOSSLContext(configuration: tls)
        } catch {
            throw SMTPConfigurationError("cannot set up TLS (\(error))")
        }
    }

    public init(
        url: String, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "assent.mail", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(SMTPConfigurationError) {
        try self.init(configuration: SMTPConfiguration(url: url), eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// The tag is the outbox's concern: what SMTP delivered is no longer this server's to erase.
    public func send(_ message: MailMessage, tag: String?) async throws {
        _ = try await deliver(message)
    }

    /// Sends the message and tells how: the server's reply and the conversation with the secrets left out.
    /// Throws an `SMTPError` naming the step that failed.
    public func deliver(_ message: MailMessage) async throws -> SMTPDelivery {
        let session = try await SMTPSession.connect(
            configuration: configuration, tlsContext: tlsContext, group: eventLoopGroup)
        do {
            let delivery = try await session.deliver(message)
            await session.quit()
            logger.info(
                "mail handed to the SMTP server",
                metadata: [
                    "smtp.server": "\(session.server)", "mail.message_id": "\(message.messageID)",
                    "smtp.tls": "\(delivery.tls ?? "none")",
                ])
            return delivery
        } catch {
            await session.close()
            logger.info("mail not sent", metadata: ["smtp.server": "\(session.server)", "error": "\(error)"])
            throw error
        }
    }

    /// The DATA payload: the message with every line that starts with "." given another one (RFC 5321 §4.5.2),
    /// ending in CRLF, then the terminating "." line.
    static func dataPayload(_ message: [UInt8]) -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(message.count + message.count / 40 + 5)
        var atLineStart = true
        for byte in message {
            if atLineStart, byte == UInt8(ascii: ".") { payload.append(byte) }
            payload.append(byte)
            atLineStart = byte == 0x0A
        }
        if !payload.isEmpty, payload.suffix(2) != [0x0D, 0x0A] { payload += [0x0D, 0x0A] }
        payload += Array(".\r\n".utf8)
        return payload
    }

    /// Whether an address is on this machine, where credentials may go without TLS.
    static func isLoopback(_ ipAddress: String?) -> Bool {
        guard let ipAddress else { return false }
        return ipAddress.hasPrefix("127.") || ipAddress == "::1" || ipAddress.lowercased().hasPrefix("::ffff:127.")
    }
}

/// What happened when a message was handed over.
public struct SMTPDelivery: Sendable {
    /// `host:port`.
    public let server: String
    /// "STARTTLS" or "implicit TLS"; nil when the connection was not encrypted.
    public let tls: String?
    /// The AUTH mechanism used, if any.
    public let authentication: String?
    /// The server's answer to the message, often with its queue id.
    public let reply: SMTPReply
    /// Each line sent (`C: `) and received (`S: `), credentials replaced by placeholders.
    public let transcript: [String]
}
