import AssentCore
import Foundation
import Testing

@testable import AssentScanner

@Suite struct AnalysisClassificationTests {
    typealias F = AnalysisFixture

    @Test func csvReaderKeepsCommasLineBreaksAndQuotesInsideQuotedFields() throws {
        let text = "a,b,c\r\n1,\"x, y\",\"line one\nline two\"\n2,\"say \"\"hi\"\"\",\n3,,last"
        let records = try CSVReader.records(text)
        #expect(
            records == [
                ["a", "b", "c"], ["1", "x, y", "line one\nline two"], ["2", "say \"hi\"", ""], ["3", "", "last"],
            ])
        #expect(throws: CSVReader.Malformed.self) { try CSVReader.records("a,\"open\nnever closed") }
    }

    @Test func theShippedDatabaseHasEveryEntry() throws {
        #expect(F.database.entries.count == 2264)
        #expect(F.database.entries.filter(\.wildcard).count == 260)
        let ga = try #require(F.database.match(name: "_ga", host: "shop.test", firstParty: true))
        #expect(ga.platform == "Google Analytics" && ga.category == .analytics && ga.retention == "2 years")
    }

    @Test func exactNamesComeBeforePrefixesAndTheLongestPrefixWins() throws {
        let csv = """
            ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match
            1,P,Analytics,_x,,short prefix,1 day,C,,1
            2,P,Marketing,_xy,,long prefix,1 day,C,,1
            3,P,Functional,_xyz,,exact,1 day,C,,0
            """
        let db = try CookieDatabase(csv: csv)
        #expect(db.match(name: "_xyz", host: nil)?.id == "3")
        #expect(db.match(name: "_xyzz", host: nil)?.id == "2")
        #expect(db.match(name: "_xa", host: nil)?.id == "1")
        #expect(db.match(name: "x", host: nil) == nil)
    }

    @Test func theDomainColumnIsRespected() {
        // Two vendors use "uids": the host decides.
        #expect(F.database.match(name: "uids", host: ".adnxs.com")?.platform == "Xandr")
        #expect(F.database.match(name: "uids", host: "admatic.com.tr")?.platform == "Admatic")
        // A third party's cookie on another vendor's domain is not that vendor's.
        #expect(F.database.match(name: "IDE", host: ".doubleclick.net")?.platform == "DoubleClick/Google Marketing")
        #expect(F.database.match(name: "IDE", host: "ads.other.test") == nil)
        // A first-party cookie may be a vendor's script's (_fbp on the publisher's site, recorded under facebook.com).
        #expect(F.database.match(name: "_fbp", host: "shop.test", firstParty: true)?.platform == "Facebook")
        #expect(F.database.match(name: "_fbp", host: "shop.test", firstParty: false) == nil)
        // A wildcard entry with a domain never leaves it.
        #expect(F.database.match(name: "KRTBCOOKIE_12", host: "pubmatic.com")?.platform == "PubMatic")
        #expect(F.database.match(name: "KRTBCOOKIE_12", host: "shop.test", firstParty: true) == nil)
    }

    @Test func databaseDomainsAreReadFromTheirLooseForms() {
        #expect(
            CookieDatabase.domains(".bing.com (3rd party) or .microsoft.com (3rd party)") == [
                "bing.com", "microsoft.com",
            ])
        #expect(CookieDatabase.domains(".amplitude.com.") == ["amplitude.com"])
        #expect(CookieDatabase.domains("ads-[account].adhese.com") == [])
        #expect(CookieDatabase.domains("") == [])
    }

    @Test func databaseCategoriesMapToThePropertysByTheirDefinitions() {
        let c = F.classifier()
        #expect(c.categoryKey(for: .functional, platform: "Cookiebot") == "necessary")
        #expect(c.categoryKey(for: .security, platform: "GitHub") == "necessary")
        #expect(c.categoryKey(for: .necessary, platform: "") == "necessary")
        #expect(c.categoryKey(for: .personalization, platform: "Salesforce") == "functional")
        #expect(c.categoryKey(for: .analytics, platform: "Google Analytics") == "performance")
        #expect(c.categoryKey(for: .marketing, platform: "Google Ads") == "targeting")
        #expect(c.categoryKey(for: .marketing, platform: "Facebook") == "social")
        #expect(c.categoryKey(for: .marketing, platform: "LinkedIn") == "social")
    }

    @Test func keysThatDifferAreFoundByTheCategorysPurposes() {
        var p = F.property()
        p.categories = p.categories.filter { $0.key != "performance" && $0.key != "social" }
        p.categories.append(
            Category(
                key: "stats", title: ["en": "S", "es": "S"], description: ["en": "S", "es": "S"], purposes: [.analytics]
            ))
        let c = Classifier(property: p, database: F.database)
        #expect(c.categoryKey(for: .analytics, platform: "") == "stats")
        // No social category: a social platform's marketing cookie is targeting.
        #expect(c.categoryKey(for: .marketing, platform: "Facebook") == "targeting")
    }

    @Test func cookiesAreClassifiedByExactNameAndByPrefix() {
        let c = F.classifier()
        let exact = c.classify(F.firstParty("_ga"))
        #expect(exact.category == "performance" && exact.source == .openCookieDatabase && exact.tracker)
        #expect(exact.platform == "Google Analytics" && exact.retention == "2 years")
        let prefixed = c.classify(F.firstParty("_ga_ABC123"))
        #expect(prefixed.category == "performance" && prefixed.source == .openCookieDatabase)
        let necessary = c.classify(F.firstParty("CookieConsent"))
        #expect(necessary.category == "necessary" && !necessary.tracker)
    }

    @Test func unknownNamesAreUnclassified() {
        let c = F.classifier()
        #expect(c.classify(F.firstParty("zz_nobody_knows_me")) == .unclassified)
        #expect(c.classify(F.thirdParty("zz_nobody_knows_me", domain: ".elsewhere.test")) == .unclassified)
    }

    @Test func thePropertysListComesFirst() {
        var p = F.property()
        // The property says _ga is functional; the database says analytics: the property wins.
        p.categories[1].cookies.append(
            CookieInfo(name: "_ga", duration: "2 years", description: ["en": "Ours.", "es": "Nuestra."]))
        let c = F.classifier(p)
        let ga = c.classify(F.firstParty("_ga"))
        #expect(
            ga.category == "functional" && ga.source == .property && ga.description == "Ours."
                && ga.retention == "2 years")
        // A listed prefix, and an exact name before it.
        #expect(c.classify(F.firstParty("adid_42")).category == "targeting")
        #expect(c.classify(F.firstParty("shop_lang")).category == "functional")
        // An entry with a host only for that host.
        #expect(c.classify(F.thirdParty("uid", domain: ".ads.test")).category == "targeting")
        #expect(c.classify(F.thirdParty("uid", domain: ".other.test")).source != .property)
    }

    @Test func storageKeysAreClassifiedLikeCookies() {
        let c = F.classifier()
        let key = ObservedStorageKey(
            area: .local, key: "shop_ads", origin: "https://shop.test", frameURL: "https://shop.test/")
        #expect(c.classify(key).category == "targeting")
        let hotjar = ObservedStorageKey(
            area: .session, key: "_hjid", origin: "https://shop.test", frameURL: "https://shop.test/")
        #expect(c.classify(hotjar).category == "performance")
    }

    @Test func easyPrivacyRulesAreReadOnlyWhenTheyBlockAWholeHost() {
        let list = TrackerHosts(
            filterList: """
                [Adblock Plus 1.1]
                ! comment
                ||whole.test^
                ||third.test^$third-party
                ||typed.test^$script,third-party,xmlhttprequest
                ||scoped.test^$domain=example.com
                ||path.test/collect?
                @@||allowed.test^
                ##.banner
                """, source: "inline")
        #expect(list.hosts == ["whole.test", "third.test", "typed.test"])
        #expect(list.listed("cdn.whole.test") == "whole.test")
        #expect(list.listed("notwhole.test") == nil)
    }

    @Test func hostsAreClassifiedByTheListTheDatabaseAndEasyPrivacy() {
        let c = F.classifier()
        let listed = c.classify(host: "ads.test")
        #expect(listed.category == "targeting" && listed.source == .property && listed.tracker)
        let database = c.classify(host: "stats.g.doubleclick.net")
        #expect(database.category == "targeting" && database.source == .openCookieDatabase && database.tracker)
        let easy = c.classify(host: "cdn.tracker.test")
        #expect(easy.category == "performance" && easy.source == .easyPrivacy && easy.tracker)
        #expect(c.classify(host: "fonts.example.test") == .unclassified)
    }

    @Test(.enabled(if: TrackerHosts.easyPrivacy() != nil, "Debian's webext-ublock-origin-chromium is not installed"))
    func debiansEasyPrivacyIsReadFromDisk() throws {
        let list = try #require(TrackerHosts.easyPrivacy())
        #expect(list.hosts.count > 10_000)
        #expect(list.listed("www.google-analytics.com") == "google-analytics.com")
    }
}
