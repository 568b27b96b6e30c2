import AssentCore
import Crypto
import Foundation
import Testing

/// The standard categories with TCF on against `testVendorList`: purposes 2, 7, 8, 9 and 10 are shown with a
/// legitimate interest (vendors 20 and 755 declare them); 1044 declares special purposes only.
private let tcfProperty: Property = {
    var p = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
    p.signals.tcf = TCFSettings(
        cmpId: 300, cmpVersion: 2, publisherCountryCode: "FR", vendorListVersion: 42, specialFeatures: [1, 2],
        vendors: [1, 20, 755, 800, 1044, 99])
    return p
}()

private func signals(
    _ property: Property = tcfProperty, region: String = "FR", action: ConsentAction = .rejectAll,
    objections: TCFObjections
) throws -> ConsentSignals {
    let region = Region(region)!
    let regime = property.regimes.regime(for: region)
    let decision = Policy.evaluate(
        regime: regime, categories: property.categories, action: action, choices: [:], gpc: false)
    return try ConsentSignals.compute(
        property: property, regime: regime, region: region,
        choices: Dictionary(uniqueKeysWithValues: decision.choices.map { ($0.key, $0.allowed) }), gpc: false,
        at: 1_795_969_185_138, language: "fr", vendorList: testVendorList, tcfObjections: objections)
}

