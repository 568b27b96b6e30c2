import AssentCore
import Foundation

/// The cookie list a scan proposes for the property, from everything its visits saw (cookies and storage keys),
/// and how it differs from the list the property has.
public struct CookieListProposal: Sendable, Equatable {
    public enum ItemKind: String, Sendable {
        case cookie
        case storage
    }

    public struct Entry: Sendable, Equatable {
        public var kind: ItemKind
        /// The name, or with `prefix` the start of the names it stands for (from the list or database entry
        /// that matched).
        public var name: String
        public var prefix: Bool
        /// The cookie's domain without a leading dot, or the storage key's origin host.
        public var domain: String
        public var party: CookieParty
        /// A category key of the property; nil: unclassified.
        public var category: String?
        public var source: ClassificationSource
        public var description: String?
        /// From the list or the database; else what the longest observed expiry comes to ("session", "30 days").
        public var retention: String
        /// Every page it was seen on, in scan order.
        public var pages: [String]
        /// The names seen that this entry stands for (several for a prefix).
        public var observedNames: [String]

        public init(
            kind: ItemKind, name: String, prefix: Bool, domain: String, party: CookieParty, category: String?,
            source: ClassificationSource, description: String?, retention: String, pages: [String],
            observedNames: [String]
        ) {
            self.kind = kind
            self.name = name
            self.prefix = prefix
            self.domain = domain
            self.party = party
            self.category = category
            self.source = source
            self.description = description
            self.retention = retention
            self.pages = pages
            self.observedNames = observedNames
        }

        var label: String { prefix ? "\(name)*" : name }
    }

    /// A configured entry the scan never saw.
    public struct Configured: Sendable, Equatable {
        public var category: String
        public var name: String
        public var prefix: Bool
        public var host: String?

        public init(category: String, name: String, prefix: Bool, host: String?) {
            self.category = category
            self.name = name
            self.prefix = prefix
            self.host = host
        }
    }

    /// A listed cookie that the database puts in another category.
    public struct Recategorised: Sendable, Equatable {
        public var name: String
        public var prefix: Bool
        public var configured: String
        public var database: String
        public var platform: String?

        public init(name: String, prefix: Bool, configured: String, database: String, platform: String?) {
            self.name = name
            self.prefix = prefix
            self.configured = configured
            self.database = database
            self.platform = platform
        }
    }

    public var entries: [Entry]
    /// Seen but not in the property's list.
    public var new: [Entry]
    /// In the property's list but not seen.
    public var noLongerSeen: [Configured]
    /// In the property's list in one category, in the database in another.
    public var categorisedDifferently: [Recategorised]

    public init(entries: [Entry], new: [Entry], noLongerSeen: [Configured], categorisedDifferently: [Recategorised]) {
        self.entries = entries
        self.new = new
        self.noLongerSeen = noLongerSeen
        self.categorisedDifferently = categorisedDifferently
    }

