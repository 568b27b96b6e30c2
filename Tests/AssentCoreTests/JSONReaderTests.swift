import AssentCore
import Testing

@Suite("JSONReader: paths, problems, modes")
struct JSONReaderTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    /// Reads `{"name": string, "age": int 0…150, "ok": bool, "tags": [string], "inner": {"x": int}}`.
    static func read(_ value: JSONValue, _ reader: inout JSONReader) {
        guard
            let o = reader.object(
                value, at: "$", allowed: ["name", "age", "ok", "tags", "inner"], required: ["name", "age"])
        else { return }
        _ = reader.string(o, "name")
        _ = reader.int(o, "age", in: 0...150)
        _ = reader.bool(o, "ok")
        for (i, tag) in (reader.array(o, "tags") ?? []).enumerated() {
            _ = reader.string(tag, at: JSONReader.path(o.path("tags"), i))
        }
        if let inner = o.value("inner"), let i = reader.object(inner, at: o.path("inner"), required: ["x"]) {
            _ = reader.int(i, "x")
        }
    }

    @Test func everyProblemIsReportedWithItsPath() throws {
        var reader = JSONReader()
        Self.read(
            try Self.parse(#"{"age":200,"ok":"yes","tags":["a",3,null],"inner":{"y":1},"extra":0}"#), &reader)
        #expect(
            reader.problems.map(\.description) == [
                "$.extra: unknown field",
                "$.name: missing",
                "$.age: must be between 0 and 150, is 200",
                "$.ok: expected a boolean, found a string",
                "$.tags[1]: expected a string, found a number",
                "$.tags[2]: expected a string, found null",
                "$.inner.x: missing",
            ])
        #expect(throws: JSONReadError.self) { try reader.check() }
    }

    @Test func firstProblemModeKeepsOnlyTheFirstAndStops() throws {
        var reader = JSONReader(mode: .firstProblem)
        Self.read(try Self.parse(#"{"name":1,"age":"x","ok":2}"#), &reader)
        #expect(reader.problems.map(\.description) == ["$.name: expected a string, found a number"])
        #expect(reader.stopped)
        // Once stopped, accessors read nothing more.
        #expect(reader.string(.string("fine"), at: "$.later") == nil)
        #expect(reader.problems.count == 1)
    }

    @Test func aValidDocumentHasNoProblems() throws {
        for mode in [JSONReader.Mode.allProblems, .firstProblem] {
            var reader = JSONReader(mode: mode)
            Self.read(try Self.parse(#"{"name":"n","age":3,"tags":["a"],"inner":{"x":1}}"#), &reader)
            #expect(reader.problems.isEmpty)
            try reader.check()
        }
    }

    static let values: [(String, JSONValue)] = [
        ("null", .null), ("a boolean", .bool(true)), ("a number", .number(1.5, integer: nil)),
        ("a string", .string("s")), ("an array", .array([])), ("an object", .object([])),
    ]

    @Test(arguments: values)
    func everyTypeErrorNamesWhatWasFound(found: String, value: JSONValue) {
        var reader = JSONReader()
        let path = "$.v"
        if found != "a string" { #expect(reader.string(value, at: path) == nil) }
        if found != "a boolean" { #expect(reader.bool(value, at: path) == nil) }
        #expect(reader.int(value, at: path) == nil)
        if found != "an array" { #expect(reader.array(value, at: path) == nil) }
        if found != "an object" { #expect(reader.object(value, at: path) == nil) }
        let expected = ["a string", "a boolean", "an integer", "an array", "an object"].filter { $0 != found }
        #expect(reader.problems.map(\.message) == expected.map { "expected \($0), found \(found)" })
        #expect(reader.problems.allSatisfy { $0.path == path })
    }

    @Test func nullableAndAbsentValuesAreNoProblem() {
        var reader = JSONReader()
        #expect(reader.string(nil, at: "$.a") == nil)
        #expect(reader.string(.null, at: "$.b", nullable: true) == nil)
        #expect(reader.int(nil, at: "$.c") == nil)
        #expect(reader.problems.isEmpty)
        #expect(reader.int(.number(2, integer: 2), at: "$.d") == 2)
        #expect(reader.int(.number(2.5, integer: nil), at: "$.e") == nil)
        #expect(reader.problems.map(\.description) == ["$.e: expected an integer, found a number"])
    }

    @Test func bytesThatAreNotJSONAreOneProblemAtTheRoot() {
        let error = #expect(throws: JSONReadError.self) { try JSONReader.parse(Array(#"{"a":"#.utf8)) }
        #expect(error?.parse == true)
        #expect(error?.problems.count == 1)
        #expect(error?.problems.first?.path == "$")
        #expect(error?.problems.first?.message.hasPrefix("not valid JSON: unexpected end of input") == true)
    }

    @Test func aSubmissionsFirstProblemNamesItsField() throws {
        let error = #expect(throws: SubmissionError.self) {
            try ConsentSubmission.parse(
                Self.parse(#"{"action":"save","policyVersion":1,"choices":{"a":true,"b":"no"},"lang":5}"#))
        }
        #expect(error?.description == "choices.b: expected a boolean, found a string")
        let objection = #expect(throws: SubmissionError.self) {
            try ConsentSubmission.parse(
                Self.parse(#"{"action":"save","policyVersion":1,"choices":{},"tcf":{"vendorLIObjections":[3,2]}}"#))
        }
        #expect(
            objection?.description == "tcf.vendorLIObjections[1]: ids must be ascending without repeats (2 follows 3)")
    }
}
