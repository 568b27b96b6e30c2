import Foundation

/// The pages a scan visits: the start URLs, then the URLs of their sites' `sitemap.xml`, then links found on visited
/// pages, breadth first, while they stay on a start URL's site (registrable domain) and within depth and count.
public struct Crawler: Sendable {
    public struct Page: Sendable, Equatable {
        public var url: String
        public var depth: Int
    }

    public let maxPages: Int
    public let maxDepth: Int
    private let suffixes: PublicSuffixList
    private var sites: Set<String> = []
    private var known: Set<String> = []
    /// Every page accepted, in the order found.
    public private(set) var pages: [Page] = []

    public init(startURLs: [String], maxPages: Int, maxDepth: Int, suffixes: PublicSuffixList = .shared) {
        self.maxPages = max(1, maxPages)
        self.maxDepth = max(0, maxDepth)
        self.suffixes = suffixes
        for url in startURLs {
            guard let normal = Self.normalise(url), let site = suffixes.site(ofURL: normal) else { continue }
            sites.insert(site)
            add(normal, depth: 0)
        }
    }

    /// Adds the URLs found on a page of depth `depth` (links are one deeper; a sitemap's URLs count as depth 1).
    /// Returns the pages accepted.
    @discardableResult
    public mutating func found(_ urls: [String], depth: Int) -> [Page] {
        guard depth <= maxDepth else { return [] }
        var accepted: [Page] = []
        for url in urls {
            guard let normal = Self.normalise(url), let site = suffixes.site(ofURL: normal), sites.contains(site),
                let page = add(normal, depth: depth)
            else { continue }
            accepted.append(page)
        }
        return accepted
    }

    @discardableResult
    private mutating func add(_ url: String, depth: Int) -> Page? {
        guard pages.count < maxPages, !known.contains(url), !Self.looksLikeFile(url) else { return nil }
        known.insert(url)
        let page = Page(url: url, depth: depth)
        pages.append(page)
        return page
    }

    /// http(s) only, without fragment; the rest as written (query strings make distinct pages).
    static func normalise(_ url: String) -> String? {
        guard var components = URLComponents(string: url.trimmingCharacters(in: .whitespacesAndNewlines)),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { return nil }
        components.fragment = nil
        components.scheme = scheme
        components.host = host.lowercased()
        if components.path.isEmpty { components.path = "/" }
        return components.string
    }

    private static let fileExtensions: Set<String> = [
        "pdf", "zip", "gz", "tgz", "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "mp3", "mp4", "webm", "avi",
        "mov", "css", "js", "json", "xml", "txt", "csv", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "exe", "dmg",
    ]

    /// Downloads and assets are not pages.
    static func looksLikeFile(_ url: String) -> Bool {
        guard let path = URLComponents(string: url)?.path, let dot = path.lastIndex(of: "."),
            !path[dot...].contains("/")
        else { return false }
        return fileExtensions.contains(path[path.index(after: dot)...].lowercased())
    }

    /// The `<loc>` URLs of a sitemap (or the sitemaps of a sitemap index, which a scan does not follow further).
    public static func sitemapURLs(_ xml: String) -> [String] {
        var urls: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<loc>", options: .caseInsensitive),
            let close = rest.range(of: "</loc>", options: .caseInsensitive, range: open.upperBound..<rest.endIndex)
        {
            var text = String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.hasPrefix("<![CDATA["), text.hasSuffix("]]>") { text = String(text.dropFirst(9).dropLast(3)) }
            for (entity, character) in [
                ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&amp;", "&"),
            ] {
                text = text.replacingOccurrences(of: entity, with: character)
            }
            urls.append(text)
            rest = rest[close.upperBound...]
        }
        return urls
    }
}
