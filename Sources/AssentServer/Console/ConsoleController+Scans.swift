import AssentCore
import AssentScanner
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird

/// The scans pages: a property's last scans with their status, a form that starts one and the property's schedule
/// (owners and editors; every role reads), and a scan's page with its progress (the page asks to be reloaded while
/// the scan runs, with a `Refresh` header: no script), its report, violations with their evidence, and the proposed
/// cookie list's difference from the property's current list. Starting a scan goes through `ScanService` as
/// `POST /v1/admin/properties/{p}/scans` does; the schedule through `ScanScheduleView` as `PUT …/scan-schedule`.
extension ConsoleController {
    /// At most this many violations are listed on the page; the HTML and JSON reports hold them all.
    static var violationsShown: Int { 200 }

    func addScanRoutes(to router: Router<Context>) {
        router.get("/admin/scans", use: guarded(scansPage))
        router.post("/admin/scans", use: guarded(startScan))
        router.post("/admin/scans/schedule", use: guarded(changeScanSchedule))
        router.get("/admin/scans/:id", use: guarded(scanPage))
        addScanProposalRoutes(to: router)
    }

    static func consoleTime(_ ms: Int64?) -> String {
        guard let ms else { return "—" }
        return String(Timestamp.iso8601(milliseconds: ms).prefix(19).replacingOccurrences(of: "T", with: " "))
    }

    /// The property the page is about: `?property=` (or the form's), else the first the account sees.
    private func scannedProperty(_ asked: String?, actor: AdminActor) async throws -> PropertyRevision? {
        if let asked, !asked.isEmpty {
            try actor.require(.readProperties, property: asked)
            guard Property.isValidID(asked), let revision = try await store.currentProperty(id: asked) else {
                throw AssentError.notFound("unknown property \"\(asked.prefix(80))\"", code: "unknown_property")
            }
            return revision
        }
        for id in try await store.propertyIDs().sorted() where actor.sees(property: id) {
            if let revision = try await store.currentProperty(id: id) { return revision }
        }
        return nil
    }

