import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

@Suite("Console analytics and overview")
struct ConsoleAnalyticsTests {
    static let password = ConsoleRouteTests.password

    /// 20 banners and 12 decisions in France (8 accept all, 4 reject all), 3 decisions in California (a small
    /// cell, merged into "other", each saving performance on and targeting off).
    static func visitors(_ client: some TestClientProtocol) async throws {
        for _ in 0..<20 {
            let sent = try await AnalyticsRouteTests.beacon(
                client, #"{"event":"banner_shown","policyVersion":1,"lang":"fr"}"#, [.regionHeader: "FR"])
            try #require(sent.status == .noContent)
        }
        for i in 0..<12 {
            _ = try await client.recordDecision(
                #"{"action":"\#(i % 3 == 0 ? "reject_all" : "accept_all")","policyVersion":1,"lang":"fr"}"#,
                [.regionHeader: "FR"])
        }
        for _ in 0..<3 {
            _ = try await client.recordDecision(
                #"{"action":"save","choices":{"performance":true,"targeting":false},"policyVersion":1}"#)
        }
    }

    static func signedIn(
        _ client: some TestClientProtocol, _ configuration: ServerConfiguration, _ role: AccountRole = .viewer,
        properties: [String]? = nil
    ) async throws -> ConsoleBrowser {
        try await ConsoleRouteTests.account(configuration, "reader@example.org", role, properties: properties)
        var browser = ConsoleBrowser()
        try #require(try await browser.signIn(client, "reader@example.org", password).status == .seeOther)
        return browser
    }

    /// The cells of the table row whose header cell is `head`.
    static func row(_ html: String, _ head: String) -> [String]? {
        guard let start = html.range(of: "<tr><th scope=\"row\">\(head)</th>") else { return nil }
        guard let end = html.range(of: "</tr>", range: start.upperBound..<html.endIndex) else { return nil }
        return html[start.upperBound..<end.lowerBound].components(separatedBy: "<td>").dropFirst().map {
            $0.replacingOccurrences(of: "</td>", with: "")
        }
    }

    @Test func theAnalyticsPageDrawsEachChartAboveItsTable() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.visitors(client)
            var browser = try await Self.signedIn(client, configuration)
            let page = try await browser.get(client, "/admin/analytics")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("aria-current=\"page\">Analytics</a>"))
            // Three drawings (rates, actions, categories), each one named image; the regions are a table.
            #expect(html.components(separatedBy: "<svg ").count - 1 == 3)
            #expect(html.components(separatedBy: "role=\"img\" aria-label=\"").count - 1 == 3)
            #expect(!html.contains("style=") && !html.contains("<script"))
            let today = CivilDate(milliseconds: ConsentService.now())
            #expect(html.contains("value=\"\(today.adding(days: -29))\"") && html.contains("value=\"\(today)\""))
            // Today has 15 decisions: its own row; 8 of them allow everything.
            #expect(Self.row(html, today.description) == ["20", "15", "53.3%", "40.0%", "25.0%"])
            #expect(Self.row(html, "Accept all") == ["8", "53.3%"])
            #expect(Self.row(html, "Reject all") == ["4", "26.7%"])
            #expect(Self.row(html, "Save choices") == ["3", "20.0%"])
            #expect(Self.row(html, "FR") == ["20", "12", "66.7%", "40.0%", "40.0%"])
            #expect(Self.row(html, "Other regions (fewer than 10 decisions each)")?.prefix(2) == ["0", "3"])
            #expect(Self.row(html, "Performance")?.last == "73.3%")
            // A bar as long as its share of the most frequent action: 4 of 8 → half of the 410 units.
            #expect(html.contains("<rect class=\"bar\" x=\"200\" y=\"43\" width=\"205\" height=\"20\"/>"))
            for chart in ["rates", "actions", "categories", "regions"] {
                #expect(html.contains("/admin/analytics.csv?property=demo&amp;from="), "\(chart)")
                #expect(html.contains("chart=\(chart)\" download>"))
            }

            let spanish = try await browser.get(client, "/admin/analytics?lang=es")
            #expect(spanish.text.contains("Rendimiento") && spanish.text.contains("Aceptar todo"))
            #expect(Self.row(spanish.text, "FR") == ["20", "12", "66,7 %", "40,0 %", "40,0 %"])
        }
    }

    @Test func eachChartDownloadsAsCSV() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.visitors(client)
            var browser = try await Self.signedIn(client, configuration)
            let from = "2026-01-01"
            let to = CivilDate(milliseconds: ConsentService.now()).description
            let query = "property=demo&from=\(from)&to=\(to)"
            let actions = try await browser.get(client, "/admin/analytics.csv?\(query)&chart=actions")
            #expect(actions.status == .ok)
            #expect(actions.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(
                actions.headers[.contentDisposition]
                    == "attachment; filename=\"analytics-demo-actions-\(from)-\(to).csv\"")
            #expect(
                actions.text
                    == "Action,Decisions,Share\r\nAccept all,8,53.3%\r\nReject all,4,26.7%\r\nSave choices,3,20.0%\r\n"
                    + "Global Privacy Control (no click),0,0.0%\r\n")
            let regions = try await browser.get(client, "/admin/analytics.csv?\(query)&chart=regions")
            #expect(
                regions.text.hasPrefix("Region,Banners shown,Decisions,Consent rate,Opt-in rate,No-choice rate\r\n"))
            #expect(regions.text.contains("\r\nFR,20,12,66.7%,40.0%,40.0%\r\n"))
            let rates = try await browser.get(client, "/admin/analytics.csv?\(query)&chart=rates")
            #expect(rates.text.contains("\r\n\(to),20,15,53.3%,40.0%,25.0%\r\n"))
            #expect(try await browser.get(client, "/admin/analytics.csv?\(query)&chart=pie").status == .badRequest)
            #expect(try await browser.get(client, "/admin/analytics.csv?chart=rates").status == .badRequest)
            let unknown = try await browser.get(client, "/admin/analytics.csv?property=nope&chart=rates")
            #expect(unknown.status == .notFound)
        }
    }

    @Test func aBadPeriodIsAnsweredOnThePageWithA400() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            var browser = try await Self.signedIn(client, configuration)
            for (query, message) in [
                ("from=yesterday", "Give the days as YYYY-MM-DD."),
                ("from=2026-02-01&to=2026-01-01", "The first day is after the last."),
                ("from=2024-01-01&to=2026-01-01", "Choose a period of at most 366 days."),
            ] {
                let page = try await browser.get(client, "/admin/analytics?property=demo&\(query)")
                #expect(page.status == .badRequest, "\(query)")
                #expect(ConsoleRouteTests.errorText(page) == message)
                #expect(!page.text.contains("<svg"))
            }
            let year = try await browser.get(client, "/admin/analytics?property=demo&from=2025-01-01&to=2025-12-31")
            #expect(year.status == .ok)
            #expect(year.text.contains("No figures for this period yet."))
        }
    }

    @Test func analyticsAreRefusedForPropertiesTheAccountMayNotReadAndWithoutASession() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            var anonymous = ConsoleBrowser()
            let away = try await anonymous.get(client, "/admin/analytics")
            #expect(away.status == .seeOther && away.headers[.location] == "/admin/sign-in")
            #expect(
                try await anonymous.get(client, "/admin/analytics.csv?property=demo&chart=rates").headers[.location]
                    == "/admin/sign-in")
            var limited = try await Self.signedIn(client, configuration, .editor, properties: ["elsewhere"])
            let page = try await limited.get(client, "/admin/analytics")
            #expect(page.status == .ok)
            #expect(!page.text.contains("value=\"demo\"") && !page.text.contains("<svg"))
            #expect(try await limited.get(client, "/admin/analytics?property=demo").status == .forbidden)
            #expect(
                try await limited.get(client, "/admin/analytics.csv?property=demo&chart=rates").status == .forbidden)
            // The admin API's report takes the same session: refused outside the account's properties …
            let api = "/v1/admin/properties/demo/analytics"
            #expect(try await limited.get(client, api).status == .forbidden)
            #expect(try await anonymous.get(client, api).status == .unauthorized)
        }
    }

    @Test func theAdminAnalyticsReportTakesAConsoleSessionOfAnyRole() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.visitors(client)
            var viewer = try await Self.signedIn(client, configuration, .viewer, properties: ["demo"])
            let report = try await viewer.get(client, "/v1/admin/properties/demo/analytics")
            #expect(report.status == .ok)
            #expect(report.text.contains("\"decisions\""))
        }
    }
}

