import AssentCore
import Foundation

/// The signal strings the server computed for a decision (or for the default before any choice): what ad SDKs
/// read, as `UserDefaults` keys, and what Firebase takes as Consent Mode.
public struct ConsentSignalStrings: Sendable, Equatable {
    public var gpp: String
    /// The GPP section IDs in force; empty when none applies.
    public var gppSid: [Int]
    /// Present where TCF applies.
    public var tcString: String?
    /// Present for US visitors.
    public var usPrivacy: String?
    /// Google Consent Mode v2: type (`ad_storage`, `analytics_storage`, …) → granted.
    public var consentMode: [String: Bool]

    public init(
        gpp: String, gppSid: [Int], tcString: String? = nil, usPrivacy: String? = nil, consentMode: [String: Bool]
    ) {
        self.gpp = gpp
        self.gppSid = gppSid
        self.tcString = tcString
        self.usPrivacy = usPrivacy
        self.consentMode = consentMode
    }

    init?(json: JSONValue?) {
        guard let json, let gpp = json["gpp"]?.stringValue else { return nil }
        var mode: [String: Bool] = [:]
        for (type, value) in json["consentMode"]?.objectValue ?? [] { mode[type] = value.stringValue == "granted" }
        self.init(
            gpp: gpp, gppSid: (json["gppSid"]?.arrayValue ?? []).compactMap(\.intValue),
            tcString: json["tcString"]?.stringValue, usPrivacy: json["usPrivacy"]?.stringValue, consentMode: mode)
    }
}

/// One category the banner and the preference screen show.
public struct ConsentCategory: Sendable, Equatable, Identifiable {
    public var key: String
    public var title: String
    public var description: String
    /// Always on; the screen shows it as "always active", without a switch.
    public var required: Bool
    /// Its state before the visitor chooses, in the visitor's regime.
    public var defaultAllowed: Bool
    /// Purposes such as `sale`, `targeted-advertising`, `analytics`.
    public var purposes: [String]

    public var id: String { key }
}

/// The config the server chose for this visitor: regime, policy version, categories and texts in one language,
/// and the signals of the default decision.
public struct AssentConfig: Sendable, Equatable {
    public var property: String
    public var name: String
    /// `opt-in`, `opt-out` or `notice`.
    public var regime: String
    public var region: String
    public var policyVersion: Int
    public var language: String
    public var consentDays: Int
    public var refusalDays: Int
    public var showRejectAll: Bool
    public var showDoNotSell: Bool
    public var categories: [ConsentCategory]
    /// Text key (`bannerTitle`, `acceptAll`, …) → text, to be shown as plain text.
    public var texts: [String: String]
    public var links: [String: String]
    /// The signals of the decision before any choice.
    public var signals: ConsentSignalStrings?
    /// A signed-in reader's decision from the group (`Assent-Identity`), when the server carried one.
    public var readerDecision: ConsentDecision?

    init?(json: JSONValue) {
        guard let property = json["property"]?.stringValue, let regime = json["regime"]?.stringValue,
            let policyVersion = json["policyVersion"]?.intValue, let items = json["categories"]?.arrayValue
        else { return nil }
        self.property = property
        name = json["name"]?.stringValue ?? property
        self.regime = regime
        region = json["region"]?.stringValue ?? ""
        self.policyVersion = policyVersion
        language = json["lang"]?.stringValue ?? ""
        consentDays = json["expiry"]?["consentDays"]?.intValue ?? 365
        refusalDays = json["expiry"]?["refusalDays"]?.intValue ?? 182
        showRejectAll = json["showRejectAll"]?.boolValue ?? true
        showDoNotSell = json["showDoNotSell"]?.boolValue ?? false
        categories = items.compactMap { item in
            guard let key = item["key"]?.stringValue else { return nil }
            return ConsentCategory(
                key: key, title: item["title"]?.stringValue ?? key,
                description: item["description"]?.stringValue ?? "", required: item["required"]?.boolValue ?? false,
                defaultAllowed: item["default"]?.boolValue ?? false,
                purposes: (item["purposes"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        texts = [:]
        for (key, value) in json["texts"]?.objectValue ?? [] { texts[key] = value.stringValue }
        links = [:]
        for (key, value) in json["links"]?.objectValue ?? [] { links[key] = value.stringValue }
        signals = ConsentSignalStrings(json: json["signals"])
        readerDecision = json["decision"].flatMap(ConsentDecision.init(json:))
    }
}

/// An effective decision as the server recorded it.
public struct ConsentDecision: Sendable, Equatable {
    /// The ledger record's id.
    public var id: String
    public var subject: String
    /// Category key → allowed, required categories included.
    public var choices: [String: Bool]
    public var action: String
    public var regime: String?
    public var region: String?
    public var policyVersion: Int
    public var recordedAt: Date
    public var expiresAt: Date
    public var signals: ConsentSignalStrings?
    /// The receipt (entry, inclusion proof, signed tree head) when the answer carried one.
    public var receipt: JSONValue?

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let subject = json["subject"]?.stringValue,
            let policyVersion = json["policyVersion"]?.intValue,
            let recordedAt = json["recordedAt"]?.stringValue.flatMap(ISOTime.parse),
            let expiresAt = json["expiresAt"]?.stringValue.flatMap(ISOTime.parse)
        else { return nil }
        self.id = id
        self.subject = subject
        var choices: [String: Bool] = [:]
        for (key, value) in json["choices"]?.objectValue ?? [] { choices[key] = value.boolValue ?? false }
        self.choices = choices
        action = json["action"]?.stringValue ?? ""
        regime = json["regime"]?.stringValue
        region = json["region"]?.stringValue
        self.policyVersion = policyVersion
        self.recordedAt = recordedAt
        self.expiresAt = expiresAt
        signals = ConsentSignalStrings(json: json["signals"])
        receipt = json["receipt"]
    }
}

/// ISO 8601 times as the server writes them (`2026-11-29T16:19:45.138Z`).
enum ISOTime {
    static func parse(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }
}

/// What the app's banner must show for this visitor's regime; the app draws it (texts are plain text, never
/// markup).
public struct ConsentBanner: Sendable, Equatable {
    public enum Button: String, Sendable, Equatable, CaseIterable {
        case acceptAll, rejectAll, preferences, doNotSell
    }

    public var regime: String
    public var title: String
    public var message: String
    /// In the order the banner shows them.
    public var buttons: [Button]
    /// Button → its label.
    public var labels: [Button: String]
    /// When true, Reject All must be as prominent as Accept All (same size, colour and level): opt-in regimes.
    public var rejectAllAsProminentAsAcceptAll: Bool
    public var categories: [ConsentCategory]
    public var links: [String: String]

    public init(config: AssentConfig) {
        regime = config.regime
        title = config.texts["bannerTitle"] ?? ""
        message = config.texts["bannerText"] ?? ""
        var buttons: [Button] = [.acceptAll]
        if config.showRejectAll { buttons.append(.rejectAll) }
        buttons.append(.preferences)
        if config.showDoNotSell { buttons.append(.doNotSell) }
        self.buttons = buttons
        var labels: [Button: String] = [:]
        for button in buttons { labels[button] = config.texts[button.rawValue] ?? "" }
        self.labels = labels
        rejectAllAsProminentAsAcceptAll = config.showRejectAll
        categories = config.categories
        links = config.links
    }
}
