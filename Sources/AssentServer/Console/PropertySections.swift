import AssentCore
import Foundation

/// The parts of a property document the console edits one at a time, each its own form posting the whole part
/// and the revision it was read at. Which members a part covers, how it is drawn, and how a posted part goes back
/// into the document.
enum PropertySection: String, CaseIterable, Sendable {
    case general, languages, regimes, categories, cookies, texts, links, signals, identity, document

    /// The members this part replaces when saved.
    func roots(_ document: JSONValue) -> [[PathStep]] {
        switch self {
        case .general: [[.member("name")], [.member("origins")], [.member("cookieDomain")], [.member("expiry")]]
        case .languages: [[.member("languages")]]
        case .regimes: [[.member("regimes")]]
        case .categories: [[.member("categories")]]
        case .cookies:
            (0..<(document[[PathStep.member("categories")]]?.arrayValue?.count ?? 0)).map {
                [.member("categories"), .index($0), .member("cookies")]
            }
        case .texts:
            (document[[PathStep.member("texts")]]?.objectValue ?? []).map { [.member("texts"), .member($0.0)] }
        case .links: [[.member("links")]]
        case .signals: [[.member("signals")]]
        case .identity: document[[PathStep.member("identity")]] == nil ? [] : [[.member("identity")]]
        case .document: []
        }
    }

    /// The document as this part's form shows it: the categories part leaves the cookie lists to their own part.
    func shown(_ document: JSONValue) -> JSONValue {
        guard self == .categories, let categories = document[[PathStep.member("categories")]]?.arrayValue else {
            return document
        }
        var shown = document
        shown.set(
            .array(categories.map { .object(($0.objectValue ?? []).filter { $0.0 != "cookies" }) }),
            at: [PathStep.member("categories")][...])
        return shown
    }

    /// The document with this part's posted fields in place of its members.
    func apply(_ fields: [String: String], to document: JSONValue) -> JSONValue {
        var updated = PropertyForms.apply(fields, roots: roots(document), to: shown(document))
        switch self {
        case .categories:
            // Each category keeps its cookie list, found by its key; a new one starts with none.
            let before = document[[PathStep.member("categories")]]?.arrayValue ?? []
            let categories = (updated[[PathStep.member("categories")]]?.arrayValue ?? []).map { category in
                let key = category.objectValue?.first { $0.0 == "key" }?.1
                let cookies =
                    before.first { $0.objectValue?.first { $0.0 == "key" }?.1 == key }?
                    .objectValue?.first { $0.0 == "cookies" }?.1 ?? .array([])
                return JSONValue.object((category.objectValue ?? []) + [("cookies", cookies)])
            }
            updated.set(.array(categories), at: [PathStep.member("categories")][...])
        case .languages:
            updated = Self.textsFollowLanguages(updated)
        default:
            break
        }
        return updated
    }

    /// After the languages change: every text of an added language starts as the first language's (a document
    /// with an empty text is refused; the completeness marker counts a copied text as not written yet), and the
    /// texts of a removed one go.
    static func textsFollowLanguages(_ document: JSONValue) -> JSONValue {
        let languages = (document[[PathStep.member("languages")]]?.arrayValue ?? []).compactMap(\.stringValue)
        let fallback = languages.first ?? "en"
        func localized(_ value: JSONValue?) -> JSONValue {
            let members = value?.objectValue ?? []
            let copied = members.first { $0.0 == fallback }?.1 ?? members.first?.1 ?? .string("")
            return .object(languages.map { lang in (lang, members.first { $0.0 == lang }?.1 ?? copied) })
        }
        var document = document
        if case .object(let texts)? = document[[PathStep.member("texts")]] {
            let copied =
                texts.first { $0.0 == fallback }?.1 ?? texts.first?.1
                ?? .object(TextKey.allCases.map { ($0.rawValue, .string("")) })
            document.set(
                .object(languages.map { lang in (lang, texts.first { $0.0 == lang }?.1 ?? copied) }),
                at: [PathStep.member("texts")][...])
        }
        for (i, category) in (document[[PathStep.member("categories")]]?.arrayValue ?? []).enumerated() {
            let path: [PathStep] = [.member("categories"), .index(i)]
            for member in ["title", "description"] {
                document.set(localized(category[[PathStep.member(member)]]), at: (path + [.member(member)])[...])
            }
            for (j, cookie) in (category[[PathStep.member("cookies")]]?.arrayValue ?? []).enumerated() {
                document.set(
                    localized(cookie[[PathStep.member("description")]]),
                    at: (path + [.member("cookies"), .index(j), .member("description")])[...])
            }
        }
        return document
    }
}

/// How much of a property is written in one language: the widget's texts, and the titles and descriptions of the
/// categories and cookies, that are not empty and, in a language other than the first, not the first language's
/// text copied (as a language added in the console starts).
struct TextCompleteness: Sendable {
    let language: String
    let written: Int
    let total: Int

    var complete: Bool { written == total }

    static func of(_ property: Property) -> [TextCompleteness] {
        let first = property.defaultLanguage
        return property.languages.map { lang in
            // Pairs of (this language's text, the first language's).
            var texts = TextKey.allCases.map {
                (property.texts[lang]?[$0.rawValue], property.texts[first]?[$0.rawValue])
            }
            for category in property.categories {
                texts += [
                    (category.title[lang], category.title[first]),
                    (category.description[lang], category.description[first]),
                ]
                texts += category.cookies.map { ($0.description[lang], $0.description[first]) }
            }
            let written = texts.filter { text, original in
                let text = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                return !text.isEmpty && (lang == first || text != original)
            }.count
            return TextCompleteness(language: lang, written: written, total: texts.count)
        }
    }
}
