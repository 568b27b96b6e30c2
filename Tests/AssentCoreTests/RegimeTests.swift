import AssentCore
import Testing

@Suite struct RegionParsingTests {
    @Test(arguments: [
        ("FR", "FR"), ("fr", "FR"), ("Fr", "FR"), ("US-CA", "US-CA"), ("us-ca", "US-CA"), ("GB-ENG", "GB-ENG"),
        ("ES-M", "ES-M"), ("FR-75C", "FR-75C"), ("CN-11", "CN-11"),
    ])
    func validCodes(raw: String, code: String) throws {
        let region = try #require(Region(raw))
        #expect(region.code == code)
        #expect(region.description == code)
        #expect(region.country == String(code.prefix(2)))
    }

    @Test(arguments: [
        "", "F", "FRA", "France", "12", "F1", "US-", "US_CA", "USCA", "US-CA-X", "US-CALIF", "US--C", "-US",
        "US CA", "US-C@", " FR", "É1", "ÄÖ", "us-ça",
    ])
    func invalidCodes(raw: String) {
        #expect(Region(raw) == nil, "\(raw) should not be a region")
    }

    /// Only ASCII letters make a code: "ß" and the "ﬁ" ligature upper-case to "SS" and "FI", and "ıt" (dotless i)
    /// to "IT", but none of them is an ISO 3166 code as written.
    @Test(arguments: ["ß", "ﬁ", "ıt", "US-ß"])
    func nonASCIIThatUppercasesToASCIIIsRejected(raw: String) {
        #expect(Region(raw) == nil, "\(raw) became \(Region(raw)?.code ?? "nil")")
    }

    @Test func subdivisionCountry() throws {
        #expect(try #require(Region("us-tx")).country == "US")
        #expect(try #require(Region("DE")).country == "DE")
    }

    @Test func equalityIgnoresInputCase() {
        #expect(Region("us-ca") == Region("US-CA"))
        #expect(Region("fr") != Region("de"))
    }
}

@Suite struct RegimeRulesTests {
    @Test(arguments: ["FR", "DE", "GB", "CH", "NO", "IE", "IS", "LI", "fr", "FR-75C", "DE-BY"])
    func standardOptIn(code: String) throws {
        let region = try #require(Region(code))
        #expect(RegimeRules.standard.regime(for: region) == .optIn)
        #expect(RegimeRules.standard.rule(for: region).rejectAll)
    }

    @Test(arguments: ["US-CA", "US-VA", "US-CO", "US-CT", "US-UT", "US-TX", "US-OR", "us-ca"])
    func standardOptOut(code: String) throws {
        #expect(RegimeRules.standard.regime(for: try #require(Region(code))) == .optOut)
    }

    @Test(arguments: ["US-NY", "US", "BR", "JP", "CA", "AU", "US-WA", "IN"])
    func standardNotice(code: String) throws {
        #expect(RegimeRules.standard.regime(for: try #require(Region(code))) == .notice)
    }

    @Test func standardListsHaveNoOverlapOrBadCodes() {
        let all = RegimeRules.optInCountries + RegimeRules.optOutStates
        #expect(Set(all).count == all.count)
        for code in all {
            #expect(Region(code)?.code == code, "\(code) is not a canonical region code")
        }
        // 27 EU member states + Iceland, Liechtenstein, Norway + UK + Switzerland.
        #expect(RegimeRules.optInCountries.count == 32)
    }

    @Test func subdivisionBeatsCountryWhateverTheRuleOrder() throws {
        let countryFirst = RegimeRules(
            rules: [
                RegimeRule(regime: .optIn, regions: ["US"]),
                RegimeRule(regime: .optOut, regions: ["US-CA"], rejectAll: false),
            ], defaultRegime: .notice)
        let subdivisionFirst = RegimeRules(rules: countryFirst.rules.reversed(), defaultRegime: .notice)
        for rules in [countryFirst, subdivisionFirst] {
            let ca = rules.rule(for: try #require(Region("US-CA")))
            #expect(ca.regime == .optOut)
            #expect(ca.rejectAll == false)
            #expect(rules.regime(for: try #require(Region("US-NY"))) == .optIn)
            #expect(rules.regime(for: try #require(Region("US"))) == .optIn)
            #expect(rules.regime(for: try #require(Region("FR"))) == .notice)
        }
    }

    @Test func defaultRuleAppliesWhenNothingMatches() throws {
        let rules = RegimeRules(
            rules: [RegimeRule(regime: .notice, regions: ["JP"])], defaultRegime: .optIn, defaultRejectAll: false)
        let other = rules.rule(for: try #require(Region("BR")))
        #expect(other.regime == .optIn)
        #expect(other.rejectAll == false)
        #expect(rules.regime(for: try #require(Region("JP"))) == .notice)
        #expect(rules.rule(for: try #require(Region("JP"))).rejectAll)
    }

    @Test func countryRuleDoesNotMatchAnotherCountrysSubdivision() throws {
        // "CA" (Canada) must not capture "US-CA" (California), nor the other way round.
        let rules = RegimeRules(
            rules: [RegimeRule(regime: .optIn, regions: ["CA"]), RegimeRule(regime: .optOut, regions: ["US-CA"])],
            defaultRegime: .notice)
        #expect(rules.regime(for: try #require(Region("US-CA"))) == .optOut)
        #expect(rules.regime(for: try #require(Region("CA"))) == .optIn)
        #expect(rules.regime(for: try #require(Region("CA-QC"))) == .optIn)
        #expect(rules.regime(for: try #require(Region("US-TX"))) == .notice)
    }
}

@Suite struct ResolveRegionTests {
    static let fallback = Region("US")!

    @Test(arguments: [
        ("FR", "FR"), ("de", "DE"), (" US-CA ", "US-CA"), ("\tgb", "GB"), ("us-va", "US-VA"),
    ])
    func validHeader(header: String, expected: String) {
        #expect(resolveRegion(header: header, default: Self.fallback).code == expected)
    }

    @Test(
        arguments: [
            nil, "", " ", "XXX", "France", "US_CA", "1", "EU-", "T1", "../etc", "FR,DE", "FR;q=1", "US-CA-SF",
            "\u{0}FR",
        ] as [String?])
    func missingOrGarbageHeaderGivesDefault(header: String?) {
        #expect(resolveRegion(header: header, default: Self.fallback) == Self.fallback)
        #expect(resolveRegion(header: header, default: Region("JP")!).code == "JP")
    }
}

@Suite struct RepresentativeRegionTests {
    @Test func theStandardRulesGiveFranceAndCalifornia() {
        #expect(RegimeRules.standard.representativeRegions.map(\.code) == ["FR", "US-CA"])
    }

    @Test func otherRulesGiveTheirOwnRegionsAndSkipOnesAMoreSpecificRuleOverrides() {
        let rules = RegimeRules(rules: [
            RegimeRule(regime: .optOut, regions: ["US-VA"]),
            RegimeRule(regime: .optIn, regions: ["US-VA", "DE"]),
        ])
        // US-VA is named by the opt-in rule too, but the opt-out rule comes first and wins it.
        #expect(rules.representativeRegions.map(\.code) == ["DE", "US-VA"])
        let optInOnly = RegimeRules(rules: [RegimeRule(regime: .optIn, regions: ["IT"])])
        #expect(optInOnly.representativeRegions.map(\.code) == ["IT"])
        #expect(RegimeRules(rules: []).representativeRegions.map(\.code) == ["FR", "US-CA"])
    }
}
