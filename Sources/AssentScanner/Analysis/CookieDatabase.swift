import Foundation

/// The Open Cookie Database (github.com/jkwakman/Open-Cookie-Database, Apache-2.0): what a known cookie or
/// storage key is for, who sets it and how long it lives. The project ships a copy as a resource, with its
/// licence and notice beside it.
public struct CookieDatabase: Sendable {
    /// The database's own categories. Its "Functional" means technically or strictly necessary.
    public enum Category: String, Sendable, CaseIterable {
        case functional = "Functional"
        case security = "Security"
        case necessary = "Necessary"
        case personalization = "Personalization"
        case analytics = "Analytics"
        case marketing = "Marketing"
    }

    public struct Entry: Sendable, Equatable {
        public var id: String
        public var platform: String
        public var category: Category
        /// The name, or with `wildcard` the prefix, as the database writes it.
        public var name: String
        /// The domains the database gives, lower case without a leading dot or "(3rd party)"; empty: any.
        public var domains: [String]
        public var description: String
        public var retention: String
        public var controller: String
        public var privacyURL: String
        public var wildcard: Bool
    }

    public enum LoadError: Error, CustomStringConvertible {
        case missingResource
        case malformed(String)

        public var description: String {
            switch self {
            case .missingResource: "the Open Cookie Database resource is missing from the AssentScanner bundle"
            case .malformed(let why): "the Open Cookie Database cannot be read: \(why)"
            }
        }
    }

    public let entries: [Entry]
    private let exact: [String: [Int]]
    /// Wildcard entries, longest prefix first.
    private let prefixes: [Int]
    /// Domain → the database categories of every entry recorded for it.
    private let domainCategories: [String: [Category]]

    public init(entries: [Entry]) {
        self.entries = entries
        var exact: [String: [Int]] = [:]
        var prefixes: [Int] = []
        var domains: [String: [Category]] = [:]
        for (i, e) in entries.enumerated() {
            if e.wildcard { prefixes.append(i) } else { exact[e.name, default: []].append(i) }
            for d in e.domains { domains[d, default: []].append(e.category) }
        }
        self.exact = exact
        self.prefixes = prefixes.sorted {
            entries[$0].name.count > entries[$1].name.count
                || (entries[$0].name.count == entries[$1].name.count && $0 < $1)
        }
        self.domainCategories = domains
    }

