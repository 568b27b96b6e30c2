import AssentCore
import Foundation

/// Draws a part of a property document as form fields (`PropertyForms` names them and reads them back). Every
/// value is escaped here, since the page inserts the fields as markup; each field has its label, and a problem
/// the reader found is written beside the field its JSON path points into, linked with `aria-describedby`.
struct PropertyFormView {
    /// The editor's words: the `propertyEditor` section of the catalogue.
    let words: [String: String]
    /// The property's declared languages: a member named by one is a text in that language.
    let languages: [String]
    /// Problems by JSON path.
    let problems: [ValidationProblem]
    /// Read-only: the fields are shown, disabled.
    let readOnly: Bool
    /// The document as stored: a value posted into a number field and refused (kept as the text typed) is drawn
    /// as a number field again.
    var original: JSONValue?

    private var counter = 0
    /// Which field (by id) shows each problem, and the problems no field shows.
    private var assigned: [String: [String]] = [:]
    private(set) var unplaced: [ValidationProblem] = []
    /// The ids of fields with a problem, in page order, for the summary's links.
    private(set) var invalid: [(id: String, label: String)] = []

    init(words: [String: String], languages: [String], problems: [ValidationProblem], readOnly: Bool) {
        self.words = words
        self.languages = languages
        self.problems = problems
        self.readOnly = readOnly
    }

    /// The fields for the values at `roots` of `document`, with the problems placed.
    mutating func render(_ document: JSONValue, roots: [[PathStep]], legends: [String?]) -> String {
        // First pass: the paths fields are drawn for; each problem goes to the deepest of them that contains it.
        var paths: [[PathStep]] = []
        collect(document, roots: roots, into: &paths)
        assigned = [:]
        unplaced = []
        for problem in problems {
            guard let steps = DocumentPath.parse(problem.path),
                let best = paths.filter({ DocumentPath.isPrefix($0, of: steps) }).max(by: { $0.count < $1.count })
            else {
                unplaced.append(problem)
                continue
            }
            assigned[DocumentPath.string(best), default: []].append(problem.message)
        }
        counter = 0
        invalid = []
        var html = ""
        for (root, legend) in zip(roots, legends) {
            let value = document[root] ?? .null
            if let legend {
                html += "<fieldset class=\"part\"><legend>\(htmlText(legend))</legend>"
                html += problemsHTML(root, id: nil)
                html += children(value, root)
                html += "</fieldset>"
            } else {
                html += field(value, root)
            }
        }
        return html
    }

    private func collect(_ document: JSONValue, roots: [[PathStep]], into paths: inout [[PathStep]]) {
        func walk(_ value: JSONValue, _ path: [PathStep]) {
            paths.append(path)
            switch value {
            case .object(let members): for (name, child) in members { walk(child, path + [.member(name)]) }
            case .array(let items) where !Self.isPlainList(items):
                for (i, item) in items.enumerated() { walk(item, path + [.index(i)]) }
            default: break
            }
        }
        for root in roots { walk(document[root] ?? .null, root) }
    }

    static func isPlainList(_ items: [JSONValue]) -> Bool {
        items.allSatisfy {
            switch $0 {
            case .string, .number: true
            default: false
            }
        }
    }

    // MARK: Fields

    private mutating func nextID() -> String {
        counter += 1
        return "f\(counter)"
    }

    private func label(_ path: [PathStep]) -> String {
        guard case .member(let name)? = path.last else {
            if case .index(let i)? = path.last {
                return (words["item"] ?? "Item {n}").replacingOccurrences(of: "{n}", with: String(i + 1))
            }
            return ""
        }
        if languages.contains(name), path.count >= 2 {
            let parent = label(Array(path.dropLast()))
            let language = words["language." + name] ?? name
            return parent.isEmpty ? language : "\(parent) (\(language))"
        }
        if let word = words["field." + name] { return word }
        // A name without a word of its own (a text key, a signal setting): its camel-case split into words.
        var spaced = ""
        for character in name {
            if character.isUppercase, !spaced.isEmpty { spaced += " " }
            spaced += character.lowercased()
        }
        return spaced.prefix(1).uppercased() + spaced.dropFirst()
    }

    /// The language a text at this path is written in, for the field's `lang`.
    private func language(_ path: [PathStep]) -> String? {
        for step in path.reversed() {
            if case .member(let name) = step, languages.contains(name) { return name }
        }
        return nil
    }

