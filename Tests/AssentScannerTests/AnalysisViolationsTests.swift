import AssentCore
import Foundation
import Testing

@testable import AssentScanner

/// Each rule of issue 15 §4 on visit records made by hand: what must be found, with its evidence, and what must
/// not.
@Suite struct AnalysisViolationsTests {
    typealias F = AnalysisFixture

    func find(_ visits: VisitRecord..., assentOrigin: String? = nil) -> [Violation] {
        Violations.find(in: visits, property: F.property(), classifier: F.classifier(), assentOrigin: assentOrigin)
    }

    @Test func aTrackerRequestBeforeAnyChoiceInAnOptInRegionIsFoundWithItsEvidence() throws {
        let visit = F.visit(
            .beforeChoice, F.fr,
            requests: [
                F.request("https://cdn.tracker.test/t.js", at: 420),
                F.request("https://cdn.tracker.test/hit?x=1", at: 900),
            ])
        let found = find(visit)
        let v = try #require(found.first)
        #expect(found.count == 1)
        #expect(v.kind == .request && v.name == "cdn.tracker.test" && v.location == "https://cdn.tracker.test/t.js")
        #expect(
            v.rule == .beforeConsent && v.visit == .beforeChoice && v.region == "FR" && v.page == "https://shop.test/")
        #expect(v.initiator == Initiator(kind: .script, url: "https://shop.test/app.js", line: 7))
        #expect(v.frameURL == "https://shop.test/" && v.atMs == 420 && v.count == 2)
        #expect(v.category == "performance" && v.source == .easyPrivacy)
    }

    @Test func beforeAnyChoiceInAnOptOutRegionNothingIsAViolation() {
        let visit = F.visit(
            .beforeChoice, F.california, cookies: [F.firstParty("_ga"), F.thirdParty("zz", domain: ".x.test")],
            requests: [F.request("https://cdn.tracker.test/t.js")])
        #expect(find(visit).isEmpty)
    }

    @Test func nonNecessaryCookiesBeforeConsentAreViolationsAndNecessaryOnesAreNot() throws {
        let visit = F.visit(
            .beforeChoice, F.fr,
            cookies: [
                F.firstParty("shop_session"), F.firstParty("assent_shop"), F.firstParty("assent_csrf"),
                F.firstParty("zz_unknown_first"), F.firstParty("_ga", at: 250),
                F.thirdParty("zz_unknown_third", domain: ".iframe.test", at: 600),
            ])
        let found = find(visit)
        #expect(found.map(\.name) == ["_ga", "zz_unknown_third"])
        let ga = try #require(found.first)
        #expect(ga.kind == .cookie && ga.category == "performance" && ga.rule == .beforeConsent && ga.atMs == 250)
        #expect(ga.initiator == Initiator(kind: .script, url: "https://shop.test/app.js", line: 12))
        let unknown = try #require(found.last)
        #expect(unknown.category == nil && unknown.source == .none && unknown.frameURL == "https://iframe.test/frame")
    }

    @Test func storageKeysOfOptionalCategoriesAreViolationsBeforeConsent() throws {
        let visit = F.visit(
            .beforeChoice, F.fr,
            storage: [
                ObservedStorageKey(
                    area: .local, key: "shop_ads", origin: "https://shop.test", frameURL: "https://shop.test/", atMs: 80
                ),
                ObservedStorageKey(
                    area: .local, key: "assent:shop:en", origin: "https://shop.test", frameURL: "https://shop.test/"),
                ObservedStorageKey(
                    area: .local, key: "assent:shop#s", origin: "https://shop.test", frameURL: "https://shop.test/"),
                ObservedStorageKey(
                    area: .session, key: "whatever", origin: "https://shop.test", frameURL: "https://shop.test/"),
                ObservedStorageKey(
                    area: .local, key: "frame_key", origin: "https://frame.test", frameURL: "https://frame.test/f",
                    thirdParty: true, atMs: 90),
            ])
        let found = find(visit)
        let v = try #require(found.first)
        #expect(
            found.count == 2 && v.kind == .storage && v.name == "shop_ads" && v.category == "targeting" && v.atMs == 80)
        // An unclassified key in a third party's frame is judged like a third party's cookie.
        #expect(found.last?.name == "frame_key" && found.last?.category == nil)
        #expect(found.last?.frameURL == "https://frame.test/f")
    }

    @Test func afterRejectAllOnlyTheRequiredCategoryMaySetAnything() throws {
        let decision = F.request("https://shop.test/v1/properties/shop/consents", at: 1000, thirdParty: false)
        let visit = F.visit(
            .rejectAll, F.fr, cookies: [F.firstParty("shop_session"), F.firstParty("_ga", at: 1200)],
            requests: [decision, F.request("https://cdn.tracker.test/t.js", at: 1300)])
        let found = find(visit)
        #expect(found.map(\.rule) == [.afterRejectAll, .afterRejectAll] && found.map(\.kind) == [.cookie, .request])
    }

    @Test func choiceVisitsWithoutTheClickAndFailedVisitsProveNothing() {
        let cookies = [F.firstParty("_ga")]
        #expect(find(F.visit(.rejectAll, F.fr, clicked: false, cookies: cookies)).isEmpty)
        #expect(find(F.visit(.beforeChoice, F.fr, outcome: .failed("time limit"), cookies: cookies)).isEmpty)
        #expect(
            find(F.visit(.acceptAll, F.fr, cookies: cookies, requests: [F.request("https://cdn.tracker.test/t.js")]))
                .isEmpty)
    }

    @Test func aRevokedCategorysCookieStillThereAfterRejectAllWasNotDeleted() throws {
        // US-CA: targeting runs by default, so shop_ads was there before the click; Reject All must delete it.
        let ads = F.firstParty("shop_ads", at: 150)
        let kept = find(F.visit(.rejectAll, F.california, before: [ads, F.firstParty("shop_lang")], cookies: [ads]))
        let v = try #require(kept.first)
        #expect(
            kept.count == 1 && v.kind == .notDeleted && v.rule == .notDeletedAfterRejectAll && v.category == "targeting"
        )
        #expect(find(F.visit(.rejectAll, F.california, before: [ads], cookies: [])).isEmpty)
        // Another site's cookie from before the click is not the widget's to delete.
        let third = F.thirdParty("uid", domain: ".ads.test")
        #expect(find(F.visit(.rejectAll, F.california, before: [third], cookies: [third])).isEmpty)
    }

    @Test func afterRejectAllOnlyRequestsAfterTheDecisionCount() {
        let early = F.request("https://cdn.tracker.test/t.js", at: 200)
        let decision = F.request("https://shop.test/v1/properties/shop/consents", at: 1000, thirdParty: false)
        let late = F.request("https://beacon.test/hit", at: 1500)
        #expect(find(F.visit(.rejectAll, F.california, requests: [early, decision])).isEmpty)
        #expect(
            find(F.visit(.rejectAll, F.california, requests: [early, decision, late])).map(\.name) == ["beacon.test"])
        // Without the decision a US-CA visit cannot tell before from after the click.
        #expect(find(F.visit(.rejectAll, F.california, requests: [early, late])).isEmpty)
    }

    @Test func afterRejectAllTheRecordedClickDecidesWhatCameAfter() {
        let early = F.request("https://cdn.tracker.test/t.js", at: 200)
        let late = F.request("https://beacon.test/hit", at: 1500)
        var visit = F.visit(.rejectAll, F.california, requests: [early, late])
        visit.clickedAtMs = 1000
        #expect(find(visit).map(\.name) == ["beacon.test"])
        // The click's time wins over the decision request, which may leave later than the click.
        visit.requests.append(F.request("https://shop.test/v1/properties/shop/consents", at: 1800, thirdParty: false))
        #expect(find(visit).map(\.name) == ["beacon.test"])
        visit.clickedAtMs = 100
        #expect(find(visit).map(\.name).sorted() == ["beacon.test", "cdn.tracker.test"])
    }

    @Test func withGPCSaleSharingAndTargetingAreViolationsAndAnalyticsIsNot() {
        let visit = F.visit(
            .gpc, F.california,
            cookies: [F.firstParty("shop_ads"), F.firstParty("_ga"), F.thirdParty("zz_third", domain: ".x.test")],
            requests: [F.request("https://ads.test/bid"), F.request("https://cdn.tracker.test/t.js")])
        let found = find(visit)
        #expect(found.map(\.name) == ["shop_ads", "zz_third", "ads.test"])
        #expect(found.allSatisfy { $0.rule == .gpc && $0.visit == .gpc })
    }

    @Test func assentsOwnRequestsAreNeverViolations() {
        // consent.test is on the tracker list here only to show that Assent's own paths are recognised.
        let visit = F.visit(
            .beforeChoice, F.fr,
            requests: [
                F.request("https://consent.test/assent.js"),
                F.request("https://consent.test/v1/properties/shop/config"),
                F.request("https://consent.test/v1/properties/shop/events"),
            ])
        #expect(find(visit).isEmpty)
        let other = F.visit(.beforeChoice, F.fr, requests: [F.request("https://consent.test/anything")])
        #expect(find(other).count == 1)
        #expect(find(other, assentOrigin: "https://consent.test").isEmpty)
    }

    @Test func aRequestToAFirstPartyHostIsNotAThirdPartyTracker() {
        let visit = F.visit(
            .beforeChoice, F.fr, requests: [F.request("https://cdn.tracker.test/t.js", thirdParty: false)])
        #expect(find(visit).isEmpty)
    }
}
