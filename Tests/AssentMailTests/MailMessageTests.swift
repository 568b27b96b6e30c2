import Foundation
import Testing

@testable import AssentMail

@Suite struct MailMessageTests {
    let date = Date(timeIntervalSince1970: 1_795_969_185)  // Sun, 29 Nov 2026 16:19:45 UTC

    func message(
        subject: String = "Your code", body: String = "123456", from: String = "Assent <noreply@assent.example>"
    )
        throws -> MailMessage
    {
        try MailMessage(
            from: MailAddress(from), to: MailAddress("visitor@example.org"), subject: subject, body: body,
            replyTo: MailAddress("privacy@publisher.example"), date: date, messageID: "abc.123@assent.example")
    }

    @Test func headersAreRFC5322WithCRLFLineEnds() throws {
        let text = String(decoding: try message().rendered(), as: UTF8.self)
        #expect(
            text == """
                Date: Sun, 29 Nov 2026 16:19:45 +0000\r
                From: Assent <noreply@assent.example>\r
                Reply-To: privacy@publisher.example\r
                To: visitor@example.org\r
                Subject: Your code\r
                Message-ID: <abc.123@assent.example>\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Transfer-Encoding: quoted-printable\r
                \r
                123456\r

                """)
    }

    @Test func everyLineEndsInCRLFAndIsShort() throws {
        let long = String(repeating: "x", count: 3000)
        let bytes = try message(subject: "Word " + long + " " + long, body: "a\nb\rc\r\n" + long + "\n.").rendered()
        #expect(bytes.allSatisfy { $0 < 0x80 })
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("\r\n"))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { !$0.contains("\r") && !$0.contains("\n") })
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
        #expect(lines.drop(while: { !$0.isEmpty }).allSatisfy { $0.utf8.count <= 76 })
    }

    @Test(arguments: [
        "Votre code de vérification", "Ihr Bestätigungscode für Müller", "確認コード: 123456",
        "🔐 code 🔑 "
            + String(
                repeating: "é", count: 80), "x =?utf-8?B?AAAA?= looks encoded", "tab\there",
    ])
    func nonASCIISubjectsBecomeEncodedWordsThatDecodeBack(subject: String) throws {
        let text = String(decoding: try message(subject: subject).rendered(), as: UTF8.self)
        let field = try #require(headerField("Subject", in: text))
        #expect(field.raw.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(field.raw.contains("=?utf-8?B?"))
        #expect(decodeEncodedWords(field.unfolded) == subject)
    }

    @Test func longASCIISubjectsAreFoldedAtSpaces() throws {
        let subject = Array(repeating: "consent", count: 30).joined(separator: " ")
        let text = String(decoding: try message(subject: subject).rendered(), as: UTF8.self)
        let field = try #require(headerField("Subject", in: text))
        #expect(field.raw.contains("\r\n "))
        #expect(!field.raw.contains("=?"))
        #expect(field.raw.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(field.unfolded == subject)
    }

    @Test func displayNamesAreQuotedOrEncoded() throws {
        let quoted = String(decoding: try message(from: "\"Assent, Inc.\" <a@b.example>").rendered(), as: UTF8.self)
        #expect(quoted.contains("From: \"Assent, Inc.\" <a@b.example>\r\n"))
        let encoded = String(decoding: try message(from: "Zoë Café <a@b.example>").rendered(), as: UTF8.self)
        let field = try #require(headerField("From", in: encoded))
        #expect(field.unfolded.hasSuffix(" <a@b.example>"))
        #expect(decodeEncodedWords(String(field.unfolded.dropLast(" <a@b.example>".count))) == "Zoë Café")
    }

    @Test(arguments: ["Hi\r\nBcc: victim@example.org", "Hi\nX-Injected: 1", "Hi\rthere", "nul\u{0}"])
    func headerInjectionIsRefused(value: String) throws {
        #expect(throws: MailMessageError.lineBreakInHeader(field: "Subject")) { try message(subject: value) }
        #expect(throws: MailMessageError.self) { try MailAddress(address: "a@b.example", displayName: value) }
        #expect(throws: MailMessageError.self) { try MailAddress("\(value) <a@b.example>") }
        #expect(throws: MailMessageError.self) { try MailAddress(address: "a\(value)@b.example") }
    }

    @Test(arguments: [
        "a@b", "first.last+tag@mail.example.org", "o'brien@example.co.uk", "x@xn--bcher-kva.example",
    ])
    func validAddresses(address: String) throws {
        #expect(try MailAddress(address).address == address)
        #expect(try MailAddress("Name <\(address)>").address == address)
    }

    @Test(arguments: [
        "", "plain", "@b.example", "a@", "a..b@c.example", ".a@c.example", "a b@c.example", "a@b_c.example",
        "a@-b.example", "zoë@example.org", "a@exämple.org", "a@b@c", "<a@b.example", "a@b.example>",
    ])
    func invalidAddresses(address: String) {
        #expect(throws: MailMessageError.self) { try MailAddress(address) }
    }

    @Test func generatedMessageIDsAreUniqueAndUseTheSendersDomain() throws {
        let from = try MailAddress("noreply@assent.example")
        let to = try MailAddress("v@example.org")
        let first = try MailMessage(from: from, to: to, subject: "s", body: "b")
        let second = try MailMessage(from: from, to: to, subject: "s", body: "b")
        #expect(first.messageID != second.messageID)
        #expect(first.messageID.hasSuffix("@assent.example"))
        #expect(throws: MailMessageError.self) {
            try MailMessage(from: from, to: to, subject: "s", body: "b", messageID: "x>\r\nBcc: y@z")
        }
    }

    @Test func theBodysLanguageIsSentAndCannotAddAHeader() throws {
        let from = try MailAddress("noreply@assent.example")
        let to = try MailAddress("v@example.org")
        let spanish = try MailMessage(from: from, to: to, subject: "s", body: "b", language: "es")
        let headers = String(decoding: spanish.rendered(), as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        #expect(headers.components(separatedBy: "\r\n").contains("Content-Language: es"))
        let none = String(
            decoding: try MailMessage(from: from, to: to, subject: "s", body: "b").rendered(), as: UTF8.self)
        #expect(!none.contains("Content-Language"))
        #expect(try MailMessage(from: from, to: to, subject: "s", body: "b", language: "pt-BR").language == "pt-BR")
        for bad in ["", "es\r\nBcc: y@z", "-es", "es-", "español", String(repeating: "a", count: 36)] {
            #expect(throws: MailMessageError.invalidLanguage(bad)) {
                try MailMessage(from: from, to: to, subject: "s", body: "b", language: bad)
            }
        }
    }
}

