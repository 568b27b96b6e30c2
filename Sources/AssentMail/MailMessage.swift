import Foundation

/// A plain-text e-mail. Every header value is checked when the message is made, so rendering cannot fail and no
/// value can add a header of its own.
public struct MailMessage: Sendable {
    public let from: MailAddress
    public let to: MailAddress
    public let replyTo: MailAddress?
    public let subject: String
    public let body: String
    public let date: Date
    /// The Message-ID without its angle brackets: `unique@domain`.
    public let messageID: String
    /// The body's language as a language tag (`es`, `pt-BR`), sent as `Content-Language`; none when omitted.
    public let language: String?

    /// - Parameters:
    ///   - date: the Date header; the current time when omitted.
    ///   - messageID: made from the time, random bits and the sender's domain when omitted.
    ///   - language: letters, digits and hyphens only (a language tag), else the message is refused.
    public init(
        from: MailAddress, to: MailAddress, subject: String, body: String, replyTo: MailAddress? = nil,
        date: Date = Date(), messageID: String? = nil, language: String? = nil
    ) throws(MailMessageError) {
        try HeaderEncoding.checkNoLineBreak(subject, field: "Subject")
        if let language {
            guard (1...35).contains(language.utf8.count), language.first != "-", language.last != "-",
                language.unicodeScalars.allSatisfy({
                    $0.isASCII
                        && ($0.properties.isAlphabetic || $0 == "-"
                            || ("0"..."9").contains($0))
                })
            else { throw .invalidLanguage(language) }
        }
        let messageID = messageID ?? Self.makeMessageID(date: date, domain: from.domain)
        guard !messageID.isEmpty, messageID.contains("@"),
            messageID.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "<" && $0 != ">" })
        else { throw .invalidMessageID(messageID) }
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID
        self.language = language
    }

    /// The message as RFC 5322 text: 7-bit ASCII, CRLF line ends, no line over 998 characters. These are the bytes
    /// SMTP sends (before dot-stuffing) and the outbox stores.
    public func rendered() -> [UInt8] {
        var headers = [
            "Date: " + HeaderEncoding.date(date),
            "From: " + from.headerValue(fieldNameLength: 4),
        ]
        if let replyTo { headers.append("Reply-To: " + replyTo.headerValue(fieldNameLength: 8)) }
        headers += [
            "To: " + to.headerValue(fieldNameLength: 2),
            HeaderEncoding.unstructured("Subject", subject),
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
        ]
        if let language { headers.append("Content-Language: " + language) }
        let text = headers.joined(separator: "\r\n") + "\r\n\r\n" + QuotedPrintable.encode(body) + "\r\n"
        return Array(text.utf8)
    }

    private static func makeMessageID(date: Date, domain: Substring) -> String {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let random = UInt64.random(in: .min ... .max)
        return "\(String(milliseconds, radix: 36)).\(String(random, radix: 36))@\(domain)"
    }
}

/// Why a message or an address was refused.
public enum MailMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidAddress(String, String)
    case lineBreakInHeader(field: String)
    case invalidMessageID(String)
    case invalidLanguage(String)

    public var description: String {
        switch self {
        case .invalidAddress(let address, let reason): "invalid e-mail address \(quoted(address)): \(reason)"
        case .lineBreakInHeader(let field): "the \(field) must not contain a line break"
        case .invalidMessageID(let id): "invalid Message-ID \(quoted(id))"
        case .invalidLanguage(let language): "invalid language tag \(quoted(language))"
        }
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
    }
}
