import AssentCore
import Foundation

/// One step of a JSON path: a member name or an array index.
enum PathStep: Hashable, Sendable {
    case member(String)
    case index(Int)
}

/// JSON paths as the property reader reports them (`$.categories[2].title.es`), split into steps and back.
enum DocumentPath {
    static func parse(_ path: String) -> [PathStep]? {
        guard path.hasPrefix("$") else { return nil }
        var steps: [PathStep] = []
        var rest = path.dropFirst()
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { return nil }
                steps.append(.member(String(name)))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                let digits = rest.dropFirst().prefix { $0.isNumber }
                guard let index = Int(digits), rest.dropFirst(digits.count + 1).first == "]" else { return nil }
                steps.append(.index(index))
                rest = rest.dropFirst(digits.count + 2)
            } else {
                return nil
            }
        }
        return steps
    }

    static func string(_ steps: some Collection<PathStep>) -> String {
        steps.reduce("$") { path, step in
            switch step {
            case .member(let name): path + "." + name
            case .index(let i): path + "[\(i)]"
            }
        }
    }

    /// Whether `prefix` is `path` or one of its ancestors, step by step (`$.name` is not a prefix of `$.names`).
    static func isPrefix(_ prefix: [PathStep], of path: [PathStep]) -> Bool {
        prefix.count <= path.count && Array(path.prefix(prefix.count)) == prefix
    }
}

extension JSONValue {
    /// The value at a path, nil where there is none.
    subscript(steps: some Collection<PathStep>) -> JSONValue? {
        var value: JSONValue? = self
        for step in steps {
            switch (step, value) {
            case (.member(let name), .object(let members)?): value = members.first { $0.0 == name }?.1
            case (.index(let i), .array(let items)?): value = i >= 0 && i < items.count ? items[i] : nil
            default: return nil
            }
        }
        return value
    }

    /// Sets (or with nil removes) the value at a path whose parents exist.
    mutating func set(_ new: JSONValue?, at steps: ArraySlice<PathStep>) {
        guard let step = steps.first else {
            if let new { self = new }
            return
        }
        switch (step, self) {
        case (.member(let name), .object(var members)):
            if let i = members.firstIndex(where: { $0.0 == name }) {
                if steps.count == 1 {
                    if let new { members[i].1 = new } else { members.remove(at: i) }
                } else {
                    members[i].1.set(new, at: steps.dropFirst())
                }
            } else if steps.count == 1, let new {
                members.append((name, new))
            }
            self = .object(members)
        case (.index(let i), .array(var items)) where i >= 0 && i < items.count:
            if steps.count == 1 {
                if let new { items[i] = new } else { items.remove(at: i) }
            } else {
                items[i].set(new, at: steps.dropFirst())
            }
            self = .array(items)
        default:
            return
        }
    }
}

/// The property document as form fields and back. Each field is named by the kind of its value and its JSON
/// path (`s:$.name`, `b:$.categories[1].required`), so that a posted form rebuilds the part of the document it
/// shows without the server keeping any state, and the reader's problems, located by JSON path, land beside the
/// fields they concern. A list of plain values is one text area with a value per line; an item of a list of
/// objects can be removed with its checkbox, and one blank item is offered to add one.
enum PropertyForms {
    /// Field kinds: the prefix of a field's name.
    enum Kind: String {
        case string = "s"
        /// Empty means absent (null).
        case optionalString = "z"
        case number = "n"
        case checkbox = "b"
        /// Present for every checkbox, so that an unticked one is known to be false.
        case checkboxShown = "B"
        case list = "l"
        /// A choice among fixed values (a select): a text, but not something a person filled in.
        case choice = "c"
        case remove = "x"
        case blank = "t"
    }

    /// Members whose empty value means "none" rather than an empty text.
    static let optionalMembers: Set = [
        "cookieDomain", "host", "privacyPolicy", "cookiePolicy", "privacyRequests", "publisherCountryCode",
    ]

    // MARK: Rebuilding a document from a posted form

