import AssentCore
import Testing

@Suite("Signals: GPP")
struct SignalsGPPTests {
    /// VECTORS.md "GPP header table": IDs, library header, spec-style header (when given).
    @Test(
        arguments: [
            ([Int](), "DBAA", "DBAA"), ([2], "DBABMA", "DBABM"), ([6], "DBABTA", nil), ([2, 6], "DBACNYA", "DBACNY"),
            ([5, 6], "DBABjw", "DBABjw"), ([7], "DBABLA", nil), ([8], "DBABBg", nil), ([9], "DBABRg", nil),
            ([10], "DBABJg", nil), ([11], "DBABFg", nil), ([12], "DBABVg", nil), ([7, 8], "DBABrw", nil),
            ([6, 8], "DBACTMA", nil), ([2, 5, 6], "DBACOeA", nil),
        ] as [([Int], String, String?)])
    func headerTable(ids: [Int], library: String, spec: String?) throws {
        #expect(try GPPHeader(sectionIds: ids).encode() == library)
        #expect(try GPPHeader.decode(library).sectionIds == ids)
        if let spec { #expect(try GPPHeader.decode(spec).sectionIds == ids) }
    }

    @Test func gpp01SpecStyleHeaderWithTCF() throws {
        let gpp = try GPPString.decode("DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA")
        #expect(gpp.sectionIds == [2])
        guard case .tcfEuV2(let tc) = try #require(gpp.section(2)) else { Issue.record("not tcfeuv2"); return }
        #expect(tc.cmpId == 31 && tc.cmpVersion == 640 && tc.consentScreen == 1 && tc.consentLanguage == "EN")
        #expect(tc.vendorListVersion == 126 && tc.tcfPolicyVersion == 2 && tc.created == 16_504_920_000)
        #expect(tc.isServiceSpecific && tc.publisherCC == "DE" && tc.vendorConsents.isEmpty)
        #expect(try gpp.encode() == "DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA")
    }

    @Test func gpp03USPrivacySection() throws {
        let gpp = try GPPString.decode("DBABTA~1YNN")
        #expect(gpp.sections == [.uspV1(USPrivacyString(notice: .yes, optOutSale: .no, lspaCovered: .no))])
        #expect(try gpp.encode() == "DBABTA~1YNN")
    }

    @Test func gpp05UsNatVersion2WithGPC() throws {
        let gpp = try GPPString.decode("DBABLA~CVVVkkkkkpFY.YA")
        let expected = USNationalSection(
            version: 2, sharingNotice: 1, saleOptOutNotice: 1, sharingOptOutNotice: 1,
            targetedAdvertisingOptOutNotice: 1, sensitiveDataProcessingOptOutNotice: 1, sensitiveDataLimitUseNotice: 1,
            saleOptOut: 1, sharingOptOut: 1, targetedAdvertisingOptOut: 1,
            sensitiveDataProcessing: [2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2],
            knownChildSensitiveDataConsents: [2, 1, 0], personalDataConsents: 1, mspaCoveredTransaction: 1,
            mspaOptOutOptionMode: 1, mspaServiceProviderMode: 2, gpc: true)
        #expect(gpp.sections == [.usNat(expected)])
        #expect(try gpp.encode() == "DBABLA~CVVVkkkkkpFY.YA")
    }

    @Test func gpp07UsNatVersion1ChosenByBitLength() throws {
        let gpp = try GPPString.decode("DBABLA~BVQqAAAACg")
        let expected = USNationalSection(
            version: 1, sharingNotice: 1, saleOptOutNotice: 1, sharingOptOutNotice: 1,
            targetedAdvertisingOptOutNotice: 1, saleOptOut: 2, sharingOptOut: 2, targetedAdvertisingOptOut: 2,
            sensitiveDataProcessing: Array(repeating: 0, count: 12), knownChildSensitiveDataConsents: [0, 0],
            personalDataConsents: 2, mspaCoveredTransaction: 2, gpc: nil)
        #expect(gpp.sections == [.usNat(expected)])
        // Re-encoded as version 2 with the new entries not applicable.
        guard case .usNat(let again) = try GPPString.decode(try gpp.encode()).sections[0] else {
            Issue.record("not usnat")
            return
        }
        #expect(again.version == 2)
        #expect(again.sensitiveDataProcessing == Array(repeating: 0, count: 16))
        #expect(again.knownChildSensitiveDataConsents == [0, 0, 0])
        #expect(again.saleOptOut == 2 && again.personalDataConsents == 2 && again.mspaCoveredTransaction == 2)
    }

    @Test func wideLayoutWrittenWithVersion1IsReadByLength() throws {
        let section = try USNationalSection.decode("BVVVkkkkkpFY")
        #expect(section.version == 1)
        #expect(section.sensitiveDataProcessing.count == 16 && section.knownChildSensitiveDataConsents.count == 3)
        #expect(section.mspaServiceProviderMode == 2)
    }

    @Test func gpp09UsNatVersion2AllNoConsent() throws {
        let gpp = try GPPString.decode("DBABLA~CAAAVVVVVVRA.QA")
        let expected = USNationalSection(
            sensitiveDataProcessing: Array(repeating: 1, count: 16), knownChildSensitiveDataConsents: [1, 1, 1],
            mspaCoveredTransaction: 1, gpc: false)
        #expect(gpp.sections == [.usNat(expected)])
        #expect(try gpp.encode() == "DBABLA~CAAAVVVVVVRA.QA")
    }

    @Test func gpp11Virginia() throws {
        let gpp = try GPPString.decode("DBABRg~BVWSSVY")
        let expected = USVirginiaSection(
            sharingNotice: 1, saleOptOutNotice: 1, targetedAdvertisingOptOutNotice: 1, saleOptOut: 1,
            targetedAdvertisingOptOut: 1, sensitiveDataProcessing: [2, 1, 0, 2, 1, 0, 2, 1],
            knownChildSensitiveDataConsents: 1, mspaCoveredTransaction: 1, mspaOptOutOptionMode: 1,
            mspaServiceProviderMode: 2)
        #expect(gpp.sections == [.usVa(expected)])
        #expect(try gpp.encode() == "DBABRg~BVWSSVY")
    }

    @Test func gpp13Utah() throws {
        let gpp = try GPPString.decode("DBABFg~BVVkklWA")
        let expected = USUtahSection(
            sharingNotice: 1, saleOptOutNotice: 1, targetedAdvertisingOptOutNotice: 1,
            sensitiveDataProcessingOptOutNotice: 1, saleOptOut: 1, targetedAdvertisingOptOut: 1,
            sensitiveDataProcessing: [2, 1, 0, 2, 1, 0, 2, 1], knownChildSensitiveDataConsents: 1,
            mspaCoveredTransaction: 1, mspaOptOutOptionMode: 1, mspaServiceProviderMode: 2)
        #expect(gpp.sections == [.usUt(expected)])
        #expect(try gpp.encode() == "DBABFg~BVVkklWA")
    }

    @Test func gpp15UsNatAndCaliforniaUnderAGroupedHeader() throws {
        let gpp = try GPPString.decode("DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA")
        #expect(gpp.sectionIds == [7, 8])
        #expect(gpp.sections == [.usNat(USNationalSection(gpc: false)), .usCa(USCaliforniaSection(gpc: false))])
        #expect(try gpp.encode() == "DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA")
    }

    @Test func gpp17ThreeSectionsWithAnUndecodedOne() throws {
        let text =
            "DBACOeA~CPSG_8APSG_8ANwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA~BPSG_8APSG_8AAyACAENGdCgf_gfgAfgfgBgABABAAABAB4AACACAAA.fHHHA4444ao~1YNN"
        let gpp = try GPPString.decode(text)
        #expect(gpp.sectionIds == [2, 5, 6])
        guard case .tcfEuV2(let tc) = gpp.sections[0] else { Issue.record("not tcfeuv2"); return }
        #expect(tc.cmpId == 880 && tc.cmpVersion == 0 && tc.consentScreen == 0 && tc.consentLanguage == "EN")
        #expect(tc.vendorListVersion == 48 && tc.tcfPolicyVersion == 2 && tc.created == 16_409_952_000)
        #expect(!tc.isServiceSpecific && tc.publisherCC == "AA" && tc.vendorConsents.isEmpty)
        #expect(tc.disclosedVendors == [] && tc.allowedVendors == [])
        #expect(
            gpp.sections[1]
                == .other(id: 5, body: "BPSG_8APSG_8AAyACAENGdCgf_gfgAfgfgBgABABAAABAB4AACACAAA.fHHHA4444ao"))
        #expect(gpp.sections[2] == .uspV1(USPrivacyString(notice: .yes, optOutSale: .no, lspaCovered: .no)))
        #expect(try GPPString.decode(try gpp.encode()) == gpp)
    }

