import AssentCore
import AssentScanner
import Foundation
import Logging
import ScanFixtureSite
import Testing

/// The scanner end to end: real Chromium, the real widget from a real Assent server, a fixture site on loopback.
/// Serialized: each test runs one browser with two tabs, which is what two cores can carry.
@Suite("Scanning in Chromium", .serialized)
struct ScanFixtureTests {
    static var logger: Logger {
        var logger = Logger(label: "assent-scan-test")
        logger.logLevel = .warning
        return logger
    }

    static func visit(_ observations: ScanObservations, _ path: String, _ kind: VisitKind, region: String = "FR")
        throws -> VisitRecord
    {
        try #require(
            observations.visits.first {
                URLComponents(string: $0.pageURL)?.path == path && $0.kind == kind && $0.region.code == region
            }, "no \(kind) visit of \(path) in \(region)")
    }

    @Test("the fixture site: what each page sets and sends before and after each choice, and the violations")
    func fixtureSite() async throws {
        try await FixtureSite.run { fixture in
            let progress = Box<[ScanProgress]>([])
            let observations = try await ScanRunner(
                request: fixture.request(["/"], maxPages: 10, depth: 1), logger: Self.logger
            ).run { step, _ in progress.set(progress.get() + [step]) }

            // The crawler found every page through the links and the sitemap; 4 visits each, all made.
            #expect(
                Set(observations.pages.compactMap { URLComponents(string: $0)?.path })
                    == ["/", "/clean", "/leak", "/iframe", "/late", "/revoked"])
            #expect(observations.visits.count == 24)
            #expect(observations.visits.allSatisfy { $0.outcome == .ok }, "\(observations.visits.map(\.outcome))")
            #expect(progress.get().count == 24)
            #expect(progress.get().last?.visitsDone == 24)
            #expect(progress.get().last?.pagesDone == 6)
            #expect(observations.browser.hasPrefix("Chrome/"))
            let tracker = FixtureSite.trackerHost

            // The clean page: the banner, and nothing of the tracker's until Accept All.
            for kind in [VisitKind.beforeChoice, .rejectAll, .gpc] {
                let clean = try Self.visit(observations, "/clean", kind)
                #expect(clean.bannerShown)
                #expect(!clean.requests.contains { $0.url.contains(tracker) }, "\(kind)")
                #expect(!clean.cookies.contains { $0.name == "fx_stats" || $0.name == "frm_id" }, "\(kind)")
            }
            let rejected = try Self.visit(observations, "/clean", .rejectAll)
            #expect(rejected.clicked)
            #expect(rejected.cookies.contains { $0.name == "assent_fixture" && !$0.thirdParty })
            let accepted = try Self.visit(observations, "/clean", .acceptAll)
            #expect(accepted.clicked)
            let stats = try #require(accepted.cookies.first { $0.name == "fx_stats" })
            #expect(stats.setBy?.kind == .script)
            #expect(stats.setBy?.url?.hasSuffix("/stats.js") == true)
            #expect(stats.setBy?.line == 1)
            #expect(!stats.thirdParty)
            #expect(accepted.cookies.contains { $0.name == "frm_id" && $0.thirdParty })

            // A tracker script before consent: its request, who asked for it, and the cookie its response set.
            let leak = try Self.visit(observations, "/leak", .beforeChoice)
            let script = try #require(leak.requests.first { $0.url.hasSuffix("/track.js") })
            #expect(script.thirdParty)
            #expect(script.type == "Script")
            #expect(script.initiator?.kind == .parser)
            #expect(script.initiator?.url?.hasSuffix("/leak") == true)
            #expect(script.initiator?.line == 7)
            let uid = try #require(leak.cookies.first { $0.name == "trk_uid" })
            #expect(uid.thirdParty && !uid.blocked && uid.secure)
            #expect(uid.sameSite == "None")
            #expect(uid.setBy == Initiator(kind: .response, url: script.url))
            #expect(uid.expires != nil)

            // A third-party frame (its own process): its cookie and its storage key.
            let frame = try Self.visit(observations, "/iframe", .beforeChoice)
            let frameCookie = try #require(frame.cookies.first { $0.name == "frm_id" })
            #expect(frameCookie.thirdParty)
            #expect(frameCookie.domain == tracker)
            #expect(frameCookie.setBy?.kind == .script)
            #expect(frameCookie.frameURL?.hasSuffix("\(tracker):\(fixture.sitePort)/frame") == true)
            let key = try #require(frame.storage.first { $0.key == "frm_key" })
            #expect(key.area == .local && key.thirdParty)
            #expect(key.origin == fixture.tracker)

            // A tracker injected by a timer after the page loaded is still seen, when it came.
            let late = try Self.visit(observations, "/late", .beforeChoice)
            let injected = try #require(late.requests.first { $0.url.hasSuffix("/late.js") })
            #expect(injected.atMs >= 300)
            #expect(injected.initiator?.kind == .script)
            #expect(injected.initiator?.url?.hasSuffix("/late") == true)

            // The server-set performance cookie is gone after Reject All: the widget deletes what it lists.
            let revoked = try Self.visit(observations, "/revoked", .rejectAll)
            #expect(revoked.clicked)
            #expect(!revoked.cookies.contains { $0.name == "fx_perf" })

            // And the analysis finds what leaks, and nothing on the clean pages.
            let classifier = Classifier(property: fixture.property, database: try CookieDatabase.bundled())
            let violations = Violations.find(
                in: observations.visits, property: fixture.property, classifier: classifier,
                assentOrigin: fixture.assentOrigin)
            func found(_ path: String) -> Set<String> {
                Set(violations.filter { URLComponents(string: $0.page)?.path == path }.map(\.name))
            }
            #expect(found("/").isEmpty)
            #expect(found("/clean").isEmpty, "\(violations.filter { $0.page.hasSuffix("/clean") })")
            #expect(found("/leak").isSuperset(of: ["trk_uid", tracker]))
            #expect(found("/iframe").isSuperset(of: ["frm_id", "frm_key"]))
            #expect(found("/late").contains(tracker))
            let leakViolation = try #require(
                violations.first { $0.name == "trk_uid" && $0.visit == .beforeChoice && $0.page.hasSuffix("/leak") })
            #expect(leakViolation.rule == .beforeConsent)
            #expect(leakViolation.initiator?.url?.hasSuffix("/track.js") == true)
        }
    }

    @Test("after Reject All in US-CA: a listed cookie is deleted, an unlisted analytics cookie is not, and says so")
    func notDeletedAfterRejectAll() async throws {
        try await FixtureSite.run { fixture in
            let observations = try await ScanRunner(
                request: fixture.request(["/stale"], regions: ["US-CA"], maxPages: 1), logger: Self.logger
            ).run { _, _ in }
            let rejected = try Self.visit(observations, "/stale", .rejectAll, region: "US-CA")
            #expect(rejected.clicked)
            let click = try #require(rejected.clickedAtMs)
            #expect(click > 0 && click < rejected.durationMs)
            // Both were there before the click (US-CA allows performance until the visitor says no).
            #expect(Set(rejected.cookiesBeforeClick.map(\.name)).isSuperset(of: ["fx_perf", "_ga"]))
            #expect(!rejected.cookies.contains { $0.name == "fx_perf" })
            #expect(rejected.cookies.contains { $0.name == "_ga" })

            let classifier = Classifier(property: fixture.property, database: try CookieDatabase.bundled())
            let violations = Violations.find(
                in: observations.visits, property: fixture.property, classifier: classifier,
                assentOrigin: fixture.assentOrigin)
            let stale = violations.filter { $0.rule == .notDeletedAfterRejectAll }
            #expect(stale.map(\.name) == ["_ga"], "\(violations)")
            #expect(stale.first?.source == .openCookieDatabase)
            // Before any choice nothing is wrong in an opt-out region.
            #expect(!violations.contains { $0.visit == .beforeChoice })
        }
    }

    @Test("the demo site scans clean in FR and US-CA")
    func demoIsClean() async throws {
        try await FixtureSite.run { fixture in
            let request = fixture.request(
                [fixture.assentOrigin + "/demo/"], regions: ["FR", "US-CA"], maxPages: 1, property: fixture.demo)
            let observations = try await ScanRunner(request: request, logger: Self.logger).run { _, _ in }
            #expect(observations.visits.count == 8)
            #expect(observations.visits.allSatisfy { $0.outcome == .ok }, "\(observations.visits.map(\.outcome))")
            let first = try Self.visit(observations, "/demo/", .beforeChoice)
            #expect(first.bannerShown)
            #expect(try Self.visit(observations, "/demo/", .rejectAll).clicked)
            #expect(try Self.visit(observations, "/demo/", .acceptAll, region: "US-CA").clicked)
            let classifier = Classifier(property: fixture.demo, database: try CookieDatabase.bundled())
            let violations = Violations.find(
                in: observations.visits, property: fixture.demo, classifier: classifier,
                assentOrigin: fixture.assentOrigin)
            #expect(violations.isEmpty, "\(violations)")
        }
    }

    @Test("a page that never loads or redirects for ever fails its visits, an alert is dismissed, the scan goes on")
    func failures() async throws {
        try await FixtureSite.run { fixture in
            let request = fixture.request(
                ["/endless", "/loop", "/alert", "/clean"], maxPages: 4, pageTimeout: .seconds(3))
            let observations = try await ScanRunner(request: request, logger: Self.logger).run { _, _ in }
            #expect(observations.visits.count == 16)
            for kind in VisitKind.allCases {
                let endless = try Self.visit(observations, "/endless", kind)
                guard case .failed(let reason) = endless.outcome else {
                    Issue.record("the endless page's \(kind) visit did not fail")
                    continue
                }
                #expect(reason.contains("time limit"), "\(reason)")
                let loop = try Self.visit(observations, "/loop", kind)
                guard case .failed(let loopReason) = loop.outcome else {
                    Issue.record("the redirect loop's \(kind) visit did not fail")
                    continue
                }
                #expect(loopReason.contains("REDIRECT"), "\(loopReason)")
                #expect(try Self.visit(observations, "/alert", kind).outcome == .ok)
                #expect(try Self.visit(observations, "/clean", kind).outcome == .ok)
            }
            #expect(try Self.visit(observations, "/clean", .rejectAll).clicked)
        }
    }
}
