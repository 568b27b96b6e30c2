import AssentCore
import Testing

@Suite("Signals: TCF v2 TC string")
struct SignalsTCStringTests {
    static let tcf01 = "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA"
    static let tcf03 = "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA"
    static let tcf05 =
        "COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA.IBAgAAAgAIAwgAgAAAAEAAAACA.QAagAQAgAIAwgA"
    static let tcf07 = "COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAYFfAV-BVkAGBVYFWAAA"
    static let tcf09 = "CQd924AQd924AASACCENCNFsAP_gAEIAACiQL6QBAAGAAOANmAcAF9IAIADgAA"
    static let tcf11 = "CPSG_8APSG_8AAAAAAENAAFgAAAAAAAAAAAAAOwAQAOgAAAA"
    static let tcf13 =
        "CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtHGncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6AEYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFtCoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgARwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA"

    @Test func tcf01CoreDisclosedVendorsAndPublisherTC() throws {
        let tc = try TCString.decode(Self.tcf01)
        #expect(tc.version == 2)
        #expect(tc.created == 17_489_088_000 && tc.lastUpdated == 17_489_088_000)
        #expect(tc.cmpId == 880 && tc.cmpVersion == 0 && tc.consentScreen == 0)
        #expect(tc.consentLanguage == "EN" && tc.vendorListVersion == 48 && tc.tcfPolicyVersion == 2)
        #expect(tc.isServiceSpecific && !tc.useNonStandardTexts)
        #expect(tc.specialFeatureOptIns.isEmpty && tc.purposesConsent.isEmpty && tc.purposesLITransparency.isEmpty)
        #expect(!tc.purposeOneTreatment && tc.publisherCC == "DE")
        #expect(tc.vendorConsents == [1, 2, 3, 4] && tc.vendorLegitimateInterests.isEmpty)
        #expect(tc.publisherRestrictions.isEmpty)
        #expect(tc.disclosedVendors == [1, 2, 3, 4, 5, 100, 404])
        #expect(tc.publisherTC == TCString.PublisherTC())
        #expect(tc.allowedVendors == nil)
        #expect(try tc.encode() == Self.tcf01)
    }

