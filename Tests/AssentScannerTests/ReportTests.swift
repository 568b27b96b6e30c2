import AssentCore
import Foundation
import Testing

@testable import AssentScanner
@testable import AssentServer

@Suite struct ReportTests {
    typealias F = AnalysisFixture
    static let start = 1_800_000_000.0

    static func observations(evil: Bool = false) -> ScanObservations {
        let page = evil ? "https://shop.test/?q=\"><script>alert('x')</script>&a=1" : "https://shop.test/"
        let name = evil ? "<img src=x onerror=alert(1)>" : "zz_third"
        let visits = [
            F.visit(
                .beforeChoice, F.fr, page: page,
                cookies: [
                    F.firstParty("_ga", expires: start + 86_400 * 800), F.thirdParty(name, domain: ".iframe.test"),
                ],
                requests: [F.request("https://cdn.tracker.test/t.js")]),
            F.visit(.rejectAll, F.fr, page: page),
            F.visit(.acceptAll, F.fr, page: page, cookies: [F.firstParty("shop_ads")]),
            F.visit(.gpc, F.fr, page: page, outcome: .failed("the page did not finish loading")),
            F.visit(.beforeChoice, F.california, page: page, cookies: [F.firstParty("shop_ads")]),
        ]
        return ScanObservations(
            startURLs: [page], propertyID: "shop", regions: [F.fr, F.california], pages: [page], visits: visits,
            startedAt: start, finishedAt: start + 60, browser: "Chrome/156.0.8078.129")
    }

    static func report(evil: Bool = false, previous: ScanReport? = nil) -> ScanReport {
        ScanReport(
            observations: observations(evil: evil), property: F.property(), classifier: F.classifier(),
            previous: previous)
    }

    @Test func theReportCarriesViolationsProposalLintAndVisits() {
        let r = Self.report()
        #expect(r.violations.map(\.name) == ["_ga", "zz_third", "cdn.tracker.test"])
        #expect(r.visits.count == 5 && r.failedVisits == 1 && r.visits[0].violations == 3)
        #expect(r.regions == ["FR", "US-CA"] && r.regimes == ["opt-in", "opt-out"])
        #expect(r.trackerList == "test list")
        // _ga was observed to live 800 days in FR.
        #expect(r.lint.map(\.code) == [PropertyLint.Code.cookieLifetime])
        #expect(r.proposal.entries.contains { $0.name == "shop_ads" })
    }

    @Test func jsonRoundTripsThroughText() throws {
        let previous = Self.report()
        var later = Self.observations()
        later.visits[0].requests = []
        let report = ScanReport(
            observations: later, property: F.property(), classifier: F.classifier(), previous: previous)
        #expect(report.difference?.violationsResolved.map(\.name) == ["cdn.tracker.test"])
        #expect(report.difference?.violationsAdded == [])
        let text = report.jsonText()
        let read = try ScanReport(json: try JSONParser.parse(text))
        #expect(read == report)
        #expect(try JSONParser.parse(text)["version"]?.intValue == ScanReport.version)
        #expect(try JSONParser.parse(text)["summary"]?["violations"]?.intValue == 2)
    }

    @Test func readingRefusesAnotherVersionAndSaysWhereADocumentIsWrong() throws {
        let json = Self.report().json()
        guard case .object(var members) = json else { Issue.record("not an object"); return }
        members[0] = ("version", .int(2))
        #expect(throws: ScanReport.ReadError.self) { try ScanReport(json: .object(members)) }
        do {
            _ = try ScanReport(json: .object(members))
        } catch let error as ScanReport.ReadError {
            #expect(error.path == "$.version")
        }
        members[0] = ("version", .int(1))
        members.removeAll { $0.0 == "violations" }
        do {
            _ = try ScanReport(json: .object(members))
            Issue.record("read a report without violations")
        } catch let error as ScanReport.ReadError {
            #expect(error.path == "$.violations" && error.message == "missing")
        }
    }

    @Test func htmlEscapesEveryTextAndLoadsNothing() {
        let html = Self.report(evil: true).html()
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;a=1"))
        // Attributes come only from the writer, always double-quoted; escaped text never holds a raw quote.
        for external in ["src=\"", "href=\"", "@import", "url(", "<link", "<iframe", "<object"] {
            #expect(!html.contains(external), "the report must not load anything: \(external)")
        }
    }

    @Test func htmlPutsTheVerdictAndViolationsBeforeTheCookieList() throws {
        let html = Self.report().html()
        #expect(html.contains("3 violations found"))
        let violations = try #require(html.range(of: "<h2>Violations</h2>"))
        let list = try #require(html.range(of: "<h2>Cookie list</h2>"))
        let lint = try #require(html.range(of: "<h2>Configuration lint</h2>"))
        let regions = try #require(html.range(of: "<h2>Visits by region</h2>"))
        #expect(
            violations.lowerBound < list.lowerBound && list.lowerBound < lint.lowerBound
                && lint.lowerBound < regions.lowerBound)
        #expect(html.contains("US-CA (opt-out)") && html.contains("Open Cookie Database"))
        #expect(html.contains("cdn.tracker.test") && html.contains("script https://shop.test/app.js:7"))
    }

    @Test func theDemoPropertyLintsWithoutAnError() {
        let findings = PropertyLint.lint(DemoProperty.make(origins: ["http://127.0.0.1:8080"]))
        #expect(findings.filter { $0.severity == .error } == [])
    }
}