    private mutating func problemsHTML(_ path: [PathStep], id: String?) -> String {
        guard let messages = assigned[DocumentPath.string(path)] else { return "" }
        let errorID = (id ?? nextID()) + "-problem"
        invalid.append((id ?? errorID, label(path)))
        return "<p class=\"field-problem\" id=\"\(errorID)\">"
            + messages.map(htmlText).joined(separator: "<br>") + "</p>"
    }

    private func described(_ path: [PathStep], _ id: String, hint: String? = nil) -> String {
        var ids: [String] = []
        if hint != nil { ids.append(id + "-hint") }
        if assigned[DocumentPath.string(path)] != nil { ids.append(id + "-problem") }
        var attributes = ids.isEmpty ? "" : " aria-describedby=\"\(ids.joined(separator: " "))\""
        if assigned[DocumentPath.string(path)] != nil { attributes += " aria-invalid=\"true\"" }
        if let lang = language(path) { attributes += " lang=\"\(htmlText(lang))\"" }
        if readOnly { attributes += " disabled" }
        return attributes
    }

    private mutating func field(_ value: JSONValue, _ path: [PathStep]) -> String {
        let name = DocumentPath.string(path)
        let member: String? = if case .member(let m)? = path.last { m } else { nil }
        switch value {
        case .object:
            return "<fieldset><legend>\(htmlText(label(path)))</legend>" + problemsHTML(path, id: nil)
                + children(value, path) + "</fieldset>"
        case .array(let items) where !Self.isPlainList(items):
            return "<fieldset><legend>\(htmlText(label(path)))</legend>" + problemsHTML(path, id: nil)
                + children(value, path) + "</fieldset>"
        case .array(let items):
            let id = nextID()
            let hint = words["listHint"] ?? "One per line."
            let text = items.map { item in
                switch item {
                case .string(let s): s
                default: String(decoding: CanonicalJSON.orderedBytes(item), as: UTF8.self)
                }
            }.joined(separator: "\n")
            return "<label for=\"\(id)\">\(htmlText(label(path)))</label>"
                + "<textarea id=\"\(id)\" name=\"l:\(htmlText(name))\" rows=\"\(max(2, min(items.count + 1, 8)))\""
                + described(path, id, hint: hint) + ">\(htmlText(text))</textarea>"
                + "<p class=\"hint\" id=\"\(id)-hint\">\(htmlText(hint + (member.flatMap { words["hint." + $0] }.map { " " + $0 } ?? "")))</p>"
                + problemsHTML(path, id: id)
        case .bool(let on):
            let id = nextID()
            return "<div class=\"check\"><input type=\"hidden\" name=\"B:\(htmlText(name))\" value=\"\">"
                + "<input type=\"checkbox\" id=\"\(id)\" name=\"b:\(htmlText(name))\" value=\"on\"\(on ? " checked" : "")"
                + described(path, id) + "><label for=\"\(id)\">\(htmlText(label(path)))</label></div>"
                + problemsHTML(path, id: id)
        case .string(let typed) where { if case .number? = original?[path] { true } else { false } }():
            let id = nextID()
            return "<label for=\"\(id)\">\(htmlText(label(path)))</label>"
                + "<input type=\"text\" inputmode=\"numeric\" id=\"\(id)\" name=\"n:\(htmlText(name))\" value=\"\(htmlText(typed))\""
                + described(path, id) + ">" + problemsHTML(path, id: id)
        case .number(_, let integer):
            let id = nextID()
            let text = integer.map(String.init) ?? String(decoding: CanonicalJSON.orderedBytes(value), as: UTF8.self)
            return "<label for=\"\(id)\">\(htmlText(label(path)))</label>"
                + "<input type=\"text\" inputmode=\"numeric\" id=\"\(id)\" name=\"n:\(htmlText(name))\" value=\"\(htmlText(text))\""
                + described(path, id) + ">" + problemsHTML(path, id: id)
        case .string, .null:
            let id = nextID()
            let text = value.stringValue ?? ""
            let optional = value == .null || member.map(PropertyForms.optionalMembers.contains) == true
            let fieldName = (optional ? "z:" : "s:") + name
            if let options = choices(path) {
                let list = options.map { option in
                    "<option value=\"\(htmlText(option))\"\(option == text ? " selected" : "")>\(htmlText(words["choice." + option] ?? option))</option>"
                }.joined()
                return
                    "<label for=\"\(id)\">\(htmlText(label(path)))</label><select id=\"\(id)\" name=\"\(htmlText("c:" + name))\""
                    + described(path, id) + ">\(list)</select>" + problemsHTML(path, id: id)
            }
            let long =
                text.count > 80 || member == "description" || member == "bannerText"
                || member == "preferencesIntro"
                || (path.count >= 2
                    && { if case .member("description") = path[path.count - 2] { true } else { false } }())
            let control =
                long
                ? "<textarea id=\"\(id)\" name=\"\(htmlText(fieldName))\" rows=\"3\"" + described(path, id) + ">"
                    + htmlText(text) + "</textarea>"
                : "<input type=\"text\" id=\"\(id)\" name=\"\(htmlText(fieldName))\" value=\"\(htmlText(text))\""
                    + described(path, id) + ">"
            return "<label for=\"\(id)\">\(htmlText(label(path)))</label>" + control + problemsHTML(path, id: id)
        }
    }

