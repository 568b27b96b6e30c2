/// Something that delivers a message: an SMTP server (`SMTPTransport`) or a folder (`OutboxTransport`).
public protocol MailTransport: Sendable {
    /// `tag`: what the message is about (letters, digits and `-`), for a transport that keeps messages, so that
    /// they can be found and removed together later; a transport that hands them on ignores it.
    func send(_ message: MailMessage, tag: String?) async throws
}

extension MailTransport {
    public func send(_ message: MailMessage) async throws { try await send(message, tag: nil) }
}
