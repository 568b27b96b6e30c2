import AssentCore
import Testing

/// One passing and one failing case per lint rule: a clean property, then the one change that breaks the rule,
/// found with its code, path, severity and source.
@Suite struct PropertyLintTests {
    /// The standard property with the links and cookie descriptions a real one has: no finding at all.
    static func clean() -> Property {
        var p = Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"])
        p.links = PropertyLinks(privacyPolicy: "/privacy", cookiePolicy: "/cookies", privacyRequests: "/requests")
        let i = p.categories.firstIndex { $0.key == "performance" }!
        p.categories[i].cookies.append(
            CookieInfo(name: "_ga", duration: "1 year", description: ["en": "Counts visits.", "es": "Cuenta visitas."]))
        return p
    }

    func findings(_ p: Property, _ code: String, observed: [ObservedLifetime] = []) -> [LintFinding] {
        PropertyLint.lint(p, observed: observed).filter { $0.code == code }
    }

    @Test func aCleanPropertyHasNoFinding() {
        #expect(PropertyLint.lint(Self.clean()) == [])
    }

    @Test func rejectAllMustBeOnTheFirstLayerInOptIn() throws {
        var p = Self.clean()
        #expect(findings(p, PropertyLint.Code.rejectAllFirstLayer).isEmpty)
        p.regimes.rules[0].rejectAll = false
        let f = try #require(findings(p, PropertyLint.Code.rejectAllFirstLayer).first)
        #expect(f.severity == .error && f.path == "$.regimes.rules[0].rejectAll" && f.source.contains("EDPB"))
        // The same for an opt-out rule is allowed.
        var q = Self.clean()
        q.regimes.rules[1].rejectAll = false
        #expect(findings(q, PropertyLint.Code.rejectAllFirstLayer).isEmpty)
        var d = Self.clean()
        d.regimes.defaultRegime = .optIn
        d.regimes.defaultRejectAll = false
        #expect(findings(d, PropertyLint.Code.rejectAllFirstLayer).map(\.path) == ["$.regimes.defaultRejectAll"])
    }

    @Test func rejectAllNeedsALabelAsPlainAsAcceptAll() {
        var p = Self.clean()
        p.texts["es"]?["rejectAll"] = "  "
        let f = findings(p, PropertyLint.Code.rejectAllLabel)
        #expect(f.map(\.path) == ["$.texts.es.rejectAll"] && f.first?.severity == .error)
        var q = Self.clean()
        q.texts["en"]?["acceptAll"] = "OK"
        q.texts["en"]?["rejectAll"] = "Continue without accepting, if you insist"
        #expect(findings(q, PropertyLint.Code.rejectAllLabel).map(\.severity) == [.warning])
    }

    @Test func noOptionalCategoryIsOnBeforeConsentInOptIn() throws {
        var p = Self.clean()
        #expect(findings(p, PropertyLint.Code.optInDefaultOn).isEmpty)
        let i = p.categories.firstIndex { $0.key == "functional" }!
        p.categories[i].defaults.optIn = true
        let f = try #require(findings(p, PropertyLint.Code.optInDefaultOn).first)
        #expect(f.path == "$.categories[\(i)].defaults.opt-in" && f.source.contains("C-673/17"))
        // On by default under opt-out is what opt-out means.
        var q = Self.clean()
        q.categories[i].defaults.optOut = true
        #expect(findings(q, PropertyLint.Code.optInDefaultOn).isEmpty)
    }

    @Test func consentIsKeptAtMostThirteenMonths() throws {
        var p = Self.clean()
        p.expiry.consentDays = 396
        #expect(findings(p, PropertyLint.Code.consentExpiry).isEmpty)
        p.expiry.consentDays = 400
        let f = try #require(findings(p, PropertyLint.Code.consentExpiry).first)
        #expect(f.severity == .error && f.path == "$.expiry.consentDays" && f.source.contains("CNIL"))
        // Without an opt-in region the CNIL rule does not apply.
        p.regimes = RegimeRules(rules: [RegimeRule(regime: .optOut, regions: ["US-CA"])], defaultRegime: .notice)
        #expect(findings(p, PropertyLint.Code.consentExpiry).isEmpty)
    }

    @Test func refusalsAreNotAskedAgainWithinSixMonths() {
        var p = Self.clean()
        p.expiry.refusalDays = 182
        #expect(findings(p, PropertyLint.Code.refusalExpiry).isEmpty)
        p.expiry.refusalDays = 30
        #expect(findings(p, PropertyLint.Code.refusalExpiry).map(\.path) == ["$.expiry.refusalDays"])
    }

    @Test func listedDurationsBeyondThirteenMonthsAreWarned() {
        var p = Self.clean()
        let i = p.categories.firstIndex { $0.key == "performance" }!
        #expect(findings(p, PropertyLint.Code.cookieDuration).isEmpty)
        p.categories[i].cookies[0].duration = "2 years"
        let f = findings(p, PropertyLint.Code.cookieDuration)
        #expect(f.map(\.path) == ["$.categories[\(i)].cookies[0].duration"] && f.first?.severity == .warning)
    }

