import Foundation
import Testing

@testable import AssentMail

@Suite struct SMTPProtocolTests {
    @Test func multiLineRepliesArriveWhole() throws {
        var parser = SMTPReplyParser()
        #expect(
            try parser.parse(Array("220 mail.example ESMTP ready\r\n250-mail.example hi\r\n250-PIPE".utf8))
                == [SMTPReply(code: 220, lines: ["mail.example ESMTP ready"])])
        #expect(parser.holdsPartialReply)
        #expect(try parser.parse(Array("LINING\r\n250-AUTH LOGIN PLAIN\n250-STARTTLS\r\n250 SIZE 1000".utf8)) == [])
        let replies = try parser.parse(Array("\r\n".utf8))
        #expect(
            replies == [
                SMTPReply(
                    code: 250, lines: ["mail.example hi", "PIPELINING", "AUTH LOGIN PLAIN", "STARTTLS", "SIZE 1000"])
            ])
        #expect(!parser.holdsPartialReply)
        let extensions = SMTPExtensions(ehlo: replies[0])
        #expect(extensions.contains("STARTTLS") && extensions.contains("PIPELINING"))
        #expect(extensions.authMechanisms == ["LOGIN", "PLAIN"])
        #expect(!extensions.contains("MAIL.EXAMPLE"))
    }

    @Test func aCodeWithoutTextIsAReply() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.parse(Array("250\r\n".utf8)) == [SMTPReply(code: 250, lines: [""])])
        #expect(SMTPReply(code: 250, lines: [""]).description == "250")
    }

    @Test func thePreStandardAuthFormIsUnderstood() {
        let extensions = SMTPExtensions(ehlo: SMTPReply(code: 250, lines: ["hi", "auth=login cram-md5", "8BITMIME"]))
        #expect(extensions.authMechanisms == ["LOGIN", "CRAM-MD5"])
        #expect(extensions.contains("8BITMIME"))
    }

    @Test(arguments: ["hello\r\n", "25\r\n", "250x\r\n", "650 no\r\n", "250-a\r\n354 b\r\n"])
    func malformedRepliesAreRefused(text: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Malformed.self) { try parser.parse(Array(text.utf8)) }
    }

    @Test func endlessLinesAreRefused() {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Malformed.self) {
            try parser.parse(Array(repeating: UInt8(ascii: "2"), count: 5000))
        }
    }

    @Test func dataIsDotStuffedAndTerminated() {
        let payload = SMTPTransport.dataPayload(Array(".first\r\nmiddle.\r\n..two\r\n.\r\nlast".utf8))
        #expect(String(decoding: payload, as: UTF8.self) == "..first\r\nmiddle.\r\n...two\r\n..\r\nlast\r\n.\r\n")
        #expect(String(decoding: SMTPTransport.dataPayload(Array("a\r\n".utf8)), as: UTF8.self) == "a\r\n.\r\n")
    }

    @Test func aRenderedMessageWithDotLinesSurvivesStuffing() throws {
        let message = try MailMessage(
            from: MailAddress("a@b.example"), to: MailAddress("c@d.example"), subject: "dots",
            body: ".\n.hidden\n..")
        let payload = String(decoding: SMTPTransport.dataPayload(message.rendered()), as: UTF8.self)
        #expect(payload.hasSuffix("\r\n..\r\n..hidden\r\n...\r\n.\r\n"))
        // What a server reads back: strip one leading dot of each line, stop at the lone ".".
        let lines = payload.components(separatedBy: "\r\n")
        let received = lines.prefix(while: { $0 != "." }).map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }
        #expect(received.joined(separator: "\r\n") + "\r\n" == String(decoding: message.rendered(), as: UTF8.self))
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("::ffff:127.0.0.1", true), ("10.0.0.1", false),
        ("192.168.1.5", false), ("::2", false), ("2001:db8::1", false),
    ])
    func credentialsInTheClearOnlyOnLoopback(address: String, loopback: Bool) {
        #expect(SMTPTransport.isLoopback(address) == loopback)
    }

    @Test func errorsNameTheStepAndTheReply() {
        let error = SMTPError(
            step: .authentication(mechanism: "PLAIN"),
            reason: .rejected(SMTPReply(code: 535, lines: ["5.7.8 Authentication credentials invalid"])),
            server: "mail.example:587")
        #expect(
            error.description
                == "SMTP AUTH PLAIN failed (mail.example:587): the server replied 535 5.7.8 Authentication credentials invalid"
        )
        #expect(error.replyCode == 535)
        let timeout = SMTPError(step: .greeting, reason: .timedOut(.milliseconds(1500)), server: "h:25")
        #expect(timeout.description == "SMTP greeting failed (h:25): timed out: no reply within 1.5 s")
    }
}
