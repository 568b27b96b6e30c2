import AssentCore
import AssentStore
import Foundation
import HTTPTypes

/// A property's recurring scan as the admin API (`/v1/admin/properties/{p}/scan-schedule`) and the console's scans
/// page read and change it. The schedule is the property document's `scan` settings, so a change is a new revision
/// of the property, checked as any document is and saved with its compare-and-save (it never raises the policy
/// version); when it is due, `ScanService.startDueScans` queues the scan.
struct ScanScheduleView: Sendable {
    /// `off`, or a `ScanSchedule`.
    var schedule: String
    var settings: ScanSettings
    var revision: Int
    var lastRunAt: Int64?
    var nextRunAt: Int64?

    static let choices = ["off"] + ScanSchedule.allCases.map(\.rawValue)

    static func read(_ revision: PropertyRevision, scans: ScanService) async throws -> ScanScheduleView {
        let settings = revision.property.scan ?? ScanSettings()
        let (last, next) = try await scans.nextScheduledRun(revision.property)
        return ScanScheduleView(
            schedule: settings.schedule?.rawValue ?? "off", settings: settings, revision: revision.revision,
            lastRunAt: last, nextRunAt: next)
    }

    var json: JSONValue {
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(Timestamp.iso8601(milliseconds: $0)) } ?? .null }
        return .object([
            ("schedule", .string(schedule)), ("startURLs", .array(settings.startURLs.map(JSONValue.string))),
            ("regions", .array(settings.regions.map(JSONValue.string))), ("maxPages", .int(settings.maxPages)),
            ("revision", .int(revision)), ("lastRunAt", time(lastRunAt)), ("nextRunAt", time(nextRunAt)),
        ])
    }

    /// Sets the property's schedule (and, where given, its start URLs, regions and page limit), at the revision
    /// the caller read (`expected`; nil: the current one). 400 `invalid_scan_schedule` for an unknown schedule;
    /// 422 `invalid_property` naming each problem by its JSON path (a schedule needs a start URL); 412
    /// `stale_revision` when the property changed since `expected`.
    static func change(
        property id: String, schedule: String, startURLs: [String]?, regions: [String]?, maxPages: Int?,
        expected: Int?, actor: AdminActor, consent: ConsentService, at now: Int64
    ) async throws -> PropertySave {
        guard choices.contains(schedule) else {
            throw AssentError.badRequest(
                "schedule: expected one of \(choices.joined(separator: ", ")), found \"\(schedule.prefix(40))\"",
                code: "invalid_scan_schedule")
        }
        guard Property.isValidID(id), let current = try await consent.store.currentProperty(id: id) else {
            throw AssentError.notFound("unknown property \"\(id)\"", code: "unknown_property")
        }
        var settings = current.property.scan ?? ScanSettings()
        settings.schedule = ScanSchedule(rawValue: schedule)
        if let startURLs { settings.startURLs = startURLs }
        if let regions { settings.regions = regions }
        if let maxPages { settings.maxPages = maxPages }
        var changed = current.property
        changed.scan = settings
        // Checked as the whole document is, so each problem is named by its path (`$.scan.startURLs[0]`).
        let checked: Property
        do {
            checked = try Property.decode(json: Array(changed.documentJSON().utf8))
        } catch {
            throw AssentError(
                .unprocessableContent, "invalid_property",
                "\(error.problems.count) problem(s): " + error.problems.map(\.description).joined(separator: "; "))
        }
        let save = try await consent.saveProperty(
            checked, expected: expected ?? current.revision, actor: actor, at: now)
        if save.changed {
            try await consent.store.appendAudit(
                actor.audit(
                    "scan.schedule", target: id, property: id,
                    summary: settings.schedule.map {
                        "\($0.rawValue), \(settings.startURLs.count) start URL(s), at most \(settings.maxPages) page(s)"
                    } ?? "off", at: now))
        }
        return save
    }
}
