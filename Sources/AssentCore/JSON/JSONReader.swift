/// Reads parsed JSON into values, tracking where each value is (`$.categories[2].title`) and collecting what is
/// wrong with it. An accessor that finds a problem records it with its path and returns nil, so reading goes on
/// and reports the rest; a reader in `firstProblem` mode records only the first (what a request body is answered
/// with), and its accessors return nil at once after that.
public struct JSONReader {
    public enum Mode: Sendable { case allProblems, firstProblem }

    public let mode: Mode
    public private(set) var problems: [ValidationProblem] = []

    public init(mode: Mode = .allProblems) { self.mode = mode }

    /// Whether a `firstProblem` reader has its problem: nothing more is recorded.
    public var stopped: Bool { mode == .firstProblem && !problems.isEmpty }

    public mutating func fail(_ path: String, _ message: String) {
        guard !stopped else { return }
        problems.append(ValidationProblem(path: path, message: message))
    }

    /// Throws the problems found, if any.
    public func check() throws(JSONReadError) {
        if !problems.isEmpty { throw JSONReadError(problems: problems) }
    }

    // MARK: Bytes

    /// The one place a parse failure becomes a problem: `$: not valid JSON: <what and where>`.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONReadError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw JSONReadError(
                problems: [ValidationProblem(path: "$", message: "not valid JSON: \(error)")], parse: true)
        }
    }

    // MARK: Objects

    /// An object's members with the object's path; a member's path is made only when a problem needs it.
    public struct Object: Sendable {
        public let path: String
        public let members: [(String, JSONValue)]

        public func value(_ name: String) -> JSONValue? {
            for member in members where member.0 == name { return member.1 }
            return nil
        }

        public func has(_ name: String) -> Bool { value(name) != nil }
        public func path(_ name: String) -> String { JSONReader.path(path, name) }
    }

    /// `parent.name`, or `$.name`'s form for a name that is not an identifier (`$["a b"]` is not used: paths are
    /// for people, and every name Assent reads is plain).
    public static func path(_ parent: String, _ name: String) -> String { parent + "." + name }
    public static func path(_ parent: String, _ index: Int) -> String { parent + "[" + String(index) + "]" }

    /// The members of an object: unknown members (not in `allowed`, when given) are reported in the order they
    /// come, then missing `required` ones in the order given. `expected` words the type error.
    public mutating func object(
        _ value: JSONValue, at path: String, allowed: [String]? = nil, required: [String] = [],
        expected: String = "an object"
    ) -> Object? {
        guard !stopped else { return nil }
        guard case .object(let members) = value else {
            fail(path, "expected \(expected), found \(value.typeName)")
            return nil
        }
        if let allowed {
            for (name, _) in members where !allowed.contains(name) { fail(Self.path(path, name), "unknown field") }
        }
        for name in required where !members.contains(where: { $0.0 == name }) {
            fail(Self.path(path, name), "missing")
        }
        return Object(path: path, members: members)
    }

    // MARK: Values

    /// A string; `nil` without a problem when `value` is nil (a member left out) or, with `nullable`, null.
    public mutating func string(
        _ value: JSONValue?, at path: @autoclosure () -> String, nullable: Bool = false, expected: String = "a string"
    ) -> String? {
        guard let value, !stopped else { return nil }
        if case .string(let s) = value { return s }
        if nullable && value == .null { return nil }
        fail(path(), "expected \(expected), found \(value.typeName)")
        return nil
    }

    public mutating func bool(_ value: JSONValue?, at path: @autoclosure () -> String) -> Bool? {
        guard let value, !stopped else { return nil }
        if case .bool(let b) = value { return b }
        fail(path(), "expected a boolean, found \(value.typeName)")
        return nil
    }

    /// An integer (a number without fraction or exponent that fits an `Int`), within `range` when given.
    public mutating func int(
        _ value: JSONValue?, at path: @autoclosure () -> String, in range: ClosedRange<Int>? = nil,
        expected: String = "an integer"
    ) -> Int? {
        guard let value, !stopped else { return nil }
        guard let int = value.intValue else {
            fail(path(), "expected \(expected), found \(value.typeName)")
            return nil
        }
        if let range, !range.contains(int) {
            fail(path(), "must be between \(range.lowerBound) and \(range.upperBound), is \(int)")
            return nil
        }
        return int
    }

    public mutating func array(
        _ value: JSONValue?, at path: @autoclosure () -> String, expected: String = "an array"
    ) -> [JSONValue]? {
        guard let value, !stopped else { return nil }
        if case .array(let items) = value { return items }
        fail(path(), "expected \(expected), found \(value.typeName)")
        return nil
    }

    // Members by name: the same, with the member's path made from the object's.

    public mutating func string(_ o: Object, _ name: String, nullable: Bool = false, expected: String = "a string")
        -> String?
    {
        string(o.value(name), at: o.path(name), nullable: nullable, expected: expected)
    }

    public mutating func bool(_ o: Object, _ name: String) -> Bool? { bool(o.value(name), at: o.path(name)) }

    public mutating func int(
        _ o: Object, _ name: String, in range: ClosedRange<Int>? = nil, expected: String = "an integer"
    ) -> Int? {
        int(o.value(name), at: o.path(name), in: range, expected: expected)
    }

    public mutating func array(_ o: Object, _ name: String, expected: String = "an array") -> [JSONValue]? {
        array(o.value(name), at: o.path(name), expected: expected)
    }
}

/// Every problem a `JSONReader` found, each with its JSON path; `parse` when the bytes were not JSON at all.
public struct JSONReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [ValidationProblem]
    public let parse: Bool

    public init(problems: [ValidationProblem], parse: Bool = false) {
        self.problems = problems
        self.parse = parse
    }

    /// The first problem as `path: message`.
    public var first: String { problems.first?.description ?? "" }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