    @Test func tcf03PrePolicy22String() throws {
        let tc = try TCString.decode(Self.tcf03)
        #expect(tc.version == 2 && tc.created == 15_800_580_600 && tc.lastUpdated == 16_122_852_600)
        #expect(tc.cmpId == 675 && tc.cmpVersion == 2 && tc.consentScreen == 1 && tc.consentLanguage == "EN")
        #expect(tc.vendorListVersion == 15 && tc.tcfPolicyVersion == 2)
        #expect(!tc.isServiceSpecific && !tc.useNonStandardTexts)
        #expect(
            tc.specialFeatureOptIns == [1] && tc.purposesConsent == [2, 10] && tc.purposesLITransparency == [2, 9])
        #expect(tc.purposeOneTreatment && tc.publisherCC == "AA")
        #expect(tc.vendorConsents.isEmpty && tc.vendorLegitimateInterests.isEmpty && tc.publisherRestrictions.isEmpty)
        #expect(tc.disclosedVendors == nil && tc.publisherTC == nil)
        #expect(try tc.encode() == Self.tcf03)
    }

    @Test func tcf05DisclosedAndLegacyAllowedVendors() throws {
        let tc = try TCString.decode(Self.tcf05)
        #expect(tc.vendorConsents == [23, 37, 47, 48, 53, 65, 98])
        #expect(tc.disclosedVendors == [23, 37, 47, 48, 53, 65, 98, 129])
        #expect(tc.allowedVendors == [12, 23, 37, 47, 48, 53])
    }

    @Test func tcf07RangeEntriesWithIsARange() throws {
        let tc = try TCString.decode(Self.tcf07)
        #expect(tc.created == 15_838_014_018 && tc.lastUpdated == 15_838_014_018)
        #expect(tc.cmpId == 746 && tc.cmpVersion == 0 && tc.consentScreen == 0 && tc.consentLanguage == "EN")
        #expect(tc.vendorListVersion == 15 && tc.tcfPolicyVersion == 2 && !tc.isServiceSpecific)
        #expect(tc.specialFeatureOptIns.isEmpty && tc.purposesConsent.isEmpty && tc.purposesLITransparency.isEmpty)
        #expect(!tc.purposeOneTreatment && tc.publisherCC == "AA")
        #expect(tc.vendorConsents == [702, 703] && tc.vendorLegitimateInterests == [683, 684])
        #expect(tc.publisherRestrictions.isEmpty)
    }

    @Test func tcf09MaxVendorIdIsNotDerivedFromTheRanges() throws {
        let tc = try TCString.decode(Self.tcf09)
        #expect(tc.created == 17_682_624_000 && tc.lastUpdated == 17_682_624_000)
        #expect(tc.cmpId == 18 && tc.cmpVersion == 2 && tc.consentScreen == 2 && tc.consentLanguage == "EN")
        #expect(tc.vendorListVersion == 141 && tc.tcfPolicyVersion == 5 && tc.isServiceSpecific)
        #expect(!tc.useNonStandardTexts && tc.specialFeatureOptIns == [1, 2])
        #expect(tc.purposesConsent == Array(1...11) && tc.purposesLITransparency == [2, 7])
        #expect(!tc.purposeOneTreatment && tc.publisherCC == "US")
        #expect(tc.vendorConsents == [12, 14, 435, 448] && tc.vendorLegitimateInterests == [14])
        #expect(tc.publisherRestrictions.isEmpty)
        #expect(try TCString.decode(try tc.encode()) == tc)
    }

    @Test func tcf11EncoderTieBreakFollowsTheChosenReferenceLibrary() throws {
        let tc = try TCString.decode(Self.tcf11)
        #expect(tc.created == 16_409_952_000 && tc.cmpId == 0 && tc.tcfPolicyVersion == 5 && tc.isServiceSpecific)
        #expect(tc.vendorConsents == [29] && tc.vendorLegitimateInterests.isEmpty)
        #expect(try tc.encode(gppVendorEncoding: true) == Self.tcf11)
        // iabtcf-es keeps the bitfield for a set this small; both decode to the same value.
        let bitfield = try tc.encode()
        #expect(bitfield != Self.tcf11)
        #expect(try TCString.decode(bitfield) == tc)
    }

    @Test func tcf13PublisherRestrictionsAggregatedAndDeduplicated() throws {
        let tc = try TCString.decode(Self.tcf13)
        #expect(tc.created == 15_977_442_096 && tc.cmpId == 31 && tc.cmpVersion == 1602 && tc.consentScreen == 1)
        #expect(tc.consentLanguage == "DE" && tc.vendorListVersion == 51 && tc.tcfPolicyVersion == 2)
        #expect(tc.isServiceSpecific && tc.specialFeatureOptIns == [1, 2])
        #expect(tc.purposesConsent == Array(1...10) && tc.purposesLITransparency == Array(2...10))
        #expect(tc.publisherCC == "EU")
        #expect(tc.vendorConsents.count == 479 && tc.vendorConsents.prefix(5) == [1, 2, 4, 6, 7])
        #expect(tc.vendorConsents.last == 808 && tc.vendorLegitimateInterests == tc.vendorConsents)
        #expect(tc.publisherRestrictions.count == 20)
        for purpose in 1...10 {
            let forPurpose = tc.publisherRestrictions.filter { $0.purposeId == purpose }
            #expect(forPurpose.map(\.restrictionType) == [.requireConsent, .requireLegitimateInterest])
            #expect(forPurpose.first?.vendorIds == [7, 20, 71, 122, 140, 183])
            #expect(forPurpose.last?.vendorIds == [730])
        }
        #expect(try TCString.decode(try tc.encode()) == tc)
    }

    @Test func equalsPaddingAndExtraTrailingZerosAreTolerated() throws {
        let plain = try TCString.decode(Self.tcf03)
        #expect(try TCString.decode(Self.tcf03 + "==") == plain)
        #expect(try TCString.decode(Self.tcf03 + "AAAA") == plain)
    }

    @Test func dayLevelTimestampIsUTCMidnight() {
        #expect(TCString.dayLevel(17_489_088_000 + 123_456) == 17_489_088_000)
        #expect(TCString.dayLevel(17_489_088_000) == 17_489_088_000)
    }

    // MARK: - Round trips

    static func generated(_ random: inout SignalsRandom) -> TCString {
        func vendors(_ random: inout SignalsRandom) -> [Int] {
            switch random.int(0...3) {
            case 0: []
            case 1: random.ids(max: random.int(1...600), density: 0.3)
            case 2: random.runs(max: random.int(1...3000), count: random.int(1...6))
            default: random.ids(max: random.int(1...60), density: 0.05)
            }
        }
        let day = TCString.dayLevel(random.int(15_000_000_000...19_000_000_000))
        var restrictions: [TCPublisherRestriction] = []
        for purpose in 1...3 where random.bool() {
            let type = TCPublisherRestriction.RestrictionType(rawValue: random.int(0...3))!
            let ids = vendors(&random)
            if !ids.isEmpty {
                restrictions.append(.init(purposeId: purpose * 3, restrictionType: type, vendorIds: ids))
            }
        }
        let custom = random.int(0...10)
        return TCString(
            created: day, lastUpdated: day, cmpId: random.int(0...4095), cmpVersion: random.int(0...4095),
            consentScreen: random.int(0...63), consentLanguage: random.letters(2),
            vendorListVersion: random.int(0...4095), tcfPolicyVersion: random.int(2...5),
            isServiceSpecific: random.bool(), useNonStandardTexts: random.bool(),
            specialFeatureOptIns: random.ids(max: 12, density: 0.3), purposesConsent: random.ids(max: 24, density: 0.5),
            purposesLITransparency: random.ids(max: 24, density: 0.2), purposeOneTreatment: random.bool(),
            publisherCC: random.letters(2), vendorConsents: vendors(&random),
            vendorLegitimateInterests: vendors(&random), publisherRestrictions: restrictions,
            disclosedVendors: random.bool() ? vendors(&random) : nil,
            publisherTC: random.bool()
                ? TCString.PublisherTC(
                    pubPurposesConsent: random.ids(max: 24, density: 0.4),
                    pubPurposesLITransparency: random.ids(max: 24, density: 0.4), numCustomPurposes: custom,
                    customPurposesConsent: random.ids(max: custom, density: 0.5),
                    customPurposesLITransparency: random.ids(max: custom, density: 0.5)) : nil)
    }

    @Test(arguments: [false, true])
    func generatedStringsRoundTrip(gppVendorEncoding: Bool) throws {
        var random = SignalsRandom(seed: gppVendorEncoding ? 2 : 1)
        for _ in 0..<300 {
            let tc = Self.generated(&random)
            let text = try tc.encode(gppVendorEncoding: gppVendorEncoding)
            #expect(text.split(separator: ".").allSatisfy { $0.count % 4 == 0 })
            #expect(try TCString.decode(text) == tc)
        }
    }

    @Test func encoderPicksRangesForRunsAndBitfieldForScatteredVendors() throws {
        let base = try TCString.decode(Self.tcf03)
        var runs = base
        runs.vendorConsents = Array(1000...2000)
        var scattered = base
        scattered.vendorConsents = Array(stride(from: 2, through: 200, by: 2))
        // 1001 consecutive vendors: 16+1+12+33 bits instead of a 2000-bit field.
        #expect(try runs.encode().count < 60)
        // 100 single entries would take 1712 bits; the bitfield takes 200.
        #expect(try scattered.encode().count <= 80)
        #expect(try TCString.decode(try runs.encode()).vendorConsents == runs.vendorConsents)
        #expect(try TCString.decode(try scattered.encode()).vendorConsents == scattered.vendorConsents)
    }

    @Test func encoderRejectsInvalidFields() throws {
        let base = try TCString.decode(Self.tcf03)
        var bad = base
        bad.consentLanguage = "E1"
        #expect(throws: SignalEncodingError.self) { try bad.encode() }
        bad = base
        bad.vendorConsents = [3, 2]
        #expect(throws: SignalEncodingError.self) { try bad.encode() }
        bad = base
        bad.purposesConsent = [25]
        #expect(throws: SignalEncodingError.self) { try bad.encode() }
        bad = base
        bad.cmpId = 4096
        #expect(throws: SignalEncodingError.self) { try bad.encode() }
        bad = base
        bad.vendorConsents = [70_000]
        #expect(throws: SignalEncodingError.self) { try bad.encode() }
    }

    // MARK: - Hostile input

    /// A core segment up to and including PublisherCC followed by whatever `build` writes.
    static func head(_ build: (inout BitWriter) throws -> Void) throws -> String {
        var w = BitWriter()
        try w.int(2, 6, "version")
        for _ in 0..<2 { try w.int(17_000_000_000, 36, "time") }
        for width in [12, 12, 6, 12, 12, 6] { try w.int(0, width, "x") }
        for _ in 0..<(2 + 12 + 24 + 24 + 1 + 12) { w.bool(false) }
        try build(&w)
        return Base64URLBits.encode(w, padding: .quads)
    }

    @Test func hugeDeclaredBitfieldIsCheckedAgainstTheInputBeforeAllocating() throws {
        let text = try Self.head { w in
            try w.int(65535, 16, "maxVendorId")
            w.bool(false)
        }
        #expect(text.count < 45)
        let error = expectDecodingError { () throws(SignalDecodingError) in _ = try TCString.decode(text) }
        #expect(error?.kind == .truncated)
        #expect(error?.field == "core.vendorConsents.bitField")
        #expect(error?.bitOffset == 230)
    }

    @Test func hugeDeclaredRangeCountIsCheckedBeforeAllocating() throws {
        let text = try Self.head { w in
            try w.int(65535, 16, "maxVendorId")
            w.bool(true)
            try w.int(4095, 12, "numEntries")
        }
        let error = expectDecodingError { () throws(SignalDecodingError) in _ = try TCString.decode(text) }
        #expect(error?.kind == .truncated)
        #expect(error?.field == "core.vendorConsents.entries")
    }

    @Test func invertedOrZeroRangesAreRejected() throws {
        for (start, end) in [(10, 5), (0, 3)] {
            let text = try Self.head { w in
                try w.int(65535, 16, "maxVendorId")
                w.bool(true)
                try w.int(1, 12, "numEntries")
                w.bool(true)
                try w.int(start, 16, "start")
                try w.int(end, 16, "end")
            }
            let error = expectDecodingError { () throws(SignalDecodingError) in _ = try TCString.decode(text) }
            #expect(error?.kind == .invalidValue)
            #expect(error?.field == "core.vendorConsents.startOrOnlyVendorId")
        }
    }

    @Test func thousandsOfOverlappingFullRangeRestrictionsStayCompact() throws {
        let text = try Self.head { w in
            for _ in 0..<2 {
                try w.int(0, 16, "maxVendorId")
                w.bool(false)
            }
            try w.int(4095, 12, "numPubRestrictions")
            for index in 0..<4095 {
                try w.int(index % 63 + 1, 6, "purposeId")
                try w.int(index % 4, 2, "type")
                try w.int(1, 12, "numEntries")
                w.bool(true)
                try w.int(1, 16, "start")
                try w.int(65535, 16, "end")
            }
        }
        let tc = try TCString.decode(text)
        #expect(tc.publisherRestrictions.count == 252)
        #expect(tc.publisherRestrictions.allSatisfy { $0.vendorRanges == [1...65535] })
    }

    @Test func malformedStringsThrowTypedErrors() {
        let cases: [(String, SignalDecodingError.Kind, String)] = [
            ("", .truncated, "core"),
            ("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAA*", .invalidCharacter, "core"),
            ("BOtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA", .invalidValue, "core.version"),
            ("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.", .truncated, "segment"),
            ("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.IAAA.IAAA", .malformed, "segmentType"),
            ("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.AAAA", .malformed, "segmentType"),
            ("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA.YAAA", .truncated, "publisherTC.pubPurposesConsent"),
            ("COtybn4PA_zT4KjACBEN", .truncated, "core.vendorListVersion"),
        ]
        for (text, kind, field) in cases {
            let error = expectDecodingError { () throws(SignalDecodingError) in _ = try TCString.decode(text) }
            #expect(error?.kind == kind, "\(text)")
            #expect(error?.field == field, "\(text)")
        }
        let bad = expectDecodingError { () throws(SignalDecodingError) in
            _ = try TCString.decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAA*")
        }
        #expect(bad?.bitOffset == 43 * 6)
    }

    @Test(arguments: [tcf01, tcf03, tcf05, tcf07, tcf09, tcf11, tcf13])
    func everyTruncationOfAVectorDecodesOrThrows(vector: String) {
        let core = vector.split(separator: ".")[0]
        for length in 0..<vector.count {
            let prefix = String(vector.prefix(length))
            do {
                _ = try TCString.decode(prefix)
                // Only cuts inside the trailing padding or later segments may still decode.
                #expect(length > 35, "\(prefix)")
            } catch {
                if length <= 35 || length < core.count - 8 { #expect(error.kind == .truncated) }
            }
        }
    }

    @Test func randomInputNeverCrashes() {
        var random = SignalsRandom(seed: 0x7C5)
        var decoded = 0
        for round in 0..<3000 {
            let alphabet = round % 3 == 0 ? base64URLAlphabet + ".=*~ é" : base64URLAlphabet + "."
            let text = (round % 2 == 0 ? "C" : "") + random.string(from: alphabet, length: random.int(0...400))
            if (try? TCString.decode(text)) != nil { decoded += 1 }
        }
        #expect(decoded < 3000)
    }

    @Test func randomBitFlipsOfVectorsNeverCrash() throws {
        var random = SignalsRandom(seed: 0xF11B)
        let chars = Array(base64URLAlphabet)
        for vector in [Self.tcf01, Self.tcf05, Self.tcf07, Self.tcf09, Self.tcf13] {
            for _ in 0..<400 {
                var text = Array(vector)
                for _ in 0..<random.int(1...4) {
                    let index = random.int(0...(text.count - 1))
                    if text[index] != "." { text[index] = chars[random.int(0...63)] }
                }
                if let tc = try? TCString.decode(String(text)) {
                    // Whatever decodes must re-encode and decode to the same value.
                    if let again = try? tc.encode() { #expect(try TCString.decode(again) == tc) }
                }
            }
        }
    }
}
