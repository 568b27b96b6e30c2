import AssentCore
import Foundation

/// Every text a person reads, one catalogue file per language (`Resources/texts/<lang>.json`), loaded once at
/// start (`buildApplication`) and handed to the pages, the mails and the console. A catalogue is an object of
/// sections, each a flat object of keys and texts:
/// - `requests`: one name per request type (`type.<type>`) and status (`status.<status>`), shared by the privacy
///   pages, the requester's mails and the console;
/// - `privacy`: the requester's pages and the errors they show (`error.…`);
/// - `mail`: the requester's mails;
/// - `console`: the console.
///
/// Templates insert texts as text, escaped, never as HTML. `{name}` in a text is a value filled in by `fill`. A key
/// missing in a language falls back to English; `ConsoleRouteTests.everyLanguageHasEveryText` keeps every
/// language's keys equal.
struct TextCatalogue: Sendable {
    static let languages = ["en", "es"]
    static let defaultLanguage = "en"

    /// language → section → key → text
    private let catalogues: [String: [String: [String: String]]]

    init() throws {
        var catalogues: [String: [String: [String: String]]] = [:]
        for lang in Self.languages {
            let path = "texts/\(lang).json"
            guard case .object(let sections) = try JSONParser.parse(try Resources.bytes(path)) else {
                throw DataDirectoryError("\(path) is not a JSON object")
            }
            var language: [String: [String: String]] = [:]
            for (section, value) in sections {
                guard case .object(let members) = value else {
                    throw DataDirectoryError("\(path): \(section) is not an object of texts")
                }
                var texts: [String: String] = [:]
                for (key, value) in members {
                    guard case .string(let text) = value else {
                        throw DataDirectoryError("\(path): \(section).\(key) is not text")
                    }
                    texts[key] = text
                }
                language[section] = texts
            }
            catalogues[lang] = language
        }
        self.catalogues = catalogues
    }

    /// Every text of one section in a language; keys missing there fall back to English.
    func texts(_ section: String, _ lang: String) -> [String: String] {
        let english = catalogues[Self.defaultLanguage]?[section] ?? [:]
        guard lang != Self.defaultLanguage, let own = catalogues[lang]?[section] else { return english }
        return english.merging(own) { _, new in new }
    }

    /// One text, in English when the language lacks it; the key itself when no language has it (the catalogue
    /// tests keep that from happening).
    func text(_ section: String, _ key: String, _ lang: String) -> String {
        catalogues[lang]?[section]?[key] ?? catalogues[Self.defaultLanguage]?[section]?[key] ?? key
    }

    /// A request type's one name, on pages and in mails alike.
    func name(of type: RequestType, _ lang: String) -> String { text("requests", "type." + type.rawValue, lang) }

    /// A request status's one name.
    func name(of status: RequestStatus, _ lang: String) -> String {
        text("requests", "status." + status.rawValue, lang)
    }

    /// The section names of a language's file.
    func sections(_ lang: String) -> Set<String> { Set(catalogues[lang]?.keys ?? [:].keys) }

    /// The keys of one section of a language's file, for the test that no catalogue misses one.
    func keys(_ section: String, _ lang: String) -> Set<String> {
        Set(catalogues[lang]?[section]?.keys ?? [:].keys)
    }

    /// `text` with each `{name}` replaced by `values[name]`, in one pass: a value that itself contains `{…}` (a
    /// reason a person typed) is inserted as it is. A `{name}` without a value stays.
    static func fill(_ text: String, _ values: [String: String]) -> String {
        var result = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                result += value
                rest = after[after.index(after: close)...]
            } else {
                result += "{"
                rest = after
            }
        }
        return result + rest
    }
}
