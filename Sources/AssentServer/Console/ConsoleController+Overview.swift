import AssentCore
import AssentStore
import Foundation
import Hummingbird

/// The overview: per property, the last 30 days' banners and rates, the requests falling due and overdue, and the
/// last scan; then the ledger's size and latest signed tree heads. Every figure is one the stores count with an
/// index or keep as aggregates (analytics counters, grouped request counts, tree heads), never a read of every
/// record, so the page stays fast on a big database.
extension ConsoleController {
    /// Requests falling due within this many days are shown as due soon.
    static var overviewDueDays: Int { 7 }
    static var overviewAnalyticsDays: Int { 30 }

    @Sendable func overview(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.readProperties)
        let t = page.t
        let figures = ConsoleFigures(lang: page.lang)
        let now = sessions.clock()
        let today = CivilDate(milliseconds: now)
        let fromDay = today.adding(days: 1 - Self.overviewAnalyticsDays).daysSinceEpoch
        let showRequests = actor.allows(.readRequests)
        // The request counts read the requests table while the properties' figures are gathered.
        async let counted = Self.openRequestCounts(
            store, show: showRequests, at: now, dueBy: today.adding(days: Self.overviewDueDays).endMilliseconds)
        // This server's counts not yet written first, as the analytics page and the admin API's report do.
        await AnalyticsWriter.flush(consent.analytics, to: store, logger: logger)
        var rows: [[String: Any]] = []
        for id in try await store.propertyIDs().sorted() where actor.sees(property: id) {
            guard let revision = try await cachedProperty(id)?.current else { continue }
            let totals = AnalyticsFigures(
                counts: try await store.analyticsTotals(property: id, fromDay: fromDay, toDay: today.daysSinceEpoch))
            let revisionLine = t["overviewRevision"]!
                .replacingOccurrences(of: "{revision}", with: String(revision.revision))
                .replacingOccurrences(of: "{version}", with: String(revision.property.policyVersion))
            var row: [String: Any] = [
                "id": id, "name": revision.property.name, "encodedID": Self.urlEncoded(id),
                "revisionLine": revisionLine,
                "bannersShown": figures.count(totals.bannersShown), "decisions": figures.count(totals.decisions),
                "consentRate": figures.percent(totals.consentRate), "optInRate": figures.percent(totals.optInRate),
                "noChoiceRate": figures.percent(totals.noChoiceRate),
            ]
            if let scan = try await store.scans(property: id, limit: 1).first {
                let finished = scan.status == .done
                let violations = finished ? scan.progress.violations : 0
                var summary = t["overviewScan." + scan.status.rawValue] ?? scan.status.rawValue
                if finished {
                    summary = t["overviewScanViolations"]!.replacingOccurrences(of: "{count}", with: String(violations))
                }
                let when = Timestamp.iso8601(milliseconds: scan.finishedAt ?? scan.createdAt).prefix(16)
                    .replacingOccurrences(of: "T", with: " ")
                row["scan"] = ["summary": summary, "when": when, "hasViolations": violations > 0] as [String: Any]
            }
            rows.append(row)
        }
        let requestCounts = try await counted
        for index in rows.indices {
            let requests = requestCounts[rows[index]["id"] as! String] ?? OpenRequestCounts()
            rows[index]["dueSoon"] = requests.dueSoon
            rows[index]["overdue"] = requests.overdue
            rows[index]["hasOverdue"] = requests.overdue > 0
        }
        var logs: [[String: Any]] = []
        var records = 0
        for log in try await store.logs() {
            guard let head = try await store.latestTreeHead(log: log) else { continue }
            records += head.head.size
            logs.append([
                "log": log, "size": figures.count(head.head.size),
                "time": Timestamp.iso8601(milliseconds: head.head.timestamp).prefix(19)
                    .replacingOccurrences(of: "T", with: " "),
                "root": head.head.root.hex, "keyID": head.keyID,
            ])
        }
        let notice = request.uri.queryParameters["done"].flatMap { page.t[String($0)] }
        return render(
            page, "overview", title: t["overview"]!,
            values: [
                "properties": rows, "hasProperties": !rows.isEmpty, "showRequests": showRequests,
                "showAnalytics": actor.allows(.readAnalytics),
                "ledgerSize": t["overviewLedgerSize"]!.replacingOccurrences(
                    of: "{count}", with: figures.count(records)),
                "logs": logs, "hasLogs": !logs.isEmpty,
            ],
            notice: notice, current: "overview")
    }

    private static func openRequestCounts(
        _ store: any AssentStorage, show: Bool, at now: Int64, dueBy: Int64
    ) async throws -> [String: OpenRequestCounts] {
        show ? try await store.openRequestCounts(at: now, dueBy: dueBy) : [:]
    }
}
