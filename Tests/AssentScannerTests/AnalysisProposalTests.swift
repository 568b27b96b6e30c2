import AssentCore
import Foundation
import Testing

@testable import AssentScanner

@Suite struct AnalysisProposalTests {
    typealias F = AnalysisFixture
    static let now = 1_800_000_000.0

    static func visits() -> [VisitRecord] {
        [
            F.visit(
                .acceptAll, F.fr, page: "https://shop.test/",
                cookies: [
                    F.firstParty("shop_session"), F.firstParty("shop_ads", expires: now + 86_400 * 30),
                    F.firstParty("_ga", expires: now + 86_400 * 700), F.firstParty("_ga_ABC"), F.firstParty("_ga_DEF"),
                    F.firstParty("mystery", expires: now + 86_400 * 10),
                ],
                storage: [
                    ObservedStorageKey(
                        area: .session, key: "tmp", origin: "https://shop.test", frameURL: "https://shop.test/"),
                    ObservedStorageKey(
                        area: .local, key: "assent:shop:en", origin: "https://shop.test", frameURL: "https://shop.test/"
                    ),
                ]),
            F.visit(
                .acceptAll, F.fr, page: "https://shop.test/news",
                cookies: [F.firstParty("mystery"), F.firstParty("shop_ads")]),
        ]
    }

    @Test func theProposalListsWhatWasSeenWithItsSourceRetentionAndPages() throws {
        let p = F.property()
        let proposal = CookieListProposal(
            visits: Self.visits(), property: p, classifier: F.classifier(p), observedAt: Self.now)
        let byName = Dictionary(uniqueKeysWithValues: proposal.entries.map { ($0.name, $0) })
        #expect(Set(byName.keys) == ["shop_session", "shop_ads", "_ga", "_ga_", "mystery", "tmp"])
        let ads = try #require(byName["shop_ads"])
        #expect(
            ads.source == .property && ads.category == "targeting" && ads.retention == "1 year" && ads.pages.count == 2)
        let ga = try #require(byName["_ga"])
        #expect(ga.source == .openCookieDatabase && ga.category == "performance" && ga.retention == "2 years")
        #expect(ga.description?.isEmpty == false && ga.party == .first && ga.domain == "shop.test")
        let wildcard = try #require(byName["_ga_"])
        #expect(wildcard.prefix && wildcard.observedNames == ["_ga_ABC", "_ga_DEF"])
        let mystery = try #require(byName["mystery"])
        #expect(mystery.category == nil && mystery.source == .none && mystery.retention == "10 days")
        #expect(mystery.pages == ["https://shop.test/", "https://shop.test/news"])
        #expect(byName["tmp"]?.kind == .storage && byName["tmp"]?.retention == "session")
    }

    @Test func theDifferenceNamesNewNoLongerSeenAndCategorisedDifferently() {
        var p = F.property()
        // The property calls Google Analytics' _ga functional; the database says analytics (performance).
        p.categories[1].cookies.append(
            CookieInfo(name: "_ga", duration: "2 years", description: ["en": "x", "es": "x"]))
        let proposal = CookieListProposal(
            visits: Self.visits(), property: p, classifier: F.classifier(p), observedAt: Self.now)
        #expect(Set(proposal.new.map(\.name)) == ["_ga_", "mystery", "tmp"])
        #expect(Set(proposal.noLongerSeen.map(\.name)) == ["assent_", "shop_lang", "adid_", "uid"])
        #expect(
            proposal.categorisedDifferently == [
                CookieListProposal.Recategorised(
                    name: "_ga", prefix: false, configured: "functional", database: "performance",
                    platform: "Google Analytics")
            ])
    }

    @Test func applyingAddsTheNewClassifiedEntriesAndKeepsTheRest() throws {
        let p = F.property()
        let proposal = CookieListProposal(
            visits: Self.visits(), property: p, classifier: F.classifier(p), observedAt: Self.now)
        let applied = proposal.applied(to: p)
        let performance = try #require(applied.category("performance"))
        #expect(performance.cookies.map(\.name) == ["_ga", "_ga_"])
        #expect(
            performance.cookies[1].prefix && performance.cookies[1].party == .first
                && performance.cookies[1].host == nil)
        #expect(
            performance.cookies[0].description.keys.sorted() == ["en", "es"]
                && performance.cookies[0].duration == "2 years")
        // Nothing unclassified, nothing removed, and applying again changes nothing.
        #expect(!applied.categories.flatMap(\.cookies).contains { $0.name == "mystery" })
        #expect(applied.category("targeting")?.cookies.count == p.category("targeting")?.cookies.count)
        #expect(proposal.applied(to: applied) == applied)
        // Once applied, a new scan finds nothing new that is classified.
        let again = CookieListProposal(
            visits: Self.visits(), property: applied, classifier: F.classifier(applied), observedAt: Self.now)
        #expect(again.new.allSatisfy { $0.category == nil })
    }

    @Test(arguments: [
        (0.0, "session"), (600.0, "10 minutes"), (7200.0, "2 hours"), (86_400.0 * 30, "30 days"),
        (86_400.0 * 400, "13 months"),
    ])
    func observedExpiriesBecomeRetentions(seconds: Double, text: String) {
        #expect(CookieListProposal.retention(seconds: seconds) == text)
    }
}
