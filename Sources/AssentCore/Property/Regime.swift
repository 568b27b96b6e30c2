import Foundation

/// How a region's law treats non-essential cookies and the sale or sharing of personal data.
public enum Regime: String, Sendable, CaseIterable, Codable {
    /// Nothing non-essential until the visitor agrees (GDPR and ePrivacy: EU/EEA, UK, Switzerland).
    case optIn = "opt-in"
    /// Allowed by default; the visitor can opt out, and GPC is an opt-out (CCPA/CPRA and peer US state laws).
    case optOut = "opt-out"
    /// An informative notice; defaults allowed, preferences available.
    case notice
}

/// A visitor's region: an ISO 3166-1 alpha-2 country, optionally with an ISO 3166-2 subdivision ("FR", "US-CA").
public struct Region: Hashable, Sendable, CustomStringConvertible {
    public let code: String

    /// Accepts upper or lower case; nil for anything that is not a country or country-subdivision code.
    public init?(_ raw: String) {
        var raw = raw
        let parsed = raw.withUTF8(Self.code(utf8:))
        guard let parsed else { return nil }
        code = parsed
    }

    /// As `init(_: String)`, for a substring or another text.
    public init?(_ raw: some StringProtocol) {
        self.init(String(raw))
    }

    /// The code in upper case, or nil. Byte by byte, uppercasing ASCII letters only: uppercasing "ß" or "ﬁ"
    /// would otherwise turn them into real codes, and any byte outside ASCII fails every check. (A code fits a
    /// small string: no allocation.)
    private static func code(utf8: UnsafeBufferPointer<UInt8>) -> String? {
        let count = utf8.count
        guard count == 2 || (count >= 4 && count <= 6) else { return nil }
        var valid = true
        let upper = String(unsafeUninitializedCapacity: count) { out in
            for i in 0..<count {
                let byte = utf8[i]
                let b = (97...122).contains(byte) ? byte - 32 : byte
                let fits =
                    switch i {
                    case 0, 1: (65...90).contains(b)
                    case 2: b == UInt8(ascii: "-")
                    default: (65...90).contains(b) || (48...57).contains(b)
                    }
                guard fits else {
                    valid = false
                    return 0
                }
                out[i] = b
            }
            return count
        }
        return valid ? upper : nil
    }

    public var country: String { String(code.prefix(2)) }
    public var description: String { code }
}

/// The rule that maps a set of regions to a regime.
public struct RegimeRule: Sendable, Equatable {
    public var regime: Regime
    /// Country ("FR") or subdivision ("US-CA") codes.
    public var regions: [String]
    /// Whether the first layer offers Reject All. Opt-in regimes must.
    public var rejectAll: Bool

    public init(regime: Regime, regions: [String], rejectAll: Bool = true) {
        self.regime = regime
        self.regions = regions
        self.rejectAll = rejectAll
    }
}

/// The regime rules of a property: the most specific matching rule wins (subdivision, then country).
public struct RegimeRules: Sendable, Equatable {
    public var rules: [RegimeRule] { didSet { index = Self.index(rules) } }
    public var defaultRegime: Regime
    public var defaultRejectAll: Bool
    /// Region code → position of the first rule naming it; derived from `rules`, for the per-request lookup.
    private var index: [String: Int]

    public init(rules: [RegimeRule], defaultRegime: Regime = .notice, defaultRejectAll: Bool = true) {
        self.rules = rules
        self.defaultRegime = defaultRegime
        self.defaultRejectAll = defaultRejectAll
        self.index = Self.index(rules)
    }

    private static func index(_ rules: [RegimeRule]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, rule) in rules.enumerated() {
            for code in rule.regions where index[code] == nil { index[code] = i }
        }
        return index
    }

    public static func == (lhs: RegimeRules, rhs: RegimeRules) -> Bool {
        lhs.rules == rhs.rules && lhs.defaultRegime == rhs.defaultRegime && lhs.defaultRejectAll == rhs.defaultRejectAll
    }

    public func rule(for region: Region) -> (regime: Regime, rejectAll: Bool) {
        if let i = index[region.code] ?? (region.code.count > 2 ? index[region.country] : nil) {
            return (rules[i].regime, rules[i].rejectAll)
        }
        return (defaultRegime, defaultRejectAll)
    }

    public func regime(for region: Region) -> Regime { rule(for: region).regime }

    /// One region the rules put under opt-in and one under opt-out (France and California where they are), the two
    /// regimes that decide what may run before a choice: what a compliance scan visits when told no regions. A
    /// region is taken only if the rules really resolve it to that regime (a more specific rule may override it);
    /// rules that name neither regime give France and California.
    public var representativeRegions: [Region] {
        func pick(_ regime: Regime, preferring preferred: String) -> Region? {
            let codes = rules.filter { $0.regime == regime }.flatMap(\.regions).compactMap { Region($0) }
                .filter { self.regime(for: $0) == regime }
            return codes.first { $0.code == preferred } ?? codes.first
        }
        let regions = [pick(.optIn, preferring: "FR"), pick(.optOut, preferring: "US-CA")].compactMap { $0 }
        return regions.isEmpty ? [Region("FR")!, Region("US-CA")!] : regions
    }

    /// EU member states, the other EEA states, the United Kingdom and Switzerland.
    public static let optInCountries = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
        "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GB", "CH",
    ]

    /// US states with comprehensive consumer privacy laws in force.
    public static let optOutStates = [
        "US-CA", "US-CO", "US-CT", "US-VA", "US-UT", "US-TX", "US-OR", "US-MT", "US-IA", "US-DE", "US-NE",
        "US-NH", "US-NJ", "US-TN", "US-MN", "US-MD", "US-IN", "US-KY", "US-RI",
    ]

    public static let standard = RegimeRules(
        rules: [
            RegimeRule(regime: .optIn, regions: optInCountries),
            RegimeRule(regime: .optOut, regions: optOutStates),
        ],
        defaultRegime: .notice
    )
}

/// Resolves the region a request comes from: the trusted header when it holds a valid code, else the default.
public func resolveRegion(header: String?, default fallback: Region) -> Region {
    guard let header, let region = Region(header.trimmingCharacters(in: .whitespaces)) else { return fallback }
    return region
}
