/// Reading and writing TC strings: `.`-separated segments, each its own base64url bit string; the core comes
/// first and the others are recognised by their 3-bit segment type, in any order.
extension TCString {
    private enum SegmentType: Int {
        case core = 0
        case disclosedVendors = 1
        case allowedVendors = 2
        case publisherTC = 3
    }

    /// Decodes a TC string; tolerant of `=` padding, trailing zero bits and unknown segment types (skipped),
    /// strict about everything the specification fixes (version 2, letters A–Z, non-empty vendor ranges).
    public static func decode(_ text: some StringProtocol) throws(SignalDecodingError) -> TCString {
        try UTF8Input.with(text) { input throws(SignalDecodingError) in try decode(input, 0..<input.count) }
    }

    /// `decode(_:)` for a `String`: not generic, so that a caller in another module does not run the generic
    /// version's unspecialized code.
    public static func decode(_ text: String) throws(SignalDecodingError) -> TCString {
        try UTF8Input.with(text) { input throws(SignalDecodingError) in try decode(input, 0..<input.count) }
    }

    /// Decodes the TC string in the UTF-8 bytes `input[range]` (a whole string, or GPP's `tcfeuv2` section).
    static func decode(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(SignalDecodingError) -> TCString
    {
        // The other segments are read once the core's fields are (so the core's errors come first), and the value
        // is built once from everything. Usually all segments are decoded into one shared buffer first; when that
        // fails, segment by segment, so that a segment's base64 error comes in its turn.
        if let shared = Base64URLBits.decodeShared(input, range) {
            return try decodeCore(shared.reader(0)) { () throws(SignalDecodingError) in
                var next = 1
                return try decodeOthers { () throws(SignalDecodingError) -> BitReader? in
                    defer { next += 1 }
                    return next < shared.count ? shared.reader(next) : nil
                }
            }
        }
        var segments = ByteSegments(input, range, separator: ".")
        return try decodeCore(try Base64URLBits.decode(input, segments.next()!, field: "core")) {
            () throws(SignalDecodingError) in
            try decodeOthers { () throws(SignalDecodingError) -> BitReader? in
                guard let segment = segments.next() else { return nil }
                return try Base64URLBits.decode(input, segment, field: "segment")
            }
        }
    }

    /// Reads the segments after the core, each from the reader `next` gives, until it gives `nil`.
    private static func decodeOthers(_ next: () throws(SignalDecodingError) -> BitReader?) throws(SignalDecodingError)
        -> OtherSegments
    {
        var others = OtherSegments()
        var seen = 0  // segment types met so far, one bit each
        while var reader = try next() {
            let type = try reader.int(3, "segmentType")
            guard type != SegmentType.core.rawValue, seen & 1 << type == 0 else {
                throw SignalDecodingError(
                    .malformed, field: "segmentType", bitOffset: 0, "segment type \(type) repeated or misplaced")
            }
            seen |= 1 << type
            switch SegmentType(rawValue: type) {
            case .disclosedVendors: others.disclosed = try TCVendorSection.decode(&reader, "disclosedVendors")
            case .allowedVendors: others.allowed = try TCVendorSection.decode(&reader, "allowedVendors")
            case .publisherTC: others.publisherTC = try decodePublisherTC(&reader)
            case .core, nil: continue
            }
        }
        return others
    }

    /// What the segments after the core hold.
    private struct OtherSegments {
        var disclosed: [Int]?
        var allowed: [Int]?
        var publisherTC: PublisherTC?
    }

    private static func decodeCore(
        _ bits: BitReader, then others: () throws(SignalDecodingError) -> OtherSegments
    ) throws(SignalDecodingError) -> TCString {
        var r = bits
        let version = try r.int(6, "core.version")
        guard version == 2 else {
            throw SignalDecodingError(.invalidValue, field: "core.version", bitOffset: 0, "version \(version), not 2")
        }
        // Every field into a local first, then one value: building the value and then setting fields on it copied
        // the whole struct (and retained and released every array in it).
        let created = try r.int(36, "core.created")
        let lastUpdated = try r.int(36, "core.lastUpdated")
        let cmpId = try r.int(12, "core.cmpId")
        let cmpVersion = try r.int(12, "core.cmpVersion")
        let consentScreen = try r.int(6, "core.consentScreen")
        let consentLanguage = try r.letters(2, "core.consentLanguage")
        let vendorListVersion = try r.int(12, "core.vendorListVersion")
        let tcfPolicyVersion = try r.int(6, "core.tcfPolicyVersion")
        let isServiceSpecific = try r.bool("core.isServiceSpecific")
        let useNonStandardTexts = try r.bool("core.useNonStandardTexts")
        let specialFeatureOptIns = try r.bitfieldIds(12, "core.specialFeatureOptIns")
        let purposesConsent = try r.bitfieldIds(24, "core.purposesConsent")
        let purposesLITransparency = try r.bitfieldIds(24, "core.purposesLITransparency")
        let purposeOneTreatment = try r.bool("core.purposeOneTreatment")
        let publisherCC = try r.letters(2, "core.publisherCC")
        let vendorConsents = try TCVendorSection.decode(&r, "core.vendorConsents")
        let vendorLegitimateInterests = try TCVendorSection.decode(&r, "core.vendorLegitimateInterests")
        let publisherRestrictions = try decodeRestrictions(&r)
        let segments = try others()
        return TCString(
            version: version, created: created, lastUpdated: lastUpdated, cmpId: cmpId, cmpVersion: cmpVersion,
            consentScreen: consentScreen, consentLanguage: consentLanguage, vendorListVersion: vendorListVersion,
            tcfPolicyVersion: tcfPolicyVersion, isServiceSpecific: isServiceSpecific,
            useNonStandardTexts: useNonStandardTexts, specialFeatureOptIns: specialFeatureOptIns,
            purposesConsent: purposesConsent, purposesLITransparency: purposesLITransparency,
            purposeOneTreatment: purposeOneTreatment, publisherCC: publisherCC, vendorConsents: vendorConsents,
            vendorLegitimateInterests: vendorLegitimateInterests, publisherRestrictions: publisherRestrictions,
            disclosedVendors: segments.disclosed, allowedVendors: segments.allowed, publisherTC: segments.publisherTC)
    }

    private static func decodeRestrictions(_ r: inout BitReader) throws(SignalDecodingError) -> [TCPublisherRestriction]
    {
        let count = try r.int(12, "core.numPubRestrictions")
        // Each restriction takes at least 20 bits (purpose, type, entry count).
        try r.require(count * 20, "core.pubRestrictions")
        guard count > 0 else { return [] }
        var restrictions: [TCPublisherRestriction] = []
        restrictions.reserveCapacity(count)
        var ordered = true  // every (purpose, type) so far after the previous one: nothing to sort or merge
        for _ in 0..<count {
            let purposeOffset = r.offset
            let purposeId = try r.int(6, "core.pubRestrictions.purposeId")
            guard purposeId >= 1 else {
                throw SignalDecodingError(
                    .invalidValue, field: "core.pubRestrictions.purposeId", bitOffset: purposeOffset, "purpose 0")
            }
            let type = try r.int(2, "core.pubRestrictions.restrictionType")
            let ranges = try TCVendorSection.rangeEntries(&r, "core.pubRestrictions")
            if let last = restrictions.last {
                ordered = ordered && Self.key(last) < purposeId << 2 | type
            }
            restrictions.append(
                TCPublisherRestriction(
                    purposeId: purposeId, restrictionType: .init(rawValue: type) ?? .undefined, vendorRanges: ranges))
        }
        return ordered ? restrictions : Self.sortedAndMerged(restrictions)
    }

    private static func key(_ restriction: TCPublisherRestriction) -> Int {
        restriction.purposeId << 2 | restriction.restrictionType.rawValue
    }

    /// Restrictions sorted by purpose, then type, with the vendor ranges of repeated pairs merged (real strings
    /// repeat them, vector TCF-13).
    private static func sortedAndMerged(_ restrictions: [TCPublisherRestriction]) -> [TCPublisherRestriction] {
        var merged: [TCPublisherRestriction] = []
        for restriction in restrictions.sorted(by: { key($0) < key($1) }) {
            if let last = merged.last, key(last) == key(restriction) {
                merged[merged.count - 1] = TCPublisherRestriction(
                    purposeId: last.purposeId, restrictionType: last.restrictionType,
                    vendorRanges: last.vendorRanges + restriction.vendorRanges)
            } else {
                merged.append(restriction)
            }
        }
        return merged
    }

    private static func decodePublisherTC(_ r: inout BitReader) throws(SignalDecodingError) -> PublisherTC {
        let consent = try r.bitfieldIds(24, "publisherTC.pubPurposesConsent")
        let li = try r.bitfieldIds(24, "publisherTC.pubPurposesLITransparency")
        let custom = try r.int(6, "publisherTC.numCustomPurposes")
        return PublisherTC(
            pubPurposesConsent: consent, pubPurposesLITransparency: li, numCustomPurposes: custom,
            customPurposesConsent: try r.bitfieldIds(custom, "publisherTC.customPurposesConsent"),
            customPurposesLITransparency: try r.bitfieldIds(custom, "publisherTC.customPurposesLITransparency"))
    }

    /// Encodes every segment present, each padded to whole base64 quads as the TCF reference encoder does.
    ///
    /// - Parameter gppVendorEncoding: use the GPP libraries' tie-break between vendor bitfield and ranges
    ///   (ranges when not longer) instead of iabtcf-es's (ranges only above vendor 45 and when strictly shorter).
    public func encode(gppVendorEncoding: Bool = false) throws(SignalEncodingError) -> String {
        let rule: TCVendorSection.EncodingRule = gppVendorEncoding ? .gppReference : .tcfReference
        var segments = [Base64URLBits.encode(try encodeCore(rule), padding: .quads)]
        for (type, ids) in [(SegmentType.disclosedVendors, disclosedVendors), (.allowedVendors, allowedVendors)] {
            guard let ids else { continue }
            var w = BitWriter()
            try w.int(type.rawValue, 3, "segmentType")
            let name = type == .disclosedVendors ? "disclosedVendors" : "allowedVendors"
            try TCVendorSection.encode(ids, into: &w, rule: rule, name)
            segments.append(Base64URLBits.encode(w, padding: .quads))
        }
        if let publisherTC {
            var w = BitWriter()
            try w.int(SegmentType.publisherTC.rawValue, 3, "segmentType")
            try w.bitfield(publisherTC.pubPurposesConsent, count: 24, "publisherTC.pubPurposesConsent")
            try w.bitfield(publisherTC.pubPurposesLITransparency, count: 24, "publisherTC.pubPurposesLITransparency")
            let custom = publisherTC.numCustomPurposes
            try w.int(custom, 6, "publisherTC.numCustomPurposes")
            try w.bitfield(publisherTC.customPurposesConsent, count: custom, "publisherTC.customPurposesConsent")
            try w.bitfield(
                publisherTC.customPurposesLITransparency, count: custom, "publisherTC.customPurposesLITransparency")
            segments.append(Base64URLBits.encode(w, padding: .quads))
        }
        return segments.joined(separator: ".")
    }

    private func encodeCore(_ rule: TCVendorSection.EncodingRule) throws(SignalEncodingError) -> BitWriter {
        guard version == 2 else { throw SignalEncodingError(field: "core.version", "version must be 2") }
        var w = BitWriter()
        try w.int(version, 6, "core.version")
        try w.int(created, 36, "core.created")
        try w.int(lastUpdated, 36, "core.lastUpdated")
        try w.int(cmpId, 12, "core.cmpId")
        try w.int(cmpVersion, 12, "core.cmpVersion")
        try w.int(consentScreen, 6, "core.consentScreen")
        try w.letters(consentLanguage, count: 2, "core.consentLanguage")
        try w.int(vendorListVersion, 12, "core.vendorListVersion")
        try w.int(tcfPolicyVersion, 6, "core.tcfPolicyVersion")
        w.bool(isServiceSpecific)
        w.bool(useNonStandardTexts)
        try w.bitfield(specialFeatureOptIns, count: 12, "core.specialFeatureOptIns")
        try w.bitfield(purposesConsent, count: 24, "core.purposesConsent")
        try w.bitfield(purposesLITransparency, count: 24, "core.purposesLITransparency")
        w.bool(purposeOneTreatment)
        try w.letters(publisherCC, count: 2, "core.publisherCC")
        try TCVendorSection.encode(vendorConsents, into: &w, rule: rule, "core.vendorConsents")
        try TCVendorSection.encode(vendorLegitimateInterests, into: &w, rule: rule, "core.vendorLegitimateInterests")
        try w.int(publisherRestrictions.count, 12, "core.numPubRestrictions")
        for restriction in publisherRestrictions {
            guard restriction.purposeId >= 1 else {
                throw SignalEncodingError(field: "core.pubRestrictions.purposeId", "purpose 0")
            }
            try w.int(restriction.purposeId, 6, "core.pubRestrictions.purposeId")
            try w.int(restriction.restrictionType.rawValue, 2, "core.pubRestrictions.restrictionType")
            try TCVendorSection.writeRangeEntries(
                IDRuns.normalized(restriction.vendorRanges), into: &w, "core.pubRestrictions")
        }
        return w
    }
}
