import AssentCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PropertyBased
import Testing

@testable import AssentServer

/// What a client can put in a header, a cookie or a form: hostile by default.
enum HeaderGen {
    /// Any byte as a Latin-1 character: controls, DEL, NUL and the upper half included.
    static let anyText = Gen.latin1.string(of: 0...80)

    static func grammar(_ alphabet: String, length: ClosedRange<Int> = 0...40) -> Generator<
        String, some SendableSequenceType
    > {
        Gen<Character?>.element(of: Array(alphabet)).map { $0 ?? " " }.string(of: length)
    }

    /// Mostly the characters that mean something to the parser under test, sometimes anything.
    static func text(_ alphabet: String, length: ClosedRange<Int> = 0...40) -> Generator<
        String, some SendableSequenceType
    > {
        Gen.oneOf(grammar(alphabet, length: length), anyText)
    }

    /// Unicode beyond Latin-1 too (combining marks, surrogates' neighbours, emoji), for round trips.
    static var unicodeText: Generator<String, some SendableSequenceType> {
        Gen.oneOf(
            Gen<UnicodeScalar>.unicodeScalar(in: "\u{20}"..."\u{2FF}").map { Character($0) },
            Gen<UnicodeScalar>.unicodeScalar(in: "\u{E000}"..."\u{10FFFF}").map { Character($0) },
            Gen<Character>.ascii
        ).string(of: 0...20)
    }
}

@Suite struct RequestInputPropertyTests {
    // MARK: Forms

