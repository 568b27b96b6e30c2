import ArgumentParser
import AssentMail
import Foundation

extension Assent {
    struct Mail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the mail setup the server uses for one-time codes.", subcommands: [Test.self])

        struct Test: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Send one test message and say what happened.",
                discussion: """
                    With --smtp-url the message goes to that SMTP server: smtp://[user:password@]host[:port] \
                    (port 587, STARTTLS when offered; ?starttls=required or ?starttls=off), or smtps://… (TLS, \
                    port 465); query items from=, ca=/path/ca.pem, timeout=SECONDS, ehlo=NAME. Without it the \
                    message is written to the outbox folder of the data directory, as `assent serve` does. \
                    Exits 1 with the step that failed and the server's reply.
                    """)

            @Option(name: .customLong("smtp-url"), help: "The SMTP server (env ASSENT_SMTP_URL).")
            var smtpURL: String?

            @Option(help: "The sender; default: the URL's from=, or assent@localhost for the outbox.")
            var from: String?

            @Option(help: "The recipient.")
            var to: String

            @Option(help: "The subject.")
            var subject = "Assent test message"

            @Option(help: "The text of the message.")
            var body = "This is a test message from Assent. If you can read it, mail works."

            @Option(help: "Seconds to wait for the connection and for each reply (overrides the URL's timeout=).")
            var timeout: Double?

            @Flag(help: "Print the SMTP conversation (credentials hidden).")
            var verbose = false

            @OptionGroup var data: DataOptions

            func run() async throws {
                var stderr = StandardError()
                do {
                    try await send()
                } catch {
                    print("mail test failed: \(error)", to: &stderr)
                    throw ExitCode(1)
                }
            }

            private func send() async throws {
                guard let smtpURL = smtpURL ?? env("ASSENT_SMTP_URL") else {
                    let outbox = OutboxTransport(directory: data.dataDirectory + "/outbox")
                    let message = try makeMessage(defaultSender: nil, outbox: true)
                    let path = try await outbox.write(message)
                    print("no --smtp-url: the message to \(message.to.address) was written to \(path)")
                    return
                }
                var configuration = try SMTPConfiguration(url: smtpURL)
                if let timeout {
                    guard timeout > 0, timeout <= 3600 else { throw CLIError("--timeout is 0 to 3600 seconds") }
                    configuration.timeout = .milliseconds(Int64((timeout * 1000).rounded(.up)))
                }
                let transport = try SMTPTransport(configuration: configuration)
                let message = try makeMessage(defaultSender: configuration.from, outbox: false)
                let delivery = try await transport.deliver(message)
                if verbose {
                    for line in delivery.transcript { print(line) }
                }
                let how = [delivery.tls ?? "no TLS", delivery.authentication.map { "AUTH \($0)" } ?? "no AUTH"]
                print("sent to \(message.to.address) via \(configuration.redactedURL) (\(how.joined(separator: ", ")))")
                print("server: \(delivery.reply)")
                print("message-id: <\(message.messageID)>")
            }

            private func makeMessage(defaultSender: MailAddress?, outbox: Bool) throws -> MailMessage {
                let sender: MailAddress
                if let from {
                    sender = try MailAddress(from)
                } else if let defaultSender {
                    sender = defaultSender
                } else if outbox {
                    sender = try MailAddress("assent@localhost")
                } else {
                    throw CLIError("give the sender with --from or the URL's from=")
                }
                return try MailMessage(from: sender, to: MailAddress(to), subject: subject, body: body)
            }
        }
    }
}
