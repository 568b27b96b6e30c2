import AssentMail
import Foundation
import Logging

/// The requester's mail through an `AssentMail` transport: SMTP when `--smtp-url` is set, else `.eml` files in
/// the data directory's `outbox/` so that `assent serve` works with nothing configured.
struct TransportMailer: RequestMailer {
    let transport: any MailTransport
    let from: MailAddress

    func send(to address: String, subject: String, body: String) async throws {
        try await transport.send(
            MailMessage(from: from, to: try MailAddress(address: address), subject: subject, body: body))
    }

    /// The transport a configuration names; a bad `--smtp-url` fails here, at startup.
    static func make(_ configuration: ServerConfiguration, logger: Logger) throws -> TransportMailer {
        if let url = configuration.smtpURL {
            let transport = try SMTPTransport(url: url, logger: logger)
            let from = try transport.configuration.from ?? MailAddress(address: configuration.mailFrom)
            return TransportMailer(transport: transport, from: from)
        }
        let outbox = (configuration.dataDirectory as NSString).appendingPathComponent("outbox")
        return TransportMailer(
            transport: OutboxTransport(directory: outbox), from: try MailAddress(address: configuration.mailFrom))
    }
}