/// The TC string of `s`, decoded, and checked to be the one the GPP string carries.
private func decodedTC(_ s: ConsentSignals) throws -> TCString {
    let tc = try TCString.decode(try #require(s.tcString))
    guard case .tcfEuV2(let inGPP) = try GPPString.decode(s.gpp).sections.first else {
        Issue.record("no tcfeuv2 section")
        return tc
    }
    #expect(inGPP == tc)
    return tc
}

@Suite("Objections to legitimate interests (TCF)")
struct TCFObjectionSignalsTests {
    @Test("what can be objected to: the LI purposes shown and the vendors declaring one of them")
    func legitimateInterests() throws {
        let shown = tcfProperty.tcfLegitimateInterests(testVendorList)
        #expect(shown.purposes == [2, 7, 8, 9, 10])
        #expect(shown.vendors == [20, 755], "1044 has special purposes only, which carry no right to object")

        var explicit = tcfProperty
        explicit.signals.tcf?.purposes = [1, 2, 7]
        #expect(
            explicit.tcfLegitimateInterests(testVendorList)
                == TCFLegitimateInterests(purposes: [2, 7], vendors: [20, 755]))
        explicit.signals.tcf?.purposes = [1, 8]
        #expect(
            explicit.tcfLegitimateInterests(testVendorList) == TCFLegitimateInterests(purposes: [8], vendors: [20]),
            "755 declares no legitimate interest for a purpose shown")

        var off = tcfProperty
        off.signals.tcf?.enabled = false
        #expect(off.tcfLegitimateInterests(testVendorList) == .none)
        let otherList = try VendorList.decode(
            try JSONParser.parse(testVendorListJSON).setting("vendorListVersion", to: .int(43)))
        #expect(tcfProperty.tcfLegitimateInterests(otherList) == .none, "not the list the settings name")
    }

    @Test("no objection: the TC string is the one it always was, and the signals carry no tcf member")
    func noObjection() throws {
        let s = try signals(objections: .none)
        let tc = try decodedTC(s)
        #expect(tc.purposesLITransparency == [2, 7, 8, 9, 10])
        #expect(tc.vendorLegitimateInterests == [20, 755, 1044])
        #expect(s.jsonValue.memberNames == ["gpp", "gppSid", "tcString", "consentMode", "sections"])
    }

    @Test("an objected vendor's legitimate-interest bit is 0; the purposes stay established for the others")
    func vendorObjection() throws {
        let s = try signals(objections: TCFObjections(vendors: [20]))
        let tc = try decodedTC(s)
        #expect(tc.vendorLegitimateInterests == [755, 1044])
        #expect(tc.purposesLITransparency == [2, 7, 8, 9, 10])
        #expect(tc.vendorConsents == [], "consent is another matter")
        #expect(tc.disclosedVendors == [1, 20, 755, 800, 1044], "still disclosed")
        #expect(s.jsonValue.memberNames == ["gpp", "gppSid", "tcString", "tcf", "consentMode", "sections"])
        #expect(s.jsonValue["tcf"] == TCFObjections(vendors: [20]).jsonValue)
        #expect(s.jsonValue["sections"]?["tcfeuv2"]?["vendorLegitimateInterests"] == .array([.int(755), .int(1044)]))
    }

    @Test("an objected purpose's bit is 0 and no vendor has legitimate interest for it")
    func purposeObjection() throws {
        let s = try signals(objections: TCFObjections(purposes: [7]))
        let tc = try decodedTC(s)
        #expect(tc.purposesLITransparency == [2, 8, 9, 10])
        #expect(tc.vendorLegitimateInterests == [20, 755, 1044], "both still have other purposes")

        // 755's purposes are 2, 7, 9 and 10: objecting to all of them leaves it nothing; 20 keeps 8.
        let all755 = try decodedTC(try signals(objections: TCFObjections(purposes: [2, 7, 9, 10])))
        #expect(all755.purposesLITransparency == [8])
        #expect(all755.vendorLegitimateInterests == [20, 1044])

        let everything = try decodedTC(
            try signals(objections: TCFObjections(vendors: [20, 755], purposes: [2, 7, 8, 9, 10])))
        #expect(everything.purposesLITransparency == [])
        #expect(everything.vendorLegitimateInterests == [1044], "special purposes only: no right to object")
    }

    @Test("objections with Accept All: consent is given, the objections still hold")
    func objectionsWithConsent() throws {
        let tc = try decodedTC(
            try signals(action: .acceptAll, objections: TCFObjections(vendors: [755], purposes: [2])))
        #expect(tc.purposesConsent == Array(1...11))
        #expect(tc.vendorConsents == [1, 20, 755, 800])
        #expect(tc.purposesLITransparency == [7, 8, 9, 10])
        #expect(tc.vendorLegitimateInterests == [20, 1044])
    }

    @Test("objections to what the property no longer shows are left out of the signals' tcf member")
    func staleObjections() throws {
        let s = try signals(objections: TCFObjections(vendors: [20, 800, 4000], purposes: [3, 8]))
        #expect(s.jsonValue["tcf"] == TCFObjections(vendors: [20], purposes: [8]).jsonValue)
        #expect(try decodedTC(s).purposesLITransparency == [2, 7, 9, 10])
    }

    @Test("where TCF does not apply, objections change nothing", arguments: ["US-CA", "BR"])
    func elsewhere(region: String) throws {
        let with = try signals(region: region, objections: TCFObjections(vendors: [20], purposes: [7]))
        #expect(with == (try signals(region: region, objections: .none)))
        #expect(with.jsonValue["tcf"] == nil)
    }
}

