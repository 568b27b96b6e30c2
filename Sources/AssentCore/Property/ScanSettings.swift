import Foundation

/// How often the server scans a property on its own (docs/scanning.md).
public enum ScanSchedule: String, Sendable, CaseIterable {
    case daily, weekly, monthly

    /// The time between two scheduled scans, in milliseconds (a month is 30 days).
    public var intervalMilliseconds: Int64 {
        switch self {
        case .daily: 86_400_000
        case .weekly: 7 * 86_400_000
        case .monthly: 30 * 86_400_000
        }
    }
}

/// The property's compliance-scan settings (`scan` in the property document): what a scan started without
/// arguments, or by the schedule, visits.
public struct ScanSettings: Sendable, Equatable {
    public static let maximumPagesLimit = 500
    public static let maximumStartURLs = 20

    public var schedule: ScanSchedule?
    /// Absolute http(s) URLs of the publisher's site.
    public var startURLs: [String]
    /// Region codes; empty: one opt-in and one opt-out region of the property.
    public var regions: [String]
    public var maxPages: Int

    public init(schedule: ScanSchedule? = nil, startURLs: [String] = [], regions: [String] = [], maxPages: Int = 50) {
        self.schedule = schedule
        self.startURLs = startURLs
        self.regions = regions
        self.maxPages = maxPages
    }

    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = []
        if let schedule { members.append(("schedule", .string(schedule.rawValue))) }
        members.append(("startURLs", .array(startURLs.map(JSONValue.string))))
        if !regions.isEmpty { members.append(("regions", .array(regions.map(JSONValue.string)))) }
        members.append(("maxPages", .int(maxPages)))
        return .object(members)
    }

    /// An absolute http or https URL with a host.
    public static func isStartURL(_ text: String) -> Bool {
        guard text.utf8.count <= 2048, let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { return false }
        return true
    }
}

extension DocumentReader {
    mutating func scanSettings(_ value: JSONValue?) -> ScanSettings? {
        if value == .null { return nil }
        let path = "$.scan"
        guard let o = object(value, path, allowed: ["schedule", "startURLs", "regions", "maxPages"], required: [])
        else { return nil }
        var settings = ScanSettings()
        if let text = string(o["schedule"], "\(path).schedule") {
            if let schedule = ScanSchedule(rawValue: text) {
                settings.schedule = schedule
            } else {
                fail("\(path).schedule", "expected daily, weekly or monthly, found \"\(text)\"")
            }
        }
        if let items = array(o["startURLs"], "\(path).startURLs") {
            if items.count > ScanSettings.maximumStartURLs {
                fail("\(path).startURLs", "at most \(ScanSettings.maximumStartURLs) start URLs")
            }
            for (i, item) in items.enumerated() {
                guard let url = string(item, "\(path).startURLs[\(i)]") else { continue }
                if ScanSettings.isStartURL(url) {
                    settings.startURLs.append(url)
                } else {
                    fail("\(path).startURLs[\(i)]", "expected an absolute http or https URL")
                }
            }
        }
        if let items = array(o["regions"], "\(path).regions") {
            for (i, item) in items.enumerated() {
                guard let code = string(item, "\(path).regions[\(i)]") else { continue }
                if let region = Region(code) {
                    settings.regions.append(region.code)
                } else {
                    fail("\(path).regions[\(i)]", "\"\(code)\" is not a region code such as FR or US-CA")
                }
            }
        }
        settings.maxPages = int(
            o["maxPages"], "\(path).maxPages", range: 1...ScanSettings.maximumPagesLimit, default: 50)
        if settings.schedule != nil && settings.startURLs.isEmpty {
            fail("\(path).startURLs", "a scheduled scan needs at least one start URL")
        }
        return settings
    }
}
