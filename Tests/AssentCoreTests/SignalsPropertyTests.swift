import AssentCore
import PropertyBased
import Testing

/// Generators of signal values; all shrink, so a failure is reported with a small input.
enum SignalGen {
    static let maxDeciseconds = (1 << 36) - 1

    /// The 1-based positions of the set bits of a `count`-bit field (purposes, special features).
    static func bitIds(_ count: Int) -> Generator<[Int], some SendableSequenceType> {
        Gen<UInt32>.bitSet(mask: UInt32((1 << count) - 1))
            .map { mask in (0..<count).filter { mask >> $0 & 1 == 1 }.map { $0 + 1 } }
    }

    static let twoLetters = Gen.uppercaseLetter.string(of: 2)

    /// Vendor sets of three shapes, so that the encoder picks both encodings: a few IDs anywhere in 1…65535
    /// (ranges win), a dense field of up to 600 vendors (the bitfield wins), and a few long runs (ranges win).
    static var vendorIds: Generator<[Int], some SendableSequenceType> {
        Gen.oneOf(
            Gen.int(in: 1...0xFFFF).set(ofAtMost: 0...40).map { $0.sorted() },
            Gen.bool.array(of: 0...600).map { bits in bits.indices.filter { bits[$0] }.map { $0 + 1 } },
            zip(Gen.int(in: 1...3000), Gen.int(in: 0...300)).array(of: 1...8)
                .map { runs in Set(runs.flatMap { $0.0...($0.0 + $0.1) }).sorted() }
        )
    }

    /// Restrictions as the decoder returns them: one per (purpose, type), sorted by purpose then type.
    static var restrictions: Generator<[TCPublisherRestriction], some SendableSequenceType> {
        zip(
            Gen.int(in: 1...63), Gen<TCPublisherRestriction.RestrictionType>.case,
            zip(Gen.int(in: 1...0xFFFF), Gen.int(in: 0...400)).array(of: 0...6)
        )
        .array(of: 0...8)
        .map { items in
            var byKey: [Int: TCPublisherRestriction] = [:]
            for (purpose, type, ranges) in items {
                byKey[purpose << 2 | type.rawValue] = TCPublisherRestriction(
                    purposeId: purpose, restrictionType: type,
                    vendorRanges: ranges.map { $0.0...min($0.0 + $0.1, 0xFFFF) })
            }
            return byKey.keys.sorted().map { byKey[$0]! }
        }
    }

    static var publisherTC: Generator<TCString.PublisherTC, some SendableSequenceType> {
        zip(bitIds(24), bitIds(24), Gen.int(in: 0...63), Gen<UInt64>.bitSet, Gen<UInt64>.bitSet)
            .map { consent, li, custom, customConsent, customLI in
                func ids(_ mask: UInt64) -> [Int] { (0..<custom).filter { mask >> UInt64($0) & 1 == 1 }.map { $0 + 1 } }
                return TCString.PublisherTC(
                    pubPurposesConsent: consent, pubPurposesLITransparency: li, numCustomPurposes: custom,
                    customPurposesConsent: ids(customConsent), customPurposesLITransparency: ids(customLI))
            }
    }

    static var tcString: Generator<TCString, some SendableSequenceType> {
        let core = zip(
            Gen.int(in: 0...maxDeciseconds), Gen.int(in: 0...maxDeciseconds), Gen.int(in: 0...4095),
            Gen.int(in: 0...4095), Gen.int(in: 0...63), twoLetters, Gen.int(in: 0...4095), Gen.int(in: 0...63),
            Gen.bool, Gen.bool)
        let purposes = zip(bitIds(12), bitIds(24), bitIds(24), Gen.bool, twoLetters)
        let vendors = zip(
            vendorIds, vendorIds, restrictions, vendorIds.optional(valueRate: 0.6),
            vendorIds.optional(valueRate: 0.2), publisherTC.optional(valueRate: 0.5))
        return zip(core, purposes, vendors).map { core, purposes, vendors in
            TCString(
                created: core.0, lastUpdated: core.1, cmpId: core.2, cmpVersion: core.3, consentScreen: core.4,
                consentLanguage: core.5, vendorListVersion: core.6, tcfPolicyVersion: core.7,
                isServiceSpecific: core.8, useNonStandardTexts: core.9, specialFeatureOptIns: purposes.0,
                purposesConsent: purposes.1, purposesLITransparency: purposes.2, purposeOneTreatment: purposes.3,
                publisherCC: purposes.4, vendorConsents: vendors.0, vendorLegitimateInterests: vendors.1,
                publisherRestrictions: vendors.2, disclosedVendors: vendors.3, allowedVendors: vendors.4,
                publisherTC: vendors.5)
        }
    }

