/// The dimensions of one daily analytics row: never a subject, a record id, an address or a user agent.
public struct AnalyticsCell: Hashable, Sendable {
    public var property: String
    /// UTC day, in days since 1970-01-01.
    public var day: Int
    /// The country ("FR"), or for the United States the subdivision ("US-CA").
    public var region: String
    public var regime: String
    public var policyVersion: Int
    public var lang: String

    public init(property: String, day: Int, region: String, regime: String, policyVersion: Int, lang: String) {
        self.property = property
        self.day = day
        self.region = region
        self.regime = regime
        self.policyVersion = policyVersion
        self.lang = lang
    }

    /// The cell a recorded decision counts in.
    public init(decision entry: LedgerEntry) {
        self.init(
            property: entry.property, day: CivilDate(milliseconds: entry.recordedAt).daysSinceEpoch,
            region: AnalyticsCell.region(entry.region), regime: entry.regime.rawValue,
            policyVersion: entry.policyVersion, lang: entry.lang)
    }

    /// The region as analytics keeps it: a country, except in the United States, whose state laws differ.
    public static func region(_ code: String) -> String {
        let upper = code.uppercased()
        if upper.hasPrefix("US-") { return upper }
        return String(upper.prefix(2))
    }
}

/// One counter of one cell: how many times `metric` happened (see `AnalyticsMetric`).
public struct AnalyticsCount: Hashable, Sendable {
    public var cell: AnalyticsCell
    public var metric: String
    public var count: Int

    public init(cell: AnalyticsCell, metric: String, count: Int) {
        self.cell = cell
        self.metric = metric
        self.count = count
    }
}

/// What the widget reports (without an id of any kind) when it shows a visitor without a decision the banner or
/// the preference center.
public enum AnalyticsEvent: String, Sendable, CaseIterable {
    case bannerShown = "banner_shown"
    case preferencesShown = "preferences_shown"
}

/// The counter names. Banner counters come from the widget's beacon; every other one from a recorded decision, so
/// those can be counted again from the ledger (`AnalyticsMetric.isDecision`).
public enum AnalyticsMetric {
    public static let decisions = "decisions"
    /// Decisions that allow every category of the property.
    public static let allowAll = "allow_all"
    /// Decisions made while Global Privacy Control was on.
    public static let gpc = "gpc"
    /// Decisions where GPC overrode an opt-in the visitor chose.
    public static let gpcOverride = "gpc_override"
    public static let first = "first"
    public static let change = "change"
    /// Changes that turn off a category the subject's earlier decision allowed.
    public static let withdrawal = "withdrawal"
    public static let actionPrefix = "action."
    /// Decisions allowing the category (acceptance per category).
    public static let categoryPrefix = "category."
    /// `save` decisions allowing the category (what visitors who customise choose).
    public static let savedPrefix = "saved."

    public static func action(_ action: ConsentAction) -> String { actionPrefix + action.rawValue }
    public static func category(_ key: String) -> String { categoryPrefix + key }

    public static func isDecision(_ metric: String) -> Bool {
        AnalyticsEvent(rawValue: metric) == nil
    }

    /// The counters one recorded decision adds. `earlier` is the subject's decision before it on the same property
    /// (nil for a first decision).
    public static func decision(_ entry: LedgerEntry, earlier: LedgerEntry?) -> (cell: AnalyticsCell, metrics: [String])
    {
        (AnalyticsCell(decision: entry), DecisionShape(entry, earlier: earlier).metrics)
    }

    /// The decision counters of a run of records, each counted against the same subject's record before it:
    /// `records` in ledger order per subject (ascending `recordedAt`, as they were appended). Only records on
    /// days from `fromDay` on are counted; the earlier ones still decide first decision or change.
    public static func decisions(_ records: some Sequence<LedgerEntry>, fromDay: Int? = nil) -> [AnalyticsCount] {
        var latest: [String: LedgerEntry] = [:]
        var counts: [AnalyticsKey: Int] = [:]
        for entry in records {
            let key = entry.property + "\u{0}" + entry.subject
            let earlier = latest[key]
            latest[key] = entry
            let (cell, metrics) = decision(entry, earlier: earlier)
            if let fromDay, cell.day < fromDay { continue }
            for metric in metrics { counts[AnalyticsKey(cell: cell, metric: metric), default: 0] += 1 }
        }
        return counts.map { AnalyticsCount(cell: $0.key.cell, metric: $0.key.metric, count: $0.value) }
    }
}

/// A cell and a metric: where a count adds up.
public struct AnalyticsKey: Hashable, Sendable {
    public var cell: AnalyticsCell
    public var metric: String

    public init(cell: AnalyticsCell, metric: String) {
        self.cell = cell
        self.metric = metric
    }
}

/// What a recorded decision counts, apart from its cell: its counters follow from it (`metrics`). Decisions of
/// the same shape add up before they are turned into counters, so a server counts a decision with one table
/// update (the choices hashed, nothing built) instead of one per counter with the counter names made each time.
public struct DecisionShape: Hashable, Sendable {
    public var action: ConsentAction
    public var choices: [String: Bool]
    public var gpc: Bool
    /// GPC overrode an opt-in the visitor chose.
    public var gpcOverride: Bool
    /// nil for the subject's first decision on the property; else whether it turns off a category the earlier
    /// one allowed.
    public var withdrawal: Bool?

    public init(_ entry: LedgerEntry, earlier: LedgerEntry?) {
        action = entry.action
        choices = entry.choices
        gpc = entry.gpc
        gpcOverride = !entry.gpcConflicts.isEmpty
        withdrawal = earlier.map { earlier in
            earlier.choices.contains(where: { $0.value && entry.choices[$0.key] == false })
        }
    }

    /// The counters, each once.
    public var metrics: [String] {
        typealias M = AnalyticsMetric
        var metrics = [M.decisions, M.action(action)]
        metrics.reserveCapacity(8 + choices.count * 2)
        if !choices.isEmpty, choices.values.allSatisfy({ $0 }) { metrics.append(M.allowAll) }
        for (key, allowed) in choices where allowed {
            metrics.append(M.category(key))
            if action == .save { metrics.append(M.savedPrefix + key) }
        }
        if gpc { metrics.append(M.gpc) }
        if gpcOverride { metrics.append(M.gpcOverride) }
        switch withdrawal {
        case nil: metrics.append(M.first)
        case false?: metrics.append(M.change)
        case true?: metrics.append(contentsOf: [M.change, M.withdrawal])
        }
        return metrics
    }
}
