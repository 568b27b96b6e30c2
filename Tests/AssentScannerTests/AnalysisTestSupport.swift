import AssentCore
import Foundation

@testable import AssentScanner

/// What the analysis suites share: a property like the demo's (the standard categories with its own cookies
/// listed), the shipped database, a small tracker list, and visit records made by hand.
enum AnalysisFixture {
    static let database: CookieDatabase = {
        do { return try CookieDatabase.bundled() } catch { fatalError("the bundled Open Cookie Database: \(error)") }
    }()

    static let trackers = TrackerHosts(
        filterList: "! test list\n||tracker.test^\n||beacon.test^$third-party\n||consent.test^\n", source: "test list")

    static func property() -> Property {
        var p = Property.standard(id: "shop", name: "Shop", origins: ["https://shop.test"])
        p.links = PropertyLinks(privacyPolicy: "/privacy", cookiePolicy: "/cookies", privacyRequests: "/requests")
        func cookie(_ name: String, prefix: Bool = false, host: String? = nil, party: CookieParty = .first)
            -> CookieInfo
        {
            CookieInfo(
                name: name, prefix: prefix, host: host, duration: "1 year", party: party,
                description: ["en": "About \(name).", "es": "Sobre \(name)."])
        }
        let listed: [String: [CookieInfo]] = [
            "necessary": [cookie("shop_session")],
            "functional": [cookie("shop_lang")],
            "targeting": [
                cookie("shop_ads"), cookie("adid_", prefix: true), cookie("uid", host: "ads.test", party: .third),
            ],
        ]
        for i in p.categories.indices { p.categories[i].cookies += listed[p.categories[i].key] ?? [] }
        return p
    }

    static func classifier(_ property: Property = property()) -> Classifier {
        Classifier(property: property, database: database, trackerHosts: trackers)
    }

    static let fr = Region("FR")!
    static let california = Region("US-CA")!

    static func visit(
        _ kind: VisitKind, _ region: Region, page: String = "https://shop.test/", clicked: Bool = true,
        outcome: VisitRecord.Outcome = .ok, before: [ObservedCookie] = [], cookies: [ObservedCookie] = [],
        storage: [ObservedStorageKey] = [], requests: [ObservedRequest] = []
    ) -> VisitRecord {
        VisitRecord(
            pageURL: page, finalURL: page, region: region, kind: kind, outcome: outcome, bannerShown: true,
            clicked: kind == .rejectAll || kind == .acceptAll ? clicked : false, cookiesBeforeClick: before,
            cookies: cookies, storage: storage, requests: requests, durationMs: 900)
    }

    static func firstParty(_ name: String, expires: Double? = nil, at: Int = 100) -> ObservedCookie {
        ObservedCookie(
            name: name, domain: "shop.test", expires: expires, frameURL: "https://shop.test/",
            setBy: Initiator(kind: .script, url: "https://shop.test/app.js", line: 12), atMs: at)
    }

    static func thirdParty(_ name: String, domain: String, at: Int = 200) -> ObservedCookie {
        ObservedCookie(
            name: name, domain: domain, thirdParty: true, frameURL: "https://\(domain.drop { $0 == "." })/frame",
            setBy: Initiator(kind: .response, url: "https://\(domain.drop { $0 == "." })/pixel"), atMs: at)
    }

    static func request(_ url: String, at: Int = 300, thirdParty: Bool = true) -> ObservedRequest {
        ObservedRequest(
            url: url, type: "Script", frameURL: "https://shop.test/",
            initiator: Initiator(kind: .script, url: "https://shop.test/app.js", line: 7), thirdParty: thirdParty,
            atMs: at)
    }
}
