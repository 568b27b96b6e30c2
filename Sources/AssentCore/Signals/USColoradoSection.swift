/// GPP section 10, `usco`: Colorado, version 1.
///
/// Colorado recognises GPC as its universal opt-out mechanism, hence the GPC subsection.
public struct USColoradoSection: GPPStateSection {
    public static let prefix = "usco"
    public static let definesGPC = true
    /// The section ID in the GPP header.
    public static let id = 10

    /// Always 1 when encoded; reported as written when decoded.
    public var version: Int
    public var sharingNotice: Int
    public var saleOptOutNotice: Int
    public var targetedAdvertisingOptOutNotice: Int
    public var saleOptOut: Int
    public var targetedAdvertisingOptOut: Int
    /// 7 entries.
    public var sensitiveDataProcessing: [Int]
    public var knownChildSensitiveDataConsents: Int
    public var mspaCoveredTransaction: Int
    public var mspaOptOutOptionMode: Int
    public var mspaServiceProviderMode: Int
    /// `nil` when the string carries no GPC subsection.
    public var gpc: Bool?

    /// The core segment after `Version`, in bit order: decoding, encoding and the JSON form all follow it.
    public static let fields: [USField<Self>] = [
        .int2("sharingNotice", \.sharingNotice),
        .int2("saleOptOutNotice", \.saleOptOutNotice),
        .int2("targetedAdvertisingOptOutNotice", \.targetedAdvertisingOptOutNotice),
        .int2("saleOptOut", \.saleOptOut),
        .int2("targetedAdvertisingOptOut", \.targetedAdvertisingOptOut),
        .int2List("sensitiveDataProcessing", \.sensitiveDataProcessing, count: 7),
        .int2("knownChildSensitiveDataConsents", \.knownChildSensitiveDataConsents),
        .mspaCoveredTransaction(\.mspaCoveredTransaction),
        .int2("mspaOptOutOptionMode", \.mspaOptOutOptionMode),
        .int2("mspaServiceProviderMode", \.mspaServiceProviderMode),
    ]

    public init() { self.init(version: 1) }

    public init(
        version: Int = 1, sharingNotice: Int = 0, saleOptOutNotice: Int = 0, targetedAdvertisingOptOutNotice: Int = 0,
        saleOptOut: Int = 0, targetedAdvertisingOptOut: Int = 0,
        sensitiveDataProcessing: [Int] = [0, 0, 0, 0, 0, 0, 0], knownChildSensitiveDataConsents: Int = 0,
        mspaCoveredTransaction: Int = 1, mspaOptOutOptionMode: Int = 0, mspaServiceProviderMode: Int = 0,
        gpc: Bool? = nil
    ) {
        self.version = version
        self.sharingNotice = sharingNotice
        self.saleOptOutNotice = saleOptOutNotice
        self.targetedAdvertisingOptOutNotice = targetedAdvertisingOptOutNotice
        self.saleOptOut = saleOptOut
        self.targetedAdvertisingOptOut = targetedAdvertisingOptOut
        self.sensitiveDataProcessing = sensitiveDataProcessing
        self.knownChildSensitiveDataConsents = knownChildSensitiveDataConsents
        self.mspaCoveredTransaction = mspaCoveredTransaction
        self.mspaOptOutOptionMode = mspaOptOutOptionMode
        self.mspaServiceProviderMode = mspaServiceProviderMode
        self.gpc = gpc
    }
}