    static let twoBit = Gen.int(in: 0...2)
    static let mspaCovered = Gen.int(in: 1...2)
    static let gpc = Gen.bool.optional(valueRate: 0.5)

    static func twoBits(_ count: Int) -> Generator<[Int], some SendableSequenceType> { twoBit.array(of: count) }

    static var usNational: Generator<USNationalSection, some SendableSequenceType> {
        let notices = zip(twoBit, twoBit, twoBit, twoBit, twoBit, twoBit)
        let choices = zip(
            twoBit, twoBit, twoBit, twoBits(16), twoBits(3), twoBit, mspaCovered, twoBit, twoBit, gpc)
        return zip(notices, choices).map { n, c in
            USNationalSection(
                sharingNotice: n.0, saleOptOutNotice: n.1, sharingOptOutNotice: n.2,
                targetedAdvertisingOptOutNotice: n.3, sensitiveDataProcessingOptOutNotice: n.4,
                sensitiveDataLimitUseNotice: n.5, saleOptOut: c.0, sharingOptOut: c.1, targetedAdvertisingOptOut: c.2,
                sensitiveDataProcessing: c.3, knownChildSensitiveDataConsents: c.4, personalDataConsents: c.5,
                mspaCoveredTransaction: c.6, mspaOptOutOptionMode: c.7, mspaServiceProviderMode: c.8, gpc: c.9)
        }
    }

    /// Any state section, from random values for the fields of its table.
    static func state<Section: GPPStateSection>(_: Section.Type) -> Generator<Section, some SendableSequenceType> {
        let lengths = Section.fields.map { field in
            if case .int2List(let count) = field.kind { count } else { 1 }
        }
        return zip(twoBit.array(of: lengths.reduce(0, +)), mspaCovered, gpc).map { values, covered, gpc in
            var section = Section()
            var rest = values[...]
            for field in Section.fields {
                switch field.kind {
                case .int2: section[keyPath: field.value!] = rest.removeFirst()
                case .int2List(let count):
                    section[keyPath: field.list!] = Array(rest.prefix(count))
                    rest.removeFirst(count)
                case .mspaCoveredTransaction:
                    section[keyPath: field.value!] = covered
                    rest.removeFirst()
                }
            }
            if Section.definesGPC { section.gpc = gpc }
            return section
        }
    }

    static var usPrivacy: Generator<USPrivacyString, some SendableSequenceType> {
        let flag = Gen<USPrivacyString.Flag>.case
        return zip(flag, flag, flag).map { USPrivacyString(notice: $0, optOutSale: $1, lspaCovered: $2) }
    }

    /// A section Assent keeps verbatim: an ID without a decoder and a base64url body with `.` separators.
    static var otherSection: Generator<GPPSection, some SendableSequenceType> {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
        return zip(Gen.int(in: 13...60), Gen.int(in: 0...(alphabet.count - 1)).array(of: 1...30))
            .map { id, body in GPPSection.other(id: id, body: String(body.map { alphabet[$0] })) }
    }

    /// GPP strings with any subset of the sections Assent decodes, plus one it keeps verbatim.
    static var gppString: Generator<GPPString, some SendableSequenceType> {
        zip(
            usNational.optional(valueRate: 0.6), state(USCaliforniaSection.self).optional(valueRate: 0.6),
            state(USVirginiaSection.self).optional(valueRate: 0.6),
            state(USColoradoSection.self).optional(valueRate: 0.6),
            state(USUtahSection.self).optional(valueRate: 0.6),
            state(USConnecticutSection.self).optional(valueRate: 0.6), usPrivacy.optional(valueRate: 0.6),
            tcString.optional(valueRate: 0.4), otherSection.optional(valueRate: 0.4)
        )
        .map { nat, ca, va, co, ut, ct, usp, tc, other in
            let sections: [GPPSection?] = [
                tc.map(GPPSection.tcfEuV2), usp.map(GPPSection.uspV1), nat.map(GPPSection.usNat),
                ca.map(GPPSection.usCa), va.map(GPPSection.usVa), co.map(GPPSection.usCo), ut.map(GPPSection.usUt),
                ct.map(GPPSection.usCt), other,
            ]
            return GPPString(sections: sections.compactMap { $0 })
        }
    }
}

