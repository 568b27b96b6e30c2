import AssentCore
import Foundation

/// Every text a person reads, one catalogue file per language (`Resources/texts/<lang>.json`), loaded once. A
/// catalogue is an object of sections (`console`, …), each a flat object of keys and texts. Templates insert them
/// as text, escaped, never as HTML. A key missing in a language falls back to English; the catalogue test keeps
/// every language's keys equal.
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

    /// The section names of a language's file.
    func sections(_ lang: String) -> Set<String> { Set(catalogues[lang]?.keys ?? [:].keys) }

    /// The keys of one section of a language's file, for the test that no catalogue misses one.
    func keys(_ section: String, _ lang: String) -> Set<String> {
        Set(catalogues[lang]?[section]?.keys ?? [:].keys)
    }
}

/// The console's words: the `console` section of the catalogue.
struct ConsoleTexts: Sendable {
    static let languages = TextCatalogue.languages
    static let defaultLanguage = TextCatalogue.defaultLanguage

    let catalogue: TextCatalogue

    init(catalogue: TextCatalogue? = nil) throws {
        self.catalogue = try catalogue ?? TextCatalogue()
    }

    func texts(_ lang: String) -> [String: String] { catalogue.texts("console", lang) }

    func keys(_ lang: String) -> Set<String> { catalogue.keys("console", lang) }

    /// The language for a request: `?lang=`, then the console's language cookie, then `Accept-Language`.
    static func language(query: String?, cookie: String?, acceptLanguage: String) -> String {
        for candidate in [query, cookie].compactMap({ $0 }) where languages.contains(candidate) { return candidate }
        return AcceptLanguage.best(acceptLanguage, among: languages) ?? defaultLanguage
    }
}
