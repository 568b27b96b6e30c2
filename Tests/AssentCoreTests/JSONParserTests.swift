import AssentCore
import Testing

@Suite struct JSONParserValidTests {
    @Test func objectKeepsMemberOrder() throws {
        let value = try parseJSON(#"{"b":1,"a":[true,false,null],"c":{"d":"e"}}"#)
        let members = try #require(value.objectValue)
        #expect(members.map(\.0) == ["b", "a", "c"])
        #expect(value["b"]?.intValue == 1)
        #expect(value["a"] == .array([.bool(true), .bool(false), .null]))
        #expect(value["c"]?["d"]?.stringValue == "e")
        #expect(value["missing"] == nil)
    }

    @Test(arguments: [
        ("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null), ("\"\"", .string("")),
        ("[]", .array([])), ("{}", .object([])), (" \t\r\n[ ] \n", .array([])), ("\"a\\/b\"", .string("a/b")),
        ("\"\\u00e9\\u00C9\"", .string("éÉ")), ("\"\\ud83d\\ude00\"", .string("😀")), ("\"é😀\"", .string("é😀")),
        ("\"\\\"\\\\\\b\\f\\n\\r\\t\"", .string("\"\\\u{8}\u{C}\n\r\t")), ("\"\\u0000\"", .string("\u{0}")),
        ("[1,[2,[3]]]", .array([.int(1), .array([.int(2), .array([.int(3)])])])),
    ])
    func validDocuments(text: String, expected: JSONValue) throws {
        #expect(try parseJSON(text) == expected)
    }

    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("7", 7), ("-42", -42), ("1234567890123", 1_234_567_890_123),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
    ])
    func integers(text: String, expected: Int64) throws {
        let value = try parseJSON(text)
        #expect(value.int64Value == expected)
        guard case .number(let double, let integer) = value else {
            Issue.record("not a number")
            return
        }
        #expect(integer == expected)
        #expect(double == Double(expected))
    }

    @Test(arguments: [
        ("1.0", 1.0), ("0.5", 0.5), ("-2.25", -2.25), ("1e3", 1000.0), ("1E3", 1000.0), ("1e+2", 100.0),
        ("25e-1", 2.5), ("-0.0", -0.0), ("9223372036854775808", 9_223_372_036_854_775_808.0),
        ("123456789012345678901234567890", 1.2345678901234568e29),
    ])
    func nonIntegers(text: String, expected: Double) throws {
        let value = try parseJSON(text)
        guard case .number(let double, let integer) = value else {
            Issue.record("not a number")
            return
        }
        #expect(integer == nil, "\(text) must not be read as an integer")
        #expect(double == expected)
        #expect(value.intValue == nil)
    }

    @Test func intValueOfLargeIntegerFitsInt() throws {
        #expect(try parseJSON("4294967296").intValue == 4_294_967_296)
    }

    /// 64 levels of containers are allowed, 65 are not.
    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let tooDeep = "[" + ok + "]"
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(tooDeep) }
        #expect(error.message.contains("nesting"))
        #expect(error.offset == JSONParser.maxDepth)

        let objects =
            String(repeating: #"{"a":"#, count: JSONParser.maxDepth + 1) + "1"
            + String(repeating: "}", count: JSONParser.maxDepth + 1)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(objects) }
    }

    /// The limit counts containers: 64 nested arrays are fine whether the innermost one is empty or holds a value.
    @Test func depthLimitDoesNotDependOnTheInnermostContent() throws {
        let depth = JSONParser.maxDepth
        let withScalar = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        let withString = String(repeating: "[", count: depth) + "\"x\"" + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONParser.parse(withScalar) }
        #expect(throws: Never.self) { try JSONParser.parse(withString) }
    }

    @Test func veryDeepInputFailsWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }
}

@Suite struct JSONParserErrorTests {
    @Test(arguments: [
        (#"{"a":1,"a":2}"#, 7), (#"{"a":1, "b":{"x":1,"x":1}}"#, 19), (#"{"a":1,"\u0061":2}"#, 7),
        (#"[{"k":1},{"k":2,"k":3}]"#, 16),
    ])
    func duplicateMemberNamesAreRejectedWithOffset(text: String, offset: Int) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error.message.contains("duplicate"))
        #expect(error.offset == offset)
        #expect(error.description.hasSuffix("at byte \(offset)"))
    }

