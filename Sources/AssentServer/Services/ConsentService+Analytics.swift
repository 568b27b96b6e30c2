import AssentCore
import AssentStore
import Logging

/// Consent analytics: the widget's ID-free beacon and the admin's report (docs/analytics.md).
extension ConsentService {
    /// Counts a banner or preference center shown to a visitor without a decision. The body holds the event, the
    /// policy version shown and the language; the region (and so the regime) is the server's, as for the config.
    /// Nothing else is kept: no subject, no cookie, no address.
    func countEvent(propertyID: String, body: [UInt8], regionHeader: String?, demoRegion: String?) async throws {
        let entry = try await property(propertyID)
        let json = try Body.parse(body)
        guard let members = json.objectValue else {
            throw AssentError.badRequest("expected an object with event, policyVersion and lang", code: "invalid_event")
        }
        var event: AnalyticsEvent?
        var policyVersion: Int?
        var lang: String?
        for (name, value) in members {
            switch name {
            case "event":
                guard let text = value.stringValue, let known = AnalyticsEvent(rawValue: text) else {
                    throw AssentError.badRequest(
                        "event: expected \"banner_shown\" or \"preferences_shown\"", code: "invalid_event")
                }
                event = known
            case "policyVersion":
                guard let version = value.intValue, entry.policyVersions.contains(version) else {
                    throw AssentError.badRequest(
                        "policyVersion: expected a policy version property \(propertyID) has had", code: "invalid_event"
                    )
                }
                policyVersion = version
            case "lang":
                guard let text = value.stringValue, text.count <= 35 else {
                    throw AssentError.badRequest("lang: expected a language tag such as \"en\"", code: "invalid_event")
                }
                lang = text
            default:
                throw AssentError.badRequest("unknown member \"\(name)\"", code: "invalid_event")
            }
        }
        guard let event, let policyVersion else {
            throw AssentError.badRequest("event and policyVersion are required", code: "invalid_event")
        }
        let region = try region(propertyID: propertyID, header: regionHeader, demoOverride: demoRegion)
        let property = entry.current.property
        analytics.countEvent(
            event,
            cell: AnalyticsCell(
                property: propertyID, day: CivilDate(milliseconds: clock()).daysSinceEpoch,
                region: AnalyticsCell.region(region.code), regime: property.regimes.regime(for: region).rawValue,
                policyVersion: policyVersion, lang: property.language(matching: lang)))
    }

    /// The analytics of a property between two days (both included; the last 30 days to today by default),
    /// grouped, with small groups merged into "other". This server's counts not yet written are written first.
    func analyticsReport(
        propertyID: String, from: String?, to: String?, by: String?, logger: Logger
    ) async throws -> AnalyticsReport {
        _ = try await property(propertyID)
        func day(_ text: String?, _ name: String) throws -> CivilDate? {
            guard let text else { return nil }
            guard let date = CivilDate(text) else {
                throw AssentError.badRequest("\(name): expected a day as YYYY-MM-DD", code: "invalid_query")
            }
            return date
        }
        let end = try day(to, "to") ?? CivilDate(milliseconds: clock())
        let start = try day(from, "from") ?? end.adding(days: -29)
        guard start <= end else { throw AssentError.badRequest("from is after to", code: "invalid_query") }
        guard end.daysSinceEpoch - start.daysSinceEpoch <= 3660 else {
            throw AssentError.badRequest("from and to are more than ten years apart", code: "invalid_query")
        }
        let grouping: AnalyticsGrouping
        if let by {
            guard let known = AnalyticsGrouping(rawValue: by) else {
                throw AssentError.badRequest(
                    "by: expected one of \(AnalyticsGrouping.allCases.map(\.rawValue).joined(separator: ", "))",
                    code: "invalid_query")
            }
            grouping = known
        } else {
            grouping = .day
        }
        await AnalyticsWriter.flush(analytics, to: store, logger: logger)
        let counts = try await store.analytics(
            property: propertyID, fromDay: start.daysSinceEpoch, toDay: end.daysSinceEpoch)
        return AnalyticsReport(property: propertyID, from: start, to: end, by: grouping, counts: counts)
    }
}
