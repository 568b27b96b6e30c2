import AssentCore
import Crypto
import Testing

@Suite struct CanonicalJSONTests {
    @Test func sortsMembersRecursivelyWithoutWhitespace() throws {
        let value = try parseJSON(#" { "b" : 1 , "a" : [ true , null , { "z" : "x" , "y" : 2 } ] , "c" : { } } "#)
        #expect(utf8String(CanonicalJSON.bytes(value)) == #"{"a":[true,null,{"y":2,"z":"x"}],"b":1,"c":{}}"#)
    }

    @Test func arraysKeepTheirOrder() throws {
        let value = try parseJSON("[3,1,2,\"b\",\"a\"]")
        #expect(utf8String(CanonicalJSON.bytes(value)) == #"[3,1,2,"b","a"]"#)
    }

    @Test func orderedBytesKeepsMemberOrder() throws {
        let value = try parseJSON(#"{"b":1,"a":{"d":false,"c":null}}"#)
        #expect(utf8String(CanonicalJSON.orderedBytes(value)) == #"{"b":1,"a":{"d":false,"c":null}}"#)
        #expect(utf8String(CanonicalJSON.bytes(value)) == #"{"a":{"c":null,"d":false},"b":1}"#)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("quote\"back\\slash", #""quote\"back\\slash""#),
        ("slash/stays", #""slash/stays""#),
        ("\u{8}\u{C}\n\r\t", #""\b\f\n\r\t""#),
        ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("é€😀", "\"é€😀\""),
        ("\u{2028}", "\"\u{2028}\""),
    ])
    func stringEscapes(input: String, expected: String) throws {
        let bytes = CanonicalJSON.bytes(.string(input))
        #expect(utf8String(bytes) == expected)
        // And the escaped form reads back as the same string.
        #expect(try JSONParser.parse(bytes) == .string(input))
    }

    @Test(arguments: [
        (JSONValue.int(0), "0"), (.int(-42), "-42"), (.int64(Int64.max), "9223372036854775807"),
        (.int64(Int64.min), "-9223372036854775808"), (.number(0.5, integer: nil), "0.5"),
        (.number(-1.25, integer: nil), "-1.25"), (.bool(true), "true"), (.bool(false), "false"), (.null, "null"),
    ])
    func scalars(value: JSONValue, expected: String) {
        #expect(utf8String(CanonicalJSON.bytes(value)) == expected)
    }

    @Test func nonFiniteNumbersBecomeNull() {
        #expect(utf8String(CanonicalJSON.bytes(.number(.infinity, integer: nil))) == "null")
        #expect(utf8String(CanonicalJSON.bytes(.number(.nan, integer: nil))) == "null")
    }

    /// RFC 8785 §3.2.3: members sort by their names as UTF-16 code units. U+1F600 is D83D DE00 in UTF-16, which
    /// sorts before U+E000, although its scalar value (and UTF-8 bytes) sort after.
    @Test func sortsByUTF16CodeUnits() {
        let value = JSONValue.object([("\u{E000}", .int(1)), ("\u{1F600}", .int(2)), ("a", .int(3)), ("B", .int(4))])
        #expect(utf8String(CanonicalJSON.bytes(value)) == "{\"B\":4,\"a\":3,\"\u{1F600}\":2,\"\u{E000}\":1}")
    }

    @Test func prefixSortsFirst() {
        let value = JSONValue.object([("ab", .int(1)), ("a", .int(2)), ("", .int(3))])
        #expect(utf8String(CanonicalJSON.bytes(value)) == #"{"":3,"a":2,"ab":1}"#)
    }

    static let members: [(String, JSONValue)] = [
        ("region", .string("FR")), ("regime", .string("opt-in")), ("gpc", .bool(false)),
        ("choices", .object([("sale", .bool(false)), ("necessary", .bool(true))])),
    ]

    static func permutations<T>(_ items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i in
            var rest = items
            let head = rest.remove(at: i)
            return permutations(rest).map { [head] + $0 }
        }
    }

    @Test(arguments: permutations(Array(0..<4)))
    func stableAcrossMemberOrder(order: [Int]) {
        let reordered = JSONValue.object(order.map { Self.members[$0] })
        let expected = #"{"choices":{"necessary":true,"sale":false},"gpc":false,"regime":"opt-in","region":"FR"}"#
        #expect(utf8String(CanonicalJSON.bytes(reordered)) == expected)
    }

    @Test func reparsingCanonicalBytesIsAFixedPoint() throws {
        let text = #"{"z":[1,2.5,-0.125,"\u00e9\n",{"b":null,"a":true}],"a":"x\/y","m":{"k":-7}}"#
        let once = CanonicalJSON.bytes(try parseJSON(text))
        let twice = CanonicalJSON.bytes(try JSONParser.parse(once))
        #expect(once == twice)
    }
}

/// Which field of a ledger entry a test changes.
enum EntryField: String, CaseIterable, Sendable {
    case id, property, subject, choiceValue, choiceAdded, action, regime, region, gpc, gpcConflicts, policyVersion
    case textsHash, lang, recordedAt

    func change(_ e: inout LedgerEntry) {
        switch self {
        case .id: e.id = "rec-2"
        case .property: e.property = "demo2"
        case .subject: e.subject = "00000000-0000-4000-8000-000000000002"
        case .choiceValue: e.choices["targeting"] = true
        case .choiceAdded: e.choices["sale"] = false
        case .action: e.action = .rejectAll
        case .regime: e.regime = .optOut
        case .region: e.region = "DE"
        case .gpc: e.gpc = true
        case .gpcConflicts: e.gpcConflicts = ["targeting"]
        case .policyVersion: e.policyVersion = 4
        case .textsHash: e.textsHash = "abd"
        case .lang: e.lang = "es"
        case .recordedAt: e.recordedAt += 1
        }
    }
}

@Suite struct LedgerEntryTests {
    /// Written by hand: members sorted by name ("regime" < "region" because 'm' < 'o'), no whitespace.
    static let expectedCanonical =
        #"{"action":"save","choices":{"necessary":true,"targeting":false},"gpc":false,"gpcConflicts":[],"id":"rec-1","lang":"en","policyVersion":3,"property":"demo","recordedAt":1795969185138,"regime":"opt-in","region":"FR","subject":"00000000-0000-4000-8000-000000000001","textsHash":"abc","v":1}"#

    @Test func exactCanonicalForm() {
        #expect(utf8String(sampleEntry().canonicalBytes) == Self.expectedCanonical)
    }

    @Test func leafHashIsRFC6962LeafOfCanonicalBytes() {
        let expected = Array(SHA256.hash(data: [0x00] + Array(Self.expectedCanonical.utf8)))
        #expect(sampleEntry().leafHash.bytes == expected)
    }

    @Test func roundTripsThroughCanonicalBytes() throws {
        var entry = sampleEntry(choices: ["necessary": true, "functional": false, "sale": true])
        entry.gpc = true
        entry.gpcConflicts = ["sale", "targeting"]
        entry.recordedAt = -5
        entry.region = "US-CA"
        let back = try LedgerEntry(canonicalBytes: entry.canonicalBytes)
        #expect(back == entry)
        #expect(back.canonicalBytes == entry.canonicalBytes)
    }

    @Test func readsAnEntryWhateverTheMemberOrder() throws {
        let shuffled = JSONValue.object(sampleEntry().jsonValue.objectValue!.reversed())
        #expect(try LedgerEntry(json: shuffled) == sampleEntry())
    }

    @Test(arguments: EntryField.allCases)
    func changingAnyFieldChangesBytesAndLeaf(field: EntryField) throws {
        let original = sampleEntry()
        var changed = original
        field.change(&changed)
        #expect(changed != original)
        #expect(changed.canonicalBytes != original.canonicalBytes)
        #expect(changed.leafHash != original.leafHash)
        #expect(try LedgerEntry(canonicalBytes: changed.canonicalBytes) == changed)
    }

    @Test(
        arguments: [
            ("v", JSONValue.int(2)), ("v", nil), ("id", nil), ("id", .int(1)), ("choices", .array([])),
            ("choices", .object([("a", .string("yes"))])), ("action", .string("maybe")), ("regime", .string("opt_in")),
            ("gpc", .string("false")), ("policyVersion", .number(1.5, integer: nil)), ("recordedAt", .string("0")),
            ("gpcConflicts", .string("sale")),
            ("gpcConflicts", .array([.string("sale"), .int(1)])), ("lang", nil), ("subject", .null),
        ] as [(String, JSONValue?)])
    func rejectsMalformedEntries(member: String, value: JSONValue?) {
        let json = sampleEntry().jsonValue.setting(member, to: value)
        #expect(throws: LedgerEntry.FormatError.self) { try LedgerEntry(json: json) }
    }

    @Test func rejectsBytesThatAreNotJSON() {
        #expect(throws: LedgerEntry.FormatError.self) { try LedgerEntry(canonicalBytes: Array("{\"v\":1".utf8)) }
        #expect(throws: LedgerEntry.FormatError.self) { try LedgerEntry(canonicalBytes: Array("[]".utf8)) }
    }

    @Test func entryFromDecisionCopiesTheDecision() throws {
        let property = Property.standard(id: "demo", name: "Demo", origins: ["https://example.com"])
        let decision = Policy.evaluate(
            regime: .optOut, categories: property.categories, action: .acceptAll, choices: [:], gpc: true)
        let entry = LedgerEntry(
            decision: decision, id: "r", property: property, subject: "s", action: .acceptAll, regime: .optOut,
            region: try #require(Region("us-ca")), lang: "en", textsHash: property.textsHash(language: "en"),
            recordedAt: 10)
        #expect(entry.property == "demo")
        #expect(entry.region == "US-CA")
        #expect(entry.policyVersion == property.policyVersion)
        #expect(entry.gpc)
        #expect(entry.gpcConflicts == ["targeting", "sale"])
        #expect(entry.choices.count == property.categories.count)
        for choice in decision.choices { #expect(entry.choices[choice.key] == choice.allowed) }
        #expect(entry.choices["sale"] == false && entry.choices["performance"] == true)
    }
}
