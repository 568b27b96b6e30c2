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
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        var core = try decodeCore(try Base64URLBits.decode(segments[0], field: "core"))
        var seen: Set<Int> = []
        for segment in segments.dropFirst() {
            var reader = try Base64URLBits.decode(segment, field: "segment")
            let type = try reader.int(3, "segmentType")
            guard type != SegmentType.core.rawValue, seen.insert(type).inserted else {
                throw SignalDecodingError(
                    .malformed, field: "segmentType", bitOffset: 0, "segment type \(type) repeated or misplaced")
            }
            switch SegmentType(rawValue: type) {
            case .disclosedVendors: core.disclosedVendors = try TCVendorSection.decode(&reader, "disclosedVendors")
            case .allowedVendors: core.allowedVendors = try TCVendorSection.decode(&reader, "allowedVendors")
            case .publisherTC: core.publisherTC = try decodePublisherTC(&reader)
            case .core, nil: continue
            }
        }
        return core
    }

    private static func decodeCore(_ bits: BitReader) throws(SignalDecodingError) -> TCString {
        var r = bits
        let version = try r.int(6, "core.version")
        guard version == 2 else {
            throw SignalDecodingError(.invalidValue, field: "core.version", bitOffset: 0, "version \(version), not 2")
        }
        var tc = TCString(
            version: version, created: try r.int(36, "core.created"), lastUpdated: try r.int(36, "core.lastUpdated"),
            cmpId: try r.int(12, "core.cmpId"), cmpVersion: try r.int(12, "core.cmpVersion"),
            consentScreen: try r.int(6, "core.consentScreen"),
            consentLanguage: try r.letters(2, "core.consentLanguage"),
            vendorListVersion: try r.int(12, "core.vendorListVersion"),
            tcfPolicyVersion: try r.int(6, "core.tcfPolicyVersion"),
            isServiceSpecific: try r.bool("core.isServiceSpecific"),
            useNonStandardTexts: try r.bool("core.useNonStandardTexts"),
            specialFeatureOptIns: try r.bitfieldIds(12, "core.specialFeatureOptIns"),
            purposesConsent: try r.bitfieldIds(24, "core.purposesConsent"),
            purposesLITransparency: try r.bitfieldIds(24, "core.purposesLITransparency"),
            purposeOneTreatment: try r.bool("core.purposeOneTreatment"),
            publisherCC: try r.letters(2, "core.publisherCC"))
        tc.vendorConsents = try TCVendorSection.decode(&r, "core.vendorConsents")
        tc.vendorLegitimateInterests = try TCVendorSection.decode(&r, "core.vendorLegitimateInterests")
        tc.publisherRestrictions = try decodeRestrictions(&r)
        return tc
    }

    private static func decodeRestrictions(_ r: inout BitReader) throws(SignalDecodingError) -> [TCPublisherRestriction]
    {
        let count = try r.int(12, "core.numPubRestrictions")
        // Each restriction takes at least 20 bits (purpose, type, entry count).
        try r.require(count * 20, "core.pubRestrictions")
        var byKey: [Int: [ClosedRange<Int>]] = [:]
        for _ in 0..<count {
            let purposeOffset = r.offset
            let purposeId = try r.int(6, "core.pubRestrictions.purposeId")
            guard purposeId >= 1 else {
                throw SignalDecodingError(
                    .invalidValue, field: "core.pubRestrictions.purposeId", bitOffset: purposeOffset, "purpose 0")
            }
            let type = try r.int(2, "core.pubRestrictions.restrictionType")
            byKey[purposeId << 2 | type, default: []] += try TCVendorSection.rangeEntries(&r, "core.pubRestrictions")
        }
        return byKey.keys.sorted().map { key in
            TCPublisherRestriction(
                purposeId: key >> 2, restrictionType: .init(rawValue: key & 3) ?? .undefined, vendorRanges: byKey[key]!)
        }
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