extension ConsoleAnalyticsTests {
    /// An open access request of `property` whose answer is due `days` from today (negative: overdue).
    static func request(_ n: Int, property: String = "demo", dueIn days: Int, status: RequestStatus = .received)
        -> PrivacyRequest
    {
        let today = CivilDate(milliseconds: ConsentService.now())
        let due = today.adding(days: days)
        return PrivacyRequest(
            id: String(format: "0190-overview-%04d", n), property: property, type: .access, law: .ccpa,
            region: "US-CA", lang: "en", status: status, email: "ana@example.com", emailHash: "hash-\(n)",
            receivedAt: ConsentService.now() - 40 * Timestamp.millisecondsPerDay,
            deadlines: RequestDeadlines(
                received: today.adding(days: -40), acknowledgeBy: today.adding(days: -30), respondBy: due,
                extendedRespondBy: due.adding(days: 45)),
            statusTokenHash: "overview-token-\(n)")
    }

    @Test func theOverviewShowsEachPropertysLast30DaysRequestsScanAndTheLedger() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.visitors(client)
            let store = try TestServer.store(configuration)
            for (n, days, status) in [
                (1, 3, RequestStatus.received), (2, 7, .inProgress), (3, 8, .received), (4, -1, .verified),
                (5, -2, .completed), (6, 0, .received),
            ] {
                let request = Self.request(n, dueIn: days, status: status)
                try await store.createRequest(
                    request,
                    event: RequestEvent(
                        requestID: request.id, at: request.receivedAt, actor: "requester", action: "created",
                        to: .received), challenge: nil, suppression: nil, webhook: nil)
            }
            try await store.createScan(
                StoredScan(
                    id: "scan-1", property: "demo", status: .done, request: Array("{}".utf8),
                    progress: ScanProgressCounts(violations: 3), createdAt: ConsentService.now() - 60_000,
                    finishedAt: ConsentService.now(), secretHash: Array(repeating: 1, count: 32),
                    secretExpiresAt: ConsentService.now()), keep: 5)
            var owner = try await Self.signedIn(client, configuration, .owner)
            let page = try await owner.get(client, "/admin/")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<code>demo</code>"))
            #expect(html.contains("<td>20</td><td>15</td><td>53.3%</td><td>40.0%</td><td>25.0%</td>"))
            // Due today, in 3 and in 7 days: 3; due in 8 days: not yet; overdue by a day: 1; closed: never.
            #expect(html.contains("<a href=\"/admin/requests?property=demo\">3<span"))
            #expect(html.contains("href=\"/admin/requests?property=demo&amp;overdue=1\">1 overdue<span"))
            #expect(html.contains(">3 violation(s)<span"))
            #expect(html.contains("<p>15 records in the ledger.</p>"))
            #expect(html.contains("<caption>Latest signed tree head of each log</caption>"))

