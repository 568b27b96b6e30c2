/// An IAB TCF v2 TC string (format version 2, used by TCF 2.0 through 2.3): the core segment and the optional
/// DisclosedVendors, legacy AllowedVendors and PublisherTC segments.
///
/// ID lists are 1-based and sorted. Timestamps stay in the string's unit, deciseconds since 1970 UTC; TCF 2.2
/// wants `created == lastUpdated` at day level (`dayLevel(_:)`), which is the caller's choice, not the codec's,
/// so that older strings re-encode unchanged.
public struct TCString: Sendable, Equatable {
    public var version: Int
    public var created: Int
    public var lastUpdated: Int
    public var cmpId: Int
    public var cmpVersion: Int
    public var consentScreen: Int
    /// ISO 639-1 code in upper case (`EN`).
    public var consentLanguage: String
    public var vendorListVersion: Int
    /// Copied from the vendor list used; never a constant.
    public var tcfPolicyVersion: Int
    public var isServiceSpecific: Bool
    public var useNonStandardTexts: Bool
    public var specialFeatureOptIns: [Int]
    public var purposesConsent: [Int]
    public var purposesLITransparency: [Int]
    /// True when purpose 1 was not disclosed (a jurisdiction where it does not apply).
    public var purposeOneTreatment: Bool
    /// ISO 3166-1 alpha-2 in upper case; `AA` = unknown.
    public var publisherCC: String
    public var vendorConsents: [Int]
    public var vendorLegitimateInterests: [Int]
    /// Sorted by purpose, then restriction type; one value per (purpose, type).
    public var publisherRestrictions: [TCPublisherRestriction]
    /// The DisclosedVendors segment (type 1), mandatory from TCF 2.3; `nil` when absent.
    public var disclosedVendors: [Int]?
    /// The legacy AllowedVendors segment (type 2) of the removed global-scope era, kept only when read.
    public var allowedVendors: [Int]?
    /// The PublisherTC segment (type 3); `nil` when absent.
    public var publisherTC: PublisherTC?

    /// The publisher's own purposes: standard purposes by ID, custom purposes 1…`numCustomPurposes`.
    public struct PublisherTC: Sendable, Equatable {
        public var pubPurposesConsent: [Int]
        public var pubPurposesLITransparency: [Int]
        public var numCustomPurposes: Int
        public var customPurposesConsent: [Int]
        public var customPurposesLITransparency: [Int]

        public init(
            pubPurposesConsent: [Int] = [], pubPurposesLITransparency: [Int] = [], numCustomPurposes: Int = 0,
            customPurposesConsent: [Int] = [], customPurposesLITransparency: [Int] = []
        ) {
            self.pubPurposesConsent = pubPurposesConsent
            self.pubPurposesLITransparency = pubPurposesLITransparency
            self.numCustomPurposes = numCustomPurposes
            self.customPurposesConsent = customPurposesConsent
            self.customPurposesLITransparency = customPurposesLITransparency
        }
    }

    public init(
        version: Int = 2, created: Int, lastUpdated: Int, cmpId: Int, cmpVersion: Int, consentScreen: Int = 0,
        consentLanguage: String, vendorListVersion: Int, tcfPolicyVersion: Int, isServiceSpecific: Bool = true,
        useNonStandardTexts: Bool = false, specialFeatureOptIns: [Int] = [], purposesConsent: [Int] = [],
        purposesLITransparency: [Int] = [], purposeOneTreatment: Bool = false, publisherCC: String,
        vendorConsents: [Int] = [], vendorLegitimateInterests: [Int] = [],
        publisherRestrictions: [TCPublisherRestriction] = [], disclosedVendors: [Int]? = nil,
        allowedVendors: [Int]? = nil, publisherTC: PublisherTC? = nil
    ) {
        self.version = version
        self.created = created
        self.lastUpdated = lastUpdated
        self.cmpId = cmpId
        self.cmpVersion = cmpVersion
        self.consentScreen = consentScreen
        self.consentLanguage = consentLanguage
        self.vendorListVersion = vendorListVersion
        self.tcfPolicyVersion = tcfPolicyVersion
        self.isServiceSpecific = isServiceSpecific
        self.useNonStandardTexts = useNonStandardTexts
        self.specialFeatureOptIns = specialFeatureOptIns
        self.purposesConsent = purposesConsent
        self.purposesLITransparency = purposesLITransparency
        self.purposeOneTreatment = purposeOneTreatment
        self.publisherCC = publisherCC
        self.vendorConsents = vendorConsents
        self.vendorLegitimateInterests = vendorLegitimateInterests
        self.publisherRestrictions = publisherRestrictions
        self.disclosedVendors = disclosedVendors
        self.allowedVendors = allowedVendors
        self.publisherTC = publisherTC
    }

    /// Deciseconds per day.
    public static let decisecondsPerDay = 864_000

    /// UTC midnight of the day containing `deciseconds`, still in deciseconds: the value TCF 2.2 wants in both
    /// `created` and `lastUpdated`.
    public static func dayLevel(_ deciseconds: Int) -> Int {
        deciseconds - ((deciseconds % decisecondsPerDay) + decisecondsPerDay) % decisecondsPerDay
    }
}
