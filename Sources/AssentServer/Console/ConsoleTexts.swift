import AssentCore
import Foundation

/// The console's words, one catalogue file per language (`Resources/console/texts/<lang>.json`, a flat object of
/// keys and texts), loaded once. The templates insert them as text, escaped, never as HTML.
struct ConsoleTexts: Sendable {
    static let languages = ["en", "es"]
    static let defaultLanguage = "en"

    private let catalogues: [String: [String: String]]

    init() throws {
        var catalogues: [String: [String: String]] = [:]
        for lang in Self.languages {
            let path = "console/texts/\(lang).json"
            guard case .object(let members) = try JSONParser.parse(try Resources.bytes(path)) else {
                throw DataDirectoryError("\(path) is not a JSON object")
            }
            var texts: [String: String] = [:]
            for (key, value) in members {
                guard case .string(let text) = value else { throw DataDirectoryError("\(path): \(key) is not text") }
                texts[key] = text
            }
            catalogues[lang] = texts
        }
        self.catalogues = catalogues
    }

    /// Every text of a language; keys missing there fall back to English.
    func texts(_ lang: String) -> [String: String] {
        let english = catalogues[Self.defaultLanguage] ?? [:]
        guard lang != Self.defaultLanguage, let own = catalogues[lang] else { return english }
        return english.merging(own) { _, new in new }
    }

    /// The keys of each language's file, for the test that no catalogue misses one.
    func keys(_ lang: String) -> Set<String> { Set(catalogues[lang]?.keys ?? [:].keys) }

    /// The language for a request: `?lang=`, then the console's language cookie, then `Accept-Language`.
    static func language(query: String?, cookie: String?, acceptLanguage: String) -> String {
        for candidate in [query, cookie].compactMap({ $0 }) where languages.contains(candidate) { return candidate }
        return AcceptLanguage.best(acceptLanguage, among: languages) ?? defaultLanguage
    }
}