    /// Builds the proposal from a scan's visits (failed ones included: what they saw was seen). `observedAt` is
    /// when the scan ended (seconds since 1970), against which cookie expiries become lifetimes.
    public init(visits: [VisitRecord], property: Property, classifier: Classifier, observedAt: Double) {
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        var longest: [Int: Double] = [:]
        func add(
            kind: ItemKind, name: String, domain: String, thirdParty: Bool, page: String, expires: Double?,
            session: Bool, classification c: Classification
        ) {
            let listedPrefix = c.source == .property ? classifier.listed(name: name, host: domain)?.1 : nil
            let dbEntry =
                c.source == .openCookieDatabase
                ? classifier.database.match(name: name, host: domain, firstParty: !thirdParty) : nil
            let (entryName, prefix): (String, Bool) =
                if let listedPrefix, listedPrefix.prefix {
                    (listedPrefix.name, true)
                } else if let dbEntry,
                    dbEntry.wildcard
                { (dbEntry.name, true) } else { (name, false) }
            let key = "\(kind.rawValue)\u{0}\(prefix ? "p" : "n")\u{0}\(entryName)\u{0}\(domain)"
            let i: Int
            if let existing = index[key] {
                i = existing
            } else {
                i = entries.count
                index[key] = i
                entries.append(
                    Entry(
                        kind: kind, name: entryName, prefix: prefix, domain: domain,
                        party: thirdParty ? .third : .first,
                        category: c.category, source: c.source, description: c.description,
                        retention: c.retention ?? "", pages: [], observedNames: []))
            }
            if !entries[i].pages.contains(page) { entries[i].pages.append(page) }
            if !entries[i].observedNames.contains(name) { entries[i].observedNames.append(name) }
            if let expires {
                longest[i] = max(longest[i] ?? 0, expires - observedAt)
            } else if session, longest[i] == nil {
                longest[i] = 0
            }
        }
        for visit in visits {
            // Assent's own caches and form cookie are its business, not the publisher's list; the decision cookie
            // is listed (the standard necessary category's `assent_` entry), so it stays.
            for cookie in visit.cookiesBeforeClick + visit.cookies where cookie.name != "assent_csrf" {
                add(
                    kind: .cookie, name: cookie.name, domain: CookieDatabase.normalizedHost(cookie.domain),
                    thirdParty: cookie.thirdParty, page: visit.pageURL, expires: cookie.expires, session: true,
                    classification: classifier.classify(cookie))
            }
            for key in visit.storage where !Violations.isAssent(storageKey: key.key, property: property) {
                add(
                    kind: .storage, name: key.key,
                    domain: URLComponents(string: key.origin)?.host?.lowercased() ?? key.origin,
                    thirdParty: key.thirdParty, page: visit.pageURL, expires: nil,
                    session: key.area == .session, classification: classifier.classify(key))
            }
        }
        for i in entries.indices where entries[i].retention.isEmpty {
            entries[i].retention =
                entries[i].kind == .storage
                ? (longest[i] == 0 ? "session" : "persistent") : Self.retention(seconds: longest[i] ?? 0)
        }

        var seenConfigured: Set<String> = []
        var recategorised: [Recategorised] = []
        for entry in entries where entry.source == .property {
            for name in entry.observedNames {
                if let (category, info) = classifier.listed(name: name, host: entry.domain) {
                    seenConfigured.insert("\(category.key)\u{0}\(info.name)\u{0}\(info.prefix)\u{0}\(info.host ?? "")")
                }
            }
            let db = classifier.database.match(
                name: entry.observedNames.first ?? entry.name, host: entry.domain,
                firstParty: entry.party == .first)
            if let db, let configured = entry.category,
                let dbKey = classifier.categoryKey(for: db.category, platform: db.platform), dbKey != configured,
                !recategorised.contains(where: { $0.name == entry.name && $0.prefix == entry.prefix })
            {
                recategorised.append(
                    Recategorised(
                        name: entry.name, prefix: entry.prefix, configured: configured, database: dbKey,
                        platform: db.platform))
            }
        }
        var noLongerSeen: [Configured] = []
        for category in property.categories {
            for info in category.cookies
            where !seenConfigured.contains("\(category.key)\u{0}\(info.name)\u{0}\(info.prefix)\u{0}\(info.host ?? "")")
            {
                noLongerSeen.append(
                    Configured(category: category.key, name: info.name, prefix: info.prefix, host: info.host))
            }
        }
        self.init(
            entries: entries, new: entries.filter { $0.source != .property }, noLongerSeen: noLongerSeen,
            categorisedDifferently: recategorised)
    }

    /// "session", "N minutes/hours/days", "N months" for what an expiry comes to.
    static func retention(seconds: Double) -> String {
        if seconds <= 0 { return "session" }
        let days = seconds / 86_400
        if days < 1 / 24 { return "\(max(1, Int((seconds / 60).rounded()))) minutes" }
        if days < 1 { return "\(Int((seconds / 3600).rounded())) hours" }
        if days < 62 { return "\(Int(days.rounded())) days" }
        return "\(Int((days / 30.5).rounded())) months"
    }

    /// The property with the new, classified entries added to their categories' lists; what to save as its next
    /// revision. Entries the scan did not see stay (a scan may miss a page, and the widget deletes only what is
    /// listed), a listed entry keeps the category the publisher chose, and unclassified entries are left out
    /// (they need a person to decide). A new entry's description is the database's (in English) in every
    /// declared language, or a placeholder saying it is to be described, for the publisher to translate.
    public func applied(to property: Property) -> Property {
        var result = property
        for entry in new {
            guard let key = entry.category, let i = result.categories.firstIndex(where: { $0.key == key }) else {
                continue
            }
            let duplicate = result.categories.contains { c in
                c.cookies.contains {
                    $0.name == entry.name && $0.prefix == entry.prefix
                        && (entry.party == .first || $0.host == entry.domain)
                }
            }
            if duplicate { continue }
            let text = entry.description ?? "Seen by the Assent scanner; to be described."
            var description: LocalizedText = [:]
            for lang in result.languages { description[lang] = text }
            result.categories[i].cookies.append(
                CookieInfo(
                    name: entry.name, prefix: entry.prefix, host: entry.party == .third ? entry.domain : nil,
                    duration: entry.retention, party: entry.party, description: description))
        }
        return result
    }
}