@Suite("Signals: round-trip properties (swift-property-based)")
struct SignalsPropertyTests {
    /// Whether the vendor-consent section of an encoded core uses range encoding (bit 229: after the 213 bits of
    /// fixed fields and the 16-bit MaxVendorId).
    static func vendorConsentsAreRangeEncoded(_ text: String) throws -> Bool {
        let core = text.split(separator: ".")[0]
        var reader = try Base64URLBits.decode(core, field: "core")
        for _ in 0..<(229 / 29) { _ = try reader.int(29, "skip") }
        _ = try reader.int(229 % 29, "skip")
        return try reader.bool("isRangeEncoding")
    }

    @Test func tcStringsRoundTripWithEitherVendorEncodingRule() async throws {
        var encodings = (range: 0, bitfield: 0)
        await propertyCheck(count: 300, input: SignalGen.tcString) { tc in
            for gppRule in [false, true] {
                let text = try tc.encode(gppVendorEncoding: gppRule)
                #expect(try TCString.decode(text) == tc)
                // Decoding then encoding again is the identity on what the encoder writes.
                #expect(try TCString.decode(text).encode(gppVendorEncoding: gppRule) == text)
                if try Self.vendorConsentsAreRangeEncoded(text) {
                    encodings.range += 1
                } else {
                    encodings.bitfield += 1
                }
            }
            // The JSON form reads back to the same value and encodes to the same string (`signals encode`).
            let json = try SignalString(json: CanonicalJSONRoundTrip.reparsed(tc.jsonValue))
            #expect(json == .tcf(tc))
            #expect(try json.encode() == tc.encode())
        }
        #expect(encodings.range > 50 && encodings.bitfield > 50, "\(encodings)")
    }

    @Test func gppStringsRoundTrip() async throws {
        var sectionCounts: [Int: Int] = [:]
        await propertyCheck(count: 300, input: SignalGen.gppString) { gpp in
            let text = try gpp.encode()
            let decoded = try GPPString.decode(text)
            #expect(decoded == gpp)
            #expect(try decoded.encode() == text)
            let json = try SignalString(json: CanonicalJSONRoundTrip.reparsed(gpp.jsonValue))
            #expect(json == .gpp(gpp))
            #expect(try json.encode() == text)
            sectionCounts[gpp.sections.count, default: 0] += 1
        }
        #expect(sectionCounts.filter { $0.key >= 3 }.values.reduce(0, +) > 100, "\(sectionCounts)")
    }

    @Test func usPrivacyStringsRoundTrip() async throws {
        await propertyCheck(count: 50, input: SignalGen.usPrivacy) { usp in
            let text = try usp.encode()
            #expect(try USPrivacyString.decode(text) == usp)
            #expect(try SignalString(json: CanonicalJSONRoundTrip.reparsed(usp.jsonValue)).encode() == text)
        }
    }

    /// Whatever the JSON reader accepts, the encoder writes: a field replaced by an arbitrary value is either
    /// reported with its path or encodes.
    @Test func whatTheJSONReaderAcceptsAlwaysEncodes() async throws {
        let replacement = Gen.oneOf(
            Gen.int(in: -2...70_000).map(JSONValue.int), Gen.bool.map(JSONValue.bool),
            Gen.int(in: 0...70_000).array(of: 0...4).map { JSONValue.array($0.map(JSONValue.int)) },
            Gen.uppercaseLetter.string(of: 0...3).map(JSONValue.string))
        let signal = Gen.oneOf(
            SignalGen.tcString.map { $0.jsonValue }, SignalGen.gppString.map { $0.jsonValue },
            SignalGen.usPrivacy.map { $0.jsonValue })
        var (accepted, refused) = (0, 0)
        await propertyCheck(count: 300, input: signal, Gen.int(in: 0...1000), replacement) { json, index, value in
            let mutated = CanonicalJSONRoundTrip.replacingLeaf(json, at: index, with: value)
            do {
                let read = try SignalString(json: mutated)
                _ = try read.encode()
                accepted += 1
            } catch let error as SignalJSONError {
                #expect(error.problems.allSatisfy { $0.path.hasPrefix("$") })
                refused += 1
            }
        }
        #expect(accepted > 0 && refused > 0)
    }
}

