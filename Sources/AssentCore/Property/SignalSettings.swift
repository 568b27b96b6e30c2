/// A Google Consent Mode v2 consent type, in the order `gtag('consent', …)` documents them.
public enum ConsentModeType: String, Sendable, CaseIterable {
    case adStorage = "ad_storage"
    case analyticsStorage = "analytics_storage"
    case adUserData = "ad_user_data"
    case adPersonalization = "ad_personalization"
    case functionalityStorage = "functionality_storage"
    case personalizationStorage = "personalization_storage"
    case securityStorage = "security_storage"

    /// The category purposes a type follows when the property does not say: a type is granted when every
    /// category with one of these purposes is allowed. `nil`: always granted.
    public var defaultPurposes: [Purpose]? {
        switch self {
        case .adStorage, .adPersonalization: [.targetedAdvertising]
        case .adUserData: [.targetedAdvertising, .sale, .sharing]
        case .analyticsStorage: [.analytics]
        case .functionalityStorage: [.functional]
        case .personalizationStorage: [.personalization]
        case .securityStorage: nil
        }
    }
}

/// What one Consent Mode type follows.
public enum ConsentModeRule: Sendable, Equatable {
    case granted
    case denied
    /// Granted when every listed category is allowed; an empty list is never granted.
    case categories([String])
}

/// The flags of the IAB Multi-State Privacy Agreement that the US sections of GPP carry.
public struct MSPASettings: Sendable, Equatable {
    /// The publisher is a signatory and the transaction is covered by the MSPA.
    public var coveredTransaction: Bool
    /// For a covered transaction: the publisher offers opt-outs (Opt-Out Option Mode).
    public var optOutOptionMode: Bool
    /// For a covered transaction: the downstream parties act as service providers (Service Provider Mode).
    public var serviceProviderMode: Bool

    public init(coveredTransaction: Bool = false, optOutOptionMode: Bool = false, serviceProviderMode: Bool = false) {
        self.coveredTransaction = coveredTransaction
        self.optOutOptionMode = optOutOptionMode
        self.serviceProviderMode = serviceProviderMode
    }
}

/// IAB TCF settings: who the CMP is, which vendor list, which purposes and vendors visitors are shown, and
/// which categories give consent to which purpose. TCF applies to visitors under an opt-in regime.
public struct TCFSettings: Sendable, Equatable {
    public var enabled: Bool
    /// The CMP id the IAB assigned; required when enabled.
    public var cmpId: Int?
    public var cmpVersion: Int
    /// ISO 3166-1 alpha-2, upper case; required when enabled.
    public var publisherCountryCode: String?
    /// The Global Vendor List version the purposes and vendors refer to (`assent gvl import`); required when
    /// enabled.
    public var vendorListVersion: Int?
    /// The purposes shown; `nil`: every purpose of the vendor list that some category gives consent to.
    public var purposes: [Int]?
    /// The special features shown (each needs its own opt-in).
    public var specialFeatures: [Int]
    /// The vendors shown, by GVL id.
    public var vendors: [Int]
    /// Purpose id → the categories that give consent to it (any one allowed is enough). Purposes not listed
    /// follow `defaultPurposes(forPurpose:)`.
    public var purposeCategories: [Int: [String]]
    /// Special feature id → the categories that opt into it. Features not listed follow targeted advertising.
    public var specialFeatureCategories: [Int: [String]]

    public init(
        enabled: Bool = true, cmpId: Int? = nil, cmpVersion: Int = 1, publisherCountryCode: String? = nil,
        vendorListVersion: Int? = nil, purposes: [Int]? = nil, specialFeatures: [Int] = [], vendors: [Int] = [],
        purposeCategories: [Int: [String]] = [:], specialFeatureCategories: [Int: [String]] = [:]
    ) {
        self.enabled = enabled
        self.cmpId = cmpId
        self.cmpVersion = cmpVersion
        self.publisherCountryCode = publisherCountryCode
        self.vendorListVersion = vendorListVersion
        self.purposes = purposes
        self.specialFeatures = specialFeatures
        self.vendors = vendors
        self.purposeCategories = purposeCategories
        self.specialFeatureCategories = specialFeatureCategories
    }

    /// The category purposes that give consent to a TCF purpose when the property maps it to no category.
    public static func defaultPurposes(forPurpose id: Int) -> [Purpose] {
        switch id {
        case 1: [.targetedAdvertising, .analytics, .personalization]  // storage access serves all of them
        case 2, 3, 4, 7: [.targetedAdvertising]
        case 5, 6, 11: [.personalization]
        case 8, 9, 10: [.analytics]
        default: []
        }
    }

    /// Purposes TCF 2.2 never lets a vendor rely on legitimate interest for.
    public static let consentOnlyPurposes: Set<Int> = [1, 3, 4, 5, 6]
}

/// The `signals` section of a property: how an effective decision becomes the industry signals (IAB GPP, TCF,
/// US Privacy and Google Consent Mode).
public struct SignalSettings: Sendable, Equatable {
    public var mspa: MSPASettings
    /// Whether US visitors get the legacy US Privacy string as well.
    public var usPrivacy: Bool
    /// `nil`: the property does not take part in TCF.
    public var tcf: TCFSettings?
    /// Explicit rules; a type not listed follows `ConsentModeType.defaultPurposes`.
    public var consentMode: [ConsentModeType: ConsentModeRule]

    public init(
        mspa: MSPASettings = MSPASettings(), usPrivacy: Bool = true, tcf: TCFSettings? = nil,
        consentMode: [ConsentModeType: ConsentModeRule] = [:]
    ) {
        self.mspa = mspa
        self.usPrivacy = usPrivacy
        self.tcf = tcf
        self.consentMode = consentMode
    }
}

extension Property {
    /// The categories that give consent to TCF purpose `id`: the property's mapping, else every optional
    /// category with one of the purpose's default category purposes.
    public func tcfPurposeCategories(_ id: Int) -> [String] {
        signals.tcf?.purposeCategories[id] ?? categories.tcfPurposeDefault(id)
    }

    /// The categories that opt into TCF special feature `id`.
    public func tcfSpecialFeatureCategories(_ id: Int) -> [String] {
        signals.tcf?.specialFeatureCategories[id] ?? categories.tcfSpecialFeatureDefault
    }

    /// The rule a Consent Mode type follows here, with defaults resolved against the categories.
    public func consentModeRule(_ type: ConsentModeType) -> ConsentModeRule {
        if let explicit = signals.consentMode[type] { return explicit }
        guard let purposes = type.defaultPurposes else { return .granted }
        return .categories(categories.keys(carrying: purposes, optionalOnly: false))
    }
}

extension [Category] {
    /// Keys of the categories carrying any of `purposes`, in category order.
    func keys(carrying purposes: [Purpose], optionalOnly: Bool) -> [String] {
        filter { c in (!optionalOnly || !c.required) && c.purposes.contains { purposes.contains($0) } }.map(\.key)
    }

    /// The optional categories that give consent to TCF purpose `id` by default.
    func tcfPurposeDefault(_ id: Int) -> [String] {
        keys(carrying: TCFSettings.defaultPurposes(forPurpose: id), optionalOnly: true)
    }

    /// The optional categories that opt into a TCF special feature by default: those for targeted advertising.
    var tcfSpecialFeatureDefault: [String] { keys(carrying: [.targetedAdvertising], optionalOnly: true) }
}
