import Foundation

/// What a category's data use means for the law and for the industry signals.
public enum Purpose: String, Sendable, CaseIterable {
    case sale
    case sharing
    case targetedAdvertising = "targeted-advertising"
    case analytics
    case functional
    case personalization
    case security
    case social
    case sensitive

    /// Purposes that Global Privacy Control opts out of.
    public var optedOutByGPC: Bool { self == .sale || self == .sharing || self == .targetedAdvertising }
}

/// A text in every language the property declares, keyed by language code.
public typealias LocalizedText = [String: String]

public enum CookieParty: String, Sendable { case first, third }

/// A cookie a category sets, matched by exact name or by prefix.
public struct CookieInfo: Sendable, Equatable {
    public var name: String
    public var prefix: Bool
    public var host: String?
    public var duration: String
    public var party: CookieParty
    public var description: LocalizedText

    public init(
        name: String, prefix: Bool = false, host: String? = nil, duration: String, party: CookieParty = .first,
        description: LocalizedText
    ) {
        self.name = name
        self.prefix = prefix
        self.host = host
        self.duration = duration
        self.party = party
        self.description = description
    }
}

/// Whether a category is allowed before the visitor chooses, per regime.
public struct RegimeDefaults: Sendable, Equatable {
    public var optIn: Bool
    public var optOut: Bool
    public var notice: Bool

    public init(optIn: Bool = false, optOut: Bool = true, notice: Bool = true) {
        self.optIn = optIn
        self.optOut = optOut
        self.notice = notice
    }

    public subscript(regime: Regime) -> Bool {
        switch regime {
        case .optIn: optIn
        case .optOut: optOut
        case .notice: notice
        }
    }
}

public struct Category: Sendable, Equatable {
    public var key: String
    public var title: LocalizedText
    public var description: LocalizedText
    public var required: Bool
    public var defaults: RegimeDefaults
    public var purposes: [Purpose]
    public var cookies: [CookieInfo]

    public init(
        key: String, title: LocalizedText, description: LocalizedText, required: Bool = false,
        defaults: RegimeDefaults = RegimeDefaults(), purposes: [Purpose] = [], cookies: [CookieInfo] = []
    ) {
        self.key = key
        self.title = title
        self.description = description
        self.required = required
        self.defaults = defaults
        self.purposes = purposes
        self.cookies = cookies
    }

    /// Global Privacy Control turns this category off.
    public var optedOutByGPC: Bool { purposes.contains { $0.optedOutByGPC } }

    public func isDefaultAllowed(in regime: Regime) -> Bool { required || defaults[regime] }
}

public struct PropertyLinks: Sendable, Equatable {
    public var privacyPolicy: String?
    public var cookiePolicy: String?
    public var privacyRequests: String?

    public init(privacyPolicy: String? = nil, cookiePolicy: String? = nil, privacyRequests: String? = nil) {
        self.privacyPolicy = privacyPolicy
        self.cookiePolicy = cookiePolicy
        self.privacyRequests = privacyRequests
    }
}

/// How long a decision holds before the visitor is asked again.
public struct DecisionExpiry: Sendable, Equatable {
    public var consentDays: Int
    public var refusalDays: Int

    public init(consentDays: Int = 365, refusalDays: Int = 182) {
        self.consentDays = consentDays
        self.refusalDays = refusalDays
    }
}

/// One site or a group of sites that share a banner, categories and a ledger of decisions.
public struct Property: Sendable, Equatable {
    public var id: String
    public var name: String
    public var origins: [String]
    public var cookieDomain: String?
    /// Bumped whenever what the visitor is shown (texts, categories) changes.
    public var policyVersion: Int
    /// Declared languages; the first is the fallback.
    public var languages: [String]
    public var regimes: RegimeRules
    public var categories: [Category]
    /// Widget texts per language, keyed by `TextKey` raw values.
    public var texts: [String: [String: String]]
    public var links: PropertyLinks
    public var expiry: DecisionExpiry
    /// How decisions become the industry signals (GPP, TCF, US Privacy, Consent Mode).
    public var signals: SignalSettings
    /// Signed-in readers: the key the publisher's reader tokens are checked with; nil: tokens are refused.
    public var identity: IdentitySettings?
    /// What privacy requests ask for beyond the address; nil: the standard data points (`requestSettings`).
    public var requests: RequestSettings?
    /// Compliance scans: start URLs, regions, pages and schedule; nil: none configured.
    public var scan: ScanSettings?

    public init(
        id: String, name: String, origins: [String], cookieDomain: String? = nil, policyVersion: Int = 1,
        languages: [String], regimes: RegimeRules, categories: [Category], texts: [String: [String: String]],
        links: PropertyLinks = PropertyLinks(), expiry: DecisionExpiry = DecisionExpiry(),
        signals: SignalSettings = SignalSettings(), identity: IdentitySettings? = nil,
        requests: RequestSettings? = nil, scan: ScanSettings? = nil
    ) {
        self.id = id
        self.name = name
        self.origins = origins
        self.cookieDomain = cookieDomain
        self.policyVersion = policyVersion
        self.languages = languages
        self.regimes = regimes
        self.categories = categories
        self.texts = texts
        self.links = links
        self.expiry = expiry
        self.signals = signals
        self.identity = identity
        self.requests = requests
        self.scan = scan
    }

    public var defaultLanguage: String { languages.first ?? "en" }

    /// The declared language that best matches a requested one ("es-MX" → "es"), else the default.
    public func language(matching requested: String?) -> String {
        guard let requested, !requested.isEmpty else { return defaultLanguage }
        let lower = requested.lowercased()
        if languages.contains(lower) { return lower }
        let primary = String(lower.prefix { $0 != "-" && $0 != "_" })
        return languages.contains(primary) ? primary : defaultLanguage
    }

    public func category(_ key: String) -> Category? { categories.first { $0.key == key } }

    /// Whether what a visitor sees (texts, categories, links, the TCF purposes and vendors) differs, which is
    /// what a new policy version marks. A new vendor list version alone does not (TCF does not ask again for it).
    public func policyContentDiffers(from other: Property) -> Bool {
        categories != other.categories || texts != other.texts || links != other.links
            || languages != other.languages || tcfShown != other.tcfShown
    }

    /// What the TCF layer shows, when TCF is enabled.
    private var tcfShown: [[Int]?]? {
        guard let tcf = signals.tcf, tcf.enabled else { return nil }
        return [tcf.purposes, tcf.specialFeatures, tcf.vendors]
    }
}

/// The widget's text keys; each must be present in every declared language.
public enum TextKey: String, Sendable, CaseIterable {
    case bannerTitle, bannerText, acceptAll, rejectAll, preferences, doNotSell
    case preferencesTitle, preferencesIntro, cookiePolicy, allowAll, saveSettings, alwaysActive
    case gpcHonoured, close, cookiesHeading, placeholder, placeholderButton
}
