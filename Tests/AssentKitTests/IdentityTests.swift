import AssentCore
import AssentKit
import AssentSQLite
import AssentServer
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// A signed-in reader's decision is one decision between the site and the app.
@Suite("AssentKit signed-in readers")
struct IdentityTests {
    static let secret = [UInt8](repeating: 0x42, count: 32)

    static func token(expiresIn seconds: Int64 = 3600) -> String {
        IdentityToken.sign(
            IdentityToken(
                issuer: "news-group", subject: "reader-1234",
                expiresAt: Int64(Date().timeIntervalSince1970) + seconds),
            hmacSecret: secret)
    }

    @Test("a choice made on the site is the app's, and the app's reaches the site; a refused token is dropped")
    func decisionFollowsTheReader() async throws {
        try await KitServer.run { server in
            let store = try SQLiteStore(path: server.configuration.databasePath)
            var property = try #require(try await store.currentProperty(id: "demo")).property
            property.identity = IdentitySettings(issuer: "news-group", key: .hmacSHA256(secret: Self.secret))
            _ = try await store.saveProperty(property, at: Int64(Date().timeIntervalSince1970 * 1000))

            let token = Self.token()
            let headers: HTTPFields = [
                HTTPField.Name("X-Assent-Region")!: "FR", HTTPField.Name("Assent-Identity")!: token,
                .contentType: "application/json",
            ]
            // The server takes the import up within seconds: until then it refuses the token.
            let started = ContinuousClock.now
            var config = try await server.client.execute(
                uri: "/v1/properties/demo/config", method: .get, headers: headers)
            while config.status != .ok, started.duration(to: .now) < .seconds(10) {
                try await Task.sleep(for: .milliseconds(100))
                config = try await server.client.execute(
                    uri: "/v1/properties/demo/config", method: .get, headers: headers)
            }
            #expect(config.status == .ok)
            let policyVersion = try #require(
                try JSONParser.parse(Array(config.body.readableBytesView))["policyVersion"]?.intValue)

            // The site (the widget's request) records a refusal for the reader.
            let site = try await server.client.execute(
                uri: "/v1/properties/demo/consents", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"action":"reject_all","policyVersion":\#(policyVersion),"lang":"en"}"#))
            #expect(site.status == .created)
            let siteDecision = try JSONParser.parse(Array(site.body.readableBytesView))
            let subject = try #require(siteDecision["subject"]?.stringValue)
            #expect(subject.hasPrefix("u-"))

            // The app, with the same token, starts with that decision and does not ask.
            let app = AssentClient(
                server: server.url, property: "demo", store: MemoryStateStore(),
                configuration: .init(
                    language: "en", identityToken: token, extraHeaders: ["X-Assent-Region": "FR"],
                    iabDefaults: .fresh(), timeout: KitServer.timeout))
            #expect(await app.start())
            #expect(await app.decision?.subject == subject)
            #expect(await app.decision?.id == siteDecision["id"]?.stringValue)
            #expect(await app.askReason == nil)
            #expect(await app.allowedCategories["targeting"] == false)

            // The app's choice is recorded for the reader; the site's config carries it.
            let fromApp = try await app.acceptAll()
            #expect(fromApp.subject == subject)
            let later = try await server.client.execute(
                uri: "/v1/properties/demo/config", method: .get, headers: headers)
            let carried = try JSONParser.parse(Array(later.body.readableBytesView))["decision"]
            #expect(carried?["id"]?.stringValue == fromApp.id)
            #expect(carried?["choices"]?["targeting"]?.boolValue == true)

            // An expired token is refused by the server; the app drops it and works without it.
            let expired = AssentClient(
                server: server.url, property: "demo", store: MemoryStateStore(),
                configuration: .init(
                    language: "en", identityToken: Self.token(expiresIn: -60),
                    extraHeaders: ["X-Assent-Region": "FR"], iabDefaults: .fresh(), timeout: KitServer.timeout))
            #expect(await expired.start())
            #expect(await expired.config != nil)
            #expect(await expired.askReason == .noDecision)
            let anonymous = try await expired.rejectAll()
            #expect(!anonymous.subject.hasPrefix("u-"))
        }
    }
}
