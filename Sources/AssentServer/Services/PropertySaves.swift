import AssentCore
import AssentStore
import Foundation
import HTTPTypes

/// What one save of a property did: the revision it replaced, the one it stored, and whether visitors are asked
/// again. The admin API's `PUT /v1/admin/properties/{id}` and the console's forms both save through
/// `ConsentService.saveProperty`, so that the two check and record a save the same way.
struct PropertySave: Sendable {
    let before: PropertyRevision?
    let saved: PropertyRevision
    let changed: Bool

    /// The save raised the policy version: visitors are asked again.
    var raisedPolicyVersion: Bool {
        guard changed, let before else { return false }
        return saved.property.policyVersion > before.property.policyVersion
    }
}

extension ConsentService {
    /// The problems found beyond the document reader's own (which `Property.decode` reports): the TCF settings
    /// checked against the vendor list they name, as `assent property import` checks them.
    func propertyProblems(_ property: Property, id: String) async throws -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        if property.id != id {
            problems.append(ValidationProblem(path: "$.id", message: "must be \"\(id)\", the id in the URL"))
        }
        if let tcf = property.signals.tcf, tcf.enabled, let version = tcf.vendorListVersion,
            let list = try await store.vendorList(version: version)?.vendorList()
        {
            problems += property.signalProblems(vendorList: list)
        }
        return problems
    }

    /// Saves `property` if its current revision is still `expected` (nil: it must not exist yet), checked and
    /// written atomically; a save over a stale revision throws 412 `stale_revision` and writes nothing. A change is
    /// written to the audit log with the revision it made, which is how the history names who saved a revision.
    func saveProperty(_ property: Property, expected: Int?, actor: AdminActor, at now: Int64) async throws
        -> PropertySave
    {
        let before = try await store.currentProperty(id: property.id)
        guard before?.revision == expected else { throw Self.stale(property.id, current: before?.revision) }
        let saved: PropertyRevision
        let changed: Bool
        do {
            (saved, changed) = try await store.saveProperty(property, at: now, ifRevision: expected)
        } catch StoreError.propertyConflict {
            throw Self.stale(property.id, current: try await store.currentRevision(id: property.id))
        }
        cache.invalidate(property.id)
        let save = PropertySave(before: before, saved: saved, changed: changed)
        if changed {
            let summary =
                "revision \(saved.revision), policy version \(saved.property.policyVersion)"
                + (before == nil
                    ? "" : save.raisedPolicyVersion ? " (raised: visitors are asked again)" : " (unchanged)")
            try await store.appendAudit(
                actor.audit(
                    before == nil ? "property.create" : "property.update", target: property.id,
                    property: property.id, summary: summary, at: now))
        }
        return save
    }

    static func stale(_ id: String, current: Int?) -> AssentError {
        guard let current else {
            return AssentError(
                .preconditionFailed, "stale_revision",
                "property \"\(id)\" does not exist, but If-Match expected a revision of it")
        }
        return AssentError(
            .preconditionFailed, "stale_revision",
            "property \"\(id)\" was changed since you read it: it is at revision \(current) (ETag "
                + "\(PropertyAdminEtag.etag(current))); read it again and redo your change")
    }
}

/// The ETag of a property revision, the admin API's and the console's.
enum PropertyAdminEtag {
    static func etag(_ revision: Int) -> String { "\"rev-\(revision)\"" }

    /// The revision an `If-Match` value names, nil for anything else.
    static func revision(_ tag: String) -> Int? {
        let tag = tag.trimmingCharacters(in: .whitespaces)
        guard tag.hasPrefix("\"rev-"), tag.hasSuffix("\"") else { return nil }
        return Int(tag.dropFirst(5).dropLast())
    }
}

extension ConsentService {
    /// Who saved each revision, by revision number: read from the audit log's property.create and
    /// property.update events, whose summary starts with the revision they made. A revision saved from the
    /// command line (`assent property import`, the demo seed) has no event and is missing here.
    func propertySavers(id: String) async throws -> [Int: String] {
        var savers: [Int: String] = [:]
        for action in ["property.create", "property.update"] {
            for event in try await store.auditEvents(AuditFilter(action: action, property: id, limit: 10_000)) {
                guard event.summary.hasPrefix("revision "),
                    let number = Int(event.summary.dropFirst("revision ".count).prefix { $0.isNumber })
                else { continue }
                savers[number] = event.actorLabel
            }
        }
        return savers
    }
}
