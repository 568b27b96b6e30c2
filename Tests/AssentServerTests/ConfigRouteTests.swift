import AssentCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AssentServer

@Suite("GET /v1/properties/{property}/config")
struct ConfigRouteTests {
    static let config = "/v1/properties/demo/config"

    struct RegionCase: Sendable, CustomTestStringConvertible {
        let region: String
        let regime: String
        var testDescription: String { "\(region) → \(regime)" }
    }

    @Test(
        "the trusted region header picks the regime and the defaults follow it",
        arguments: [
            RegionCase(region: "FR", regime: "opt-in"), RegionCase(region: "DE", regime: "opt-in"),
            RegionCase(region: "GB", regime: "opt-in"), RegionCase(region: "CH", regime: "opt-in"),
            RegionCase(region: "US-CA", regime: "opt-out"), RegionCase(region: "US-VA", regime: "opt-out"),
            RegionCase(region: "BR", regime: "notice"), RegionCase(region: "JP", regime: "notice"),
            RegionCase(region: "US-NY", regime: "notice"),
        ])
    func regimeByRegion(_ c: RegionCase) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get(Self.config, [.regionHeader: c.region])
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["regime"]?.stringValue == c.regime)
            #expect(body["region"]?.stringValue == c.region)
            #expect(body["showDoNotSell"]?.boolValue == (c.regime == "opt-out"))
            #expect(body["showRejectAll"]?.boolValue == true)
            let categories = try #require(body["categories"]?.arrayValue)
            #expect(categories.count == 6)
            for category in categories {
                let required = try #require(category["required"]?.boolValue as Bool?)
                let expected = required || c.regime != "opt-in"
                #expect(
                    category["default"]?.boolValue == expected,
                    "\(category["key"]?.stringValue ?? "?") default in \(c.region)")
            }
        }
    }

    @Test("France is opt-in: every non-required category starts off, Reject All on the first layer")
    func franceOptIn() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.get(Self.config, [.regionHeader: "FR"]).json()
            #expect(body["regime"]?.stringValue == "opt-in")
            #expect(body["showDoNotSell"]?.boolValue == false)
            let defaults = Dictionary(
                uniqueKeysWithValues: try #require(body["categories"]?.arrayValue).map {
                    ($0["key"]!.stringValue!, $0["default"]!.boolValue!)
                })
            #expect(
                defaults == [
                    "necessary": true, "functional": false, "performance": false, "targeting": false, "social": false,
                    "sale": false,
                ])
        }
    }

    @Test("California is opt-out with Do Not Sell; Brazil gets a notice")
    func californiaAndBrazil() async throws {
        try await TestServer.withRouter { client in
            let ca = try await client.get(Self.config, [.regionHeader: "US-CA"]).json()
            #expect(ca["regime"]?.stringValue == "opt-out")
            #expect(ca["showDoNotSell"]?.boolValue == true)
            #expect(ca["texts"]?["doNotSell"]?.stringValue == "Do Not Sell or Share My Personal Information")
            let br = try await client.get(Self.config, [.regionHeader: "BR"]).json()
            #expect(br["regime"]?.stringValue == "notice")
            #expect(br["showDoNotSell"]?.boolValue == false)
        }
    }

    @Test(
        "without a usable region header the configured default region applies",
        arguments: [nil, "", "France", "1X", "US-"])
    func defaultRegion(_ header: String?) async throws {
        try await TestServer.withRouter { client in
            var headers: HTTPFields = [:]
            if let header { headers[.regionHeader] = header }
            let body = try await client.get(Self.config, headers).json()
            #expect(body["region"]?.stringValue == "US-CA")
            #expect(body["regime"]?.stringValue == "opt-out")
        }
    }

    @Test("a lowercase region header is accepted")
    func lowercaseHeader() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.get(Self.config, [.regionHeader: "fr"]).json()
            #expect(body["region"]?.stringValue == "FR")
        }
    }

    @Test("?region= switches the demo property, and wins over the header")
    func demoRegionQuery() async throws {
        try await TestServer.withRouter { client in
            let fr = try await client.get("\(Self.config)?region=FR").json()
            #expect(fr["region"]?.stringValue == "FR")
            #expect(fr["regime"]?.stringValue == "opt-in")
            let br = try await client.get("\(Self.config)?region=BR", [.regionHeader: "FR"]).json()
            #expect(br["regime"]?.stringValue == "notice")
            let bad = try await client.get("\(Self.config)?region=not-a-region")
            try expectError(bad, .badRequest, code: "invalid_region", mentioning: "not-a-region")
        }
    }

    /// Unicode case mapping would turn "ﬁ" (U+FB01) into "FI" and "ß" into "SS".
    @Test("a non-ASCII region is not folded into a country code", arguments: ["%EF%AC%81", "%C3%9F", "f%C4%B1"])
    func nonASCIIRegion(_ encoded: String) async throws {
        try await TestServer.withRouter { client in
            let query = try await client.get("\(Self.config)?region=\(encoded)")
            try expectError(query, .badRequest, code: "invalid_region")
            let header = try await client.get(Self.config, [.regionHeader: "\u{FB01}"]).json()
            #expect(header["region"]?.stringValue == "US-CA")
        }
    }

    @Test("another property ignores ?region= (even an invalid one) but trusts the region header")
    func otherPropertyIgnoresRegionQuery() async throws {
        try await TestServer.withRouter(prepare: { configuration in
            let version = try await TestServer.importProperty(
                Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"]), into: configuration)
            #expect(version == 1)
        }) { client in
            let ignored = try await client.get("/v1/properties/shop/config?region=FR").json()
            #expect(ignored["property"]?.stringValue == "shop")
            #expect(ignored["region"]?.stringValue == "US-CA")
            #expect(ignored["regime"]?.stringValue == "opt-out")
            let invalid = try await client.get("/v1/properties/shop/config?region=not-a-region")
            #expect(invalid.status == .ok)
            let header = try await client.get("/v1/properties/shop/config?region=BR", [.regionHeader: "FR"]).json()
            #expect(header["region"]?.stringValue == "FR")
            #expect(header["regime"]?.stringValue == "opt-in")
        }
    }

    @Test(
        "lang picks the best declared language",
        arguments: [("es", "es"), ("es-MX", "es"), ("ES", "es"), ("fr", "en"), ("", "en")])
    func language(_ requested: String, _ expected: String) async throws {
        try await TestServer.withRouter { client in
            let body = try await client.get("\(Self.config)?lang=\(requested)").json()
            #expect(body["lang"]?.stringValue == expected)
            let title = body["texts"]?["acceptAll"]?.stringValue
            #expect(title == (expected == "es" ? "Aceptar todo" : "Accept All"))
            #expect(
                body["categories"]?.arrayValue?.first?["title"]?.stringValue
                    == (expected == "es" ? "Estrictamente necesarias" : "Strictly Necessary"))
        }
    }

    @Test("the document has every member the widget reads")
    func shape() async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get(Self.config)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let body = try response.json()
            #expect(
                body.keys == [
                    "property", "name", "regime", "region", "gpc", "policyVersion", "lang", "textsHash", "cookieDomain",
                    "expiry", "showRejectAll", "showDoNotSell", "categories", "texts", "links", "signals",
                ])
            #expect(body["property"]?.stringValue == "demo")
            #expect(body["policyVersion"]?.intValue == 1)
            #expect(body["textsHash"]?.stringValue?.count == 64)
            #expect(body["texts"]?.keys == TextKey.allCases.map(\.rawValue))
            #expect(body["links"]?["privacyPolicy"]?.stringValue == "/demo/privacy.html")
            let targeting = try #require(
                body["categories"]?.arrayValue?.first { $0["key"]?.stringValue == "targeting" })
            #expect(targeting["gpc"]?.boolValue == true)
            #expect(targeting["cookies"]?.arrayValue?.first?["name"]?.stringValue == "demo_ads")
        }
    }

    @Test("Sec-GPC: 1 is reflected in the config and gets its own ETag")
    func gpc() async throws {
        try await TestServer.withRouter { client in
            let plain = try await client.get(Self.config)
            let gpc = try await client.get(Self.config, [.secGPCHeader: "1"])
            #expect(try plain.json()["gpc"]?.boolValue == false)
            #expect(try gpc.json()["gpc"]?.boolValue == true)
            #expect(plain.headers[.eTag] != gpc.headers[.eTag])
        }
    }

    @Test("ETag, revalidation with If-None-Match, and the cache headers")
    func etag() async throws {
        try await TestServer.withRouter { client in
            let first = try await client.get(Self.config, [.regionHeader: "FR"])
            #expect(first.status == .ok)
            let etag = try #require(first.headers[.eTag])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
            #expect(first.headers[.cacheControl] == "no-cache")
            let vary = first.headers[.vary] ?? ""
            for name in ["Origin", "Sec-GPC", "X-Assent-Region"] { #expect(vary.contains(name)) }

            let again = try await client.get(Self.config, [.regionHeader: "FR"])
            #expect(again.headers[.eTag] == etag)
            #expect(again.bytes == first.bytes)

            let notModified = try await client.get(Self.config, [.regionHeader: "FR", .ifNoneMatch: etag])
            #expect(notModified.status == .notModified)
            #expect(notModified.headers[.eTag] == etag)
            #expect(notModified.body.readableBytes == 0)

            let stale = try await client.get(Self.config, [.regionHeader: "FR", .ifNoneMatch: "\"stale\""])
            #expect(stale.status == .ok)

            // Another region or language is another document.
            let other = try await client.get(Self.config, [.regionHeader: "US-CA", .ifNoneMatch: etag])
            #expect(other.status == .ok)
            #expect(other.headers[.eTag] != etag)
            let spanish = try await client.get("\(Self.config)?lang=es", [.regionHeader: "FR", .ifNoneMatch: etag])
            #expect(spanish.status == .ok)
        }
    }

    @Test(
        "unknown or malformed property ids are a 404 naming the property",
        arguments: ["nope", "Demo", "-x", String(repeating: "a", count: 64)])
    func unknownProperty(_ id: String) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.get("/v1/properties/\(id)/config")
            try expectError(response, .notFound, code: "unknown_property", mentioning: "\"\(id)\"")
        }
    }

    @Test("CORS: an allowed origin is echoed, a foreign one refused, none gets no CORS header")
    func origins() async throws {
        try await TestServer.withRouter { client in
            let allowed = try await client.get(Self.config, [.origin: TestServer.allowedOrigin])
            #expect(allowed.status == .ok)
            #expect(allowed.headers[.accessControlAllowOrigin] == TestServer.allowedOrigin)

            let local = try await client.get(Self.config, [.origin: "http://127.0.0.1:8080"])
            #expect(local.headers[.accessControlAllowOrigin] == "http://127.0.0.1:8080")

            let foreign = try await client.get(Self.config, [.origin: "https://evil.example"])
            try expectError(foreign, .forbidden, code: "origin_not_allowed", mentioning: "https://evil.example")
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)

            let none = try await client.get(Self.config)
            #expect(none.status == .ok)
            #expect(none.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
