/// How an analytics answer is grouped.
public enum AnalyticsGrouping: String, Sendable, CaseIterable {
    case day, region, regime, policyVersion, lang

    func key(_ cell: AnalyticsCell) -> String {
        switch self {
        case .day: CivilDate(daysSinceEpoch: cell.day).description
        case .region: cell.region
        case .regime: cell.regime
        case .policyVersion: String(cell.policyVersion)
        case .lang: cell.lang
        }
    }
}

/// The figures of one group (or of the whole answer), summed from daily counters.
public struct AnalyticsFigures: Sendable, Equatable {
    public var counts: [String: Int] = [:]

    public init(counts: [String: Int] = [:]) { self.counts = counts }

    public subscript(metric: String) -> Int { counts[metric] ?? 0 }

    public mutating func add(_ other: AnalyticsFigures) {
        for (metric, count) in other.counts { counts[metric, default: 0] += count }
    }

    public var bannersShown: Int { self[AnalyticsEvent.bannerShown.rawValue] }
    public var preferencesShown: Int { self[AnalyticsEvent.preferencesShown.rawValue] }
    public var decisions: Int { self[AnalyticsMetric.decisions] }

    /// Decisions that allow every category ÷ decisions.
    public var consentRate: Double? { Self.ratio(self[AnalyticsMetric.allowAll], decisions) }
    /// Decisions that allow every category ÷ banners shown.
    public var optInRate: Double? { Self.ratio(self[AnalyticsMetric.allowAll], bannersShown) }
    /// 1 − decisions ÷ banners shown, never below 0 (a visitor may decide again without seeing the banner).
    public var noChoiceRate: Double? {
        Self.ratio(decisions, bannersShown).map { Self.rounded(max(0, 1 - $0)) }
    }
    /// Decisions made with GPC on ÷ decisions.
    public var gpcShare: Double? { Self.ratio(self[AnalyticsMetric.gpc], decisions) }

    /// Decisions allowing each category ÷ decisions, by category key.
    public var categoryAcceptance: [(String, Double)] {
        counts.keys.filter { $0.hasPrefix(AnalyticsMetric.categoryPrefix) }.sorted().compactMap { metric in
            Self.ratio(counts[metric] ?? 0, decisions).map {
                (String(metric.dropFirst(AnalyticsMetric.categoryPrefix.count)), $0)
            }
        }
    }

    public func actions() -> [(String, Int)] {
        ConsentAction.allCases.map { ($0.rawValue, self[AnalyticsMetric.action($0)]) }
    }

    static func ratio(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : rounded(Double(a) / Double(b)) }
    static func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }

    public var jsonValue: JSONValue {
        func rate(_ x: Double?) -> JSONValue { x.map { .number($0, integer: nil) } ?? .null }
        return .object([
            ("bannersShown", .int(bannersShown)), ("preferencesShown", .int(preferencesShown)),
            ("decisions", .int(decisions)),
            ("actions", .object(actions().map { ($0.0, .int($0.1)) })),
            ("allowAll", .int(self[AnalyticsMetric.allowAll])),
            ("consentRate", rate(consentRate)), ("optInRate", rate(optInRate)), ("noChoiceRate", rate(noChoiceRate)),
            ("categoryAcceptance", .object(categoryAcceptance.map { ($0.0, .number($0.1, integer: nil)) })),
            ("gpc", .int(self[AnalyticsMetric.gpc])), ("gpcShare", rate(gpcShare)),
            ("gpcOverrides", .int(self[AnalyticsMetric.gpcOverride])),
            ("firstDecisions", .int(self[AnalyticsMetric.first])), ("changes", .int(self[AnalyticsMetric.change])),
            ("withdrawals", .int(self[AnalyticsMetric.withdrawal])),
        ])
    }
}

/// The answer to an analytics question: the figures per group and in total, with every group of fewer than
/// `minimumDecisions` decisions merged into "other" (k-anonymity: no small cell is ever shown on its own).
public struct AnalyticsReport: Sendable, Equatable {
    public static let minimumDecisions = 10
    public static let otherGroup = "other"