    @Test func emptyHeaderHasNoSections() throws {
        #expect(try GPPString.decode("DBAA").sections.isEmpty)
        #expect(try GPPString(sections: []).encode() == "DBAA")
    }

    // MARK: - Round trips

    static func generatedSections(_ r: inout SignalsRandom) -> [GPPSection] {
        func gpc(_ r: inout SignalsRandom) -> Bool? { r.bool() ? r.bool() : nil }
        var all: [GPPSection] = [
            .usNat(
                USNationalSection(
                    sharingNotice: r.twoBit(), saleOptOutNotice: r.twoBit(), sharingOptOutNotice: r.twoBit(),
                    targetedAdvertisingOptOutNotice: r.twoBit(), sensitiveDataProcessingOptOutNotice: r.twoBit(),
                    sensitiveDataLimitUseNotice: r.twoBit(), saleOptOut: r.twoBit(), sharingOptOut: r.twoBit(),
                    targetedAdvertisingOptOut: r.twoBit(), sensitiveDataProcessing: r.twoBits(16),
                    knownChildSensitiveDataConsents: r.twoBits(3), personalDataConsents: r.twoBit(),
                    mspaCoveredTransaction: r.int(1...2), mspaOptOutOptionMode: r.twoBit(),
                    mspaServiceProviderMode: r.twoBit(), gpc: gpc(&r))),
            .usCa(
                USCaliforniaSection(
                    saleOptOutNotice: r.twoBit(), sharingOptOutNotice: r.twoBit(),
                    sensitiveDataLimitUseNotice: r.twoBit(), saleOptOut: r.twoBit(), sharingOptOut: r.twoBit(),
                    sensitiveDataProcessing: r.twoBits(9), knownChildSensitiveDataConsents: r.twoBits(2),
                    personalDataConsents: r.twoBit(), mspaCoveredTransaction: r.int(1...2),
                    mspaOptOutOptionMode: r.twoBit(), mspaServiceProviderMode: r.twoBit(), gpc: gpc(&r))),
            .usVa(
                USVirginiaSection(
                    sharingNotice: r.twoBit(), saleOptOutNotice: r.twoBit(),
                    targetedAdvertisingOptOutNotice: r.twoBit(),
                    saleOptOut: r.twoBit(), targetedAdvertisingOptOut: r.twoBit(),
                    sensitiveDataProcessing: r.twoBits(8), knownChildSensitiveDataConsents: r.twoBit(),
                    mspaCoveredTransaction: r.int(1...2), mspaOptOutOptionMode: r.twoBit(),
                    mspaServiceProviderMode: r.twoBit())),
            .usCo(
                USColoradoSection(
                    sharingNotice: r.twoBit(), saleOptOutNotice: r.twoBit(),
                    targetedAdvertisingOptOutNotice: r.twoBit(),
                    saleOptOut: r.twoBit(), targetedAdvertisingOptOut: r.twoBit(),
                    sensitiveDataProcessing: r.twoBits(7), knownChildSensitiveDataConsents: r.twoBit(),
                    mspaCoveredTransaction: r.int(1...2), mspaOptOutOptionMode: r.twoBit(),
                    mspaServiceProviderMode: r.twoBit(), gpc: gpc(&r))),
            .usUt(
                USUtahSection(
                    sharingNotice: r.twoBit(), saleOptOutNotice: r.twoBit(),
                    targetedAdvertisingOptOutNotice: r.twoBit(),
                    sensitiveDataProcessingOptOutNotice: r.twoBit(), saleOptOut: r.twoBit(),
                    targetedAdvertisingOptOut: r.twoBit(), sensitiveDataProcessing: r.twoBits(8),
                    knownChildSensitiveDataConsents: r.twoBit(), mspaCoveredTransaction: r.int(1...2),
                    mspaOptOutOptionMode: r.twoBit(), mspaServiceProviderMode: r.twoBit())),
            .usCt(
                USConnecticutSection(
                    sharingNotice: r.twoBit(), saleOptOutNotice: r.twoBit(),
                    targetedAdvertisingOptOutNotice: r.twoBit(),
                    saleOptOut: r.twoBit(), targetedAdvertisingOptOut: r.twoBit(),
                    sensitiveDataProcessing: r.twoBits(8), knownChildSensitiveDataConsents: r.twoBits(3),
                    mspaCoveredTransaction: r.int(1...2), mspaOptOutOptionMode: r.twoBit(),
                    mspaServiceProviderMode: r.twoBit(), gpc: gpc(&r))),
            .uspV1(
                USPrivacyString(
                    notice: .allCases.randomElement(using: &r)!, optOutSale: .allCases.randomElement(using: &r)!,
                    lspaCovered: .allCases.randomElement(using: &r)!)),
            .tcfEuV2(SignalsTCStringTests.generated(&r)),
            .other(id: r.int(28...40), body: r.string(from: base64URLAlphabet + ".", length: r.int(1...30))),
        ]
        all.shuffle(using: &r)
        return Array(all.prefix(r.int(0...all.count)))
    }

