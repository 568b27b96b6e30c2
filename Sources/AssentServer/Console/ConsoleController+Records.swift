import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird

/// Consent records looked up by record id, or every decision of a subject on a property, each with its receipt
/// verified on the server by the same code as `POST /v1/receipts/verify` (signature and inclusion against the
/// signed tree head). Owners and the privacy role only; every lookup reads personal data, so it is audited.
extension ConsoleController {
    /// At most this many decisions of one subject are shown, the newest.
    static var recordsShown: Int { 100 }

    func addRecordRoutes(to router: Router<Context>) {
        router.get("/admin/records", use: guarded(recordsPage))
    }

    @Sendable func recordsPage(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.readRecords)
        let q = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let raw = q[Substring(name)] else { return nil }
            let text = raw.trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : String(text.prefix(200))
        }
        let visible = try await store.propertyIDs().sorted().filter { actor.sees(property: $0) }
        let recordID = value("record")
        let subject = value("subject")
        let property = value("property") ?? (visible.count == 1 ? visible.first : nil)
        var values: [String: Any] = [
            "propertyOptions": visible.map { ["value": $0, "selected": $0 == property] },
            "record": recordID ?? "", "subject": subject ?? "",
        ]
        let pageContext = page
        func answer(error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
            render(
                pageContext, "records", title: pageContext.t["records"]!, values: values, error: error, status: status,
                current: "records")
        }
        guard recordID != nil || subject != nil else { return answer() }
        var found: [StoredRecord] = []
        let now = requests.clock()
        do {
            if let recordID {
                guard let id = normalizedUUID(recordID) else {
                    throw AssentError.badRequest(
                        "\"\(recordID)\" is not a record id (a UUID)", code: "invalid_record_id")
                }
                guard let record = try await store.record(id: id) else {
                    throw AssentError.notFound("no record \(id)", code: "unknown_record")
                }
                try actor.require(.readRecords, property: record.entry.property)
                found = [record]
                try await store.appendAudit(
                    actor.audit(
                        "records.lookup", target: "record " + id, property: record.entry.property,
                        summary: "consent record looked up", at: now))
            } else if let subject {
                guard let property else {
                    return answer(error: pageContext.t["recordsGiveOne"], status: .badRequest)
                }
                try actor.require(.readRecords, property: property)
                let normalized = try ConsentService.subject(subject)
                _ = try await consent.property(property)
                found = Array(
                    try await store.records(property: property, subject: normalized).suffix(Self.recordsShown))
                try await store.appendAudit(
                    actor.audit(
                        "records.lookup", target: "subject " + normalized, property: property,
                        summary: "\(found.count) decision(s) of a subject looked up", at: now))
            }
        } catch let error as AssentError where error.status == .badRequest || error.status == .notFound {
            return answer(error: error.message, status: error.status)
        }
        var decisions: [[String: Any]] = []
        for record in found.reversed() {
            decisions.append(try await recordView(record, page: pageContext))
        }
        values["decisions"] = decisions
        values["searched"] = true
        values["hasDecisions"] = !decisions.isEmpty
        values["foundLabel"] = pageContext.t["recordsFound"]!.replacingOccurrences(
            of: "{count}", with: String(decisions.count))
        return answer()
    }

    /// One decision with its choices and its receipt, verified here.
    private func recordView(_ record: StoredRecord, page: ConsolePage) async throws -> [String: Any] {
        let entry = record.entry
        let t = page.t
        var view: [String: Any] = [
            "id": entry.id, "property": entry.property,
            "heading": t["recordDecision"]!.replacingOccurrences(of: "{id}", with: entry.id),
            "choicesCaption": t["recordChoices"]!.replacingOccurrences(of: "{id}", with: entry.id),
            "time": Self.requestsTime(entry.recordedAt),
            "action": t["analyticsAction." + entry.action.rawValue] ?? entry.action.rawValue,
            "regime": entry.regime.rawValue, "region": entry.region,
            "gpc": entry.gpc ? t["recordYes"]! : t["recordNo"]!,
            "policyVersion": entry.policyVersion, "lang": entry.lang,
            "choices": entry.choices.sorted { $0.key < $1.key }.map {
                ["category": $0.key, "choice": $0.value ? t["recordAllowed"]! : t["recordRefused"]!]
            },
        ]
        do {
            let receipt = try await consent.receipt(recordID: entry.id)
            // The check `POST /v1/receipts/verify` makes, on the receipt as anyone would receive it.
            let result = try await consent.verify(body: CanonicalJSON.orderedBytes(receipt))
            let valid = result["valid"]?.boolValue == true
            view["verified"] = valid
            if valid {
                let head = receipt["treeHead"]
                view["receipt"] = t["receiptValid"]!
                    .replacingOccurrences(of: "{size}", with: head?["size"]?.intValue.map(String.init) ?? "?")
                    .replacingOccurrences(of: "{log}", with: head?["log"]?.intValue.map(String.init) ?? "?")
                    .replacingOccurrences(of: "{key}", with: result["keyId"]?.stringValue ?? "?")
            } else {
                view["receipt"] = t["receiptInvalid"]!.replacingOccurrences(
                    of: "{reason}", with: result["reason"]?.stringValue ?? "?")
            }
        } catch let error as AssentError where error.code == "not_yet_signed" {
            view["verified"] = false
            view["receipt"] = t["receiptPending"]!
        }
        return view
    }
}
