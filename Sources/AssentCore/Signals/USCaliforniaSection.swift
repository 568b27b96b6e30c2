/// GPP section 8, `usca`: California, version 1.
///
/// `sensitiveDataProcessing` is an opt-out list here (1 opted out, 2 did not opt out) over 9 categories, and
/// `knownChildSensitiveDataConsents` is (1) consent to sell, (2) consent to share PI of consumers under 16.
public struct USCaliforniaSection: GPPUSSection {
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

    public init(
        version: Int = 1, saleOptOutNotice: Int = 0, sharingOptOutNotice: Int = 0, sensitiveDataLimitUseNotice: Int = 0,
        saleOptOut: Int = 0, sharingOptOut: Int = 0, sensitiveDataProcessing: [Int] = Array(repeating: 0, count: 9),
        knownChildSensitiveDataConsents: [Int] = Array(repeating: 0, count: 2), personalDataConsents: Int = 0,
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

    public init(core r: inout BitReader, gpc: Bool?) throws(SignalDecodingError) {
        let p = Self.prefix
        self.init(
            version: try r.int(6, "\(p).version"), saleOptOutNotice: try r.int2(p, "saleOptOutNotice"),
            sharingOptOutNotice: try r.int2(p, "sharingOptOutNotice"),
            sensitiveDataLimitUseNotice: try r.int2(p, "sensitiveDataLimitUseNotice"),
            saleOptOut: try r.int2(p, "saleOptOut"), sharingOptOut: try r.int2(p, "sharingOptOut"),
            sensitiveDataProcessing: try r.int2List(9, p, "sensitiveDataProcessing"),
            knownChildSensitiveDataConsents: try r.int2List(2, p, "knownChildSensitiveDataConsents"),
            personalDataConsents: try r.int2(p, "personalDataConsents"),
            mspaCoveredTransaction: try r.int2(p, "mspaCoveredTransaction"),
            mspaOptOutOptionMode: try r.int2(p, "mspaOptOutOptionMode"),
            mspaServiceProviderMode: try r.int2(p, "mspaServiceProviderMode"), gpc: gpc)
    }

    public func writeCore(_ w: inout BitWriter) throws(SignalEncodingError) {
        let p = Self.prefix
        guard version == 1 else { throw SignalEncodingError(field: "\(p).version", "version must be 1") }
        try w.int(version, 6, "\(p).version")
        try w.int2(saleOptOutNotice, p, "saleOptOutNotice")
        try w.int2(sharingOptOutNotice, p, "sharingOptOutNotice")
        try w.int2(sensitiveDataLimitUseNotice, p, "sensitiveDataLimitUseNotice")
        try w.int2(saleOptOut, p, "saleOptOut")
        try w.int2(sharingOptOut, p, "sharingOptOut")
        try w.int2List(sensitiveDataProcessing, count: 9, p, "sensitiveDataProcessing")
        try w.int2List(knownChildSensitiveDataConsents, count: 2, p, "knownChildSensitiveDataConsents")
        try w.int2(personalDataConsents, p, "personalDataConsents")
        try w.mspaCoveredTransaction(mspaCoveredTransaction, p)
        try w.int2(mspaOptOutOptionMode, p, "mspaOptOutOptionMode")
        try w.int2(mspaServiceProviderMode, p, "mspaServiceProviderMode")
    }
}
