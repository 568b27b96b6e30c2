import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The analytics page: a property's consent figures between two days, drawn on the server as SVG (rates over
/// time as lines, actions and per-category acceptance as bars, a table per region), each chart with its data table
/// beneath it and a CSV download. The figures are the admin API's report (`ConsentService.analyticsReport`), with
/// its k-anonymity: a day or region of fewer than ten decisions is only ever shown merged into "other".
extension ConsoleController {
    /// The longest period one page shows.
    static var analyticsMaxDays: Int { 366 }
    static var analyticsCharts: [String] { ["rates", "actions", "categories", "regions"] }

    func addAnalyticsRoutes(to router: Router<Context>) {
        router.get("/admin/analytics", use: guarded(analytics))
        router.get("/admin/analytics.csv", use: guarded(analyticsCSV))
    }

    /// What a page or download asks for, checked: a property the account may read, and a period.
    struct AnalyticsQuery {
        var property: String
        var from: CivilDate
        var to: CivilDate

        var queryString: String {
            "property=\(ConsoleController.urlEncoded(property))&from=\(from)&to=\(to)"
        }
    }

    /// One chart of the page: its drawing (none for the region table), and the table it draws.
    struct AnalyticsChart {
        var id: String
        var title: String
        var svg: String?
        var table: ChartTable
    }

    @Sendable func analytics(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.readAnalytics)
        var properties: [(id: String, name: String)] = []
        for id in try await store.propertyIDs().sorted() where actor.sees(property: id) {
            guard let entry = try await cachedProperty(id) else { continue }
            properties.append((id, entry.current.property.name))
        }
        let parameters = request.uri.queryParameters
        let chosen = parameters["property"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? properties.first?.id
        var values: [String: Any] = [
            "propertyOptions": properties.map { ["value": $0.id, "label": $0.name, "selected": $0.id == chosen] },
            "hasProperties": !properties.isEmpty,
            "from": parameters["from"].map { String($0.prefix(10)) } ?? "",
            "to": parameters["to"].map { String($0.prefix(10)) } ?? "",
        ]
        guard let chosen else {
            return render(page, "analytics", title: page.t["analytics"]!, values: values, current: "analytics")
        }
        let query: AnalyticsQuery
        do {
            query = try await analyticsQuery(request, actor: actor, property: chosen)
        } catch let problem as AnalyticsProblem {
            return render(
                page, "analytics", title: page.t["analytics"]!, values: values, error: page.t[problem.key],
                status: .badRequest, current: "analytics")
        }
        values["from"] = query.from.description
        values["to"] = query.to.description
        let (summary, charts) = try await analyticsCharts(query, page: page)
        values["summary"] = summary.map { ["label": $0.0, "value": $0.1] }
        values["period"] = page.t["analyticsPeriod"]!.replacingOccurrences(of: "{from}", with: query.from.description)
            .replacingOccurrences(of: "{to}", with: query.to.description)
        values["charts"] = charts.map { chart -> [String: Any] in
            var row: [String: Any] = [
                "id": chart.id, "title": chart.title,
                "header": chart.table.header.dropFirst().map { $0 }, "firstHeader": chart.table.header.first ?? "",
                "rows": chart.table.rows.map { ["head": $0.first ?? "", "cells": Array($0.dropFirst())] },
                "hasRows": !chart.table.rows.isEmpty,
                "csv": "/admin/analytics.csv?\(query.queryString)&chart=\(chart.id)",
                "csvLabel": page.t["analyticsCSV"]!.replacingOccurrences(of: "{chart}", with: chart.title),
            ]
            if let svg = chart.svg, !chart.table.rows.isEmpty { row["svg"] = svg }
            return row
        }
        return render(page, "analytics", title: page.t["analytics"]!, values: values, current: "analytics")
    }

