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

/// One category of cookies and scripts a visitor chooses about. Its fields live in one shared box (copied only
/// when a copy is changed): deciding walks a property's categories on every consent POST, and a copy of each
/// category's texts and lists cost a reference-count operation for every one of them.
public struct Category: Sendable, Equatable {
    private final class Storage: @unchecked Sendable {
        var key: String
        var title: LocalizedText
        var description: LocalizedText
        var required: Bool
        var defaults: RegimeDefaults
        var purposes: [Purpose]
        var cookies: [CookieInfo]

        init(
            key: String, title: LocalizedText, description: LocalizedText, required: Bool, defaults: RegimeDefaults,
            purposes: [Purpose], cookies: [CookieInfo]
        ) {
            self.key = key
            self.title = title
            self.description = description
            self.required = required
            self.defaults = defaults
            self.purposes = purposes
            self.cookies = cookies
        }

        func copy() -> Storage {
            Storage(
                key: key, title: title, description: description, required: required, defaults: defaults,
                purposes: purposes, cookies: cookies)
        }
    }

    private var storage: Storage

    /// The box, made unique first: a changed copy never changes the values it was copied from.
    private var unique: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            return storage
        }
    }

    public var key: String {
        get { storage.key }
        set { unique.key = newValue }
        _modify { yield &unique.key }
    }
    public var title: LocalizedText {
        get { storage.title }
        set { unique.title = newValue }
        _modify { yield &unique.title }
    }
    public var description: LocalizedText {
        get { storage.description }
        set { unique.description = newValue }
        _modify { yield &unique.description }
    }
    public var required: Bool {
        get { storage.required }
        set { unique.required = newValue }
        _modify { yield &unique.required }
    }
    public var defaults: RegimeDefaults {
        get { storage.defaults }
        set { unique.defaults = newValue }
        _modify { yield &unique.defaults }
    }
    public var purposes: [Purpose] {
        get { storage.purposes }
        set { unique.purposes = newValue }
        _modify { yield &unique.purposes }
    }
    public var cookies: [CookieInfo] {
        get { storage.cookies }
        set { unique.cookies = newValue }
        _modify { yield &unique.cookies }
    }

    public init(
        key: String, title: LocalizedText, description: LocalizedText, required: Bool = false,
        defaults: RegimeDefaults = RegimeDefaults(), purposes: [Purpose] = [], cookies: [CookieInfo] = []
    ) {
        storage = Storage(
            key: key, title: title, description: description, required: required, defaults: defaults,
            purposes: purposes, cookies: cookies)
    }

    public static func == (lhs: Category, rhs: Category) -> Bool {
        if lhs.storage === rhs.storage { return true }
        let a = lhs.storage
        let b = rhs.storage
        return a.key == b.key
            && a.title == b.title
            && a.description == b.description
            && a.required == b.required
            && a.defaults == b.defaults
            && a.purposes == b.purposes
            && a.cookies == b.cookies
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
/// A value type whose fields live in one shared box, copied only when a copy is changed: a consent POST hands the
/// property to the decision, its inputs and its answer, and a copy of thirty-odd strings and arrays cost a
/// reference-count operation for each of them every time.
public struct Property: Sendable, Equatable {
    private final class Storage: @unchecked Sendable {
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

        init(
            id: String, name: String, origins: [String], cookieDomain: String?, policyVersion: Int, languages: [String],
            regimes: RegimeRules, categories: [Category], texts: [String: [String: String]], links: PropertyLinks,
            expiry: DecisionExpiry, signals: SignalSettings, identity: IdentitySettings?, requests: RequestSettings?,
            scan: ScanSettings?
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

        func copy() -> Storage {
            Storage(
                id: id, name: name, origins: origins, cookieDomain: cookieDomain, policyVersion: policyVersion,
                languages: languages, regimes: regimes, categories: categories, texts: texts, links: links,
                expiry: expiry, signals: signals, identity: identity, requests: requests, scan: scan)
        }
    }

    private var storage: Storage

    /// The box, made unique first: a changed copy never changes the values it was copied from.
    private var unique: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            return storage
        }
    }

    public var id: String {
        get { storage.id }
        set { unique.id = newValue }
        _modify { yield &unique.id }
    }
    public var name: String {
        get { storage.name }
        set { unique.name = newValue }
        _modify { yield &unique.name }
    }
    public var origins: [String] {
        get { storage.origins }
        set { unique.origins = newValue }
        _modify { yield &unique.origins }
    }
    public var cookieDomain: String? {
        get { storage.cookieDomain }
        set { unique.cookieDomain = newValue }
        _modify { yield &unique.cookieDomain }
    }
    /// Bumped whenever what the visitor is shown (texts, categories) changes.
    public var policyVersion: Int {
        get { storage.policyVersion }
        set { unique.policyVersion = newValue }
        _modify { yield &unique.policyVersion }
    }
    /// Declared languages; the first is the fallback.
    public var languages: [String] {
        get { storage.languages }
        set { unique.languages = newValue }
        _modify { yield &unique.languages }
    }
    public var regimes: RegimeRules {
        get { storage.regimes }
        set { unique.regimes = newValue }
        _modify { yield &unique.regimes }
    }
    public var categories: [Category] {
        get { storage.categories }
        set { unique.categories = newValue }
        _modify { yield &unique.categories }
    }
    /// Widget texts per language, keyed by `TextKey` raw values.
    public var texts: [String: [String: String]] {
        get { storage.texts }
        set { unique.texts = newValue }
        _modify { yield &unique.texts }
    }
    public var links: PropertyLinks {
        get { storage.links }
        set { unique.links = newValue }
        _modify { yield &unique.links }
    }
    public var expiry: DecisionExpiry {
        get { storage.expiry }
        set { unique.expiry = newValue }
        _modify { yield &unique.expiry }
    }
    /// How decisions become the industry signals (GPP, TCF, US Privacy, Consent Mode).
    public var signals: SignalSettings {
        get { storage.signals }
        set { unique.signals = newValue }
        _modify { yield &unique.signals }
    }
    /// Signed-in readers: the key the publisher's reader tokens are checked with; nil: tokens are refused.
    public var identity: IdentitySettings? {
        get { storage.identity }
        set { unique.identity = newValue }
        _modify { yield &unique.identity }
    }
    /// What privacy requests ask for beyond the address; nil: the standard data points (`requestSettings`).
    public var requests: RequestSettings? {
        get { storage.requests }
        set { unique.requests = newValue }
        _modify { yield &unique.requests }
    }
    /// Compliance scans: start URLs, regions, pages and schedule; nil: none configured.
    public var scan: ScanSettings? {
        get { storage.scan }
        set { unique.scan = newValue }
        _modify { yield &unique.scan }
    }

    public init(
        id: String, name: String, origins: [String], cookieDomain: String? = nil, policyVersion: Int = 1,
        languages: [String], regimes: RegimeRules, categories: [Category], texts: [String: [String: String]],
        links: PropertyLinks = PropertyLinks(), expiry: DecisionExpiry = DecisionExpiry(),
        signals: SignalSettings = SignalSettings(), identity: IdentitySettings? = nil,
        requests: RequestSettings? = nil, scan: ScanSettings? = nil
    ) {
        storage = Storage(
            id: id, name: name, origins: origins, cookieDomain: cookieDomain, policyVersion: policyVersion,
            languages: languages, regimes: regimes, categories: categories, texts: texts, links: links, expiry: expiry,
            signals: signals, identity: identity, requests: requests, scan: scan)
    }

    public static func == (lhs: Property, rhs: Property) -> Bool {
        if lhs.storage === rhs.storage { return true }
        let a = lhs.storage
        let b = rhs.storage
        return a.id == b.id
            && a.name == b.name
            && a.origins == b.origins
            && a.cookieDomain == b.cookieDomain
            && a.policyVersion == b.policyVersion
            && a.languages == b.languages
            && a.regimes == b.regimes
            && a.categories == b.categories
            && a.texts == b.texts
            && a.links == b.links
            && a.expiry == b.expiry
            && a.signals == b.signals
            && a.identity == b.identity
            && a.requests == b.requests
            && a.scan == b.scan
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
