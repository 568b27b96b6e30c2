/// Why a message was not handed over: the step of the conversation that failed and the server's reply, if any.
/// Never holds the credentials: the AUTH step is named by its mechanism only.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public enum Step: Sendable, Equatable, CustomStringConvertible {
        case connect
        case greeting
        case ehlo
        case startTLS
        case tlsHandshake
        case authentication(mechanism: String)
        case mailFrom
        case rcptTo
        case data
        case messageBody

        public var description: String {
            switch self {
            case .connect: "connect"
            case .greeting: "greeting"
            case .ehlo: "EHLO"
            case .startTLS: "STARTTLS"
            case .tlsHandshake: "TLS handshake"
            case .authentication(let mechanism): mechanism.isEmpty ? "AUTH" : "AUTH \(mechanism)"
            case .mailFrom: "MAIL FROM"
            case .rcptTo: "RCPT TO"
            case .data: "DATA"
            case .messageBody: "message transfer (end of DATA)"
            }
        }
    }

    public enum Reason: Sendable {
        /// The server answered with a code the step does not accept.
        case rejected(SMTPReply)
        case timedOut(Duration)
        case connectionClosed
        /// A network, TLS or protocol failure, or a policy of this client (such as no credentials in the clear).
        case failed(String)
    }

    public let step: Step
    public let reason: Reason
    /// `host:port`.
    public let server: String

    public init(step: Step, reason: Reason, server: String) {
        self.step = step
        self.reason = reason
        self.server = server
    }

    /// The server's reply code, when the server refused.
    public var replyCode: Int? {
        if case .rejected(let reply) = reason { return reply.code }
        return nil
    }

    public var description: String {
        let what: String
        switch reason {
        case .rejected(let reply): what = "the server replied \(reply)"
        case .timedOut(let limit):
            what =
                step == .connect ? "timed out after \(seconds(limit))" : "timed out: no reply within \(seconds(limit))"
        case .connectionClosed: what = "the server closed the connection"
        case .failed(let message): what = message
        }
        return "SMTP \(step) failed (\(server)): \(what)"
    }

    private func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = attoseconds / 1_000_000_000_000_000
        return milliseconds == 0 ? "\(seconds) s" : "\(Double(seconds) + Double(milliseconds) / 1000) s"
    }
}
