import AssentCore
import AssentStore
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// Reader tokens made here the way a publisher makes them, independently of the server's code.
enum ReaderTokens {
    static let newsSecret = Array("news-group shared secret, 32 b!!".utf8)
    static let soloSecret = Array("another secret of the same issuer".utf8)
    static var weatherKey: Curve25519.Signing.PrivateKey {
        try! Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 3, count: 32))
    }

    static func later(_ seconds: Int64 = 3600) -> Int64 { Int64(Date().timeIntervalSince1970) + seconds }

    static func payload(iss: String, sub: String, exp: Int64) -> String {
        #"{"iss":"\#(iss)","sub":"\#(sub)","exp":\#(exp)}"#
    }

    static func sign(_ payload: String, with sign: ([UInt8]) -> [UInt8]) -> String {
        let first = Base64URL.encode(Array(payload.utf8))
        return first + "." + Base64URL.encode(sign(Array(first.utf8)))
    }

    static func hmac(
        sub: String = "reader-42", iss: String = "news-group", exp: Int64 = later(), secret: [UInt8] = newsSecret
    ) -> String {
        sign(payload(iss: iss, sub: sub, exp: exp)) {
            Array(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: secret)))
        }
    }

    static func ed25519(sub: String = "reader-42", iss: String = "weather-co", exp: Int64 = later()) -> String {
        sign(payload(iss: iss, sub: sub, exp: exp)) { Array(try! weatherKey.signature(for: $0)) }
    }

    /// `news` and `sports` share issuer and key (a group); `solo` has the issuer but another key; `weather` takes
    /// Ed25519 tokens of another issuer. All are the standard property, open to the test origin.
    static func properties() -> [Property] {
        func make(_ id: String, _ identity: IdentitySettings) -> Property {
            var property = Property.standard(id: id, name: id.capitalized, origins: [TestServer.allowedOrigin])
            property.identity = identity
            return property
        }
        let group = IdentitySettings(issuer: "news-group", key: .hmacSHA256(secret: newsSecret))
        return [
            make("news", group), make("sports", group),
            make("solo", IdentitySettings(issuer: "news-group", key: .hmacSHA256(secret: soloSecret))),
            make(
                "weather",
                IdentitySettings(
                    issuer: "weather-co", key: .ed25519(publicKey: Array(weatherKey.publicKey.rawRepresentation)))),
        ]
    }

    static func withServer<T: Sendable>(
        _ configuration: ServerConfiguration = TestServer.configuration(),
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await TestServer.withRouter(
            configuration,
            prepare: { configuration in
                for property in properties() { _ = try await TestServer.importProperty(property, into: configuration) }
            }, body)
    }
}

extension HTTPField.Name {
    static let assentIdentity = HTTPField.Name("Assent-Identity")!
}