    /// The fields of an object's members or a list's items; a list of objects gets a remove box per item and
    /// one blank item to add.
    private mutating func children(_ value: JSONValue, _ path: [PathStep]) -> String {
        switch value {
        case .object(let members):
            return members.map { field($0.1, path + [.member($0.0)]) }.joined()
        case .array(let items):
            var html = ""
            for (i, item) in items.enumerated() {
                let itemPath = path + [.index(i)]
                html += "<fieldset class=\"item\"><legend>\(htmlText(itemLegend(item, itemPath)))</legend>"
                html += problemsHTML(itemPath, id: nil)
                html += children(item, itemPath)
                if !readOnly {
                    let id = nextID()
                    html +=
                        "<div class=\"check remove\"><input type=\"checkbox\" id=\"\(id)\" name=\"x:"
                        + htmlText(DocumentPath.string(itemPath)) + "\" value=\"on\"><label for=\"\(id)\">"
                        + htmlText(
                            (words["remove"] ?? "Remove {item}").replacingOccurrences(
                                of: "{item}", with: itemLegend(item, itemPath)))
                        + "</label></div>"
                }
                html += "</fieldset>"
            }
            if !readOnly, let blank = blankItem(path) {
                let itemPath = path + [.index(items.count)]
                html += "<fieldset class=\"item new\"><legend>\(htmlText(addLegend(path)))</legend>"
                html += "<input type=\"hidden\" name=\"t:\(htmlText(DocumentPath.string(itemPath)))\" value=\"\">"
                html += children(blank, itemPath)
                html += "</fieldset>"
            }
            return html
        default:
            return field(value, path)
        }
    }

    private func itemLegend(_ item: JSONValue, _ path: [PathStep]) -> String {
        let kind = label(Array(path.dropLast()))
        for name in ["key", "name", "regime"] {
            if let text = item.objectValue?.first(where: { $0.0 == name })?.1.stringValue, !text.isEmpty {
                return "\(kind): \(text)"
            }
        }
        return "\(kind): \(label(path))"
    }

    private func addLegend(_ path: [PathStep]) -> String {
        (words["add"] ?? "Add to {list}").replacingOccurrences(of: "{list}", with: label(path))
    }

    /// What a new item of a list of objects starts as, for the lists one adds to.
    private func blankItem(_ path: [PathStep]) -> JSONValue? {
        let texts = JSONValue.object(languages.map { ($0, .string("")) })
        guard case .member(let name)? = path.last else { return nil }
        switch name {
        case "categories":
            return .object([
                ("key", .string("")), ("title", texts), ("description", texts), ("required", .bool(false)),
                ("defaults", .object([("opt-in", .bool(false)), ("opt-out", .bool(true)), ("notice", .bool(true))])),
                ("purposes", .array([])),
            ])
        case "cookies":
            return .object([
                ("name", .string("")), ("prefix", .bool(false)), ("host", .null), ("duration", .string("")),
                ("party", .string("first")), ("description", texts),
            ])
        case "rules":
            return .object([("regime", .string("opt-in")), ("regions", .array([])), ("rejectAll", .bool(true))])
        default:
            return nil
        }
    }

    /// The values a member may take, for the members that are a choice.
    private func choices(_ path: [PathStep]) -> [String]? {
        guard case .member(let name)? = path.last else { return nil }
        switch name {
        case "regime": return Regime.allCases.map(\.rawValue)
        case "default" where path.count == 2: return Regime.allCases.map(\.rawValue)
        case "party": return ["first", "third"]
        default: return nil
        }
    }
}

/// Text for HTML, in content and in attribute values.
func htmlText(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}
