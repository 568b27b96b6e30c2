/// Something that delivers a message: an SMTP server (`SMTPTransport`) or a folder (`OutboxTransport`).
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}