    public var property: String
    public var from: CivilDate
    public var to: CivilDate
    public var by: AnalyticsGrouping
    /// Largest group first (by decisions, then banners); "other" last.
    public var groups: [(key: String, figures: AnalyticsFigures)]
    public var total: AnalyticsFigures

    public static func == (a: AnalyticsReport, b: AnalyticsReport) -> Bool {
        a.property == b.property && a.from == b.from && a.to == b.to && a.by == b.by && a.total == b.total
            && a.groups.map(\.key) == b.groups.map(\.key) && a.groups.map(\.figures) == b.groups.map(\.figures)
    }

    public init(
        property: String, from: CivilDate, to: CivilDate, by: AnalyticsGrouping, counts: [AnalyticsCount],
        minimumDecisions: Int = AnalyticsReport.minimumDecisions
    ) {
        self.property = property
        self.from = from
        self.to = to
        self.by = by
        var byKey: [String: AnalyticsFigures] = [:]
        var total = AnalyticsFigures()
        for count in counts {
            byKey[by.key(count.cell), default: AnalyticsFigures()].counts[count.metric, default: 0] += count.count
            total.counts[count.metric, default: 0] += count.count
        }
        self.total = total
        let kept = byKey.filter { $0.value.decisions >= minimumDecisions }
        var other = AnalyticsFigures()
        var merged = false
        for (key, figures) in byKey where kept[key] == nil {
            other.add(figures)
            merged = true
        }
        var groups = kept.sorted {
            ($0.value.decisions, $0.value.bannersShown, $1.key) > ($1.value.decisions, $1.value.bannersShown, $0.key)
        }.map { (key: $0.key, figures: $0.value) }
        if by == .day { groups.sort { $0.key < $1.key } }
        if merged { groups.append((key: Self.otherGroup, figures: other)) }
        self.groups = groups
    }

    public var jsonValue: JSONValue {
        .object([
            ("property", .string(property)), ("from", .string(from.description)), ("to", .string(to.description)),
            ("by", .string(by.rawValue)), ("minimumDecisions", .int(Self.minimumDecisions)),
            ("total", total.jsonValue),
            (
                "groups",
                .array(
                    groups.map { group in
                        guard case .object(let members) = group.figures.jsonValue else { return .null }
                        return .object([("key", .string(group.key))] + members)
                    })
            ),
        ])
    }

    /// The category keys any group or the total names, sorted.
    var categoryKeys: [String] { total.categoryAcceptance.map(\.0) }

    /// The table as rows of cells: a header, one row per group, then the total.
    public var table: [[String]] {
        func rate(_ x: Double?) -> String { x.map { String($0) } ?? "" }
        let categories = categoryKeys
        var rows: [[String]] = [
            [by.rawValue, "bannersShown", "preferencesShown", "decisions"]
                + ConsentAction.allCases.map { "action:" + $0.rawValue }
                + [
                    "consentRate", "optInRate", "noChoiceRate", "gpcShare", "gpcOverrides", "firstDecisions", "changes",
                    "withdrawals",
                ]
                + categories.map { "accept:" + $0 }
        ]
        for (key, f) in groups + [(key: "total", figures: total)] {
            let acceptance = Dictionary(uniqueKeysWithValues: f.categoryAcceptance)
            rows.append(
                [key, String(f.bannersShown), String(f.preferencesShown), String(f.decisions)]
                    + f.actions().map { String($0.1) }
                    + [
                        rate(f.consentRate), rate(f.optInRate), rate(f.noChoiceRate), rate(f.gpcShare),
                        String(f[AnalyticsMetric.gpcOverride]), String(f[AnalyticsMetric.first]),
                        String(f[AnalyticsMetric.change]), String(f[AnalyticsMetric.withdrawal]),
                    ]
                    + categories.map { rate(acceptance[$0]) })
        }
        return rows
    }

    /// RFC 4180 CSV of `table`.
    public var csv: String {
        table.map { row in
            row.map { cell in
                cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + cell.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"")
                        + "\""
                    : cell
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
