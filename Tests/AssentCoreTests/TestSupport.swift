import AssentCore
import Testing

// Helpers shared by the AssentCore suites. Names are distinct from MerkleTests.swift's private helpers.

/// A deterministic generator (SplitMix64) so that randomized tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One step of a path into a JSON document.
enum JSONStep: Equatable, Sendable {
    case key(String)
    case index(Int)
}

/// Parses `categories[1].title.es` into steps. Keys must not contain `.` or `[`.
func jsonSteps(_ path: String) -> [JSONStep] {
    var steps: [JSONStep] = []
    for part in path.split(separator: ".") {
        var rest = Substring(part)
        if let bracket = rest.firstIndex(of: "[") {
            let name = rest[..<bracket]
            if !name.isEmpty { steps.append(.key(String(name))) }
            rest = rest[bracket...]
            while rest.first == "[", let close = rest.firstIndex(of: "]") {
                steps.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close])!))
                rest = rest[rest.index(after: close)...]
            }
        } else {
            steps.append(.key(String(rest)))
        }
    }
    return steps
}

extension JSONValue {
    /// A copy with the value at `path` replaced (or added, for a missing object member); `nil` removes it.
    func setting(_ path: String, to newValue: JSONValue?) -> JSONValue {
        setting(jsonSteps(path)[...], to: newValue)
    }

    private func setting(_ steps: ArraySlice<JSONStep>, to newValue: JSONValue?) -> JSONValue {
        guard let step = steps.first else { return newValue ?? .null }
        let rest = steps.dropFirst()
        switch (self, step) {
        case (.object(var members), .key(let name)):
            if let i = members.firstIndex(where: { $0.0 == name }) {
                if rest.isEmpty && newValue == nil {
                    members.remove(at: i)
                } else {
                    members[i].1 = members[i].1.setting(rest, to: newValue)
                }
            } else if let newValue {
                precondition(rest.isEmpty, "cannot create a nested path under missing member \(name)")
                members.append((name, newValue))
            }
            return .object(members)
        case (.array(var elements), .index(let i)):
            if i == elements.count, rest.isEmpty, let newValue {
                elements.append(newValue)
            } else if rest.isEmpty && newValue == nil {
                elements.remove(at: i)
            } else {
                elements[i] = elements[i].setting(rest, to: newValue)
            }
            return .array(elements)
        default:
            preconditionFailure("path step \(step) does not fit \(self.typeName)")
        }
    }

    /// The value at `path`, if any.
    func at(_ path: String) -> JSONValue? {
        var current: JSONValue? = self
        for step in jsonSteps(path) {
            switch step {
            case .key(let name): current = current?[name]
            case .index(let i):
                guard let a = current?.arrayValue, a.indices.contains(i) else { return nil }
                current = a[i]
            }
        }
        return current
    }
}

func utf8String(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

func parseJSON(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

/// The standard categories' keys in property order.
let standardKeys = Property.standardCategories.map(\.key)

/// A fixed, valid ledger entry used by several suites.
func sampleEntry(
    id: String = "rec-1", subject: String = "00000000-0000-4000-8000-000000000001",
    choices: [String: Bool] = ["necessary": true, "targeting": false], recordedAt: Int64 = 1_795_969_185_138
) -> LedgerEntry {
    LedgerEntry(
        id: id, property: "demo", subject: subject, choices: choices, action: .save, regime: .optIn,
        region: "FR", gpc: false, gpcConflicts: [], policyVersion: 3, textsHash: "abc", lang: "en",
        recordedAt: recordedAt)
}