    /// Any body is a form or a 400, never a trap.
    @Test func anyFormBodyParsesOrIsRefused() async {
        await propertyCheck(count: 2000, input: HeaderGen.text("a=&+%0F9gz", length: 0...60)) { body in
            do {
                let form = try Form.parse(body)
                #expect(form.fields.count <= body.count + 1)
            } catch let error as AssentError {
                #expect(error.status == .badRequest)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    /// Fields encoded as a browser encodes them read back as they were.
    @Test func encodedFormsReadBack() async {
        let fields = zip(HeaderGen.unicodeText, HeaderGen.unicodeText).array(of: 0...6)
        await propertyCheck(count: 1000, input: fields) { pairs in
            var expected: [String: String] = [:]
            for (name, value) in pairs where expected[name] == nil { expected[name] = value }
            let unreserved = CharacterSet(
                charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")
            func encode(_ text: String) -> String {
                text.addingPercentEncoding(withAllowedCharacters: unreserved.union(.init(charactersIn: " ")))!
                    .replacingOccurrences(of: " ", with: "+")
            }
            let body = expected.map { encode($0.key) + "=" + encode($0.value) }.joined(separator: "&")
            // An empty pair ("&&", or a lone "=" for an empty name and value) is dropped by the split; the
            // names here are what a browser sends for real inputs.
            let readable = expected.filter { !$0.key.isEmpty || !$0.value.isEmpty }
            let form = try? Form.parse(body)
            #expect(form?.fields.filter { !$0.key.isEmpty || !$0.value.isEmpty } == readable)
        }
    }

    // MARK: Cookies

    /// Cookie headers of any shape: Hummingbird's split and the widget's decision cookie never trap, and the
    /// CSRF cookie is found only under its own name.
    @Test func anyCookieHeaderIsRead() async {
        await propertyCheck(count: 2000, input: HeaderGen.text("assent_demo=csrf;% {}\"s:,1-", length: 0...80)) {
            header in
            let cookies = Cookies(from: [header])
            for name in ["assent_demo", "assent_csrf", "", "assent"] {
                if let value = cookies[name]?.value {
                    _ = WidgetCookie(value)
                    #expect(header.contains(name + "="))
                }
            }
            _ = WidgetCookie(header)
        }
    }

    /// The decision cookie the server writes reads back as the subject and choices it was written from.
    @Test func decisionCookiesReadBack() async {
        let choices = zip(Gen.lowercaseLetter.string(of: 1...12), Gen.bool).array(of: 0...6)
        await propertyCheck(
            count: 500, input: choices, Gen<Int64>.value(in: 0...253_402_300_799), Gen.int(in: 1...1_000_000)
        ) { pairs, seconds, version in
            let subject = UUID().uuidString.lowercased()
            var unique: [String: Bool] = [:]
            for (key, allowed) in pairs { unique[key] = allowed }
            let recorded: JSONValue = .object([
                ("subject", .string(subject)),
                ("choices", .object(unique.keys.sorted().map { ($0, .bool(unique[$0]!)) })),
                ("policyVersion", .int(version)),
                ("recordedAt", .string(Timestamp.iso8601(milliseconds: seconds * 1000))),
                ("expiresAt", .string(Timestamp.iso8601(milliseconds: seconds * 1000 + 86_400_000))),
            ])
            guard
                let header = try? WidgetCookie.header(
                    propertyID: "demo", recorded: recorded, cookieDomain: nil, host: "localhost", now: 0)
            else {
                Issue.record("no cookie for \(recorded)")
                return
            }
            let pair = String(header.prefix { $0 != ";" })
            let value = Cookies(from: [pair])["assent_demo"]?.value
            let read = value.flatMap { WidgetCookie(String($0)) }
            #expect(read?.subject == subject)
            #expect(read?.choices == unique)
        }
    }

    // MARK: Other headers

    @Test func mediaTypesConditionalsAndEncodingsNeverTrap() async {
        await propertyCheck(count: 2000, input: HeaderGen.text("application/json; charset=W\"*, \t", length: 0...60)) {
            header in
            let type = mediaType(header)
            #expect(!type.contains(";") && !type.contains(" "))
            #expect(ifNoneMatch(header + ", \"abc\"", matches: "\"abc\""))
            _ = ifNoneMatch(header, matches: "W/\"abc\"")
            _ = acceptsGzip(header)
        }
    }

    /// The pages look their texts up with `!`: every key they use is there in every language they ship, so no
    /// language a request can choose makes a page trap.
    @Test(arguments: ["en", "es", "pt-BR", ""])
    func everyPageTextIsThereInEveryLanguage(_ lang: String) throws {
        let catalogue = try TextCatalogue()
        let t = catalogue.texts("privacy", lang)
        var used = ["requestsTitle", "error.chooseType", "dnsTitle", "notFound", "statusTitle", "or", "dnsDone"]
        used += ["dataPointNeeded", "dataPointOptional", "error.wrongCodeLocked", "error.emailRequired"]
        used += ["error.emailInvalid", "error.rateLimited", "error.locked", "error.noCodeNeeded", "error.noCode"]
        used += ["error.codeExpired", "error.codeExhausted", "error.unknownRequest", "error.changed"]
        used += ["error.invalid", "error.wrongCodeAskNew", "error.other"]
        for key in used { #expect(t[key] != nil, "\(lang): \(key)") }
        let names = catalogue.texts("requests", lang)
        for key in RequestType.allCases.map({ "type." + $0.rawValue })
            + RequestStatus.allCases.map({
                "status." + $0.rawValue
            })
        {
            #expect(names[key] != nil, "\(lang): \(key)")
        }
    }

    // MARK: Whole routes

    /// Hostile values of every header the server reads, on the routes that read them, through the real
    /// application: never a 5xx, and every error answer is the JSON error object or an HTML page.
    @Test func hostileHeadersNeverGetA5xx() async throws {
        var configuration = TestServer.configuration()
        configuration.clientHeader = "X-Forwarded-For"
        let headerValue = Gen.oneOf(
            HeaderGen.text(";-,=q0.5*en-US_ es\"W/assent_demo%{}\u{0}\u{7F}\u{FF}", length: 0...50),
            Gen<String?>.element(of: [";", "-", ",;", ",", "*", "", " ", "1", "0", "US-CA", "::1", "a, b, ,"])
                .map { $0 ?? "" })
        let headerName = Gen<String?>.element(of: [
            "Accept-Language", "Cookie", "Content-Type", "X-Assent-Region", "X-Forwarded-For", "Sec-GPC",
            "If-None-Match", "Assent-Identity", "Origin", "Accept-Encoding", "Authorization", "Content-Length",
        ]).map { $0 ?? "Cookie" }
        let route = Gen<Int?>.element(of: Array(Self.routes.indices)).map { $0 ?? 0 }
        let cases = zip(route, zip(headerName, headerValue).array(of: 1...4))
        try await TestServer.withRouter(configuration) { client in
            await propertyCheck(count: 400, input: cases) { index, headers in
                let (method, path, body) = Self.routes[index]
                var fields = HTTPFields()
                for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
                // A Content-Length that disagrees with the body is the transport's business, not the router's.
                fields[.contentLength] = nil
                if fields[.contentType] == nil, body != nil { fields[.contentType] = "application/json" }
                do {
                    let answer = try await client.execute(
                        uri: path, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
                    #expect(answer.status.code < 500, "\(method) \(path) with \(headers): \(answer.status)")
                } catch {
                    Issue.record("\(method) \(path) with \(headers): \(error)")
                }
            }
        }
    }

    /// The page's language follows the browser's weights; the headers that once stopped the server get the
    /// default language.
    @Test func pagesFollowAcceptLanguage() async throws {
        try await TestServer.withRouter { client in
            let cases: [(String, String)] = [
                ("fr;q=1, es;q=0.8, en;q=0.5", "es"), ("es-MX", "es"), ("es;q=0, *", "en"), (";", "en"), ("-", "en"),
                (",;", "en"), ("", "en"),
            ]
            for (header, lang) in cases {
                let answer = try await client.execute(
                    uri: "/privacy/demo/requests", method: .get,
                    headers: [HTTPField.Name("Accept-Language")!: header])
                #expect(answer.status == .ok, "\(header)")
                #expect(String(buffer: answer.body).contains("<html lang=\"\(lang)\""), "\(header)")
            }
        }
    }

    /// The client-address and region headers where both are read (filing a request): any value, one or many
    /// fields, gets an answer below 500.
    @Test func clientAndRegionHeadersNeverGetA5xx() async throws {
        var configuration = TestServer.configuration()
        configuration.clientHeader = "X-Forwarded-For"
        let address = Gen.oneOf(
            HeaderGen.text("0123456789.:, abcdef[]", length: 0...40),
            Gen<String?>.element(of: ["", ",", " , ", "1.2.3.4,", ",1.2.3.4", "::1", "unknown"]).map { $0 ?? "" })
        let region = HeaderGen.text("USCAFRus-ca0123 ", length: 0...8)
        try await TestServer.withRouter(configuration) { client in
            await propertyCheck(count: 200, input: address.array(of: 0...3), region.array(of: 0...2)) {
                addresses, regions in
                var fields: HTTPFields = [.contentType: "application/json"]
                for value in addresses {
                    fields.append(HTTPField(name: HTTPField.Name("X-Forwarded-For")!, value: value))
                }
                for value in regions {
                    fields.append(HTTPField(name: HTTPField.Name("X-Assent-Region")!, value: value))
                }
                let answer = try await client.execute(
                    uri: "/v1/properties/demo/requests", method: .post, headers: fields,
                    body: ByteBuffer(string: #"{"type":"opt_out_lists","email":"xff@example.com"}"#))
                #expect(answer.status == .accepted || (400..<500).contains(answer.status.code), "\(answer.status)")
            }
        }
    }

    static let routes: [(HTTPRequest.Method, String, String?)] = [
        (.get, "/privacy/demo/requests", nil),
        (.get, "/privacy/demo/do-not-sell", nil),
        (.post, "/privacy/demo/do-not-sell", "csrf=x&email=a%40example.com"),
        (.post, "/privacy/demo/requests", "csrf=x&type=access"),
        (.get, "/privacy/demo/status/nothing", nil),
        (.get, "/v1/properties/demo/config", nil),
        (.get, "/v1/properties/demo/config?lang=%3B&region=%3B", nil),
        (.post, "/v1/properties/demo/consents", #"{"action":"accept_all","policyVersion":1}"#),
        (.options, "/v1/properties/demo/consents", nil),
        (.post, "/v1/properties/demo/requests", #"{"type":"opt_out_sale_sharing","email":"a@example.com"}"#),
        (.post, "/v1/requests/status/nothing/verify", #"{"code":"123456"}"#),
        (.get, "/v1/admin/properties/demo/requests?limit=-1", nil),
        (.post, "/v1/signals/decode", #"{"string":"1YNN"}"#),
        (.get, "/assent.js", nil),
        (.get, "/demo/?region=%3B", nil),
    ]
}
