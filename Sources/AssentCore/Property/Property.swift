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

/// One category of cookies and scripts a visitor chooses about. Its fields live in a `CopyOnWrite` box: deciding
/// walks a property's categories on every consent POST.
public struct Category: Sendable, Equatable {
    private struct Fields: Equatable, Sendable {
        var key: String
        var title: LocalizedText
        var description: LocalizedText
        var required: Bool
        var defaults: RegimeDefaults
        var purposes: [Purpose]
        var cookies: [CookieInfo]
    }

    private var fields: CopyOnWrite<Fields>

    public var key: String {
        get { fields.value.key }
        _modify { yield &fields.value.key }
    }
    public var title: LocalizedText {
        get { fields.value.title }
        _modify { yield &fields.value.title }
    }
    public var description: LocalizedText {
        get { fields.value.description }
        _modify { yield &fields.value.description }
    }
    public var required: Bool {
        get { fields.value.required }
        _modify { yield &fields.value.required }
    }
    public var defaults: RegimeDefaults {
        get { fields.value.defaults }
        _modify { yield &fields.value.defaults }
    }
    public var purposes: [Purpose] {
        get { fields.value.purposes }
        _modify { yield &fields.value.purposes }
    }
    public var cookies: [CookieInfo] {
        get { fields.value.cookies }
        _modify { yield &fields.value.cookies }
    }

    public init(
        key: String, title: LocalizedText, description: LocalizedText, required: Bool = false,
        defaults: RegimeDefaults = RegimeDefaults(), purposes: [Purpose] = [], cookies: [CookieInfo] = []
    ) {
        fields = CopyOnWrite(
            Fields(
                key: key, title: title, description: description, required: required, defaults: defaults,
                purposes: purposes, cookies: cookies))
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
///
/// Its fields live in a `CopyOnWrite` box: a consent POST hands the property to the decision, its inputs and its
/// answer, and each copy of thirty-odd strings and arrays cost a reference-count operation for every one of them.
public struct Property: Sendable, Equatable {
    private struct Fields: Equatable, Sendable {
        var id: String
        var name: String
        var origins: [String]
        var cookieDomain: String?
        var policyVersion: Int
        var languages: [String]
        var regimes: RegimeRules
        var categories: [Category]
        var texts: [String: [String: String]]
        var links: PropertyLinks
        var expiry: DecisionExpiry
        var signals: SignalSettings
        var identity: IdentitySettings?
        var requests: RequestSettings?
        var scan: ScanSettings?
    }

    private var fields: CopyOnWrite<Fields>

    public var id: String {
        get { fields.value.id }
        _modify { yield &fields.value.id }
    }
    public var name: String {
        get { fields.value.name }
        _modify { yield &fields.value.name }
    }
    public var origins: [String] {
        get { fields.value.origins }
        _modify { yield &fields.value.origins }
    }
    public var cookieDomain: String? {
        get { fields.value.cookieDomain }
        _modify { yield &fields.value.cookieDomain }
    }
    /// Bumped whenever what the visitor is shown (texts, categories) changes.
    public var policyVersion: Int {
        get { fields.value.policyVersion }
        _modify { yield &fields.value.policyVersion }
    }
    /// Declared languages; the first is the fallback.
    public var languages: [String] {
        get { fields.value.languages }
        _modify { yield &fields.value.languages }
    }
    public var regimes: RegimeRules {
        get { fields.value.regimes }
        _modify { yield &fields.value.regimes }
    }
    public var categories: [Category] {
        get { fields.value.categories }
        _modify { yield &fields.value.categories }
    }
    /// Widget texts per language, keyed by `TextKey` raw values.
    public var texts: [String: [String: String]] {
        get { fields.value.texts }
        _modify { yield &fields.value.texts }
    }
    public var links: PropertyLinks {
        get { fields.value.links }
        _modify { yield &fields.value.links }
    }
    public var expiry: DecisionExpiry {
        get { fields.value.expiry }
        _modify { yield &fields.value.expiry }
    }
    /// How decisions become the industry signals (GPP, TCF, US Privacy, Consent Mode).
    public var signals: SignalSettings {
        get { fields.value.signals }
        _modify { yield &fields.value.signals }
    }
    /// Signed-in readers: the key the publisher's reader tokens are checked with; nil: tokens are refused.
    public var identity: IdentitySettings? {
        get { fields.value.identity }
        _modify { yield &fields.value.identity }
    }
    /// What privacy requests ask for beyond the address; nil: the standard data points (`requestSettings`).
    public var requests: RequestSettings? {
        get { fields.value.requests }
        _modify { yield &fields.value.requests }
    }
    /// Compliance scans: start URLs, regions, pages and schedule; nil: none configured.
    public var scan: ScanSettings? {
        get { fields.value.scan }
        _modify { yield &fields.value.scan }
    }

    public init(
        id: String, name: String, origins: [String], cookieDomain: String? = nil, policyVersion: Int = 1,
        languages: [String], regimes: RegimeRules, categories: [Category], texts: [String: [String: String]],
        links: PropertyLinks = PropertyLinks(), expiry: DecisionExpiry = DecisionExpiry(),
        signals: SignalSettings = SignalSettings(), identity: IdentitySettings? = nil,
        requests: RequestSettings? = nil, scan: ScanSettings? = nil
    ) {
        fields = CopyOnWrite(
            Fields(
                id: id, name: name, origins: origins, cookieDomain: cookieDomain, policyVersion: policyVersion,
                languages: languages, regimes: regimes, categories: categories, texts: texts, links: links,
                expiry: expiry, signals: signals, identity: identity, requests: requests, scan: scan))
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