@Suite("Submitted objections: shape and property")
struct TCFObjectionSubmissionTests {
    static func parse(_ tcf: String) throws -> ConsentSubmission {
        try ConsentSubmission.parse(parseJSON(#"{"action":"save","policyVersion":1,"choices":{},"tcf":\#(tcf)}"#))
    }

    @Test func parsesBothLists() throws {
        let s = try Self.parse(#"{"vendorLIObjections":[20,755],"purposeLIObjections":[2]}"#)
        #expect(s.tcf == TCFObjections(vendors: [20, 755], purposes: [2]))
        #expect(try Self.parse("{}").tcf == TCFObjections.none, "present and empty: clear every objection")
        #expect(try Self.parse(#"{"purposeLIObjections":[7]}"#).tcf == TCFObjections(purposes: [7]))
        #expect(try Self.parse("null").tcf == nil, "null is absent, like the other optional members")
        let absent = try ConsentSubmission.parse(parseJSON(#"{"action":"save","policyVersion":1,"choices":{}}"#))
        #expect(absent.tcf == nil)
    }

    @Test(arguments: [
        ("[]", "tcf"),
        (#""20""#, "tcf"),
        ("true", "tcf"),
        (#"{"vendors":[20]}"#, "tcf.vendors"),
        (#"{"vendorLIObjections":20}"#, "tcf.vendorLIObjections"),
        (#"{"vendorLIObjections":null}"#, "tcf.vendorLIObjections"),
        (#"{"vendorLIObjections":["20"]}"#, "tcf.vendorLIObjections[0]"),
        (#"{"vendorLIObjections":[20,1.5]}"#, "tcf.vendorLIObjections[1]"),
        (#"{"vendorLIObjections":[0]}"#, "tcf.vendorLIObjections[0]"),
        (#"{"vendorLIObjections":[-20]}"#, "tcf.vendorLIObjections[0]"),
        (#"{"vendorLIObjections":[65536]}"#, "tcf.vendorLIObjections[0]"),
        (#"{"vendorLIObjections":[755,20]}"#, "tcf.vendorLIObjections[1]"),
        (#"{"vendorLIObjections":[20,20]}"#, "tcf.vendorLIObjections[1]"),
        (#"{"purposeLIObjections":[2,25]}"#, "tcf.purposeLIObjections[1]"),
        (#"{"purposeLIObjections":[[2]]}"#, "tcf.purposeLIObjections[0]"),
        (#"{"purposeLIObjections":[7,7]}"#, "tcf.purposeLIObjections[1]"),
    ])
    func badShapeNamesThePath(tcf: String, path: String) throws {
        let error = try #require(throws: SubmissionError.self) { try Self.parse(tcf) }
        #expect(error.field == path, "\(error)")
        #expect(error.description.hasPrefix("\(path): "))
    }

    @Test func objectableIdsPass() throws {
        let s = try Self.parse(#"{"vendorLIObjections":[20,755],"purposeLIObjections":[2,7,8,9,10]}"#)
        try s.validate(against: tcfProperty, knownPolicyVersions: [1], gpcSignal: false, vendorList: testVendorList)
        try Self.parse("{}").validate(
            against: tcfProperty, knownPolicyVersions: [1], gpcSignal: false, vendorList: testVendorList)
    }

    @Test(arguments: [
        // 1: consent only; 800 declares no legitimate interest; 1044: special purposes only; 99: deleted;
        // 2000: not in the list; 3: TCF 2.2 forbids legitimate interest for it; 11: no vendor shown declares it.
        (#"{"vendorLIObjections":[20,800]}"#, "tcf.vendorLIObjections[1]", "vendor 800"),
        (#"{"vendorLIObjections":[1044]}"#, "tcf.vendorLIObjections[0]", "vendor 1044"),
        (#"{"vendorLIObjections":[1]}"#, "tcf.vendorLIObjections[0]", "vendor 1"),
        (#"{"vendorLIObjections":[99]}"#, "tcf.vendorLIObjections[0]", "vendor 99"),
        (#"{"vendorLIObjections":[2000]}"#, "tcf.vendorLIObjections[0]", "vendor 2000"),
        (#"{"purposeLIObjections":[1]}"#, "tcf.purposeLIObjections[0]", "purpose 1"),
        (#"{"purposeLIObjections":[2,3]}"#, "tcf.purposeLIObjections[1]", "purpose 3"),
        (#"{"purposeLIObjections":[11]}"#, "tcf.purposeLIObjections[0]", "purpose 11"),
    ])
    func idsNotShownWithLegitimateInterest(tcf: String, path: String, names: String) throws {
        let s = try Self.parse(tcf)
        let error = try #require(throws: SubmissionError.self) {
            try s.validate(
                against: tcfProperty, knownPolicyVersions: [1], gpcSignal: false, vendorList: testVendorList)
        }
        #expect(error.field == path, "\(error)")
        #expect(error.message.contains(names))
        #expect(error.message.contains("news"), "names the property")
    }

    @Test("a property without TCF refuses the tcf member, even empty")
    func propertyWithoutTCF() throws {
        let plain = Property.standard(id: "plain", name: "Plain", origins: ["https://plain.example"])
        var off = tcfProperty
        off.signals.tcf?.enabled = false
        for property in [plain, off] {
            for tcf in ["{}", #"{"vendorLIObjections":[20]}"#] {
                let error = try #require(throws: SubmissionError.self) {
                    try Self.parse(tcf).validate(
                        against: property, knownPolicyVersions: [1], gpcSignal: false, vendorList: testVendorList)
                }
                #expect(error.field == "tcf")
                #expect(error.message.contains("does not use IAB TCF"))
            }
        }
    }

    @Test("without the vendor list the settings name nothing can be objected to")
    func listMissing() throws {
        let error = try #require(throws: SubmissionError.self) {
            try Self.parse(#"{"purposeLIObjections":[2]}"#).validate(
                against: tcfProperty, knownPolicyVersions: [1], gpcSignal: false, vendorList: nil)
        }
        #expect(error.field == "tcf.purposeLIObjections[0]")
    }
}

@Suite("Objections in the ledger entry")
struct TCFObjectionLedgerTests {
    static func withObjections() -> LedgerEntry {
        var entry = sampleEntry()
        entry.tcfObjections = TCFObjections(vendors: [755, 20], purposes: [7])
        return entry
    }

    @Test("an entry without objections has the bytes (and leaf) it always had")
    func oldBytesUnchanged() throws {
        #expect(utf8String(sampleEntry().canonicalBytes) == LedgerEntryTests.expectedCanonical)
        let back = try LedgerEntry(canonicalBytes: Array(LedgerEntryTests.expectedCanonical.utf8))
        #expect(back.tcfObjections == .none)
        #expect(utf8String(back.canonicalBytes) == LedgerEntryTests.expectedCanonical)
        #expect(back.jsonValue["tcf"] == nil)
    }

    @Test("entries written before objections existed read back to the same bytes", arguments: 0..<50)
    func generatedOldEntriesRoundTrip(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &+ 0x1234_5678)
        let keys = ["necessary", "functional", "performance", "targeting", "social", "sale"]
        var choices: [String: Bool] = [:]
        for key in keys where rng.next() % 2 == 0 { choices[key] = rng.next() % 2 == 0 }
        // Built the way every stored entry was: by the generic canonical form of its members, no `tcf`.
        let members: [(String, JSONValue)] = [
            ("v", .int(1)), ("id", .string("id-\(seed)")), ("property", .string("demo")),
            ("subject", .string("s-\(rng.next() % 1000)")),
            ("choices", .object(choices.keys.sorted().map { ($0, .bool(choices[$0]!)) })),
            ("action", .string(ConsentAction.allCases[Int(rng.next() % 4)].rawValue)),
            ("regime", .string(Regime.allCases[Int(rng.next() % 3)].rawValue)), ("region", .string("FR")),
            ("gpc", .bool(rng.next() % 2 == 0)), ("gpcConflicts", .array([])),
            ("policyVersion", .int(Int(rng.next() % 50) + 1)), ("textsHash", .string("ab")), ("lang", .string("en")),
            ("recordedAt", .int64(Int64(rng.next() % 2_000_000_000_000))),
        ]
        let stored = CanonicalJSON.bytes(.object(members))
        let entry = try LedgerEntry(canonicalBytes: stored)
        #expect(entry.tcfObjections == .none)
        #expect(entry.canonicalBytes == stored)
        #expect(entry.leafHash == Merkle.leafHash(stored))
    }

    @Test("with objections: a tcf member between subject and textsHash, ids ascending")
    func canonicalFormWithObjections() throws {
        let entry = Self.withObjections()
        let expected = LedgerEntryTests.expectedCanonical.replacingOccurrences(
            of: #","textsHash""#, with: #","tcf":{"purposeLIObjections":[7],"vendorLIObjections":[20,755]},"textsHash""#
        )
        #expect(utf8String(entry.canonicalBytes) == expected)
        #expect(entry.canonicalBytes == CanonicalJSON.bytes(entry.jsonValue), "the direct bytes are the generic form")
        let back = try LedgerEntry(canonicalBytes: entry.canonicalBytes)
        #expect(back == entry)
        #expect(back.canonicalBytes == entry.canonicalBytes)
        #expect(entry.leafHash != sampleEntry().leafHash)

        var onlyPurposes = sampleEntry()
        onlyPurposes.tcfObjections = TCFObjections(purposes: [2, 10])
        #expect(
            utf8String(onlyPurposes.canonicalBytes).contains(
                #""tcf":{"purposeLIObjections":[2,10],"vendorLIObjections":[]}"#))
        #expect(try LedgerEntry(canonicalBytes: onlyPurposes.canonicalBytes) == onlyPurposes)
    }

    @Test("a receipt for an entry with objections verifies, and fails once an objection is dropped")
    func receiptVerifies() throws {
        let signer = try TreeHeadSigner(rawPrivateKey: Array(repeating: 5, count: 32))
        var tree = MerkleFrontier()
        let entries = [sampleEntry(), Self.withObjections()]
        let (_, proofs) = tree.appendBatch(entries.map { (entry: LedgerEntry) in entry.leafHash })
        let head = try signer.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 9))
        let receipt = Receipt(entry: entries[1], leafIndex: 1, proof: proofs[1], treeHead: head)
        let json = try JSONParser.parse(receipt.jsonBytes())
        #expect(Receipt.verify(json: json, keys: [signer.keyID: signer.publicKey]).valid)
        let entryMembers = try #require(json["entry"]?.objectValue)
        let tampered = json.setting("entry", to: .object(entryMembers.filter { $0.0 != "tcf" }))
        let result = Receipt.verify(json: tampered, keys: [signer.keyID: signer.publicKey])
        #expect(!result.valid && !result.inclusionValid)
    }

    @Test(
        "the decoder refuses a malformed tcf member",
        arguments: [
            JSONValue.object([]), .object([("vendorLIObjections", .array([]))]), .array([]), .string("20"),
            .object([("vendorLIObjections", .array([.int(755), .int(20)]))]),
            .object([("vendorLIObjections", .array([.int(20)])), ("other", .array([]))]),
            .object([("purposeLIObjections", .array([.string("7")]))]),
        ])
    func rejectsMalformedObjections(tcf: JSONValue) {
        let json = sampleEntry().jsonValue.setting("tcf", to: tcf)
        #expect(throws: LedgerEntry.FormatError.self) { try LedgerEntry(json: json) }
    }

    @Test func entryFromDecisionKeepsTheObjections() throws {
        let property = Property.standard(id: "demo", name: "Demo", origins: ["https://example.com"])
        let decision = Policy.evaluate(
            regime: .optIn, categories: property.categories, action: .rejectAll, choices: [:], gpc: false)
        let objections = TCFObjections(vendors: [20], purposes: [2])
        let entry = LedgerEntry(
            decision: decision, id: "r", property: property, subject: "s", action: .rejectAll, regime: .optIn,
            region: try #require(Region("FR")), lang: "en", textsHash: property.textsHash(language: "en"),
            recordedAt: 10, tcfObjections: objections)
        #expect(entry.tcfObjections == objections)
        // The entry's JSON has its members in canonical order: the same object, whatever the order.
        #expect(entry.jsonValue["tcf"].map(CanonicalJSON.bytes) == CanonicalJSON.bytes(objections.jsonValue))
    }
}

@Suite struct TCFObjectionsValueTests {
    @Test func sortsAndDropsRepeats() {
        let o = TCFObjections(vendors: [755, 20, 755], purposes: [9, 2, 2])
        #expect(o.vendors == [20, 755])
        #expect(o.purposes == [2, 9])
        #expect(!o.isEmpty && TCFObjections.none.isEmpty)
        #expect(o.jsonValue.memberNames == ["vendorLIObjections", "purposeLIObjections"])
        #expect(
            o.keeping(TCFLegitimateInterests(purposes: [2, 7], vendors: [755]))
                == TCFObjections(vendors: [755], purposes: [2]))
    }
}