@Suite("Signed-in reader routes")
struct IdentityRouteTests {
    static func consent(
        _ client: some TestClientProtocol, _ property: String, _ body: String, token: String?,
        region: String = "US-CA", gpc: Bool = false
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.regionHeader: region]
        if let token { headers[.assentIdentity] = token }
        if gpc { headers[.secGPCHeader] = "1" }
        return try await client.post("/v1/properties/\(property)/consents", json: body, headers)
    }

    static func config(
        _ client: some TestClientProtocol, _ property: String, token: String?, region: String = "US-CA",
        gpc: Bool = false
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.regionHeader: region]
        if let token { headers[.assentIdentity] = token }
        if gpc { headers[.secGPCHeader] = "1" }
        return try await client.get("/v1/properties/\(property)/config", headers)
    }

    @Test func validTokensRecordUnderTheReadersSubjectNeverTheirID() async throws {
        let configuration = TestServer.configuration()
        try await ReaderTokens.withServer(configuration) { client in
            let browser = UUID().uuidString.lowercased()
            let body = #"{"subject":"\#(browser)","action":"accept_all","policyVersion":1}"#
            let first = try await Self.consent(client, "news", body, token: ReaderTokens.hmac())
            #expect(first.status == .created, "\(first.text)")
            let subject = try #require(try first.json()["subject"]?.stringValue)
            #expect(IdentitySubject.isValid(subject), "\(subject)")
            #expect(subject != browser, "the token decides the subject, not the body")

            let again = try await Self.consent(
                client, "sports", #"{"action":"reject_all","policyVersion":1}"#, token: ReaderTokens.hmac())
            #expect(try again.json()["subject"]?.stringValue == subject, "the same reader on every property")
            let other = try await Self.consent(client, "news", body, token: ReaderTokens.hmac(sub: "reader-43"))
            #expect(try other.json()["subject"]?.stringValue != subject)

            let ed = try await Self.consent(
                client, "weather", #"{"action":"accept_all","policyVersion":1}"#, token: ReaderTokens.ed25519())
            #expect(ed.status == .created, "\(ed.text)")
            let edSubject = try #require(try ed.json()["subject"]?.stringValue)
            #expect(IdentitySubject.isValid(edSubject))
            #expect(edSubject != subject, "the same reader id of another issuer is another reader")

            // The publisher's id for the reader is stored nowhere (looked for in the SQLite file and its WAL; on
            // PostgreSQL there is no file to read, and the routes above are what is checked).
            if TestServer.storeKind == .sqlite {
                let database = try Data(contentsOf: URL(fileURLWithPath: configuration.databasePath))
                let wal = (try? Data(contentsOf: URL(fileURLWithPath: configuration.databasePath + "-wal"))) ?? Data()
                for bytes in [database, wal] { #expect(bytes.range(of: Data("reader-42".utf8)) == nil) }
            }
            // The subject's records read back like a browser's.
            let latest = try await client.get("/v1/properties/news/subjects/\(subject)")
            #expect(latest.status == .ok)
            #expect(try latest.json()["id"] == (try first.json()["id"]))
        }
    }

    struct BadToken: Sendable, CustomTestStringConvertible {
        let name: String
        let property: String
        let token: @Sendable () -> String
        let status: HTTPResponse.Status
        let code: String
        let mentions: String
        var testDescription: String { name }
    }

    static let badTokens: [BadToken] = [
        BadToken(
            name: "expired", property: "news", token: { ReaderTokens.hmac(exp: ReaderTokens.later(-60)) },
            status: .unauthorized, code: "identity_rejected", mentions: "expired at"),
        BadToken(
            name: "wrong signature", property: "news", token: { ReaderTokens.hmac(secret: ReaderTokens.soloSecret) },
            status: .unauthorized, code: "identity_rejected", mentions: "signature does not verify"),
        BadToken(
            name: "Ed25519 from another key", property: "weather",
            token: {
                ReaderTokens.sign(ReaderTokens.payload(iss: "weather-co", sub: "r", exp: ReaderTokens.later())) {
                    Array(try! Curve25519.Signing.PrivateKey().signature(for: $0))
                }
            }, status: .unauthorized, code: "identity_rejected", mentions: "signature"),
        BadToken(
            name: "wrong issuer", property: "news", token: { ReaderTokens.hmac(iss: "sports-desk") },
            status: .unauthorized, code: "identity_rejected", mentions: #"issued by "sports-desk""#),
        BadToken(
            name: "not a token", property: "news", token: { "reader-42" }, status: .badRequest,
            code: "invalid_identity", mentions: "two base64url parts"),
        BadToken(
            name: "payload without sub", property: "news",
            token: {
                ReaderTokens.sign(#"{"iss":"news-group","exp":\#(ReaderTokens.later())}"#) {
                    Array(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: ReaderTokens.newsSecret)))
                }
            }, status: .badRequest, code: "invalid_identity", mentions: "sub"),
        BadToken(
            name: "a property without identity settings", property: "demo", token: { ReaderTokens.hmac() },
            status: .badRequest, code: "identity_not_configured", mentions: "takes no identity tokens"),
    ]

    @Test(
        "a token that proves nothing here is a clear 4xx on both routes, and nothing is recorded", arguments: badTokens)
    func badTokensAreRefused(_ bad: BadToken) async throws {
        try await ReaderTokens.withServer { client in
            let browser = UUID().uuidString.lowercased()
            let posted = try await Self.consent(
                client, bad.property, #"{"subject":"\#(browser)","action":"accept_all","policyVersion":1}"#,
                token: bad.token())
            try expectError(posted, bad.status, code: bad.code, mentioning: bad.mentions)
            if bad.status == .unauthorized { #expect(posted.headers[.wwwAuthenticate] == "Assent-Identity") }
            let nothing = try await client.get("/v1/properties/\(bad.property)/subjects/\(browser)")
            #expect(nothing.status == .notFound, "nothing was recorded under the body's subject either")

            let config = try await Self.config(client, bad.property, token: bad.token())
            try expectError(config, bad.status, code: bad.code, mentioning: bad.mentions)
        }
    }

    @Test func aChoiceFollowsTheReaderToAnotherDeviceAndToTheGroupsProperties() async throws {
        try await ReaderTokens.withServer { client in
            let token = ReaderTokens.hmac()
            // No decision yet: the config says so.
            let before = try await Self.config(client, "news", token: token)
            #expect(before.status == .ok)
            #expect(try before.json()["decision"] == .null)

            let chosen = try await Self.consent(
                client, "news",
                #"{"action":"save","choices":{"functional":true,"performance":false,"targeting":true,"social":false,"sale":false},"policyVersion":1}"#,
                token: token, region: "FR")
            let recorded = try chosen.json()

            // A second device: no cookie, no subject, only the token.
            let device = try await Self.config(client, "news", token: token)
            #expect(device.status == .ok)
            #expect(device.headers[.cacheControl] == "no-store", "a reader's config is never cached")
            let etag = try #require(device.headers[.eTag])
            let base = try await Self.config(client, "news", token: nil)
            #expect(base.headers[.eTag] != etag, "the reader's answer is not the shared one")
            #expect(device.headers[.vary]?.contains("Assent-Identity") == true)
            let own = try #require(try device.json()["decision"])
            #expect(own["id"] == recorded["id"])
            #expect(own["subject"] == recorded["subject"])
            #expect(own["choices"] == recorded["choices"])
            #expect(own["carriedFrom"] == nil)
            #expect(own["signals"]?["gpp"] != nil, "with the signals the page hands to ad tech")

            // Another property of the group: the same choices, by key, proven by the record on news.
            let sports = try await Self.config(client, "sports", token: token, region: "US-CA")
            let carried = try #require(try sports.json()["decision"])
            #expect(carried["carriedFrom"]?.stringValue == "news")
            #expect(carried["id"] == recorded["id"])
            #expect(carried["property"]?.stringValue == "sports")
            #expect(carried["choices"] == recorded["choices"])
            #expect(carried["policyVersion"]?.intValue == 1)
            #expect(carried["region"]?.stringValue == "US-CA", "signals for where the reader is now")

            // The same issuer with another key is not the group; a config without a token carries no decision.
            let solo = try await Self.config(
                client, "solo", token: ReaderTokens.hmac(secret: ReaderTokens.soloSecret))
            #expect(try solo.json()["decision"] == .null)
            #expect(try await Self.config(client, "news", token: nil).json()["decision"] == nil)

            // A later choice on sports is what news shows now.
            let later = try await Self.consent(
                client, "sports", #"{"action":"reject_all","policyVersion":1}"#, token: token)
            let news = try #require(try await Self.config(client, "news", token: token).json()["decision"])
            #expect(news["carriedFrom"]?.stringValue == "sports")
            #expect(news["id"] == (try later.json()["id"]))
            #expect(news["choices"]?.boolChoices().filter { $0.value }.keys.sorted() == ["necessary"])
        }
    }

    @Test func aDecisionMadeUnderAnOlderPolicyIsNotCarried() async throws {
        let configuration = TestServer.configuration()
        try await ReaderTokens.withServer(configuration) { client in
            let token = ReaderTokens.hmac()
            _ = try await Self.consent(client, "news", #"{"action":"accept_all","policyVersion":1}"#, token: token)
            var news = ReaderTokens.properties()[0]
            news.texts["en"]?["bannerTitle"] = "New words"
            #expect(try await TestServer.importProperty(news, into: configuration) == 2)
            // The server re-reads a property at most every two seconds: wait for version 2 rather than sleep.
            try await waitUntil {
                try await Self.config(client, "news", token: nil).json()["policyVersion"]?.intValue == 2
            }
            #expect(try await Self.config(client, "news", token: token).json()["decision"] == .null)
            #expect(try await Self.config(client, "sports", token: token).json()["decision"] == .null)
        }
    }

    @Test func gpcFromAnyLinkedBrowserOptsTheReaderOutEverywhere() async throws {
        try await ReaderTokens.withServer { client in
            let token = ReaderTokens.hmac()
            let accepted = try await Self.consent(
                client, "news", #"{"action":"accept_all","policyVersion":1}"#, token: token)
            let subject = try #require(try accepted.json()["subject"]?.stringValue)

            // A second browser that sends GPC loads the config: the reader is opted out there and then.
            let gpcBrowser = try await Self.config(client, "news", token: token, gpc: true)
            let optedOut = try #require(try gpcBrowser.json()["decision"])
            #expect(optedOut["action"]?.stringValue == "gpc")
            #expect(optedOut["gpc"] == .bool(true))
            #expect(optedOut["choices"]?["sale"] == .bool(false) && optedOut["choices"]?["targeting"] == .bool(false))
            #expect(optedOut["choices"]?["functional"] == .bool(true), "only sale, sharing and advertising")
            #expect(
                Set(optedOut["gpcConflicts"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["targeting", "sale"],
                "the opt-ins the signal overrode are noted")

            // The first browser, without GPC, gets the opt-out too, and so does the group's other property.
            let first = try #require(try await Self.config(client, "news", token: token).json()["decision"])
            #expect(first["id"] == optedOut["id"])
            #expect(first["choices"]?["sale"] == .bool(false))
            let sports = try #require(try await Self.config(client, "sports", token: token).json()["decision"])
            #expect(sports["choices"]?["sale"] == .bool(false) && sports["choices"]?["targeting"] == .bool(false))

            // Once opted out, the signal records nothing more.
            _ = try await Self.config(client, "news", token: token, gpc: true)
            let history = try await client.get("/v1/properties/news/subjects/\(subject)/history").json()
            #expect(history["records"]?.arrayValue?.compactMap { $0["action"]?.stringValue } == ["accept_all", "gpc"])

            // A choice posted with GPC by a linked browser is the reader's as well.
            let other = ReaderTokens.hmac(sub: "reader-7")
            _ = try await Self.consent(client, "sports", #"{"action":"accept_all","policyVersion":1}"#, token: other)
            let posted = try await Self.consent(
                client, "sports", #"{"action":"accept_all","policyVersion":1}"#, token: other, gpc: true)
            #expect(try posted.json()["choices"]?["sale"] == .bool(false))
            let carried = try #require(try await Self.config(client, "news", token: other).json()["decision"])
            #expect(carried["choices"]?["sale"] == .bool(false) && carried["gpc"] == .bool(true))
        }
    }

    @Test func withoutATokenAReadersSubjectOnlyTakesNarrowerChoices() async throws {
        try await ReaderTokens.withServer { client in
            let accepted = try await Self.consent(
                client, "news", #"{"action":"accept_all","policyVersion":1}"#, token: ReaderTokens.hmac())
            let subject = try #require(try accepted.json()["subject"]?.stringValue)
            // A signed-out browser that still has the reader's subject opts out: that reaches the reader.
            let narrower = try await Self.consent(
                client, "news", #"{"subject":"\#(subject)","action":"reject_all","policyVersion":1}"#, token: nil)
            #expect(narrower.status == .created)
            #expect(try narrower.json()["subject"]?.stringValue == subject)
            // Allowing more without a token starts a browser subject of its own.
            let wider = try await Self.consent(
                client, "news", #"{"subject":"\#(subject)","action":"accept_all","policyVersion":1}"#, token: nil)
            let fresh = try #require(try wider.json()["subject"]?.stringValue)
            #expect(fresh != subject && isLowercaseUUID(fresh))
            let reader = try await client.get("/v1/properties/news/subjects/\(subject)").json()
            #expect(reader["id"] == (try narrower.json()["id"]), "the reader's latest is still the opt-out")
            // A reader's subject unknown on this property: a browser subject too.
            let unknown = try await Self.consent(
                client, "sports", #"{"subject":"\#(subject)","action":"reject_all","policyVersion":1}"#, token: nil)
            #expect(try unknown.json()["subject"]?.stringValue != subject)
        }
    }

    @Test func thePreflightAllowsTheTokenHeader() async throws {
        try await ReaderTokens.withServer { client in
            for path in ["config", "consents"] {
                let response = try await client.execute(
                    uri: "/v1/properties/news/\(path)", method: .options,
                    headers: [.origin: TestServer.allowedOrigin, .accessControlRequestHeaders: "assent-identity"])
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowHeaders]?.contains("Assent-Identity") == true)
            }
        }
    }

    @Test func theSecretIsInThePropertyExportAndNeverInTheConfig() async throws {
        let configuration = TestServer.configuration()
        try await ReaderTokens.withServer(configuration) { client in
            let secret = Data(ReaderTokens.newsSecret).base64EncodedString()
            let store = try TestServer.store(configuration)
            let stored = try #require(try await store.currentProperty(id: "news")).property
            #expect(stored.documentJSON().contains(secret), "export prints what import needs")
            for (region, gpc, token) in [("FR", false, nil), ("US-CA", true, ReaderTokens.hmac())] {
                let config = try await Self.config(client, "news", token: token, region: region, gpc: gpc)
                #expect(config.status == .ok)
                #expect(!config.text.contains(secret) && !config.text.contains("hmacSecret"))
                #expect(!config.text.contains("news-group"), "nor the issuer")
            }
        }
    }
}

/// Polls `condition` until it holds, for up to five seconds: for what the server picks up on its own schedule.
func waitUntil(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while try await !condition() {
        try #require(ContinuousClock.now < deadline, "the condition did not hold within five seconds")
        try await Task.sleep(for: .milliseconds(50))
    }
}