    /// Small objects are checked by a scan and large ones by a set (from the 17th member): a duplicate is found
    /// on either side of that switch, and a large object without one parses whole.
    @Test(arguments: [3, 15, 16, 17, 40])
    func duplicatesInLargeObjects(at position: Int) throws {
        let names = (0..<40).map { "m\($0)" }
        let distinct = "{" + names.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
        #expect(try JSONParser.parse(distinct).objectValue?.count == 40)
        var members = names.map { "\"\($0)\":1" }
        members.insert(#""m2":9"#, at: position)
        let text = "{" + members.joined(separator: ",") + "}"
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error.message == #"duplicate member "m2""#)
        let offset = Array(text.utf8).indices.filter { text.utf8.dropFirst($0).starts(with: #""m2""#.utf8) }.last
        #expect(error.offset == offset, "the second occurrence is named")
    }

    @Test func sameNameInDifferentObjectsIsFine() throws {
        #expect(throws: Never.self) { try JSONParser.parse(#"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#) }
    }

    @Test(arguments: [
        (#""\x""#, "invalid escape"), (#""\u12""#, "end of input"), (#""\u12G4""#, "\\u"), (#""\uD800""#, "surrogate"),
        (#""\uD800x""#, "surrogate"), (#""\uD800\n""#, "surrogate"), (#""\uD800\u0041""#, "surrogate"),
        (#""\uDC00""#, "surrogate"), (#""\uDFFF\uD800""#, "surrogate"), (#""\ud83d\ud83d""#, "surrogate"),
        (#""\"#, "end of input"), (#""\u"#, "end of input"),
    ])
    func badEscapes(text: String, messageFragment: String) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error.message.contains(messageFragment), "\(error)")
        #expect(error.offset <= text.utf8.count)
    }

    @Test(arguments: ["1 2", "{} x", "[]]", "nullx", "\"a\"\"b\"", "truefalse", "0 0", "{}\u{0}", "1,"])
    func trailingData(text: String) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error.offset > 0)
    }

    @Test func trailingDataOffset() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse("[1]  x") }
        #expect(error.offset == 5)
        #expect(error.message.contains("after"))
    }

    @Test(arguments: Array(UInt8(0)..<0x20))
    func rawControlCharactersInStringsAreRejected(byte: UInt8) throws {
        let bytes: [UInt8] = [0x22, 0x61, byte, 0x22]
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        #expect(error.offset == 2)
        // Also after an escape (the slow path).
        let slow: [UInt8] = [0x22, 0x5C, 0x6E, byte, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(slow) }
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0x5C, 0x6E, 0xC0, 0xAF, 0x22],
            [0xEF, 0xBB, 0xBF, 0x31],
        ] as [[UInt8]])
    func invalidUTF8IsRejected(bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test(arguments: [
        "", " ", "01", "-", "+1", ".5", "1.", "1.e3", "1e", "1e+", "--1", "0x10", "1_000", "NaN", "Infinity",
        "-Infinity", "tru", "nul", "True", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\"}", "{\"a\" 1}", "{a:1}", "{1:1}",
        "'a'", "[1 2]", "\"abc", "[", "{", "{\"a\":", "/* */1", "\u{FEFF}1",
    ])
    func malformedDocuments(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func errorOffsetsPointAtTheProblem() throws {
        #expect(try #require(throws: JSONParseError.self) { try JSONParser.parse("[1,x]") }.offset == 3)
        #expect(try #require(throws: JSONParseError.self) { try JSONParser.parse("{\"a\":1 \"b\":2}") }.offset == 7)
        #expect(try #require(throws: JSONParseError.self) { try JSONParser.parse("") }.offset == 0)
    }

    /// A number too large for a double must not silently become something else (infinity is not JSON and
    /// canonical JSON writes it as null), so the canonical bytes of what was parsed must read back the same.
    @Test(arguments: ["1e400", "-1e400", "[1e309]"])
    func hugeNumbersDoNotChangeValueThroughCanonicalBytes(text: String) throws {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            return  // rejecting is acceptable
        }
        #expect(
            try JSONParser.parse(CanonicalJSON.bytes(value)) == value,
            "\(text) became \(utf8String(CanonicalJSON.bytes(value)))")
    }
}

@Suite struct JSONParserRobustnessTests {
    /// Whatever it is given, the parser returns a value or a JSONParseError with an offset inside the input,
    /// and a value it returns survives canonical serialization.
    static func check(_ bytes: [UInt8]) -> Bool {
        do {
            let value = try JSONParser.parse(bytes)
            let again = try JSONParser.parse(CanonicalJSON.bytes(value))
            return again == value || hasNonFinite(value)
        } catch {
            return error.offset >= 0 && error.offset <= bytes.count
        }
    }

    static func hasNonFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let d, _): !d.isFinite
        case .array(let a): a.contains(where: hasNonFinite)
        case .object(let o): o.contains { hasNonFinite($0.1) }
        default: false
        }
    }

    @Test func randomBytes() {
        var rng = SeededGenerator(seed: 0xA55E_27)
        var failures = 0
        for _ in 0..<3000 {
            let count = Int.random(in: 0...48, using: &rng)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !Self.check(bytes) {
                failures += 1
                Issue.record("bad outcome for \(bytes)")
            }
            if failures > 5 { break }
        }
    }

    /// Random strings over JSON's own alphabet reach much deeper into the parser than random bytes.
    @Test func randomJSONishText() {
        let alphabet = Array(#"{}[]:,"\/ubfnrt0123456789-+.eE aDdC"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xED, 0xF0]
        let tokens = ["true", "false", "null", "\\u", "\\ud83d", "\\ude00", "\"a\":", "1e400"].map { Array($0.utf8) }
        var rng = SeededGenerator(seed: 20_261_129)
        var parsed = 0
        var failures = 0
        for _ in 0..<4000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    bytes += tokens.randomElement(using: &rng)!
                } else {
                    bytes.append(alphabet.randomElement(using: &rng)!)
                }
            }
            if (try? JSONParser.parse(bytes)) != nil { parsed += 1 }
            if !Self.check(bytes) {
                failures += 1
                Issue.record("bad outcome for \(utf8String(bytes))")
            }
            if failures > 5 { break }
        }
        #expect(parsed > 0, "the generator should produce some valid documents")
    }

    /// Single-byte mutations of a real document: every one either parses or fails cleanly.
    @Test func mutatedDocuments() {
        let property = Property.standard(id: "demo", name: "Demo", origins: ["https://example.com"])
        let document =
            Array(CanonicalJSON.orderedBytes(property.jsonValue).prefix(600))
            + Array(#"],"x":"\u00e9\ud83d\ude00",[-1.5e3]}"#.utf8)
        var rng = SeededGenerator(seed: 7)
        var failures = 0
        for _ in 0..<2000 {
            var bytes = document
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8.random(in: 0...127, using: &rng), at: i)
                }
            }
            if !Self.check(bytes) {
                failures += 1
                Issue.record("bad outcome for \(utf8String(bytes))")
            }
            if failures > 5 { break }
        }
    }
}
