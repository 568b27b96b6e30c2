import AssentCore

// What one visit of one page recorded. The browser side (`Browser/`) fills these in; the analysis side
// (`Analysis/`, `Report/`) reads them. Times are milliseconds after the navigation started.

/// The four visits a scan makes to every page in every region, each in a clean browser context.
public enum VisitKind: String, Sendable, CaseIterable {
    /// The page as a first visitor sees it, before any choice.
    case beforeChoice = "before-choice"
    /// After clicking the banner's Reject All.
    case rejectAll = "reject-all"
    /// After clicking the banner's Accept All.
    case acceptAll = "accept-all"
    /// With Global Privacy Control on (`Sec-GPC: 1` and `navigator.globalPrivacyControl`), no click.
    case gpc
}

/// Who caused something: the response that carried a `Set-Cookie`, or a script (with its line where known).
public struct Initiator: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A `Set-Cookie` header on the response to `url`.
        case response
        /// A script at `url` (and `line`, 1-based, where the protocol gives it).
        case script
        /// The HTML parser of the document at `url`.
        case parser
        /// Anything else the protocol reports (preload, redirect, other).
        case other
    }

    public var kind: Kind
    public var url: String?
    public var line: Int?

    public init(kind: Kind, url: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.url = url
        self.line = line
    }
}

public struct ObservedCookie: Sendable, Equatable {
    public var name: String
    /// As the browser stores it: a leading dot for a domain cookie, none for a host-only one.
    public var domain: String
    public var path: String
    /// Seconds since 1970; nil for a session cookie.
    public var expires: Double?
    public var secure: Bool
    public var httpOnly: Bool
    /// "Strict", "Lax", "None", or nil when not set.
    public var sameSite: String?
    /// The top-level site of a partitioned (CHIPS) cookie.
    public var partitionKey: String?
    /// The cookie's site is not the page's site.
    public var thirdParty: Bool
    /// The browser refused to store it (third-party blocking, invalid attributes); seen only on the wire.
    public var blocked: Bool
    /// The frame whose document or request set it.
    public var frameURL: String?
    public var setBy: Initiator?
    /// When it was first seen after navigation started.
    public var atMs: Int

    public init(
        name: String, domain: String, path: String = "/", expires: Double? = nil, secure: Bool = false,
        httpOnly: Bool = false, sameSite: String? = nil, partitionKey: String? = nil, thirdParty: Bool = false,
        blocked: Bool = false, frameURL: String? = nil, setBy: Initiator? = nil, atMs: Int = 0
    ) {
        self.name = name
        self.domain = domain
        self.path = path
        self.expires = expires
        self.secure = secure
        self.httpOnly = httpOnly
        self.sameSite = sameSite
        self.partitionKey = partitionKey
        self.thirdParty = thirdParty
        self.blocked = blocked
        self.frameURL = frameURL
        self.setBy = setBy
        self.atMs = atMs
    }
}

public struct ObservedStorageKey: Sendable, Equatable {
    public enum Area: String, Sendable {
        case local = "localStorage"
        case session = "sessionStorage"
    }

    public var area: Area
    public var key: String
    /// The origin of the frame that holds it.
    public var origin: String
    public var frameURL: String
    public var thirdParty: Bool
    public var atMs: Int

    public init(area: Area, key: String, origin: String, frameURL: String, thirdParty: Bool = false, atMs: Int = 0) {
        self.area = area
        self.key = key
        self.origin = origin
        self.frameURL = frameURL
        self.thirdParty = thirdParty
        self.atMs = atMs
    }
}

public struct ObservedRequest: Sendable, Equatable {
    public var url: String
    /// The DevTools resource type: Document, Script, Image, XHR, Fetch, Ping, Stylesheet, Other…
    public var type: String
    public var frameURL: String?
    public var initiator: Initiator?
    /// The request's site (registrable domain) is not the page's.
    public var thirdParty: Bool
    public var atMs: Int

    public init(
        url: String, type: String, frameURL: String? = nil, initiator: Initiator? = nil, thirdParty: Bool = false,
        atMs: Int = 0
    ) {
        self.url = url
        self.type = type
        self.frameURL = frameURL
        self.initiator = initiator
        self.thirdParty = thirdParty
        self.atMs = atMs
    }
}

/// One visit of one page in one region.
public struct VisitRecord: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case ok
        /// The visit could not be made or finished (time limit, browser crash, navigation error); with why.
        case failed(String)
    }

    public var pageURL: String
    /// Where the navigation ended (after redirects).
    public var finalURL: String
    public var region: Region
    public var kind: VisitKind
    public var outcome: Outcome
    /// The widget's banner appeared.
    public var bannerShown: Bool
    /// The scanner clicked the banner button this visit asks for (Accept All / Reject All).
    public var clicked: Bool
    /// When the click happened, after navigation started; nil when there was no click.
    public var clickedAtMs: Int?
    /// For reject-all and accept-all: what the page held just before the click (the widget must then clean up).
    public var cookiesBeforeClick: [ObservedCookie]
    public var cookies: [ObservedCookie]
    public var storage: [ObservedStorageKey]
    public var requests: [ObservedRequest]
    public var durationMs: Int

    public init(
        pageURL: String, finalURL: String, region: Region, kind: VisitKind, outcome: Outcome = .ok,
        bannerShown: Bool = false, clicked: Bool = false, clickedAtMs: Int? = nil,
        cookiesBeforeClick: [ObservedCookie] = [],
        cookies: [ObservedCookie] = [], storage: [ObservedStorageKey] = [], requests: [ObservedRequest] = [],
        durationMs: Int = 0
    ) {
        self.pageURL = pageURL
        self.finalURL = finalURL
        self.region = region
        self.kind = kind
        self.outcome = outcome
        self.bannerShown = bannerShown
        self.clicked = clicked
        self.clickedAtMs = clickedAtMs
        self.cookiesBeforeClick = cookiesBeforeClick
        self.cookies = cookies
        self.storage = storage
        self.requests = requests
        self.durationMs = durationMs
    }
}

/// Everything a scan's browser side observed: the pages it found and every visit it made.
public struct ScanObservations: Sendable, Equatable {
    public var startURLs: [String]
    public var propertyID: String
    public var regions: [Region]
    /// Every page visited, in the order they were found.
    public var pages: [String]
    public var visits: [VisitRecord]
    /// Seconds since 1970.
    public var startedAt: Double
    public var finishedAt: Double
    /// The browser's product and version as it reports itself ("Chrome/131.0.6778.85").
    public var browser: String

    public init(
        startURLs: [String], propertyID: String, regions: [Region], pages: [String] = [], visits: [VisitRecord] = [],
        startedAt: Double = 0, finishedAt: Double = 0, browser: String = ""
    ) {
        self.startURLs = startURLs
        self.propertyID = propertyID
        self.regions = regions
        self.pages = pages
        self.visits = visits
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.browser = browser
    }
}
