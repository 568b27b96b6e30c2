import AssentCore
import AssentScanner
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird

/// Taking a finished scan's proposal into the property's cookie list: the entries ticked on the scan's page (the
/// new ones by default, a different category, the entries no longer seen only when ticked) go into the property as
/// it was when the page was read, and are saved through `ConsentService.saveProperty`, the path of every property
/// save: the same checks, the compare-and-save on that revision, the same audit event.
extension ConsoleController {
    func addScanProposalRoutes(to router: Router<Context>) {
        router.post("/admin/scans/:id/take", use: guarded(takeScanProposal))
    }

    /// The form's field for an entry of the proposal: its list and its place in it.
    static func proposalField(_ list: String, _ index: Int) -> String { "\(list).\(index)" }

    /// `property` with the ticked entries of `proposal` taken in. A new entry needs a category of the property;
    /// its description, in every language, is the one the scan found, else `fallback`. An entry already listed
    /// is left as it is.
    static func takingProposal(
        _ proposal: CookieListProposal, ticked: (String) -> Bool, into property: Property, fallback: String
    ) -> Property {
        var property = property
        func index(_ key: String) -> Int? { property.categories.firstIndex { $0.key == key } }
        func listed(_ name: String, _ prefix: Bool, host: String?) -> Bool {
            property.categories.contains { c in
                c.cookies.contains { $0.name == name && $0.prefix == prefix && $0.host == host }
            }
        }
        for (i, entry) in proposal.new.enumerated() where ticked(proposalField("add", i)) {
            let host = entry.party == .third ? entry.domain : nil
            guard let key = entry.category, let c = index(key), !listed(entry.name, entry.prefix, host: host) else {
                continue
            }
            let text = entry.description.flatMap { $0.isEmpty ? nil : $0 } ?? fallback
            property.categories[c].cookies.append(
                CookieInfo(
                    name: entry.name, prefix: entry.prefix, host: host,
                    duration: entry.retention.isEmpty ? "—" : entry.retention, party: entry.party,
                    description: Dictionary(uniqueKeysWithValues: property.languages.map { ($0, text) })))
        }
        for (i, change) in proposal.categorisedDifferently.enumerated() where ticked(proposalField("move", i)) {
            guard let from = index(change.configured), let to = index(change.database), from != to else { continue }
            let moved = property.categories[from].cookies.filter {
                $0.name == change.name && $0.prefix == change.prefix
            }
            property.categories[from].cookies.removeAll { $0.name == change.name && $0.prefix == change.prefix }
            property.categories[to].cookies += moved
        }
        for (i, gone) in proposal.noLongerSeen.enumerated() where ticked(proposalField("remove", i)) {
            guard let c = index(gone.category) else { continue }
            property.categories[c].cookies.removeAll {
                $0.name == gone.name && $0.prefix == gone.prefix && $0.host == gone.host
            }
        }
        return property
    }

    @Sendable func takeScanProposal(_ request: Request, context: Context, page: ConsolePage) async throws
        -> Response
    {
        let form = try await page.form(request)
        let actor = try page.signedIn()
        let id = try context.parameters.require("id")
        guard id.utf8.count <= 64, let scan = try await store.scan(id: id), actor.sees(property: scan.property) else {
            throw AssentError.notFound("no scan \(id.prefix(64))", code: "unknown_scan")
        }
        try actor.require(.editProperties, property: scan.property)
        // A refusal the person can act on (a stale or invalid take) is shown on the scan's page, above its form.
        do {
            guard scan.status.isFinished, let bytes = scan.report,
                let report = try? ScanReport(json: JSONParser.parse(bytes))
            else {
                throw AssentError.conflict("the scan has no report to take entries from", code: "no_scan_report")
            }
            guard let read = form["revision"].flatMap({ Int($0) }), read > 0 else {
                throw AssentError.badRequest("the form has no revision; reload it", code: "invalid_form")
            }
            guard let current = try await store.currentProperty(id: scan.property) else {
                throw AssentError.notFound("unknown property \"\(scan.property)\"", code: "unknown_property")
            }
            func stale(_ revision: Int) -> AssentError {
                AssentError.conflict(
                    page.t["scanTakeStale"]!.replacingOccurrences(of: "{revision}", with: String(revision)),
                    code: "stale_revision")
            }
            if read != current.revision { throw stale(current.revision) }
            let taken = Self.takingProposal(
                report.proposal, ticked: { form[$0] == "1" }, into: current.property,
                fallback: page.t["scanTakeDescription"]!.replacingOccurrences(of: "{scan}", with: scan.id))
            // Read back as a posted document is, so that the document reader's checks hold for what is taken.
            let property: Property
            do {
                property = try Property.decode(taken.jsonValue)
            } catch {
                let problem = error.problems.first
                throw AssentError.badRequest(
                    problem.map { "\($0.path): \($0.message)" } ?? "invalid property", code: "invalid_property")
            }
            if let problem = try await consent.propertyProblems(property, id: scan.property).first {
                throw AssentError.badRequest("\(problem.path): \(problem.message)", code: "invalid_property")
            }
            let save: PropertySave
            do {
                save = try await consent.saveProperty(property, expected: read, actor: actor, at: sessions.clock())
            } catch let error as AssentError where error.code == "stale_revision" {
                throw stale(try await store.currentRevision(id: scan.property) ?? read)
            }
            guard save.changed else { return Self.seeOther("/admin/properties/\(scan.property)?unchanged=1") }
            return Self.seeOther("/admin/properties/\(scan.property)?saved=\(save.saved.revision)&from=\(read)")
        } catch let error as AssentError where error.status == .conflict || error.status == .badRequest {
            return try await renderScan(page, actor: actor, scan: scan, error: error.message, status: error.status)
        }
    }
}
