import Testing

@testable import AssentMail

@Suite struct SMTPConfigurationTests {
    @Test func smtpDefaultsToPort587AndOpportunisticSTARTTLS() throws {
        let configuration = try SMTPConfiguration(url: "smtp://mail.example.org")
        #expect(configuration.host == "mail.example.org")
        #expect(configuration.port == 587)
        #expect(configuration.security == .startTLSIfOffered)
        #expect(configuration.credentials == nil)
        #expect(configuration.from == nil)
        #expect(configuration.trustedCertificatesFile == nil)
        #expect(configuration.timeout == .seconds(30))
    }

    @Test func smtpsIsImplicitTLSOnPort465() throws {
        let configuration = try SMTPConfiguration(url: "SMTPS://mail.example.org")
        #expect(configuration.security == .implicitTLS)
        #expect(configuration.port == 465)
        #expect(try SMTPConfiguration(url: "smtps://mail.example.org:2465").port == 2465)
    }

    @Test func credentialsArePercentDecoded() throws {
        let configuration = try SMTPConfiguration(
            url: "smtp://user%40example.org:p%40ss%3Aw%2Frd%20%25@mail.example:25")
        #expect(configuration.credentials == .init(username: "user@example.org", password: "p@ss:w/rd %"))
        #expect(configuration.port == 25)
        #expect(!configuration.redactedURL.contains("p%40ss") && !configuration.redactedURL.contains("p@ss"))
        #expect(configuration.redactedURL == "smtp://user%40example%2Eorg@mail.example:25")
        #expect(!"\(configuration)".contains("ss:w"))
        #expect(!"\(configuration.credentials!)".contains("ss:w"))
    }

    @Test(arguments: [
        ("starttls=required", SMTPConfiguration.Security.startTLSRequired), ("starttls=off", .plain),
        ("starttls=auto", .startTLSIfOffered),
    ])
    func startTLSModes(query: String, security: SMTPConfiguration.Security) throws {
        #expect(try SMTPConfiguration(url: "smtp://127.0.0.1:2525?\(query)").security == security)
    }

    @Test func queryItems() throws {
        let configuration = try SMTPConfiguration(
            url:
                "smtp://[::1]:2525/?from=Assent%20%3Cnoreply@assent.example%3E&ca=/tmp/ca.pem&timeout=2.5&ehlo=me.example"
        )
        #expect(configuration.host == "::1")
        #expect(configuration.port == 2525)
        #expect(configuration.from == (try MailAddress(address: "noreply@assent.example", displayName: "Assent")))
        #expect(configuration.trustedCertificatesFile == "/tmp/ca.pem")
        #expect(configuration.timeout == .milliseconds(2500))
        #expect(configuration.ehloName == "me.example")
        #expect(configuration.redactedURL == "smtp://[::1]:2525")
        #expect(try SMTPConfiguration(url: "smtp://h?from=a+tag@b.example").from?.address == "a+tag@b.example")
    }

    @Test(arguments: [
        ("http://mail.example", "scheme"), ("mail.example", "smtps://"), ("smtp://", "no host"),
        ("smtp://mail.example/path", "no path"), ("smtp://mail.example:0", "port"),
        ("smtp://mail.example:70000", ""), ("smtp://user@mail.example", "needs a password"),
        ("smtp://:secret@mail.example", "needs a user"), ("smtp://h?starttls=maybe", "starttls="),
        ("smtps://h?starttls=off", "smtp:// only"), ("smtp://h?from=not-an-address", "from="),
        ("smtp://h?timeout=0", "timeout="), ("smtp://h?timeout=abc", "timeout="), ("smtp://h?verify=no", "unknown"),
        ("smtp://h?ca=", "ca="), ("smtp://h?from=a@b.example&from=c@d.example", "twice"),
    ])
    func malformedURLsAreRefusedWithAReason(url: String, expected: String) {
        #expect {
            try SMTPConfiguration(url: url)
        } throws: { error in
            let description = "\(error)"
            return description.hasPrefix("invalid SMTP URL: ") && description.contains(expected)
        }
    }

    @Test func errorsNeverRepeatThePassword() {
        #expect {
            try SMTPConfiguration(url: "smtp://user:hunter2@h?bogus=1")
        } throws: { error in
            !"\(error)".contains("hunter2")
        }
    }

    @Test func anUnreadableCAFileFailsAtSetup() {
        #expect {
            try SMTPTransport(url: "smtp://127.0.0.1?ca=/nonexistent/ca.pem")
        } throws: { error in
            "\(error)".contains("ca=") && "\(error)".contains("/nonexistent/ca.pem")
        }
    }
}
