import AssentCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// Every text a person reads comes from the catalogue, in the person's language: the requester's pages, the
/// errors they show, and the mails, which go out in the language the request was filed in and name its type as
/// the pages do.
@Suite("Text catalogue")
struct TextCatalogueTests {
    @Test func fillingReplacesNamedValuesInOnePass() {
        #expect(TextCatalogue.fill("a {x} b {y}", ["x": "1", "y": "2"]) == "a 1 b 2")
        #expect(TextCatalogue.fill("{x}{x}", ["x": "{y}", "y": "no"]) == "{y}{y}", "a value is inserted as it is")
        #expect(TextCatalogue.fill("{missing} {", [:]) == "{missing} {")
        #expect(TextCatalogue.fill("", ["x": "1"]) == "")
        #expect(TextCatalogue.fill("ñ {x}é", ["x": "ü"]) == "ñ üé")
    }

    @Test func aLanguageWithoutTextsFallsBackToEnglish() throws {
        let texts = try TextCatalogue()
        #expect(texts.name(of: .access, "fr") == texts.name(of: .access, "en"))
        #expect(texts.name(of: .access, "es") != texts.name(of: .access, "en"))
        #expect(texts.texts("privacy", "pt-BR") == texts.texts("privacy", "en"))
    }

    /// Every mail, for every type and status, in every language: filled in completely, and naming the type as
    /// the catalogue's `requests` section does.
    @Test(arguments: TextCatalogue.languages)
    func everyMailIsWrittenInTheRequestsLanguage(_ lang: String) throws {
        let texts = try TextCatalogue()
        let mails = RequestMails(texts: texts)
        let other = TextCatalogue.languages.first { $0 != lang }!
        for type in RequestType.allCases {
            for status in [RequestStatus.completed, .denied] {
                var request = Self.request(type, lang: lang)
                request.status = status
                request.denialReason = "a {reason} typed by hand"
                request.extensionReason = "more {time}"
                let written = [
                    mails.subject(request), mails.filed(request, code: "123456", statusURL: "https://x/s"),
                    mails.filed(request, code: nil, statusURL: "https://x/s"),
                    mails.newCode(request, code: "123456", statusURL: "https://x/s"), mails.extended(request),
                    mails.closed(request),
                ]
                for mail in written {
                    let withoutValues = mail.replacingOccurrences(of: "{reason}", with: "")
                        .replacingOccurrences(of: "{time}", with: "")
                    #expect(!withoutValues.contains("{"), "\(lang): a value left unfilled in \(mail)")
                }
                #expect(mails.subject(request).hasSuffix(texts.name(of: type, lang)))
                #expect(!mails.subject(request).contains(texts.name(of: type, other)))
                #expect(mails.closed(request).contains(texts.name(of: type, lang)))
                #expect(
                    mails.closed(request).contains("a {reason} typed by hand") == (status == .denied),
                    "the reason typed is inserted as it is")
                #expect(mails.extended(request).contains("more {time}"))
            }
        }
        let spanish = RequestMails(texts: texts).filed(
            Self.request(.access, lang: "es"), code: "123456", statusURL: "https://x/s")
        #expect(spanish.hasPrefix("Hemos recibido su solicitud: Decirme qué información personal tienen sobre mí."))
        #expect(spanish.contains("\n    123456\n"), "the code on a line of its own, as the English mail has it")
    }

    // MARK: Through the server

    /// A request filed on the Spanish page is mailed in Spanish, subject included, with the page's name for its
    /// type; its status page answers a wrong code in Spanish; its closing mail is Spanish too. The same request
    /// filed in English is mailed in English.
    @Test func aRequestFiledInSpanishIsMailedInSpanish() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let texts = try TextCatalogue()
            let page = try await client.get("/privacy/demo/requests?lang=es")
            let accessName = texts.name(of: .access, "es")
            #expect(page.text.contains("value=\"access\" required> \(Self.escaped(accessName))</label>"))
            let csrf = try Self.csrf(page)
            func file(_ lang: String, _ address: String) async throws -> String {
                let answer = try await client.execute(
                    uri: "/privacy/demo/requests?lang=\(lang)", method: .post,
                    headers: [
                        .contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(csrf)",
                        .regionHeader: "US-CA",
                    ],
                    body: ByteBuffer(string: "csrf=\(csrf)&type=access&email=\(address)&name=Ana+Ruiz"))
                #expect(answer.status == .seeOther, "\(answer.text)")
                return try #require(answer.headers[.location])
            }
            let location = try await file("es", "ana%40example.com")
            let mail = try #require(try Mail.latest(to: "ana@example.com", in: configuration))
            #expect(mail.subject == "Su solicitud de privacidad: " + accessName)
            #expect(mail.body.hasPrefix("Hemos recibido su solicitud: \(accessName)."))
            #expect(mail.language == "es", "the mail says its language")
            #expect(mail.body.contains("Le responderemos antes del "))
            #expect(!mail.body.contains("We "), "no English in a Spanish mail")

            // The status page answers a wrong code in the page's language.
            let path = String(location.prefix { $0 != "?" })
            let wrong = try await client.execute(
                uri: path + "/verify?lang=es", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(csrf)"],
                body: ByteBuffer(string: "csrf=\(csrf)&code=000000"))
            #expect(wrong.status == .unprocessableContent)
            #expect(
                wrong.text.contains(
                    "<p class=\"error\" role=\"alert\">Ese código no es correcto. Intentos restantes: 4.</p>"))
            #expect(wrong.text.contains("<dd>\(Self.escaped(texts.name(of: .received, "es")))</dd>"))
            // The code's last try: ask for a new one, in Spanish too.
            var last = wrong
            for _ in 0..<4 {
                last = try await client.execute(
                    uri: path + "/verify?lang=es", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(csrf)"],
                    body: ByteBuffer(string: "csrf=\(csrf)&code=000000"))
            }
            #expect(
                last.text.contains("<p class=\"error\" role=\"alert\">Ese código no es correcto. Pida uno nuevo.</p>"),
                "\(last.text)")

            // The closing mail, sent when the publisher denies it, in the language the request was filed in.
            let admin = try await RequestRouteTests.adminToken(configuration)
            let queue = try await client.get("/v1/admin/properties/demo/requests", admin).json()
            let id = try #require(queue["requests"]?.arrayValue?.first?["id"]?.stringValue)
            let denied = try await client.post(
                "/v1/admin/requests/\(id)/status", json: #"{"status":"denied","reason":"no {data} here"}"#, admin)
            #expect(denied.status == .ok, "\(denied.text)")
            let closing = try #require(try Mail.latest(to: "ana@example.com", in: configuration))
            #expect(closing.body == "No pudimos llevar a cabo su solicitud: \(accessName).\n\nMotivo: no {data} here")

            _ = try await file("en", "bo%40example.com")
            let english = try #require(try Mail.latest(to: "bo@example.com", in: configuration))
            #expect(english.subject == "Your privacy request: " + texts.name(of: .access, "en"))
            #expect(english.language == "en")
            #expect(english.body.hasPrefix("We received your request: \(texts.name(of: .access, "en"))."))
        }
    }

    /// Each page in each language: the page's language on `<html>`, its words from that language's catalogue, and
    /// none of the other language's.
    @Test(arguments: TextCatalogue.languages)
    func pagesRenderInEachLanguage(_ lang: String) async throws {
        try await TestServer.withRouter { client in
            let texts = try TextCatalogue()
            let t = texts.texts("privacy", lang)
            let other = texts.texts("privacy", TextCatalogue.languages.first { $0 != lang }!)
            let requests = try await client.get("/privacy/demo/requests?lang=\(lang)")
            #expect(requests.status == .ok)
            #expect(requests.text.contains("<html lang=\"\(lang)\">"))
            for key in ["requestsTitle", "requestsIntro", "typeLegend", "email", "emailHint", "submit"] {
                #expect(requests.text.contains(Self.escaped(t[key]!)), "\(lang): \(key)")
                #expect(!requests.text.contains(Self.escaped(other[key]!)), "\(lang): the other language's \(key)")
            }
            for type in RequestType.allCases {
                #expect(requests.text.contains(Self.escaped(texts.name(of: type, lang))), "\(lang): \(type)")
            }
            let dns = try await client.get("/privacy/demo/do-not-sell?lang=\(lang)")
            #expect(dns.status == .ok)
            for key in ["dnsTitle", "dnsIntro", "dnsEmail", "dnsEmailHint", "dnsSubmit"] {
                #expect(dns.text.contains(Self.escaped(t[key]!)), "\(lang): \(key)")
            }
            let missing = try await client.get("/privacy/demo/status/nosuchsecret?lang=\(lang)")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains(Self.escaped(t["error.unknownRequest"]!)))
            #expect(missing.text.contains("<h1>\(Self.escaped(t["notFound"]!))</h1>"))
        }
    }

    /// The pages' own checks answer in the page's language, naming a field by its label: a missing address and a
    /// bad one on the request form and on the Do Not Sell form.
    @Test func formErrorsAreInThePagesLanguage() async throws {
        try await TestServer.withRouter { client in
            let t = try TextCatalogue().texts("privacy", "es")
            let csrf = try Self.csrf(try await client.get("/privacy/demo/requests?lang=es"))
            func post(_ path: String, _ form: String) async throws -> TestResponse {
                try await client.execute(
                    uri: path + "?lang=es", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(csrf)"],
                    body: ByteBuffer(string: "csrf=\(csrf)&" + form))
            }
            let cases: [(String, String, String)] = [
                ("/privacy/demo/requests", "type=access&email=&name=Ana", t["error.emailRequired"]!),
                ("/privacy/demo/requests", "type=access&email=nobody&name=Ana", t["error.emailInvalid"]!),
                ("/privacy/demo/requests", "email=a%40example.com", t["error.chooseType"]!),
                ("/privacy/demo/do-not-sell", "email=nobody", t["error.emailInvalid"]!),
            ]
            for (path, form, expected) in cases {
                let answer = try await post(path, form)
                #expect(answer.status == .badRequest, "\(path) \(form)")
                #expect(answer.text.contains("role=\"alert\">\(Self.escaped(expected))</p>"), "\(path) \(form)")
            }
        }
    }

    /// No template holds words of its own: every text node and every attribute a person reads (`title`,
    /// `aria-label`, `placeholder`, `alt`) is a `{{…}}` from the catalogue. What is written the same in every
    /// language (a language's own name in the language menu, an algorithm's) is allowed.
    @Test(arguments: ["privacy", "console"])
    func templatesHoldNoWordsOfTheirOwn(_ folder: String) throws {
        let sameInEveryLanguage = ["English", "Español", "SHA-256", "JSON", "CSV"]
        let directory = Resources.root.appendingPathComponent(folder).path
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }
        #expect(!names.isEmpty)
        for name in names {
            var text = try Resources.text("\(folder)/\(name)")
            for pattern in [#"<(style|script)\b.*?</\1>"#, #"<!--.*?-->"#, #"\{\{\{.*?\}\}\}"#, #"\{\{.*?\}\}"#] {
                text = text.replacing(try Regex(pattern).dotMatchesNewlines(), with: " ")
            }
            var words: [String] = []
            for match in text.matches(of: try Regex(#"\b(?:title|aria-label|placeholder|alt)="([^"]*)""#)) {
                words.append(String(text[match.range].drop { $0 != "\"" }))
            }
            text = text.replacing(try Regex(#"<[^>]*>"#), with: "\n")
            words += text.split(separator: "\n").map(String.init)
            for word in words {
                var rest = word
                for allowed in sameInEveryLanguage { rest = rest.replacingOccurrences(of: allowed, with: "") }
                let hasWords = rest.contains { $0.isLetter }
                #expect(!hasWords, "\(folder)/\(name): \(word.trimmingCharacters(in: .whitespaces))")
            }
        }
    }

    // MARK: Helpers

    static func request(_ type: RequestType, lang: String) -> PrivacyRequest {
        let received = CivilDate(milliseconds: 1_700_000_000_000)
        return PrivacyRequest(
            id: "r1", property: "demo", type: type, law: .ccpa, region: "US-CA", lang: lang, email: "a@example.com",
            emailHash: String(repeating: "0", count: 64), details: [:], subject: nil, receivedAt: 1_700_000_000_000,
            deadlines: RequestDeadlines(received: received, type: type, law: .ccpa, calendar: BusinessCalendar()),
            statusTokenHash: String(repeating: "0", count: 64))
    }

    /// Text as the templates write it (HTML-escaped).
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    static func csrf(_ page: TestResponse) throws -> String {
        let cookie = try #require(page.headers[.setCookie])
        return String(try #require(cookie.split(separator: ";").first?.split(separator: "=").last))
    }
}

/// A message of the outbox read as a person's mail program shows it: the subject's encoded words and the
/// quoted-printable body decoded.
struct Mail {
    let subject: String
    let body: String
    /// The `Content-Language` header, if any.
    let language: String?

    static func latest(to address: String, in configuration: ServerConfiguration) throws -> Mail? {
        try Outbox.messages(in: configuration).last {
            $0.contains("\r\nTo: \(address)\r\n") || $0.contains("To: <\(address)>")
        }.map(Mail.init)
    }

    init(_ message: String) {
        let parts = message.components(separatedBy: "\r\n\r\n")
        let headers = parts[0].replacingOccurrences(of: "\r\n ", with: " ")
        let subjectLine = headers.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") } ?? ""
        var subject = ""
        for word in subjectLine.dropFirst("Subject: ".count).split(separator: " ") {
            if word.hasPrefix("=?utf-8?B?"), word.hasSuffix("?="),
                let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
            {
                subject += String(decoding: data, as: UTF8.self)
            } else {
                subject += (subject.isEmpty ? "" : " ") + word
            }
        }
        self.subject = subject
        language =
            headers.components(separatedBy: "\r\n").first { $0.hasPrefix("Content-Language: ") }?
            .dropFirst("Content-Language: ".count).description
        var bytes: [UInt8] = []
        let encoded = Array(
            parts.dropFirst().joined(separator: "\r\n\r\n").replacingOccurrences(of: "=\r\n", with: "").utf8)
        var i = 0
        while i < encoded.count {
            if encoded[i] == UInt8(ascii: "="), i + 2 < encoded.count,
                let byte = UInt8(String(decoding: encoded[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                i += 3
            } else {
                bytes.append(encoded[i])
                i += 1
            }
        }
        body = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            .trimmingCharacters(in: .newlines)
    }
}
