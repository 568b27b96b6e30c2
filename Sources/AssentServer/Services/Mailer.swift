import AssentMail
import Foundation
import Logging

/// The requester's mail through an `AssentMail` transport: SMTP when `--smtp-url` is set, else `.eml` files in
/// the data directory's `outbox/` so that `assent serve` works with nothing configured.
struct TransportMailer: RequestMailer {
    let transport: any MailTransport
    let from: MailAddress

    func send(to address: String, subject: String, body: String, language: String, requestID: String) async throws {
        let message = try MailMessage(
            from: from, to: try MailAddress(address: address), subject: subject, body: body, language: language)
        // Tagged with the request, so retention finds the request's outbox messages and erases them with its data.
        try await transport.send(message, tag: requestID)
    }

    /// The data directory's outbox, where messages go without SMTP (and may remain from before SMTP was set).
    static func outboxDirectory(_ configuration: ServerConfiguration) -> String {
        (configuration.dataDirectory as NSString).appendingPathComponent("outbox")
    }

    static func outbox(_ configuration: ServerConfiguration) -> OutboxTransport {
        OutboxTransport(directory: outboxDirectory(configuration))
    }

    /// The transport a configuration names; a bad `--smtp-url` fails here, at startup.
    static func make(_ configuration: ServerConfiguration, logger: Logger) throws -> TransportMailer {
        if let url = configuration.smtpURL {
            let transport = try SMTPTransport(url: url, logger: logger)
            let from = try transport.configuration.from ?? MailAddress(address: configuration.mailFrom)
            return TransportMailer(transport: transport, from: from)
        }
        return TransportMailer(
            transport: outbox(configuration), from: try MailAddress(address: configuration.mailFrom))
    }
}