    @Test func observedLifetimesBeyondThirteenMonthsInOptInRegionsAreWarned() {
        let p = Self.clean()
        let long = ObservedLifetime(
            name: "_ga", domain: ".shop.example", region: "FR", days: 730, category: "performance")
        let f = findings(p, PropertyLint.Code.cookieLifetime, observed: [long])
        #expect(
            f.count == 1 && f.first?.path == "$.categories[2].cookies[0]" && f.first?.source.contains("CNIL") == true)
        // Short enough, or in an opt-out region, or a required cookie: nothing.
        var short = long
        short.days = 390
        var california = long
        california.region = "US-CA"
        var necessary = long
        necessary.category = "necessary"
        #expect(findings(p, PropertyLint.Code.cookieLifetime, observed: [short, california, necessary]).isEmpty)
    }

    @Test func everyListedCookieIsDescribedInEveryLanguage() {
        var p = Self.clean()
        let i = p.categories.firstIndex { $0.key == "performance" }!
        p.categories[i].cookies[0].description["es"] = nil
        p.categories[i].cookies[0].duration = ""
        let f = findings(p, PropertyLint.Code.cookieDescription)
        #expect(
            Set(f.map(\.path)) == [
                "$.categories[\(i)].cookies[0].description.es", "$.categories[\(i)].cookies[0].duration",
            ])
    }

    @Test func aCookieBelongsToOneCategory() {
        var p = Self.clean()
        let i = p.categories.firstIndex { $0.key == "targeting" }!
        p.categories[i].cookies.append(
            CookieInfo(name: "_ga", duration: "1 year", description: ["en": "Ads.", "es": "Anuncios."]))
        #expect(findings(p, PropertyLint.Code.cookieListedTwice).map(\.path) == ["$.categories[\(i)].cookies[0].name"])
    }

    @Test func everyCategoryIsTitledAndDescribedInEveryLanguage() {
        var p = Self.clean()
        p.categories[1].description["en"] = ""
        #expect(findings(p, PropertyLint.Code.categoryDescription).map(\.path) == ["$.categories[1].description.en"])
    }

    @Test func privacyAndCookiePolicyLinksArePresent() {
        var p = Self.clean()
        p.links.privacyPolicy = nil
        p.links.cookiePolicy = nil
        #expect(findings(p, PropertyLint.Code.privacyPolicyLink).map(\.severity) == [.error])
        #expect(findings(p, PropertyLint.Code.cookiePolicyLink).map(\.severity) == [.warning])
    }

    @Test func optOutRegimesNeedTheDoNotSellLinkAndItsPage() throws {
        var p = Self.clean()
        p.links.privacyRequests = nil
        let f = try #require(findings(p, PropertyLint.Code.doNotSellLink).first)
        #expect(f.path == "$.links.privacyRequests" && f.source.contains("7026"))
        // Without an opt-out region, or without anything sold or shared, it is not needed.
        var optInOnly = p
        optInOnly.regimes = RegimeRules(rules: [RegimeRule(regime: .optIn, regions: ["FR"])], defaultRegime: .optIn)
        #expect(findings(optInOnly, PropertyLint.Code.doNotSellLink).isEmpty)
        var nothingSold = p
        nothingSold.categories.removeAll { $0.optedOutByGPC }
        #expect(findings(nothingSold, PropertyLint.Code.doNotSellLink).isEmpty)
        var unlabelled = Self.clean()
        unlabelled.texts["es"]?["doNotSell"] = ""
        #expect(findings(unlabelled, PropertyLint.Code.doNotSellLink).map(\.path) == ["$.texts.es.doNotSell"])
    }

    static func withTCF() -> Property {
        var p = clean()
        p.signals.tcf = TCFSettings(cmpId: 1, publisherCountryCode: "FR", vendorListVersion: 3)
        return p
    }

    @Test func tcfNamesItsCMPCountryAndVendorList() {
        #expect(PropertyLint.lint(Self.withTCF()) == [])
        var p = Self.withTCF()
        p.signals.tcf?.cmpId = nil
        p.signals.tcf?.vendorListVersion = nil
        #expect(
            findings(p, PropertyLint.Code.tcfIdentity).map(\.path) == [
                "$.signals.tcf.cmpId", "$.signals.tcf.vendorListVersion",
            ])
    }

    @Test func tcfPurposesAndFeaturesNeverFollowARequiredCategory() {
        var p = Self.withTCF()
        p.signals.tcf?.purposeCategories = [1: ["necessary"], 7: ["performance"]]
        p.signals.tcf?.specialFeatureCategories = [2: ["necessary"]]
        let f = findings(p, PropertyLint.Code.tcfRequiredCategory)
        #expect(f.map(\.path) == ["$.signals.tcf.purposeCategories.1", "$.signals.tcf.specialFeatureCategories.2"])
        #expect(f.allSatisfy { $0.severity == .error && $0.source.contains("TCF") })
    }

    @Test func tcfOutsideOptInIsWarned() {
        var p = Self.withTCF()
        p.regimes = RegimeRules(rules: [RegimeRule(regime: .optOut, regions: ["US-CA"])], defaultRegime: .notice)
        #expect(findings(p, PropertyLint.Code.tcfOutsideOptIn).map(\.severity) == [.warning])
    }

    @Test(arguments: [
        ("13 months", 396.5), ("2 years", 730), ("up to 12 months", 366), ("30 days", 30), ("1 hour", 1.0 / 24),
        ("3 weeks", 21),
    ])
    func durationsAreReadAsDays(text: String, days: Double) throws {
        let read = try #require(PropertyLint.durationDays(text))
        #expect(abs(read - days) < 0.001)
    }

    @Test func sessionAndUnknownDurationsAreNotRead() {
        #expect(PropertyLint.durationDays("session") == nil)
        #expect(PropertyLint.durationDays("until you log out") == nil)
    }
}