/// JSON helpers for the properties above.
enum CanonicalJSONRoundTrip {
    /// `value` written as bytes and parsed again, as the command line receives it.
    static func reparsed(_ value: JSONValue) throws -> JSONValue {
        try JSONParser.parse(CanonicalJSON.orderedBytes(value))
    }

    /// `value` with its `index`-th leaf (in document order, modulo the number of leaves) replaced.
    static func replacingLeaf(_ value: JSONValue, at index: Int, with replacement: JSONValue) -> JSONValue {
        var leaves = 0
        func count(_ value: JSONValue) {
            switch value {
            case .array(let items): items.forEach(count)
            case .object(let members): members.forEach { count($0.1) }
            default: leaves += 1
            }
        }
        count(value)
        var target = index % max(leaves, 1)
        func replace(_ value: JSONValue) -> JSONValue {
            switch value {
            case .array(let items): return .array(items.map(replace))
            case .object(let members): return .object(members.map { ($0.0, replace($0.1)) })
            default:
                defer { target -= 1 }
                return target == 0 ? replacement : value
            }
        }
        return replace(value)
    }
}

@Suite("Signals: the fast bit reads agree with reading bit by bit")
struct SignalsBitReaderPropertyTests {
    /// The IDs of the set bits among the next `count` bits, one `bool` read at a time.
    static func slowIds(_ reader: BitReader, _ count: Int) throws -> [Int] {
        var r = reader
        return try (1...max(count, 1)).prefix(count).filter { _ in try r.bool("bit") }
    }

    @Test func bitfieldIdsOverByteArrays() async throws {
        // Up to 600 bytes (4800 bits): past the 31 words after which the set-bit count is folded, at any offset.
        await propertyCheck(
            count: 400, input: Gen.uint8(in: 0...255).array(of: 0...600), Gen.int(in: 0...70),
            Gen.int(in: 0...4800)
        ) { bytes, skip, wanted in
            var reader = BitReader(bytes: bytes)
            let skip = min(skip, reader.bitCount)
            for _ in 0..<skip { _ = try reader.bool("skip") }
            let count = min(wanted, reader.remaining)
            let expected = try Self.slowIds(reader, count)
            #expect(try reader.bitfieldIds(count, "ids") == expected)
            #expect(reader.offset == skip + count)
        }
    }

    @Test func bitfieldIdsOverShortBase64Segments() async throws {
        // At most 21 characters (126 bits): the reader keeps them in two words instead of an array.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        await propertyCheck(
            count: 400, input: Gen.int(in: 0...63).array(of: 1...21), Gen.int(in: 0...20), Gen.int(in: 0...126)
        ) { values, skip, wanted in
            var reader = try Base64URLBits.decode(String(values.map { alphabet[$0] }), field: "s")
            let skip = min(skip, reader.bitCount)
            for _ in 0..<skip { _ = try reader.bool("skip") }
            let count = min(wanted, reader.remaining)
            let expected = try Self.slowIds(reader, count)
            #expect(try reader.bitfieldIds(count, "ids") == expected)
            var again = reader
            #expect(throws: SignalDecodingError.self) { try again.bitfieldIds(again.remaining + 1, "ids") }
        }
    }

    @Test func integersOverShortAndLongSegments() async throws {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        await propertyCheck(count: 300, input: Gen.int(in: 0...63).array(of: 1...80), Gen.int(in: 0...36)) {
            values, width in
            var fast = try Base64URLBits.decode(String(values.map { alphabet[$0] }), field: "s")
            var slow = fast
            while fast.remaining >= width {
                var expected = 0
                for _ in 0..<width { expected = expected << 1 | (try slow.bool("b") ? 1 : 0) }
                #expect(try fast.int(width, "i") == expected)
                if width == 0 { break }
            }
        }
    }
}