    @Sendable func analyticsCSV(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let actor = try page.signedIn()
        try actor.require(.readAnalytics)
        let parameters = request.uri.queryParameters
        let name = parameters["chart"].map(String.init) ?? ""
        guard Self.analyticsCharts.contains(name) else {
            throw AssentError.badRequest(
                "chart: expected one of \(Self.analyticsCharts.joined(separator: ", "))", code: "invalid_query")
        }
        guard let property = parameters["property"].map(String.init), !property.isEmpty else {
            throw AssentError.badRequest("property is required", code: "invalid_query")
        }
        let query: AnalyticsQuery
        do {
            query = try await analyticsQuery(request, actor: actor, property: property)
        } catch let problem as AnalyticsProblem {
            throw AssentError.badRequest(page.t[problem.key] ?? problem.key, code: "invalid_query")
        }
        let (_, charts) = try await analyticsCharts(query, page: page)
        let table = charts.first { $0.id == name }!.table
        let file = "analytics-\(Self.fileSafe(query.property))-\(name)-\(query.from)-\(query.to).csv"
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(file)\"",
                .cacheControl: "no-store", .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: table.csv)))
    }

    struct AnalyticsProblem: Error {
        var key: String
    }

    /// The property (which the account must be allowed to read, and which must exist) and the period: the last 30
    /// days to today unless `from` and `to` say otherwise, at most `analyticsMaxDays` long.
    func analyticsQuery(_ request: Request, actor: AdminActor, property: String) async throws -> AnalyticsQuery {
        try actor.require(.readAnalytics, property: property)
        guard try await cachedProperty(property) != nil else { throw AssentError.notFound("no property \(property)") }
        let parameters = request.uri.queryParameters
        func day(_ name: String) throws -> CivilDate? {
            guard let text = parameters[Substring(name)], !text.isEmpty else { return nil }
            guard let date = CivilDate(text) else { throw AnalyticsProblem(key: "analyticsBadDay") }
            return date
        }
        let today = CivilDate(milliseconds: sessions.clock())
        let chosenTo = try day("to")
        let chosenFrom = try day("from")
        let to = chosenTo ?? today
        let from = chosenFrom ?? to.adding(days: -29)
        guard from <= to else { throw AnalyticsProblem(key: "analyticsFromAfterTo") }
        guard to.daysSinceEpoch - from.daysSinceEpoch < Self.analyticsMaxDays else {
            throw AnalyticsProblem(key: "analyticsTooLong")
        }
        return AnalyticsQuery(property: property, from: from, to: to)
    }

    /// The period's totals as label–figure pairs, and the charts with their tables.
    func analyticsCharts(_ query: AnalyticsQuery, page: ConsolePage) async throws -> (
        [(String, String)], [AnalyticsChart]
    ) {
        let t = page.t
        let number = ConsoleFigures(lang: page.lang)
        // The admin API's report, grouped two ways from one read: this server's counts not yet written first.
        await AnalyticsWriter.flush(consent.analytics, to: store, logger: logger)
        let counts = try await store.analytics(
            property: query.property, fromDay: query.from.daysSinceEpoch, toDay: query.to.daysSinceEpoch)
        let byDay = AnalyticsReport(property: query.property, from: query.from, to: query.to, by: .day, counts: counts)
        let byRegion = AnalyticsReport(
            property: query.property, from: query.from, to: query.to, by: .region, counts: counts)
        let property = try await cachedProperty(query.property)?.current.property
        let total = byDay.total
        let summary: [(String, String)] = [
            (t["analyticsBannersShown"]!, number.count(total.bannersShown)),
            (t["analyticsDecisions"]!, number.count(total.decisions)),
            (t["analyticsConsentRate"]!, number.percent(total.consentRate)),
            (t["analyticsOptInRate"]!, number.percent(total.optInRate)),
            (t["analyticsNoChoiceRate"]!, number.percent(total.noChoiceRate)),
            (t["analyticsGPCShare"]!, number.percent(total.gpcShare)),
        ]

        // Rates over time: every day of the period on the axis, a gap where a day has no figures of its own.
        let other = t["analyticsOtherDays"]!
        let days = (0...(query.to.daysSinceEpoch - query.from.daysSinceEpoch)).map { query.from.adding(days: $0) }
        let perDay = Dictionary(byDay.groups.map { ($0.key, $0.figures) }, uniquingKeysWith: { a, _ in a })
        let rateNames = [t["analyticsConsentRate"]!, t["analyticsOptInRate"]!, t["analyticsNoChoiceRate"]!]
        let rateOf: [(AnalyticsFigures) -> Double?] = [{ $0.consentRate }, { $0.optInRate }, { $0.noChoiceRate }]
        let series = zip(rateNames, rateOf).map { name, rate in
            ConsoleCharts.Series(name: name, values: days.map { perDay[$0.description].flatMap(rate) })
        }
        // One row per group of a report (a day, a region): its figures and the three rates.
        func groupTable(_ groupName: String, _ report: AnalyticsReport, other: String) -> ChartTable {
            ChartTable(
                header: [groupName, t["analyticsBannersShown"]!, t["analyticsDecisions"]!] + rateNames,
                rows: report.groups.map { group in
                    [
                        group.key == AnalyticsReport.otherGroup ? other : group.key,
                        number.count(group.figures.bannersShown), number.count(group.figures.decisions),
                    ] + rateOf.map { number.percent($0(group.figures)) }
                })
        }
        let ratesTitle = t["analyticsRatesTitle"]!
        let rates = AnalyticsChart(
            id: "rates", title: ratesTitle,
            svg: ConsoleCharts.lines(
                name: ratesTitle + " — " + t["analyticsSeeTable"]!, labels: days.map(\.description), series: series,
                percent: { number.percent($0, digits: 0) }),
            table: groupTable(t["analyticsDay"]!, byDay, other: other))

        // Actions: how visitors decided.
        let actionCounts = total.actions()
        let mostActions = max(actionCounts.map(\.1).max() ?? 0, 1)
        let actionsTitle = t["analyticsActionsTitle"]!
        let actionLabel = { (action: String) in t["analyticsAction." + action] ?? action }
        let actions = AnalyticsChart(
            id: "actions", title: actionsTitle,
            svg: ConsoleCharts.bars(
                name: actionsTitle + " — " + t["analyticsSeeTable"]!,
                actionCounts.map {
                    ConsoleCharts.Bar(
                        label: actionLabel($0.0), value: Double($0.1) / Double(mostActions), figure: number.count($0.1))
                }),
            table: ChartTable(
                header: [t["analyticsAction"]!, t["analyticsDecisions"]!, t["analyticsShare"]!],
                rows: total.decisions == 0
                    ? []
                    : actionCounts.map {
                        [
                            actionLabel($0.0), number.count($0.1),
                            number.percent(Double($0.1) / Double(total.decisions)),
                        ]
                    }))

        // Acceptance per category, titled in the page's language where the property has it.
        func title(_ key: String) -> String {
            guard let category = property?.categories.first(where: { $0.key == key }) else { return key }
            return category.title[page.lang] ?? property.flatMap { category.title[$0.defaultLanguage] } ?? key
        }
        let acceptance = total.categoryAcceptance
        let categoriesTitle = t["analyticsCategoriesTitle"]!
        let categories = AnalyticsChart(
            id: "categories", title: categoriesTitle,
            svg: ConsoleCharts.bars(
                name: categoriesTitle + " — " + t["analyticsSeeTable"]!,
                acceptance.map {
                    ConsoleCharts.Bar(label: title($0.0), value: $0.1, figure: number.percent($0.1))
                }),
            table: ChartTable(
                header: [t["analyticsCategory"]!, t["analyticsKey"]!, t["analyticsAcceptance"]!],
                rows: acceptance.map { [title($0.0), $0.0, number.percent($0.1)] }))

        // Regions: a table, no map.
        let otherRegions = t["analyticsOtherRegions"]!
        let regions = AnalyticsChart(
            id: "regions", title: t["analyticsRegionsTitle"]!, svg: nil,
            table: groupTable(t["analyticsRegion"]!, byRegion, other: otherRegions))
        return (summary, [rates, actions, categories, regions])
    }

    /// A property as the consent service caches it (read from the store once per revision); nil when there is none.
    func cachedProperty(_ id: String) async throws -> PropertyCache.Entry? {
        do {
            return try await consent.property(id)
        } catch let error as AssentError where error.status == .notFound {
            return nil
        }
    }

    static func urlEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A name safe in a Content-Disposition filename.
    static func fileSafe(_ text: String) -> String {
        String(text.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" ? Character($0) : "_" })
    }
}

/// Figures as the console writes them in a language: counts as digits, shares as percentages with the language's
/// decimal mark (a dash where there is no share).
struct ConsoleFigures: Sendable {
    var lang: String

    func count(_ value: Int) -> String { String(value) }

    func percent(_ share: Double?, digits: Int = 1) -> String {
        guard let share else { return "—" }
        var text = String(format: "%.\(digits)f", share * 100)
        if lang == "es" { text = text.replacingOccurrences(of: ".", with: ",") + " %" } else { text += "%" }
        return text
    }
}
