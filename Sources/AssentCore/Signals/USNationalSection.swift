/// GPP section 7, `usnat`: the MSPA US National section.
///
/// Two layouts exist: version 1 (12 sensitive-data categories, 2 known-child entries, 60 bits) and version 2
/// (16 and 3, 70 bits). One reference library writes the wide layout with `Version = 1`, so the decoder picks
/// the layout by bit length (≤ 66 bits: narrow; otherwise wide) and reports `version` as written. The encoder
/// always writes version 2, padding narrow lists with zeros (not applicable).
public struct USNationalSection: GPPUSSection {
    public static let prefix = "usnat"
    public static let definesGPC = true
    /// The section ID in the GPP header.
    public static let id = 7

    public var version: Int
    public var sharingNotice: Int
    public var saleOptOutNotice: Int
    public var sharingOptOutNotice: Int
    public var targetedAdvertisingOptOutNotice: Int
    public var sensitiveDataProcessingOptOutNotice: Int
    public var sensitiveDataLimitUseNotice: Int
    public var saleOptOut: Int
    public var sharingOptOut: Int
    public var targetedAdvertisingOptOut: Int
    /// Per category: 0 not applicable, 1 no consent, 2 consent (12 entries in v1, 16 in v2).
    public var sensitiveDataProcessing: [Int]
    /// 0 not applicable, 1 no consent, 2 consent (2 entries in v1, 3 in v2).
    public var knownChildSensitiveDataConsents: [Int]
    public var personalDataConsents: Int
    public var mspaCoveredTransaction: Int
    public var mspaOptOutOptionMode: Int
    public var mspaServiceProviderMode: Int
    public var gpc: Bool?

    public init(
        version: Int = 2, sharingNotice: Int = 0, saleOptOutNotice: Int = 0, sharingOptOutNotice: Int = 0,
        targetedAdvertisingOptOutNotice: Int = 0, sensitiveDataProcessingOptOutNotice: Int = 0,
        sensitiveDataLimitUseNotice: Int = 0, saleOptOut: Int = 0, sharingOptOut: Int = 0,
        targetedAdvertisingOptOut: Int = 0,
        sensitiveDataProcessing: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        knownChildSensitiveDataConsents: [Int] = [0, 0, 0], personalDataConsents: Int = 0,
        mspaCoveredTransaction: Int = 1, mspaOptOutOptionMode: Int = 0, mspaServiceProviderMode: Int = 0,
        gpc: Bool? = nil
    ) {
        self.version = version
        self.sharingNotice = sharingNotice
        self.saleOptOutNotice = saleOptOutNotice
        self.sharingOptOutNotice = sharingOptOutNotice
        self.targetedAdvertisingOptOutNotice = targetedAdvertisingOptOutNotice
        self.sensitiveDataProcessingOptOutNotice = sensitiveDataProcessingOptOutNotice
        self.sensitiveDataLimitUseNotice = sensitiveDataLimitUseNotice
        self.saleOptOut = saleOptOut
        self.sharingOptOut = sharingOptOut
        self.targetedAdvertisingOptOut = targetedAdvertisingOptOut
        self.sensitiveDataProcessing = sensitiveDataProcessing
        self.knownChildSensitiveDataConsents = knownChildSensitiveDataConsents
        self.personalDataConsents = personalDataConsents
        self.mspaCoveredTransaction = mspaCoveredTransaction
        self.mspaOptOutOptionMode = mspaOptOutOptionMode
        self.mspaServiceProviderMode = mspaServiceProviderMode
        self.gpc = gpc
    }

    /// Core lengths above this are the version 2 layout (v1 is 60 bits, 66 with library padding; v2 is 70).
    static let narrowLayoutMaxBits = 66

    public init(core r: inout BitReader, gpc: Bool?) throws(SignalDecodingError) {
        let p = Self.prefix
        let wide = r.bitCount > Self.narrowLayoutMaxBits
        self.init(
            version: try r.int(6, "\(p).version"), sharingNotice: try r.int2(p, "sharingNotice"),
            saleOptOutNotice: try r.int2(p, "saleOptOutNotice"),
            sharingOptOutNotice: try r.int2(p, "sharingOptOutNotice"),
            targetedAdvertisingOptOutNotice: try r.int2(p, "targetedAdvertisingOptOutNotice"),
            sensitiveDataProcessingOptOutNotice: try r.int2(p, "sensitiveDataProcessingOptOutNotice"),
            sensitiveDataLimitUseNotice: try r.int2(p, "sensitiveDataLimitUseNotice"),
            saleOptOut: try r.int2(p, "saleOptOut"), sharingOptOut: try r.int2(p, "sharingOptOut"),
            targetedAdvertisingOptOut: try r.int2(p, "targetedAdvertisingOptOut"),
            sensitiveDataProcessing: try r.int2List(wide ? 16 : 12, p, "sensitiveDataProcessing"),
            knownChildSensitiveDataConsents: try r.int2List(wide ? 3 : 2, p, "knownChildSensitiveDataConsents"),
            personalDataConsents: try r.int2(p, "personalDataConsents"),
            mspaCoveredTransaction: try r.int2(p, "mspaCoveredTransaction"),
            mspaOptOutOptionMode: try r.int2(p, "mspaOptOutOptionMode"),
            mspaServiceProviderMode: try r.int2(p, "mspaServiceProviderMode"), gpc: gpc)
    }

    public func writeCore(_ w: inout BitWriter) throws(SignalEncodingError) {
        let p = Self.prefix
        func widened(_ values: [Int], from narrow: Int, to wide: Int) -> [Int] {
            values.count == narrow ? values + Array(repeating: 0, count: wide - narrow) : values
        }
        try w.int(2, 6, "\(p).version")
        for (value, field) in [
            (sharingNotice, "sharingNotice"), (saleOptOutNotice, "saleOptOutNotice"),
            (sharingOptOutNotice, "sharingOptOutNotice"),
            (targetedAdvertisingOptOutNotice, "targetedAdvertisingOptOutNotice"),
            (sensitiveDataProcessingOptOutNotice, "sensitiveDataProcessingOptOutNotice"),
            (sensitiveDataLimitUseNotice, "sensitiveDataLimitUseNotice"), (saleOptOut, "saleOptOut"),
            (sharingOptOut, "sharingOptOut"), (targetedAdvertisingOptOut, "targetedAdvertisingOptOut"),
        ] {
            try w.int2(value, p, field)
        }
        try w.int2List(widened(sensitiveDataProcessing, from: 12, to: 16), count: 16, p, "sensitiveDataProcessing")
        try w.int2List(
            widened(knownChildSensitiveDataConsents, from: 2, to: 3), count: 3, p, "knownChildSensitiveDataConsents")
        try w.int2(personalDataConsents, p, "personalDataConsents")
        try w.mspaCoveredTransaction(mspaCoveredTransaction, p)
        try w.int2(mspaOptOutOptionMode, p, "mspaOptOutOptionMode")
        try w.int2(mspaServiceProviderMode, p, "mspaServiceProviderMode")
    }
}
