/// An e-mail address (an RFC 5322 dot-atom `local@domain`), with an optional display name.
///
/// Only ASCII addresses are accepted, so a message never needs the SMTPUTF8 extension; the display name may be any
/// text but a line break.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The bare address, as given to `MAIL FROM` and `RCPT TO`.
    public let address: String
    public let displayName: String?

    public init(address: String, displayName: String? = nil) throws(MailMessageError) {
        try Self.validate(address: address)
        if let displayName {
            try HeaderEncoding.checkNoLineBreak(displayName, field: "display name")
        }
        self.address = address
        self.displayName = displayName.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads `local@domain` or `Display Name <local@domain>` (the name may be in double quotes).
    public init(_ text: String) throws(MailMessageError) {
        try HeaderEncoding.checkNoLineBreak(text, field: "address")
        let trimmed = text.trimmingSpaces
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else {
            try self.init(address: trimmed)
            return
        }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        var name = String(trimmed[..<open]).trimmingSpaces
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = Self.unquote(String(name.dropFirst().dropLast()))
        }
        try self.init(address: address, displayName: name.isEmpty ? nil : name)
    }

    /// The domain part, used for the Message-ID.
    public var domain: Substring {
        address[address.index(after: address.lastIndex(of: "@")!)...]
    }

    public var description: String {
        guard let displayName else { return address }
        return "\(displayName) <\(address)>"
    }

    /// The address as a header value: a display name is an atom phrase, a quoted string or RFC 2047 encoded-words.
    func headerValue(fieldNameLength: Int) -> String {
        guard let displayName else { return address }
        let phrase = HeaderEncoding.phrase(displayName, firstLineUsed: fieldNameLength + 2)
        return "\(phrase) <\(address)>"
    }

    private static let atext = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".unicodeScalars)

    static func validate(address: String) throws(MailMessageError) {
        func invalid(_ reason: String) -> MailMessageError { .invalidAddress(address, reason) }
        guard address.utf8.count <= 254 else { throw invalid("longer than 254 characters") }
        guard let at = address.lastIndex(of: "@") else { throw invalid("no @") }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64 else {
            throw invalid("the local part must have 1 to 64 characters")
        }
        for atom in local.split(separator: ".", omittingEmptySubsequences: false) {
            guard !atom.isEmpty else { throw invalid("empty dot-separated part before @") }
            guard atom.unicodeScalars.allSatisfy({ atext.contains($0) }) else {
                throw invalid("only letters, digits and !#$%&'*+-/=?^_`{|}~ may stand before @ (ASCII only)")
            }
        }
        guard !domain.isEmpty else { throw invalid("no domain after @") }
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63 else { throw invalid("empty or too long domain label") }
            guard label.unicodeScalars.allSatisfy({ $0.isASCIILetterOrDigit || $0 == "-" }),
                label.first != "-", label.last != "-"
            else {
                throw invalid("a domain label has letters, digits and inner hyphens only (ASCII, or IDNA xn--)")
            }
        }
    }

    private static func unquote(_ text: String) -> String {
        var result = ""
        var escaped = false
        for character in text {
            if !escaped, character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            result.append(character)
        }
        return result
    }
}

extension Unicode.Scalar {
    var isASCIILetterOrDigit: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}

extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