    @Test func generatedStringsRoundTrip() throws {
        var random = SignalsRandom(seed: 0x6_99)
        for _ in 0..<400 {
            let sections = Self.generatedSections(&random)
            let text = try GPPString(sections: sections).encode()
            let decoded = try GPPString.decode(text)
            #expect(decoded.sections == sections.sorted { $0.id < $1.id })
            #expect(text.hasPrefix("DB"))
        }
    }

    @Test func encoderValidatesFieldsAsTheReferenceEncodersDo() {
        #expect(throws: SignalEncodingError.self) { try USNationalSection(mspaCoveredTransaction: 0).encode() }
        #expect(throws: SignalEncodingError.self) { try USNationalSection(saleOptOut: 3).encode() }
        #expect(throws: SignalEncodingError.self) {
            try USCaliforniaSection(sensitiveDataProcessing: [0, 0]).encode()
        }
        #expect(throws: SignalEncodingError.self) { try USVirginiaSection(version: 2).encode() }
        #expect(throws: SignalEncodingError.self) {
            try GPPString(sections: [.usVa(USVirginiaSection()), .usVa(USVirginiaSection())]).encode()
        }
        #expect(throws: SignalEncodingError.self) { try GPPString(sections: [.other(id: 30, body: "a~b")]).encode() }
    }

    // MARK: - Hostile input

    @Test func malformedStringsThrowTypedErrorsNamingTheField() {
        let cases: [(String, SignalDecodingError.Kind, String)] = [
            ("", .truncated, "header"),
            ("CBAA", .invalidValue, "header.type"),
            ("DCAA", .invalidValue, "header.version"),
            ("DBABLA", .malformed, "header.sectionIds"),
            ("DBAA~BVWSSVY", .malformed, "header.sectionIds"),
            ("DBABLA~", .truncated, "usnat"),
            ("DBABLA~BVQq", .truncated, "usnat.sensitiveDataProcessing"),
            ("DBABLA~CVVVkkkkkpFY.YA.YA", .malformed, "usnat.subsectionType"),
            ("DBABLA~CVVVkkkkkpFY.AA", .malformed, "usnat.subsectionType"),
            ("DBABRg~BVWSSVY.YA", .malformed, "usva.subsectionType"),
            ("DBABLA~CVVVkkkk*pFY", .invalidCharacter, "usnat"),
            ("DBABTA~1YN", .truncated, "uspv1.usPrivacy"),
            ("DBABMA~BOtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA", .invalidValue, "tcfeuv2.core.version"),
            ("DB/BLA~BVQqAAAACg", .invalidCharacter, "header"),
        ]
        for (text, kind, field) in cases {
            let error = expectDecodingError { () throws(SignalDecodingError) in _ = try GPPString.decode(text) }
            #expect(error?.kind == kind, "\(text)")
            #expect(error?.field == field, "\(text)")
        }
    }

    @Test func headerDeclaringAHugeGroupIsRejectedBeforeExpanding() throws {
        var w = BitWriter()
        try w.int(3, 6, "type")
        try w.int(1, 6, "version")
        try w.int(1, 12, "count")
        w.bool(true)
        try w.fibonacci(1, "start")
        try w.fibonacci(65534, "length")
        let header = Base64URLBits.encode(w, padding: .bytesThenSixBits)
        let error = expectDecodingError { () throws(SignalDecodingError) in _ = try GPPString.decode(header + "~1YNN") }
        #expect(error?.kind == .malformed)
        #expect(error?.field == "header.sectionIds")
        // On its own the header is valid and names 65 535 sections.
        #expect(try GPPHeader.decode(header).sectionIds.count == 65535)
    }

    @Test func repeatedOrUnsortedHeaderIdsCannotBeEncoded() {
        // Fibonacci offsets are positive, so a decoded header is always ascending; the encoder must refuse the rest.
        var w = BitWriter()
        #expect(throws: SignalEncodingError.self) { try w.fibonacciRanges([7, 7], "ids") }
        #expect(throws: SignalEncodingError.self) { try GPPHeader(sectionIds: [8, 7]).encode() }
    }

    @Test func randomInputNeverCrashes() {
        var random = SignalsRandom(seed: 0x6_FF)
        let prefixes = ["DBAB", "DBAC", "DB", ""]
        for round in 0..<4000 {
            let alphabet = round % 4 == 0 ? base64URLAlphabet + "~.=* " : base64URLAlphabet + "~~.."
            let text = prefixes[round % 4] + random.string(from: alphabet, length: random.int(0...120))
            _ = try? GPPString.decode(text)
        }
    }

    @Test func randomMutationsOfVectorsNeverCrash() {
        var random = SignalsRandom(seed: 0xB17)
        let vectors = [
            "DBABLA~CVVVkkkkkpFY.YA", "DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA", "DBABLA~BVQqAAAACg", "DBABRg~BVWSSVY",
            "DBACOeA~CPSG_8APSG_8ANwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA~BPSG_8A.fHHHA4444ao~1YNN",
        ]
        let chars = Array(base64URLAlphabet + "~.")
        for vector in vectors {
            for length in 0...vector.count { _ = try? GPPString.decode(String(vector.prefix(length))) }
            for _ in 0..<500 {
                var text = Array(vector)
                for _ in 0..<random.int(1...3) { text[random.int(0...(text.count - 1))] = chars[random.int(0...65)] }
                if let gpp = try? GPPString.decode(String(text)), let again = try? gpp.encode() {
                    #expect((try? GPPString.decode(again)) != nil)
                }
            }
        }
    }
}
