import AssentCore
import Foundation
import Testing

private let standardProperty = Property.standard(id: "demo", name: "Demo Shop", origins: ["https://example.com"])

/// A change to the standard property's JSON document and the problems it must produce.
struct DocumentCase: Sendable, CustomTestStringConvertible {
    var name: String
    var edits: [(String, JSONValue?)]
    /// (path, a fragment of the message) that must each be reported.
    var problems: [(String, String)]
    /// Whether these must be the only problems.
    var exhaustive = true

    var testDescription: String { name }

    init(_ name: String, _ edits: [(String, JSONValue?)], _ problems: [(String, String)], exhaustive: Bool = true) {
        self.name = name
        self.edits = edits
        self.problems = problems
        self.exhaustive = exhaustive
    }
}

private let optOutCount = RegimeRules.optOutStates.count
private let optInCount = RegimeRules.optInCountries.count

private let documentCases: [DocumentCase] = [
    DocumentCase("unknown top-level field", [("colour", .string("red"))], [("$.colour", "unknown field")]),
    DocumentCase(
        "unknown field in a category", [("categories[1].colour", .string("red"))],
        [("$.categories[1].colour", "unknown field")]),
    DocumentCase(
        "unknown field in a rule", [("regimes.rules[0].note", .string("x"))],
        [("$.regimes.rules[0].note", "unknown field")]),
    DocumentCase(
        "unknown field in regimes", [("regimes.fallback", .string("x"))], [("$.regimes.fallback", "unknown field")]),
    DocumentCase(
        "unknown field in a cookie", [("categories[0].cookies[0].size", .int(1))],
        [("$.categories[0].cookies[0].size", "unknown field")]),
    DocumentCase(
        "unknown field in defaults", [("categories[1].defaults.optIn", .bool(false))],
        [("$.categories[1].defaults.optIn", "unknown field")]),
    DocumentCase(
        "unknown text key", [("texts.en.bannerTitel", .string("Hi"))], [("$.texts.en.bannerTitel", "unknown field")]),
    DocumentCase("unknown link", [("links.terms", .string("/terms"))], [("$.links.terms", "unknown field")]),
    DocumentCase("unknown field in expiry", [("expiry.days", .int(3))], [("$.expiry.days", "unknown field")]),
    DocumentCase(
        "duplicate category key", [("categories[2].key", .string("functional"))],
        [("$.categories[2].key", #"duplicate category key "functional""#)]),
    DocumentCase(
        "no necessary category", [("categories[0]", nil)], [("$.categories", #"needs a "necessary" category"#)]),
    DocumentCase(
        "necessary renamed", [("categories[0].key", .string("essential"))],
        [("$.categories", #"needs a "necessary" category"#)]),
    DocumentCase(
        "necessary not required", [("categories[0].required", .bool(false))],
        [
            ("$.categories[0].required", "must be required"),
            ("$.categories[0].defaults.opt-in", "cannot be allowed before consent"),
        ]),
    DocumentCase(
        "necessary not required, no opt-in default",
        [("categories[0].required", .bool(false)), ("categories[0].defaults.opt-in", .bool(false))],
        [("$.categories[0].required", "the necessary category must be required")]),
    DocumentCase(
        "opt-in rule without Reject All", [("regimes.rules[0].rejectAll", .bool(false))],
        [("$.regimes.rules[0].rejectAll", "reject path")]),
    DocumentCase(
        "opt-in default without Reject All",
        [("regimes.default", .string("opt-in")), ("regimes.defaultRejectAll", .bool(false))],
        [("$.regimes.defaultRejectAll", "reject path")]),
    DocumentCase(
        "unknown regime", [("regimes.rules[1].regime", .string("opt_out"))],
        [("$.regimes.rules[1].regime", #"unknown regime "opt_out""#)]),
    DocumentCase(
        "unknown default regime", [("regimes.default", .string("gdpr"))], [("$.regimes.default", "unknown regime")]),
    DocumentCase("widget text missing", [("texts.es.acceptAll", nil)], [("$.texts.es.acceptAll", "missing")]),
    DocumentCase(
        "all texts of a language missing", [("texts.es", nil)],
        [("$.texts.es", #"texts missing for declared language "es""#)]),
    DocumentCase(
        "category title missing", [("categories[1].title.es", nil)],
        [("$.categories[1].title.es", #"text missing in declared language "es""#)]),
    DocumentCase(
        "category description missing", [("categories[4].description.en", nil)],
        [("$.categories[4].description.en", "text missing")]),
    DocumentCase(
        "cookie description missing", [("categories[0].cookies[0].description.es", nil)],
        [("$.categories[0].cookies[0].description.es", "text missing")]),
    DocumentCase("empty text", [("texts.en.close", .string("  "))], [("$.texts.en.close", "must not be empty")]),
    DocumentCase("text of the wrong type", [("texts.en.close", .int(1))], [("$.texts.en.close", "expected a string")]),
    DocumentCase(
        "texts for an undeclared language", [("texts.fr", .object([("close", .string("Fermer"))]))],
        [("$.texts.fr", #"language "fr" is not declared"#)]),
    DocumentCase(
        "title in an undeclared language", [("categories[1].title.fr", .string("Fonctionnels"))],
        [("$.categories[1].title.fr", "is not declared")]),
    DocumentCase(
        "bad region code", [("regimes.rules[0].regions[0]", .string("France"))],
        [("$.regimes.rules[0].regions[0]", #""France" is not a region code"#)]),
    DocumentCase(
        "lowercase region code", [("regimes.rules[1].regions[0]", .string("us-ca"))],
        [("$.regimes.rules[1].regions[0]", "is not a region code")]),
    DocumentCase(
        "region in two rules", [("regimes.rules[1].regions[\(optOutCount)]", .string("FR"))],
        [("$.regimes.rules[1].regions[\(optOutCount)]", "region FR is already in $.regimes.rules[0]")]),
    DocumentCase(
        "region twice in one rule", [("regimes.rules[0].regions[\(optInCount)]", .string("DE"))],
        [("$.regimes.rules[0].regions[\(optInCount)]", "already in $.regimes.rules[0]")]),
    DocumentCase(
        "bad purpose", [("categories[1].purposes[0]", .string("marketing"))],
        [("$.categories[1].purposes[0]", #"unknown purpose "marketing""#)]),
    DocumentCase(
        "required advertising", [("categories[3].required", .bool(true))],
        [("$.categories[3].required", "cannot be required")]),
    DocumentCase(
        "optional category allowed before consent", [("categories[2].defaults.opt-in", .bool(true))],
        [("$.categories[2].defaults.opt-in", "before consent")]),
    DocumentCase(
        "bad category key", [("categories[2].key", .string("Perf Stats"))], [("$.categories[2].key", "lowercase")]),
    DocumentCase("bad property id", [("id", .string("Demo Shop"))], [("$.id", "lowercase")]),
    DocumentCase("missing name", [("name", nil)], [("$.name", "missing")]),
    DocumentCase("missing categories", [("categories", nil)], [("$.categories", "missing")], exhaustive: false),
    DocumentCase(
        "policy version as a string", [("policyVersion", .string("2"))], [("$.policyVersion", "expected an integer")]),
    DocumentCase("policy version zero", [("policyVersion", .int(0))], [("$.policyVersion", "between 1 and")]),
    DocumentCase(
        "consent kept too long", [("expiry.consentDays", .int(400))], [("$.expiry.consentDays", "between 1 and 395")]),
    DocumentCase(
        "bad link", [("links.privacyPolicy", .string("javascript:alert(1)"))],
        [("$.links.privacyPolicy", "http(s) URL")]),
    DocumentCase(
        "bad cookie domain", [("cookieDomain", .string("exa mple.com"))], [("$.cookieDomain", "not a domain name")]),
    DocumentCase(
        "bad cookie party", [("categories[0].cookies[0].party", .string("fourth"))],
        [("$.categories[0].cookies[0].party", "first or third")]),
    DocumentCase(
        "duplicate cookie", [("categories[0].cookies[1]", standardProperty.jsonValue.at("categories[0].cookies[0]"))],
        [("$.categories[0].cookies[1].name", "duplicate cookie")]),
    DocumentCase(
        "duplicate language", [("languages[2]", .string("en"))], [("$.languages[2]", #"duplicate language "en""#)]),
    DocumentCase(
        "bad language code", [("languages[1]", .string("ES"))],
        [("$.languages[1]", "not a language code"), ("$.texts.es", "not declared")], exhaustive: false),
    DocumentCase(
        "duplicate origin", [("origins[1]", .string("https://example.com"))], [("$.origins[1]", "duplicate origin")]),
    DocumentCase(
        "categories not an array", [("categories", .object([]))], [("$.categories", "expected an array")],
        exhaustive: false),
    DocumentCase(
        "several problems at once",
        [
            ("origins[0]", .string("example.com")), ("categories[1].purposes[0]", .string("marketing")),
            ("texts.es.close", nil), ("regimes.rules[0].rejectAll", .bool(false)), ("colour", .string("red")),
            ("categories[5].title.es", nil),
        ],
        [
            ("$.origins[0]", "not an origin"), ("$.categories[1].purposes[0]", "unknown purpose"),
            ("$.texts.es.close", "missing"), ("$.regimes.rules[0].rejectAll", "reject path"),
            ("$.colour", "unknown field"),
            ("$.categories[5].title.es", "text missing"),
        ]),
]

@Suite struct PropertyValidationTests {
    @Test(arguments: documentCases)
    func invalidDocument(_ c: DocumentCase) throws {
        var json = standardProperty.jsonValue
        for (path, value) in c.edits { json = json.setting(path, to: value) }
        let error = try #require(throws: PropertyValidationError.self) { try Property.decode(json) }
        for (path, fragment) in c.problems {
            #expect(
                error.problems.contains { $0.path == path && $0.message.contains(fragment) },
                "expected \(path): …\(fragment)…; got:\n\(error)")
        }
        if c.exhaustive {
            let expectedPaths = Set(c.problems.map(\.0))
            #expect(error.problems.allSatisfy { expectedPaths.contains($0.path) }, "unexpected problems:\n\(error)")
            #expect(error.problems.count == c.problems.count, "\(error)")
        }
        // Bytes go through the same checks.
        let viaBytes = try #require(throws: PropertyValidationError.self) {
            try Property.decode(json: CanonicalJSON.orderedBytes(json))
        }
        #expect(viaBytes == error)
    }

    @Test(arguments: [
        "example.com", "https://a.com/path", "ftp://x", "https://a.com/", "https://a.com?x=1", "https://a.com#top",
        "https://user@a.com", "https://", "//a.com", "https://a com", "javascript:alert(1)", "https://a.com/../b",
    ])
    func badOrigin(origin: String) throws {
        let json = standardProperty.jsonValue.setting("origins[0]", to: .string(origin))
        let error = try #require(throws: PropertyValidationError.self) { try Property.decode(json) }
        #expect(error.problems.count == 1)
        #expect(error.problems.first?.path == "$.origins[0]")
        #expect(error.problems.first?.message.contains("is not an origin") == true)
        #expect(!isOrigin(origin))
    }

    @Test(arguments: [
        "https://example.com", "http://localhost:8080", "https://shop.example.co.uk", "http://127.0.0.1:3000",
        "https://xn--bcher-kva.example",
    ])
    func goodOrigin(origin: String) throws {
        #expect(isOrigin(origin))
        let json = standardProperty.jsonValue.setting("origins[0]", to: .string(origin))
        #expect(try Property.decode(json).origins == [origin])
    }

    @Test func duplicateJSONMemberIsReported() throws {
        let text = utf8String(CanonicalJSON.orderedBytes(standardProperty.jsonValue))
        let duplicated = text.replacingOccurrences(
            of: #""name":"Demo Shop""#, with: #""name":"Demo Shop","name":"Other""#)
        #expect(duplicated != text)
        let error = try #require(throws: PropertyValidationError.self) {
            try Property.decode(json: Array(duplicated.utf8))
        }
        #expect(error.problems.count == 1)
        #expect(error.problems.first?.path == "$")
        #expect(error.problems.first?.message.contains(#"duplicate member "name""#) == true)
    }

    @Test func notJSONAtAll() throws {
        let error = try #require(throws: PropertyValidationError.self) { try Property.decode(json: Array("{".utf8)) }
        #expect(error.problems.map(\.path) == ["$"])
        #expect(error.problems[0].message.hasPrefix("not valid JSON"))
    }

    @Test func notAnObject() throws {
        let error = try #require(throws: PropertyValidationError.self) { try Property.decode(JSONValue.array([])) }
        #expect(error.problems == [ValidationProblem(path: "$", message: "expected an object, found an array")])
    }

    @Test func descriptionListsEveryProblem() throws {
        let json = standardProperty.jsonValue.setting("a", to: .int(1)).setting("b", to: .int(2))
        let error = try #require(throws: PropertyValidationError.self) { try Property.decode(json) }
        #expect(error.description == "$.a: unknown field\n$.b: unknown field")
    }

    @Test func optOutRuleWithoutRejectAllIsAllowed() throws {
        let json = standardProperty.jsonValue.setting("regimes.rules[1].rejectAll", to: .bool(false))
        let property = try Property.decode(json)
        #expect(property.regimes.rule(for: try #require(Region("US-CA"))).rejectAll == false)
    }

    @Test func countryAndItsSubdivisionInDifferentRulesIsAllowed() throws {
        let json = standardProperty.jsonValue.setting("regimes.rules[0].regions[\(optInCount)]", to: .string("US"))
        let property = try Property.decode(json)
        #expect(property.regimes.regime(for: try #require(Region("US-NY"))) == .optIn)
        #expect(property.regimes.regime(for: try #require(Region("US-CA"))) == .optOut)
    }
}

@Suite struct PropertyDocumentTests {
    @Test func standardPropertyRoundTrips() throws {
        #expect(try Property.decode(standardProperty.jsonValue) == standardProperty)
        #expect(try Property.decode(json: CanonicalJSON.bytes(standardProperty.jsonValue)) == standardProperty)
    }

    @Test func documentJSONParsesBack() throws {
        let text = standardProperty.documentJSON()
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\n  \"name\": \"Demo Shop\""))
        let parsed = try parseJSON(text)
        #expect(parsed == standardProperty.jsonValue)
        #expect(try Property.decode(json: Array(text.utf8)) == standardProperty)
    }

    @Test func customisedPropertyRoundTrips() throws {
        var p = standardProperty
        p.cookieDomain = "example.com"
        p.policyVersion = 4
        p.origins.append("http://localhost:8080")
        p.links = PropertyLinks(privacyPolicy: "/privacy", cookiePolicy: "https://example.com/cookies")
        p.expiry = DecisionExpiry(consentDays: 390, refusalDays: 30)
        p.regimes = RegimeRules(
            rules: [
                RegimeRule(regime: .optOut, regions: ["US-CA"], rejectAll: false),
                RegimeRule(regime: .optIn, regions: ["US"]),
            ],
            defaultRegime: .optIn, defaultRejectAll: true)
        p.categories[2].defaults = RegimeDefaults(optIn: false, optOut: false, notice: false)
        p.categories[4].cookies = [
            CookieInfo(
                name: "_fbp", host: ".facebook.com", duration: "3 months", party: .third,
                description: ["en": "Facebook", "es": "Facebook"])
        ]
        p.texts["es"]!["close"] = "Cerrar ventana"
        let back = try Property.decode(p.jsonValue)
        #expect(back == p)
        #expect(try Property.decode(json: Array(p.documentJSON().utf8)) == p)
    }

    @Test func cookieDomainIsNormalised() throws {
        let json = standardProperty.jsonValue.setting("cookieDomain", to: .string(".Example.COM"))
        #expect(try Property.decode(json).cookieDomain == "example.com")
    }

    @Test func optionalMembersGetDefaults() throws {
        var json = standardProperty.jsonValue
        for member in ["cookieDomain", "policyVersion", "regimes", "links", "expiry"] {
            json = json.setting(member, to: nil)
        }
        let p = try Property.decode(json)
        #expect(p.policyVersion == 1)
        #expect(p.regimes == .standard)
        #expect(p.links == PropertyLinks())
        #expect(p.expiry == DecisionExpiry(consentDays: 365, refusalDays: 182))
        #expect(p == standardProperty)
    }

    @Test(
        arguments: [
            ("es-MX", "es"), ("es", "es"), ("ES", "es"), ("es_ES", "es"), ("de", "en"), ("de-DE", "en"),
            ("en-GB", "en"),
            ("", "en"), ("e", "en"), ("esp", "en"),
        ] as [(String, String)])
    func languageMatching(requested: String, expected: String) {
        #expect(standardProperty.language(matching: requested) == expected)
    }

    @Test func languageMatchingNilAndOtherDefault() {
        #expect(standardProperty.language(matching: nil) == "en")
        var p = standardProperty
        p.languages = ["es", "en"]
        #expect(p.language(matching: "fr") == "es")
        #expect(p.defaultLanguage == "es")
    }

    @Test func textsHashPerLanguage() {
        let en = standardProperty.textsHash(language: "en")
        let es = standardProperty.textsHash(language: "es")
        #expect(en != es)
        #expect(en.count == 64 && en.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(standardProperty.textsHash(language: "en") == en)
        #expect(standardProperty.textsHash(language: "es-MX") == es)
        #expect(standardProperty.textsHash(language: "de") == en)
        // A property rebuilt from its document (other dictionary instances) hashes the same.
        #expect((try? Property.decode(standardProperty.jsonValue))?.textsHash(language: "es") == es)
    }

    @Test func textsHashChangesWithWhatThatLanguageShows() {
        let en = standardProperty.textsHash(language: "en")
        let es = standardProperty.textsHash(language: "es")

        var text = standardProperty
        text.texts["es"]!["acceptAll"] = "Aceptar todas"
        #expect(text.textsHash(language: "es") != es)
        #expect(text.textsHash(language: "en") == en)

        var title = standardProperty
        title.categories[3].title["en"] = "Advertising"
        #expect(title.textsHash(language: "en") != en)
        #expect(title.textsHash(language: "es") == es)

        var cookie = standardProperty
        cookie.categories[0].cookies[0].duration = "13 months"
        #expect(cookie.textsHash(language: "en") != en)
        #expect(cookie.textsHash(language: "es") != es)

        var link = standardProperty
        link.links.privacyPolicy = "/privacy"
        #expect(link.textsHash(language: "en") != en)

        var version = standardProperty
        version.policyVersion = 2
        #expect(version.textsHash(language: "en") != en)

        var order = standardProperty
        order.categories.swapAt(1, 2)
        #expect(order.textsHash(language: "en") != en)

        var name = standardProperty
        name.name = "Another name"
        name.origins = ["https://other.example"]
        #expect(name.textsHash(language: "en") == en)
    }

    @Test func policyContentDiffers() {
        let base = standardProperty
        #expect(!base.policyContentDiffers(from: base))

        var cosmetic = base
        cosmetic.name = "Renamed"
        cosmetic.origins = ["https://other.example"]
        cosmetic.cookieDomain = "example.com"
        cosmetic.expiry = DecisionExpiry(consentDays: 30, refusalDays: 30)
        cosmetic.policyVersion = 9
        #expect(!cosmetic.policyContentDiffers(from: base))

        var text = base
        text.texts["en"]!["bannerText"] = "Cookies."
        #expect(text.policyContentDiffers(from: base))

        var category = base
        category.categories.removeLast()
        #expect(category.policyContentDiffers(from: base))

        var purposes = base
        purposes.categories[4].purposes.append(.sharing)
        #expect(purposes.policyContentDiffers(from: base))

        var link = base
        link.links.cookiePolicy = "/cookies"
        #expect(link.policyContentDiffers(from: base))

        var languages = base
        languages.languages = ["en"]
        #expect(languages.policyContentDiffers(from: base))
    }

    @Test(
        arguments: [
            ("demo", true), ("a", true), ("my-site-2", true), ("0shop", true),
            (String(repeating: "a", count: 63), true),
            ("", false), ("-a", false), ("Demo", false), ("a_b", false), ("a b", false), ("é", false),
            (String(repeating: "a", count: 64), false),
        ] as [(String, Bool)])
    func propertyIDs(id: String, valid: Bool) {
        #expect(Property.isValidID(id) == valid)
    }

    @Test func standardPropertyIsValidAndComplete() throws {
        let p = standardProperty
        #expect(p.categories.first?.key == "necessary" && p.categories.first?.required == true)
        for lang in p.languages {
            #expect(Set(p.texts[lang]!.keys) == Set(TextKey.allCases.map(\.rawValue)), "texts for \(lang)")
            for c in p.categories {
                #expect(c.title[lang] != nil && c.description[lang] != nil, "\(c.key) in \(lang)")
            }
        }
        #expect(p.category("targeting")?.optedOutByGPC == true)
        #expect(p.category("sale")?.optedOutByGPC == true)
        #expect(p.category("performance")?.optedOutByGPC == false)
        #expect(p.category("nope") == nil)
    }
}