    private indirect enum Node {
        /// `filled`: a value a person types, which makes a blank item no longer blank.
        case leaf(JSONValue?, filled: Bool = true)
        case object([String: Node], order: [String])
        case array([Int: Node])

        mutating func insert(_ value: JSONValue?, at steps: ArraySlice<PathStep>, filled: Bool = true) {
            guard let step = steps.first else {
                self = .leaf(value, filled: filled)
                return
            }
            switch step {
            case .member(let name):
                var members: [String: Node] = [:]
                var order: [String] = []
                if case .object(let m, let o) = self {
                    members = m
                    order = o
                }
                if members[name] == nil { order.append(name) }
                var child = members[name] ?? .leaf(nil)
                child.insert(value, at: steps.dropFirst(), filled: filled)
                members[name] = child
                self = .object(members, order: order)
            case .index(let i):
                var items: [Int: Node]
                if case .array(let m) = self { items = m } else { items = [:] }
                var child = items[i] ?? .leaf(nil)
                child.insert(value, at: steps.dropFirst(), filled: filled)
                items[i] = child
                self = .array(items)
            }
        }

        /// Whether a blank item stayed blank: no text and no list entry filled in.
        var isBlank: Bool {
            switch self {
            case .leaf(_, filled: false): true
            case .leaf(let value, _):
                switch value {
                case .string(let s)?: s.trimmingCharacters(in: .whitespaces).isEmpty
                case .array(let items)?: items.isEmpty
                default: true
                }
            case .object(let members, _): members.values.allSatisfy(\.isBlank)
            case .array(let items): items.values.allSatisfy(\.isBlank)
            }
        }

        func json(_ path: [PathStep], removed: Set<[PathStep]>, blanks: Set<[PathStep]>) -> JSONValue? {
            switch self {
            case .leaf(let value, _): return value
            case .object(let members, let order):
                return .object(
                    order.compactMap { name in
                        members[name]!.json(path + [.member(name)], removed: removed, blanks: blanks).map {
                            (name, $0)
                        }
                    })
            case .array(let items):
                return .array(
                    items.keys.sorted().compactMap { i in
                        let itemPath = path + [.index(i)]
                        if removed.contains(itemPath) { return nil }
                        if blanks.contains(itemPath), items[i]!.isBlank { return nil }
                        return items[i]!.json(itemPath, removed: removed, blanks: blanks)
                    })
            }
        }
    }

    /// The posted values as a partial document: only the members the form had fields for.
    static func posted(_ fields: [String: String]) -> JSONValue {
        var root = Node.object([:], order: [])
        var removed: Set<[PathStep]> = []
        var blanks: Set<[PathStep]> = []
        // Sorted, so that members and items come in the order of their paths, not of the dictionary.
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            guard let colon = name.firstIndex(of: ":"), let kind = Kind(rawValue: String(name[..<colon])),
                let steps = DocumentPath.parse(String(name[name.index(after: colon)...])), !steps.isEmpty
            else { continue }
            let slice = steps[...]
            switch kind {
            case .string: root.insert(.string(value), at: slice)
            case .choice: root.insert(.string(value), at: slice, filled: false)
            case .optionalString:
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                root.insert(trimmed.isEmpty ? .null : .string(trimmed), at: slice)
            case .number:
                let trimmed = value.trimmingCharacters(in: .whitespaces)
                // Not a number: kept as text, so that the reader names the field and the value is shown again.
                root.insert(Int(trimmed).map(JSONValue.int) ?? .string(value), at: slice, filled: !trimmed.isEmpty)
            case .checkboxShown:
                root.insert(.bool(fields["b:" + name.dropFirst(2)] != nil), at: slice, filled: false)
            case .checkbox: continue
            case .list:
                // Browsers post a text area's lines with CRLF, which Swift counts as one character.
                let items = value.split(whereSeparator: { $0.isNewline || $0 == "," })
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                root.insert(.array(items.map { Int($0).map(JSONValue.int) ?? .string($0) }), at: slice)
            case .remove: if value == "on" { removed.insert(steps) }
            case .blank: blanks.insert(steps)
            }
        }
        return root.json([], removed: removed, blanks: blanks) ?? .object([])
    }

    /// The document with the members at `roots` replaced by the posted ones. A root the form had no field for
    /// (a list whose every item was removed) becomes an empty list.
    static func apply(_ fields: [String: String], roots: [[PathStep]], to document: JSONValue) -> JSONValue {
        let posted = posted(fields)
        var document = document
        for root in roots {
            let original = document[root]
            var value = posted[root]
            if value == nil, case .array? = original { value = .array([]) }
            document.set(value ?? original, at: root[...])
        }
        return document
    }
}