            // A viewer reads no requests, so sees no request counts.
            try await ConsoleRouteTests.account(configuration, "viewer@example.org", .viewer)
            var viewer = ConsoleBrowser()
            _ = try await viewer.signIn(client, "viewer@example.org", Self.password)
            let limited = try await viewer.get(client, "/admin/")
            #expect(limited.status == .ok)
            #expect(limited.text.contains("<td>20</td><td>15</td>") && !limited.text.contains("/admin/requests"))
            let spanish = try await viewer.get(client, "/admin/?lang=es")
            #expect(spanish.text.contains("<td>53,3 %</td>") && spanish.text.contains("3 infracción(es)"))
        }
    }
}

@Suite("Console charts")
struct ConsoleChartTests {
    @Test func aLineBreaksWhereADayHasNoValueAndEachSeriesHasItsOwnMarker() {
        let svg = ConsoleCharts.lines(
            name: "Rates", labels: ["d1", "d2", "d3", "d4"],
            series: [
                ConsoleCharts.Series(name: "a", values: [0, 0.5, nil, 1]),
                ConsoleCharts.Series(name: "b", values: [1, 1, 1, 1]),
            ], percent: { "\(Int($0 * 100))%" })
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 720 284\""))
        #expect(svg.contains("role=\"img\" aria-label=\"Rates\""))
        // x from 56 to 704 in thirds; y: 0 at 216, 1 at 16.
        #expect(svg.contains("<path d=\"M56 216 L272 116 M704 16\"/>"))
        #expect(svg.contains("<path d=\"M56 16 L272 16 L488 16 L704 16\"/>"))
        #expect(svg.components(separatedBy: "<circle ").count - 1 == 3 + 1)
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 4 + 1)
        #expect(svg.contains(">100%</text>") && svg.contains(">d4</text>"))
        #expect(svg.hasSuffix("</svg>"))
    }

    @Test func textsAreEscapedAndBarsAreAsLongAsTheirShare() {
        let svg = ConsoleCharts.bars(
            name: "A \"quoted\" <name>",
            [
                ConsoleCharts.Bar(label: "<script>alert(1)</script>", value: 1, figure: "10"),
                ConsoleCharts.Bar(label: "half & half", value: 0.5, figure: "5"),
                ConsoleCharts.Bar(label: "too much", value: 7, figure: "70"),
            ])
        #expect(svg.contains("aria-label=\"A &quot;quoted&quot; &lt;name&gt;\""))
        #expect(!svg.contains("<script>"))
        #expect(svg.contains(">&lt;script&gt;alert(1)&lt;/script&gt;</text>"))
        #expect(svg.contains(">half &amp; half</text>"))
        #expect(svg.contains("<rect class=\"bar\" x=\"200\" y=\"13\" width=\"410\" height=\"20\"/>"))
        #expect(svg.contains("<rect class=\"bar\" x=\"200\" y=\"43\" width=\"205\" height=\"20\"/>"))
        // A value beyond the scale stops at its end.
        #expect(svg.contains("<rect class=\"bar\" x=\"200\" y=\"73\" width=\"410\" height=\"20\"/>"))
    }

    @Test func axisLabelsKeepTheFirstAndLastDay() {
        #expect(ConsoleCharts.tickIndices(count: 0) == [])
        #expect(ConsoleCharts.tickIndices(count: 5) == [0, 1, 2, 3, 4])
        #expect(ConsoleCharts.tickIndices(count: 30) == [0, 5, 10, 15, 20, 25, 29])
        let many = ConsoleCharts.tickIndices(count: 366)
        #expect(many.first == 0 && many.last == 365 && many.count <= 8)
    }

    @Test(arguments: [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+1", "'+1"), ("-1", "'-1"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
        ("\rx", "\"'\rx\""), ("plain", "plain"), ("53.3%", "53.3%"), ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""), ("=1,2", "\"'=1,2\""), ("line\r\nbreak", "\"line\r\nbreak\""),
    ])
    func csvCellsCannotBecomeFormulas(cell: String, written: String) {
        #expect(ChartTable.csvCell(cell) == written)
    }

    @Test func aTableIsWrittenAsCSVWithItsHeader() {
        let table = ChartTable(header: ["Region", "Decisions"], rows: [["FR", "12"], ["=HYPERLINK(\"x\")", "1"]])
        #expect(table.csv == "Region,Decisions\r\nFR,12\r\n\"'=HYPERLINK(\"\"x\"\")\",1\r\n")
    }
}
