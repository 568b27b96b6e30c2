/// GPP section 9, `usva`: Virginia, version 1.
///
/// Virginia defines no GPC subsection.
public struct USVirginiaSection: GPPUSSection {
    public static let prefix = "usva"
    public static let definesGPC = false
    /// The section ID in the GPP header.
    public static let id = 9

    /// Always 1 when encoded; reported as written when decoded.
    public var version: Int
    public var sharingNotice: Int
    public var saleOptOutNotice: Int
    public var targetedAdvertisingOptOutNotice: Int
    public var saleOptOut: Int
    public var targetedAdvertisingOptOut: Int
    /// 8 entries.
    public var sensitiveDataProcessing: [Int]
    public var knownChildSensitiveDataConsents: Int
    public var mspaCoveredTransaction: Int
    public var mspaOptOutOptionMode: Int
    public var mspaServiceProviderMode: Int
    /// Always `nil`: the section has no GPC subsection.
    public var gpc: Bool? { nil }

    public init(
        version: Int = 1, sharingNotice: Int = 0, saleOptOutNotice: Int = 0, targetedAdvertisingOptOutNotice: Int = 0,
        saleOptOut: Int = 0, targetedAdvertisingOptOut: Int = 0,
        sensitiveDataProcessing: [Int] = Array(repeating: 0, count: 8), knownChildSensitiveDataConsents: Int = 0,
        mspaCoveredTransaction: Int = 1, mspaOptOutOptionMode: Int = 0, mspaServiceProviderMode: Int = 0
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
    }

    public init(core r: inout BitReader, gpc: Bool?) throws(SignalDecodingError) {
        let p = Self.prefix
        self.init(
            version: try r.int(6, "\(p).version"), sharingNotice: try r.int2(p, "sharingNotice"),
            saleOptOutNotice: try r.int2(p, "saleOptOutNotice"),
            targetedAdvertisingOptOutNotice: try r.int2(p, "targetedAdvertisingOptOutNotice"),
            saleOptOut: try r.int2(p, "saleOptOut"),
            targetedAdvertisingOptOut: try r.int2(p, "targetedAdvertisingOptOut"),
            sensitiveDataProcessing: try r.int2List(8, p, "sensitiveDataProcessing"),
            knownChildSensitiveDataConsents: try r.int2(p, "knownChildSensitiveDataConsents"),
            mspaCoveredTransaction: try r.int2(p, "mspaCoveredTransaction"),
            mspaOptOutOptionMode: try r.int2(p, "mspaOptOutOptionMode"),
            mspaServiceProviderMode: try r.int2(p, "mspaServiceProviderMode"))
    }

    public func writeCore(_ w: inout BitWriter) throws(SignalEncodingError) {
        let p = Self.prefix
        guard version == 1 else { throw SignalEncodingError(field: "\(p).version", "version must be 1") }
        try w.int(version, 6, "\(p).version")
        try w.int2(sharingNotice, p, "sharingNotice")
        try w.int2(saleOptOutNotice, p, "saleOptOutNotice")
        try w.int2(targetedAdvertisingOptOutNotice, p, "targetedAdvertisingOptOutNotice")
        try w.int2(saleOptOut, p, "saleOptOut")
        try w.int2(targetedAdvertisingOptOut, p, "targetedAdvertisingOptOut")
        try w.int2List(sensitiveDataProcessing, count: 8, p, "sensitiveDataProcessing")
        try w.int2(knownChildSensitiveDataConsents, p, "knownChildSensitiveDataConsents")
        try w.mspaCoveredTransaction(mspaCoveredTransaction, p)
        try w.int2(mspaOptOutOptionMode, p, "mspaOptOutOptionMode")
        try w.int2(mspaServiceProviderMode, p, "mspaServiceProviderMode")
    }
}