    /// The copy shipped in this module's resources.
    public static func bundled() throws -> CookieDatabase {
        guard
            let url = Bundle.module.url(
                forResource: "open-cookie-database", withExtension: "csv",
                subdirectory: "Resources/open-cookie-database")
        else { throw LoadError.missingResource }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw LoadError.malformed("\(error)")
        }
        return try CookieDatabase(csv: text)
    }

    /// Reads the database's CSV: a header naming the columns, then one entry per record.
    public init(csv text: String) throws {
        let records: [[String]]
        do {
            records = try CSVReader.records(text)
        } catch {
            throw LoadError.malformed(error.description)
        }
        guard let header = records.first else { throw LoadError.malformed("empty file") }
        func column(_ name: String) throws -> Int {
            guard let i = header.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == name }) else {
                throw LoadError.malformed("no column \"\(name)\"")
            }
            return i
        }
        let id = try column("ID")
        let platform = try column("Platform")
        let category = try column("Category")
        let name = try column("Cookie / Data Key name")
        let domain = try column("Domain")
        let description = try column("Description")
        let retention = try column("Retention period")
        let controller = try column("Data Controller")
        let portal = try column("User Privacy & GDPR Rights Portals")
        let wildcard = try column("Wildcard match")
        var entries: [Entry] = []
        for (n, record) in records.dropFirst().enumerated() {
            if record.count == 1 && record[0].isEmpty { continue }
            guard record.count == header.count else {
                throw LoadError.malformed("record \(n + 1) has \(record.count) fields, the header \(header.count)")
            }
            guard let cat = Category(rawValue: record[category].trimmingCharacters(in: .whitespaces)) else {
                throw LoadError.malformed("record \(n + 1) has an unknown category \"\(record[category])\"")
            }
            let cookieName = record[name].trimmingCharacters(in: .whitespaces)
            guard !cookieName.isEmpty else { continue }
            entries.append(
                Entry(
                    id: record[id], platform: record[platform].trimmingCharacters(in: .whitespaces), category: cat,
                    name: cookieName, domains: Self.domains(record[domain]),
                    description: record[description].trimmingCharacters(in: .whitespacesAndNewlines),
                    retention: record[retention].trimmingCharacters(in: .whitespaces),
                    controller: record[controller].trimmingCharacters(in: .whitespaces),
                    privacyURL: record[portal].trimmingCharacters(in: .whitespaces),
                    wildcard: record[wildcard].trimmingCharacters(in: .whitespaces) == "1"))
        }
        self.init(entries: entries)
    }

    /// The domains in a Domain cell, which the database writes loosely: ".bing.com (3rd party) or
    /// .microsoft.com (3rd party)", "cookiebot.com (3rd party)", ".amplitude.com.". Words without a dot, and
    /// placeholders such as "ads-[account].adhese.com", are left out.
    static func domains(_ cell: String) -> [String] {
        var result: [String] = []
        for word in cell.lowercased().split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" }) {
            var d = Substring(word)
            d = d.drop { $0 == "." }
            while d.last == "." || d.last == "\u{200B}" { d = d.dropLast() }
            d = Substring(d.filter { $0 != "\u{200B}" })
            guard d.contains("."), d.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else {
                continue
            }
            if !result.contains(String(d)) { result.append(String(d)) }
        }
        return result
    }

    /// The entry for a cookie or storage key: exact names first, then the longest wildcard prefix.
    ///
    /// The domain column decides where it is given. `host` is where the cookie lives (its domain, or the
    /// storage key's origin host); an entry with domains matches only a host within one of them. One exception,
    /// for exact names only: a `firstParty` cookie (on the page's own site) may take an entry recorded under a
    /// vendor's domain when no better entry exists, because the database records under the vendor's domain
    /// the cookies that vendor's script sets on the publisher's site (`_fbp` under facebook.com, Shopify's
    /// under shopify.com). Among several entries of one name: a matching domain first, then no domain, then
    /// that exception; ties go to the earlier entry of the file.
    public func match(name: String, host: String?, firstParty: Bool = false) -> Entry? {
        let host = host.map(Self.normalizedHost)
        func rank(_ e: Entry, allowOther: Bool) -> Int? {
            if e.domains.isEmpty { return 1 }
            if let host, e.domains.contains(where: { Self.host(host, isWithin: $0) }) { return 0 }
            return allowOther ? 2 : nil
        }
        if let candidates = exact[name] {
            let ranked = candidates.compactMap { i in
                rank(entries[i], allowOther: firstParty || host == nil).map { ($0, i) }
            }
            if let best = ranked.min(by: { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }) { return entries[best.1] }
        }
        var best: (rank: Int, length: Int, index: Int)?
        for i in prefixes {
            let e = entries[i]
            if let b = best, e.name.count < b.length { break }
            guard name.hasPrefix(e.name), let r = rank(e, allowOther: false) else { continue }
            if best == nil || r < best!.rank { best = (r, e.name.count, i) }
        }
        return best.map { entries[$0.index] }
    }

    /// The database categories of the entries recorded for `host` or a domain it is within; empty when none.
    public func categories(forHost host: String) -> [Category] {
        var labels = Self.normalizedHost(host).split(separator: ".")
        var found: [Category] = []
        while labels.count >= 2 {
            found += domainCategories[labels.joined(separator: ".")] ?? []
            labels.removeFirst()
        }
        return found
    }

    static func normalizedHost(_ host: String) -> String {
        var h = host.lowercased()
        while h.hasPrefix(".") { h.removeFirst() }
        return h
    }

    /// `host` is `domain` or one of its subdomains.
    static func host(_ host: String, isWithin domain: String) -> Bool {
        host == domain || host.hasSuffix("." + domain)
    }
}
