/// GPP section 8, `usca`: California, version 1.
///
/// `sensitiveDataProcessing` is an opt-out list here (1 opted out, 2 did not opt out) over 9 categories, and
/// `knownChildSensitiveDataConsents` is (1) consent to sell, (2) consent to share PI of consumers under 16.
public struct USCaliforniaSection: GPPStateSection {
    public static let prefix = "usca"
    public static let definesGPC = true
    /// The section ID in the GPP header.
    public static let id = 8

    /// Always 1 when encoded; reported as written when decoded.
    public var version: Int
    public var saleOptOutNotice: Int
    public var sharingOptOutNotice: Int
    public var sensitiveDataLimitUseNotice: Int
    public var saleOptOut: Int
    public var sharingOptOut: Int
    /// 9 entries.
    public var sensitiveDataProcessing: [Int]
    /// 2 entries.
    public var knownChildSensitiveDataConsents: [Int]
    public var personalDataConsents: Int
    public var mspaCoveredTransaction: Int
    public var mspaOptOutOptionMode: Int
    public var mspaServiceProviderMode: Int
    /// `nil` when the string carries no GPC subsection.
    public var gpc: Bool?

    /// The core segment after `Version`, in bit order: decoding, encoding and the JSON form all follow it.
    public static let fields: [USField<Self>] = [
        .int2("saleOptOutNotice", \.saleOptOutNotice),
        .int2("sharingOptOutNotice", \.sharingOptOutNotice),
        .int2("sensitiveDataLimitUseNotice", \.sensitiveDataLimitUseNotice),
        .int2("saleOptOut", \.saleOptOut),
        .int2("sharingOptOut", \.sharingOptOut),
        .int2List("sensitiveDataProcessing", \.sensitiveDataProcessing, count: 9),
        .int2List("knownChildSensitiveDataConsents", \.knownChildSensitiveDataConsents, count: 2),
        .int2("personalDataConsents", \.personalDataConsents),
        .mspaCoveredTransaction(\.mspaCoveredTransaction),
        .int2("mspaOptOutOptionMode", \.mspaOptOutOptionMode),
        .int2("mspaServiceProviderMode", \.mspaServiceProviderMode),
    ]

    public init() { self.init(version: 1) }

    public init(
        version: Int = 1, saleOptOutNotice: Int = 0, sharingOptOutNotice: Int = 0, sensitiveDataLimitUseNotice: Int = 0,
        saleOptOut: Int = 0, sharingOptOut: Int = 0, sensitiveDataProcessing: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 0],
        knownChildSensitiveDataConsents: [Int] = [0, 0], personalDataConsents: Int = 0,
        mspaCoveredTransaction: Int = 1, mspaOptOutOptionMode: Int = 0, mspaServiceProviderMode: Int = 0,
        gpc: Bool? = nil
    ) {
        self.version = version
        self.saleOptOutNotice = saleOptOutNotice
        self.sharingOptOutNotice = sharingOptOutNotice
        self.sensitiveDataLimitUseNotice = sensitiveDataLimitUseNotice
        self.saleOptOut = saleOptOut
        self.sharingOptOut = sharingOptOut
        self.sensitiveDataProcessing = sensitiveDataProcessing
        self.knownChildSensitiveDataConsents = knownChildSensitiveDataConsents
        self.personalDataConsents = personalDataConsents
        self.mspaCoveredTransaction = mspaCoveredTransaction
        self.mspaOptOutOptionMode = mspaOptOutOptionMode
        self.mspaServiceProviderMode = mspaServiceProviderMode
        self.gpc = gpc
    }
}