    @Sendable func scansPage(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.readProperties)
        let asked = request.uri.queryParameters["property"].map(String.init)
        let notice = request.uri.queryParameters["done"].flatMap { page.t[String($0)] }
        return try await renderScans(
            page, actor: actor, property: try await scannedProperty(asked, actor: actor), form: Form(fields: [:]),
            notice: notice)
    }

    private func renderScans(
        _ page: ConsolePage, actor: AdminActor, property revision: PropertyRevision?, form: Form,
        scheduleForm: Form? = nil, notice: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var choices: [[String: Any]] = []
        for id in try await store.propertyIDs().sorted() where actor.sees(property: id) {
            choices.append(["value": id, "selected": id == revision?.property.id])
        }
        var values: [String: Any] = ["propertyOptions": choices, "hasProperty": revision != nil]
        if let revision {
            let property = revision.property
            let rows: [[String: Any]] = try await store.scans(property: property.id, limit: 100).map { scan in
                let p = scan.progress
                return [
                    "id": scan.id, "created": Self.consoleTime(scan.createdAt),
                    "trigger": page.t["scanTrigger." + Self.trigger(scan)] ?? Self.trigger(scan),
                    "status": page.t["scanStatus." + scan.status.rawValue] ?? scan.status.rawValue,
                    "progress": page.t["scanProgressShort"]!.replacingOccurrences(of: "{pages}", with: "\(p.pagesDone)")
                        .replacingOccurrences(of: "{visits}", with: "\(p.visitsDone)")
                        .replacingOccurrences(of: "{planned}", with: "\(p.visitsPlanned)"),
                    "violations": p.violations,
                    "linkLabel": page.t["scanOpen"]!.replacingOccurrences(
                        of: "{time}", with: Self.consoleTime(scan.createdAt)),
                ]
            }
            let settings = property.scan ?? ScanSettings()
            let schedule = try await ScanScheduleView.read(revision, scans: scans)
            let chosenSchedule = scheduleForm?["schedule"] ?? schedule.schedule
            values["property"] = ["id": property.id, "name": property.name]
            values["scans"] = rows
            values["hasScans"] = !rows.isEmpty
            values["canStart"] = actor.allows(.runScans, property: property.id)
            values["canSchedule"] = actor.allows(.editProperties, property: property.id)
            values["form"] = [
                "startURLs": form["startURLs"] ?? "", "regions": form["regions"] ?? "",
                "maxPages": form["maxPages"] ?? "", "depth": form["depth"] ?? "",
            ]
            values["defaults"] = page.t["scanDefaults"]!
                .replacingOccurrences(
                    of: "{urls}",
                    with: settings.startURLs.isEmpty
                        ? page.t["scanNoStartURLs"]! : settings.startURLs.joined(separator: " ")
                )
                .replacingOccurrences(of: "{pages}", with: "\(settings.maxPages)")
            let scheduleChoices: [[String: Any]] = ScanScheduleView.choices.map { choice in
                let label: String = page.t["scanSchedule." + choice] ?? choice
                return ["value": choice, "label": label, "selected": choice == chosenSchedule]
            }
            let shownURLs: String = scheduleForm?["startURLs"] ?? settings.startURLs.joined(separator: "\n")
            let shownRegions: String = scheduleForm?["regions"] ?? settings.regions.joined(separator: " ")
            let shownPages: String = scheduleForm?["maxPages"] ?? String(settings.maxPages)
            let currentSchedule: String = page.t["scanSchedule." + schedule.schedule] ?? schedule.schedule
            let nextRun: String = schedule.nextRunAt.map { Self.consoleTime($0) } ?? "—"
            var scheduleValues: [String: Any] = ["revision": revision.revision, "choices": scheduleChoices]
            scheduleValues["startURLs"] = shownURLs
            scheduleValues["regions"] = shownRegions
            scheduleValues["maxPages"] = shownPages
            scheduleValues["current"] = currentSchedule
            scheduleValues["lastRun"] = Self.consoleTime(schedule.lastRunAt)
            scheduleValues["nextRun"] = nextRun
            values["schedule"] = scheduleValues
            values["editLink"] = "/admin/properties/\(property.id)"
        }
        return render(
            page, "scans", title: page.t["scans"]!, values: values, notice: notice, error: error, status: status,
            current: "scans")
    }

    static func trigger(_ scan: StoredScan) -> String {
        (try? JSONParser.parse(scan.request))?["trigger"]?.stringValue ?? "api"
    }

    /// Splits a form field on white space and commas.
    static func words(_ text: String?) -> [String]? {
        let words = (text ?? "").split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init)
        return words.isEmpty ? nil : words
    }

    @Sendable func startScan(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let form = try await page.form(request)
        let actor = try page.signedIn()
        let revision = try await scannedProperty(form["property"] ?? "", actor: actor)
        guard let revision else { throw AssentError.notFound("no property", code: "unknown_property") }
        let property = revision.property
        try actor.require(.runScans, property: property.id)
        func number(_ name: String) throws -> Int? {
            guard let text = form[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let value = Int(text) else {
                throw AssentError.badRequest("\(name): expected a whole number", code: "invalid_scan")
            }
            return value
        }
        do {
            let options = try ScanOptions.resolve(
                property: property, startURLs: Self.words(form["startURLs"]), regions: Self.words(form["regions"]),
                maxPages: try number("maxPages"), depth: try number("depth"))
            let scan = try await scans.enqueue(property: property, options: options, trigger: "console")
            try await store.appendAudit(
                actor.audit(
                    "scan.create", target: scan.id, property: property.id,
                    summary: "\(options.startURLs.count) start URL(s), regions "
                        + "\(options.regions.map(\.code).joined(separator: ",")), at most \(options.maxPages) page(s)",
                    at: sessions.clock()))
            return Self.seeOther("/admin/scans/\(scan.id)")
        } catch let error as AssentError where error.code == "invalid_scan" || error.code == "scan_queue_full" {
            let message = error.code == "scan_queue_full" ? page.t["scanQueueFull"]! : error.message
            return try await renderScans(
                page, actor: actor, property: revision, form: form, error: message, status: error.status)
        }
    }

    @Sendable func changeScanSchedule(_ request: Request, context: Context, page: ConsolePage) async throws
        -> Response
    {
        let form = try await page.form(request)
        let actor = try page.signedIn()
        let revision = try await scannedProperty(form["property"] ?? "", actor: actor)
        guard let revision else { throw AssentError.notFound("no property", code: "unknown_property") }
        let id = revision.property.id
        try actor.require(.editProperties, property: id)
        do {
            var maxPages: Int?
            if let text = form["maxPages"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard let value = Int(text) else {
                    throw AssentError.badRequest("maxPages: expected a whole number", code: "invalid_scan_schedule")
                }
                maxPages = value
            }
            _ = try await ScanScheduleView.change(
                property: id, schedule: form["schedule"] ?? "", startURLs: Self.words(form["startURLs"]) ?? [],
                regions: Self.words(form["regions"]) ?? [], maxPages: maxPages,
                expected: Int(form["revision"] ?? ""), actor: actor, consent: consent, at: sessions.clock())
            return Self.seeOther("/admin/scans?property=\(id)&done=scanScheduleSaved")
        } catch let error as AssentError
            where ["invalid_scan_schedule", "invalid_property", "stale_revision"].contains(error.code)
        {
            let message = error.code == "stale_revision" ? page.t["scanScheduleStale"]! : error.message
            // A stale form is shown with what is stored now, and its revision, to be redone.
            let current = try await store.currentProperty(id: id) ?? revision
            return try await renderScans(
                page, actor: actor, property: current, form: Form(fields: [:]),
                scheduleForm: error.code == "stale_revision" ? nil : form, error: message,
                status: error.code == "stale_revision" ? .conflict : error.status)
        }
    }

    @Sendable func scanPage(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.readProperties)
        let id = try context.parameters.require("id")
        guard id.utf8.count <= 64, let scan = try await store.scan(id: id), actor.sees(property: scan.property) else {
            throw AssentError.notFound("no scan \(id.prefix(64))", code: "unknown_scan")
        }
        return try await renderScan(page, actor: actor, scan: scan)
    }

    /// The scan's page; `error`: why a form on it (taking the proposal) was refused.
    func renderScan(
        _ page: ConsolePage, actor: AdminActor, scan: StoredScan, error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let options = try? ScanService.options(scan)
        let p = scan.progress
        let api = "/v1/admin/properties/\(scan.property)/scans/\(scan.id)"
        var values: [String: Any] = [
            "id": scan.id, "property": scan.property, "propertyLink": "/admin/scans?property=\(scan.property)",
            "status": page.t["scanStatus." + scan.status.rawValue] ?? scan.status.rawValue,
            "trigger": page.t["scanTrigger." + Self.trigger(scan)] ?? Self.trigger(scan),
            "created": Self.consoleTime(scan.createdAt), "started": Self.consoleTime(scan.startedAt),
            "finished": Self.consoleTime(scan.finishedAt), "error": scan.error ?? "", "failed": scan.status == .failed,
            "running": !scan.status.isFinished, "startURLs": options?.startURLs ?? [],
            "regions": options?.regions.map(\.code).joined(separator: ", ") ?? "",
            "maxPages": options?.maxPages ?? 0, "depth": options?.depth ?? 0,
            "progress": page.t["scanProgress"]!.replacingOccurrences(of: "{pages}", with: "\(p.pagesDone)")
                .replacingOccurrences(of: "{known}", with: "\(p.pagesKnown)")
                .replacingOccurrences(of: "{visits}", with: "\(p.visitsDone)")
                .replacingOccurrences(of: "{planned}", with: "\(p.visitsPlanned)")
                .replacingOccurrences(of: "{violations}", with: "\(p.violations)"),
            "jsonLink": api, "editLink": "/admin/properties/\(scan.property)",
        ]
        if let bytes = scan.report, let report = try? ScanReport(json: JSONParser.parse(bytes)) {
            let current = try await store.currentProperty(id: scan.property)
            var shown = reportValues(report, current: current?.property, page: page)
            // Owners and editors take ticked entries into the property, at the revision read now.
            if let current, scan.status.isFinished, actor.allows(.editProperties, property: scan.property),
                shown["sameList"] as? Bool == false
            {
                shown["canTake"] = true
                shown["takeAction"] = "/admin/scans/\(scan.id)/take"
                shown["revision"] = current.revision
            }
            values["report"] = shown
            values["htmlLink"] = api + "/report"
        }
        // While it waits or runs, the browser reloads the page every 5 seconds (no script needed).
        let headers: HTTPFields = scan.status.isFinished ? [:] : [HTTPField.Name("Refresh")!: "5"]
        return render(
            page, "scan", title: page.t["scanTitle"]!.replacingOccurrences(of: "{property}", with: scan.property),
            values: values, error: error, status: status, headers: headers, current: "scans")
    }

    /// The report as the page shows it: its summary, the violations with their evidence, and the proposed list's
    /// difference from the property's cookie list as it is now (what was added or fixed since the scan drops out).
    private func reportValues(_ report: ScanReport, current: Property?, page: ConsolePage) -> [String: Any] {
        let violations: [[String: Any]] = report.violations.prefix(Self.violationsShown).map { v in
            var evidence: [String] = []
            if let initiator = v.initiator {
                evidence.append(
                    "\(initiator.kind.rawValue)" + (initiator.url.map { " \($0)" } ?? "")
                        + (initiator.line.map { ":\($0)" } ?? ""))
            }
            if let frame = v.frameURL { evidence.append(page.t["scanFrame"]! + " " + frame) }
            evidence.append(page.t["scanAfter"]!.replacingOccurrences(of: "{ms}", with: "\(v.atMs)"))
            if v.count > 1 { evidence.append("× \(v.count)") }
            return [
                "kind": v.kind.rawValue, "name": v.name, "location": v.location,
                "category": v.category ?? page.t["scanUnclassified"]!, "page": v.page, "region": v.region,
                "visit": v.visit.rawValue, "rule": v.rule.rawValue, "reason": v.reason,
                "evidence": evidence.joined(separator: "; "),
            ]
        }
        func listed(_ name: String, prefix: Bool, host: String?, party: CookieParty) -> String? {
            current?.categories.first { c in
                c.cookies.contains { $0.name == name && $0.prefix == prefix && (party == .first || $0.host == host) }
            }?.key
        }
        // Each row names its form field by its place in the stored proposal; an entry without a category of the
        // property cannot be taken.
        let added: [[String: Any]] = report.proposal.new.enumerated().filter {
            listed($0.1.name, prefix: $0.1.prefix, host: $0.1.domain, party: $0.1.party) == nil
        }.map { i, e in
            [
                "name": e.prefix ? e.name + "*" : e.name, "kind": e.kind.rawValue, "domain": e.domain,
                "party": e.party.rawValue, "category": e.category ?? page.t["scanUnclassified"]!,
                "retention": e.retention, "source": e.source.rawValue, "field": Self.proposalField("add", i),
                "takeable": e.category.flatMap { current?.category($0) } != nil,
            ]
        }
        let removed: [[String: Any]] = report.proposal.noLongerSeen.enumerated().filter { _, c in
            current?.category(c.category)?.cookies.contains { $0.name == c.name && $0.prefix == c.prefix } ?? false
        }.map { i, c in
            [
                "name": c.prefix ? c.name + "*" : c.name, "category": c.category, "host": c.host ?? "—",
                "field": Self.proposalField("remove", i), "takeable": true,
            ]
        }
        let changed: [[String: Any]] = report.proposal.categorisedDifferently.enumerated().filter { _, r in
            current?.category(r.configured)?.cookies.contains { $0.name == r.name && $0.prefix == r.prefix } ?? false
        }.map { i, r in
            [
                "name": r.prefix ? r.name + "*" : r.name, "configured": r.configured, "database": r.database,
                "platform": r.platform ?? "—", "field": Self.proposalField("move", i),
                "takeable": current?.category(r.database) != nil,
            ]
        }
        return [
            "summary": page.t["scanSummary"]!.replacingOccurrences(of: "{pages}", with: "\(report.pages.count)")
                .replacingOccurrences(of: "{visits}", with: "\(report.visits.count)")
                .replacingOccurrences(of: "{failed}", with: "\(report.failedVisits)")
                .replacingOccurrences(of: "{violations}", with: "\(report.violations.count)"),
            "browser": report.browser, "violations": violations, "hasViolations": !violations.isEmpty,
            "moreViolations": report.violations.count > Self.violationsShown,
            "added": added, "hasAdded": !added.isEmpty, "removed": removed, "hasRemoved": !removed.isEmpty,
            "changed": changed, "hasChanged": !changed.isEmpty,
            "sameList": added.isEmpty && removed.isEmpty && changed.isEmpty,
        ]
    }
}
