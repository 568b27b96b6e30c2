import AssentCore
import Foundation

/// Where a classification came from.
public enum ClassificationSource: String, Sendable {
    /// The property's own cookie list.
    case property
    case openCookieDatabase = "open-cookie-database"
    /// EasyPrivacy (hosts only).
    case easyPrivacy = "easyprivacy"
    /// Nothing knew it: unclassified.
    case none
}

/// What a cookie, storage key or host is, in the property's terms.
public struct Classification: Sendable, Equatable {
    /// A category key of the property; nil: unclassified (no source knew it, or the property has no category for
    /// what the source says it is).
    public var category: String?
    public var source: ClassificationSource
    /// Used to follow or profile visitors (analytics, advertising, social), by what the source says.
    public var tracker: Bool
    public var description: String?
    public var retention: String?
    /// The vendor or product the source names ("Google Analytics").
    public var platform: String?

    public init(
        category: String?, source: ClassificationSource, tracker: Bool = false, description: String? = nil,
        retention: String? = nil, platform: String? = nil
    ) {
        self.category = category
        self.source = source
        self.tracker = tracker
        self.description = description
        self.retention = retention
        self.platform = platform
    }

    public static let unclassified = Classification(category: nil, source: .none)
}

/// Classifies what a scan observed: the property's own list first (exact names before prefixes, entries with a
/// host only for that host), then the Open Cookie Database mapped to the property's categories, then, for hosts
/// only, EasyPrivacy; else unclassified.
public struct Classifier: Sendable {
    public let property: Property
    public let database: CookieDatabase
    public let trackerHosts: TrackerHosts?

    public init(property: Property, database: CookieDatabase, trackerHosts: TrackerHosts? = nil) {
        self.property = property
        self.database = database
        self.trackerHosts = trackerHosts
    }

    public func classify(_ cookie: ObservedCookie) -> Classification {
        classify(name: cookie.name, host: cookie.domain, firstParty: !cookie.thirdParty)
    }

    public func classify(_ key: ObservedStorageKey) -> Classification {
        classify(name: key.key, host: URLComponents(string: key.origin)?.host, firstParty: !key.thirdParty)
    }

    /// A cookie or storage key by name and the host it lives on.
    public func classify(name: String, host: String?, firstParty: Bool) -> Classification {
        if let (category, info) = listed(name: name, host: host) {
            return Classification(
                category: category.key, source: .property, tracker: !category.required,
                description: info.description[property.defaultLanguage] ?? info.description.values.first,
                retention: info.duration)
        }
        if let entry = database.match(name: name, host: host, firstParty: firstParty) {
            return Classification(
                category: categoryKey(for: entry.category, platform: entry.platform), source: .openCookieDatabase,
                tracker: Self.isTracking(entry.category),
                description: entry.description.isEmpty ? nil : entry.description,
                retention: entry.retention.isEmpty ? nil : entry.retention, platform: entry.platform)
        }
        return .unclassified
    }

    /// A host requests went to: a host named in the property's list; a host (or a domain it is in) for which
    /// most of the database's entries are analytics or marketing (the majority, so that doubleclick.net's one
    /// `test_cookie` does not hide its advertising); a host EasyPrivacy lists; else unclassified.
    public func classify(host: String) -> Classification {
        let host = CookieDatabase.normalizedHost(host)
        for category in property.categories {
            for info in category.cookies {
                guard let listed = info.host else { continue }
                if CookieDatabase.host(host, isWithin: CookieDatabase.normalizedHost(listed)) {
                    return Classification(category: category.key, source: .property, tracker: !category.required)
                }
            }
        }
        let recorded = database.categories(forHost: host)
        let tracking = recorded.filter(Self.isTracking)
        if !tracking.isEmpty && tracking.count * 2 > recorded.count {
            let dbCategory: CookieDatabase.Category = recorded.contains(.marketing) ? .marketing : .analytics
            return Classification(
                category: categoryKey(for: dbCategory, platform: ""), source: .openCookieDatabase, tracker: true)
        }
        if let trackerHosts, trackerHosts.listed(host) != nil {
            return Classification(
                category: categoryKey(for: .analytics, platform: "") ?? categoryKey(for: .marketing, platform: ""),
                source: .easyPrivacy, tracker: true)
        }
        return .unclassified
    }

    /// The property's list entry for a name: exact names before prefixes (the longest first), and an entry
    /// naming a host before one that does not.
    func listed(name: String, host: String?) -> (AssentCore.Category, CookieInfo)? {
        let host = host.map(CookieDatabase.normalizedHost)
        var best: (score: Int, category: AssentCore.Category, info: CookieInfo)?
        for category in property.categories {
            for info in category.cookies {
                let matches = info.prefix ? name.hasPrefix(info.name) : name == info.name
                guard matches else { continue }
                if let listedHost = info.host {
                    guard let host, CookieDatabase.host(host, isWithin: CookieDatabase.normalizedHost(listedHost))
                    else { continue }
                }
                let score = (info.prefix ? 0 : 1_000_000) + (info.host == nil ? 0 : 100_000) + info.name.count
                if best == nil || score > best!.score { best = (score, category, info) }
            }
        }
        return best.map { ($0.category, $0.info) }
    }

    static func isTracking(_ category: CookieDatabase.Category) -> Bool {
        category == .analytics || category == .marketing
    }

    /// Platforms whose marketing cookies are social media's (share buttons, embedded posts, their pixels), so
    /// they go to the property's social category where it has one.
    public static let socialPlatforms: Set<String> = [
        "facebook", "instagram", "linkedin", "pinterest", "reddit", "snapchat", "tiktok", "x", "twitter", "youtube",
        "sharethis", "addthis", "disqus", "whatsapp", "tumblr", "vk", "vkontakte", "threads", "bluesky", "mastodon",
    ]

    /// The property category for a database category, by the database's own definitions: its Functional,
    /// Security and Necessary are technically necessary (the property's required category); Personalization is
    /// functional; Analytics is performance; Marketing is targeting, or social for a social platform. Each
    /// looks for the standard key first, then for a category carrying the purposes that key stands for.
    public func categoryKey(for category: CookieDatabase.Category, platform: String) -> String? {
        switch category {
        case .functional, .security, .necessary:
            return property.category("necessary")?.required == true
                ? "necessary" : property.categories.first(where: \.required)?.key
        case .personalization:
            return optional("functional", purposes: [.personalization, .functional])
        case .analytics:
            return optional("performance", purposes: [.analytics])
        case .marketing:
            if Self.socialPlatforms.contains(platform.lowercased()),
                let social = optional("social", purposes: [.social])
            {
                return social
            }
            return optional("targeting", purposes: [.targetedAdvertising])
                ?? optional("sale", purposes: [.sharing, .sale])
        }
    }

    private func optional(_ key: String, purposes: [Purpose]) -> String? {
        if let c = property.category(key), !c.required { return key }
        for purpose in purposes {
            if let c = property.categories.first(where: { !$0.required && $0.purposes.contains(purpose) }) {
                return c.key
            }
        }
        return nil
    }
}
