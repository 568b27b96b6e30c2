import AssentCore
import Foundation

/// The console's words: the `console` section of the catalogue.
struct ConsoleTexts: Sendable {
    static let languages = TextCatalogue.languages
    static let defaultLanguage = TextCatalogue.defaultLanguage

    let catalogue: TextCatalogue

    init(catalogue: TextCatalogue) {
        self.catalogue = catalogue
    }

    func texts(_ lang: String) -> [String: String] { catalogue.texts("console", lang) }

    func keys(_ lang: String) -> Set<String> { catalogue.keys("console", lang) }

    /// The language for a request: `?lang=`, then the console's language cookie, then `Accept-Language`.
    static func language(query: String?, cookie: String?, acceptLanguage: String) -> String {
        for candidate in [query, cookie].compactMap({ $0 }) where languages.contains(candidate) { return candidate }
        return AcceptLanguage.best(acceptLanguage, among: languages) ?? defaultLanguage
    }
}
