import AssentCore
import Foundation

/// What differs between two property documents, leaf by leaf, each located by its JSON path
/// (`$.categories[1].title.es`) with the value before and after: what a save changed, and what two revisions of
/// the history differ by. Arrays are compared item by item; an item or member only on one side is one change.
struct PropertyDifference: Sendable, Equatable {
    struct Change: Sendable, Equatable {
        let path: String
        /// The value as compact JSON; nil where it did not exist.
        let before: String?
        let after: String?
    }

    let changes: [Change]

    init(from old: Property?, to new: Property?) {
        var changes: [Change] = []
        Self.compare(
            old.map { Self.comparable($0.jsonValue) }, new.map { Self.comparable($0.jsonValue) }, "$", &changes)
        self.changes = changes
    }

    /// The policy version is the store's to assign: it is reported on its own, not as a change made.
    private static func comparable(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { $0.0 != "policyVersion" })
    }

    private static func compare(_ a: JSONValue?, _ b: JSONValue?, _ path: String, _ changes: inout [Change]) {
        switch (a, b) {
        case (.object(let x)?, .object(let y)?):
            var keys = x.map(\.0)
            for (key, _) in y where !keys.contains(key) { keys.append(key) }
            for key in keys {
                compare(
                    x.first { $0.0 == key }?.1, y.first { $0.0 == key }?.1, path + member(key), &changes)
            }
        case (.array(let x)?, .array(let y)?):
            for i in 0..<max(x.count, y.count) {
                compare(i < x.count ? x[i] : nil, i < y.count ? y[i] : nil, "\(path)[\(i)]", &changes)
            }
        default:
            if a != b {
                changes.append(Change(path: path, before: a.map(text), after: b.map(text)))
            }
        }
    }

    /// `.key`, or `["key"]` when the key is not a plain name (`opt-in` is written as the reader reports it).
    private static func member(_ key: String) -> String { "." + key }

    private static func text(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return String(decoding: CanonicalJSON.orderedBytes(value), as: UTF8.self)
    }
}