@Suite struct QuotedPrintableTests {
    @Test(arguments: [
        "", "plain ASCII", "Grüße aus Köln — ça marche ✓ 🎉", "a = b, =41 stays", "trailing space \ntrailing tab\t",
        "line one\r\nline two\rline three\nline four", ".leading dot\n..two dots\n.",
        String(repeating: "é", count: 200),
        String(repeating: "word ", count: 40), String(repeating: "x", count: 75) + " ", "\u{0}\u{7F}\u{1B}[0m",
    ])
    func roundTrip(text: String) {
        let encoded = QuotedPrintable.encode(text)
        #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII })
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") && !$0.hasSuffix("\t") })
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        #expect(decodeQuotedPrintable(encoded) == normalised)
    }

    @Test func encodesOnlyWhatMustBe() {
        #expect(QuotedPrintable.encode("Code: 123456") == "Code: 123456")
        #expect(QuotedPrintable.encode("é=") == "=C3=A9=3D")
        #expect(QuotedPrintable.encode("end ") == "end=20")
    }
}

// MARK: - Decoders written from the RFCs, independent of the encoders under test

/// A header field's raw text (with its folds) and its unfolded value.
func headerField(_ name: String, in message: String) -> (raw: String, unfolded: String)? {
    let head = message.components(separatedBy: "\r\n\r\n")[0]
    var fields: [String] = []
    for line in head.components(separatedBy: "\r\n") {
        if line.hasPrefix(" ") || line.hasPrefix("\t"), !fields.isEmpty {
            fields[fields.count - 1] += "\r\n" + line
        } else {
            fields.append(line)
        }
    }
    guard let raw = fields.first(where: { $0.hasPrefix(name + ": ") }) else { return nil }
    let value = String(raw.dropFirst(name.count + 2))
    return (raw, value.replacingOccurrences(of: "\r\n", with: ""))
}

/// RFC 2047 B-encoded words; whitespace between two adjacent encoded-words is dropped (§6.2).
func decodeEncodedWords(_ text: String) -> String? {
    var bytes: [UInt8] = []
    var rest = Substring(text)
    var pendingSpace = ""
    while !rest.isEmpty {
        if rest.hasPrefix("=?utf-8?B?"), let end = rest.dropFirst(10).range(of: "?=") {
            let payload = rest[rest.index(rest.startIndex, offsetBy: 10)..<end.lowerBound]
            guard let data = Data(base64Encoded: String(payload)) else { return nil }
            bytes += data
            rest = rest[end.upperBound...]
            pendingSpace = ""
            let spaces = rest.prefix(while: { $0 == " " })
            if rest.dropFirst(spaces.count).hasPrefix("=?") {
                rest = rest.dropFirst(spaces.count)
            }
        } else {
            bytes += Array(pendingSpace.utf8) + Array(String(rest.first!).utf8)
            rest = rest.dropFirst()
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

func decodeQuotedPrintable(_ text: String) -> String {
    var bytes: [UInt8] = []
    let input = Array(text.utf8)
    var index = 0
    while index < input.count {
        let byte = input[index]
        if byte == UInt8(ascii: "="), index + 2 < input.count, input[index + 1] == 0x0D, input[index + 2] == 0x0A {
            index += 3
        } else if byte == UInt8(ascii: "="), index + 2 < input.count,
            let value = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16)
        {
            bytes.append(value)
            index += 3
        } else {
            bytes.append(byte)
            index += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
