import Foundation
import Testing

@testable import AssentScanner

@Suite("Public suffix list")
struct ScanPublicSuffixTests {
    /// A small list in the file's own format: comments, blank lines, wildcards, exceptions, a private section.
    static let sample = PublicSuffixList(
        text: """
            // ===BEGIN ICANN DOMAINS===
            com
            uk
            co.uk
            // wildcard with an exception
            *.ck
            !www.ck
            jp
            *.kawasaki.jp
            !city.kawasaki.jp

            // ===BEGIN PRIVATE DOMAINS===
            github.io
            blogspot.com   trailing text after whitespace is ignored
            """)

    @Test(
        "registrable domains from the rules",
        arguments: [
            ("example.com", "example.com"),
            ("www.example.com", "example.com"),
            ("a.b.example.co.uk", "example.co.uk"),
            ("example.uk", "example.uk"),
            ("www.foo.ck", "www.foo.ck"),  // *.ck: foo.ck is a suffix
            ("www.ck", "www.ck"),  // the exception makes ck the suffix
            ("a.www.ck", "www.ck"),
            ("x.y.kawasaki.jp", "x.y.kawasaki.jp"),
            ("a.city.kawasaki.jp", "city.kawasaki.jp"),
            ("me.github.io", "me.github.io"),
            ("WWW.Example.COM.", "example.com"),
            ("site.localhost", "site.localhost"),  // no rule: the default rule makes the last label the suffix
        ])
    func registrable(host: String, expected: String) {
        #expect(Self.sample.registrableDomain(of: host) == expected)
    }

    @Test("a suffix itself, an IP address and an empty label have no registrable domain")
    func none() {
        for host in ["com", "co.uk", "foo.ck", "github.io", "127.0.0.1", "[::1]", "::1", "a..com", ""] {
            #expect(Self.sample.registrableDomain(of: host) == nil, "\(host)")
        }
        // Their site is then the host itself.
        #expect(Self.sample.site(of: "127.0.0.1") == "127.0.0.1")
        #expect(Self.sample.site(of: ".Example.com") == "example.com")
        #expect(Self.sample.site(ofURL: "http://tracker.localhost:8080/x.js") == "tracker.localhost")
        #expect(Self.sample.site(ofURL: "about:blank") == nil)
    }

    @Test("public suffixes: the longest rule wins, an exception beats a wildcard")
    func suffixes() {
        #expect(Self.sample.publicSuffix(of: "a.example.co.uk") == "co.uk")
        #expect(Self.sample.publicSuffix(of: "a.b.ck") == "b.ck")
        #expect(Self.sample.publicSuffix(of: "www.ck") == "ck")
        #expect(Self.sample.publicSuffix(of: "a.unknowntld") == "unknowntld")
    }

    @Test("Debian's list, when installed, knows real suffixes of both sections")
    func debian() throws {
        let list = try #require(PublicSuffixList.debian(), "Debian's publicsuffix package is not installed")
        #expect(list.registrableDomain(of: "www.bbc.co.uk") == "bbc.co.uk")
        #expect(list.registrableDomain(of: "user.github.io") == "user.github.io")
        #expect(list.registrableDomain(of: "a.b.example.com.au") == "example.com.au")
        #expect(list.site(of: "stats.g.doubleclick.net") == "doubleclick.net")
        #expect(list.site(of: "www.google.com") != list.site(of: "www.doubleclick.net"))
    }
}

@Suite("Crawler")
struct ScanCrawlerTests {
    @Test("start pages, sitemap and links: same site only, no files, no repeats, within depth and count")
    func crawl() {
        var crawler = Crawler(
            startURLs: ["https://www.example.com/", "not a url", "ftp://example.com/"], maxPages: 5, maxDepth: 1,
            suffixes: ScanPublicSuffixTests.sample)
        #expect(crawler.pages.map(\.url) == ["https://www.example.com/"])
        let accepted = crawler.found(
            [
                "https://shop.example.com/a#top",  // another host of the same site
                "https://www.example.com/",  // already known
                "https://other.com/x",  // another site
                "https://www.example.com/brochure.pdf",  // a file
                "mailto:someone@example.com",
                "https://www.example.com/b?x=1",
            ], depth: 1)
        #expect(accepted.map(\.url) == ["https://shop.example.com/a", "https://www.example.com/b?x=1"])
        #expect(crawler.found(["https://www.example.com/deep"], depth: 2).isEmpty)  // beyond the depth
        crawler.found(
            ["https://www.example.com/c", "https://www.example.com/d", "https://www.example.com/e"], depth: 1)
        #expect(crawler.pages.count == 5)  // maxPages
        #expect(crawler.pages.last?.url == "https://www.example.com/d")
    }

    @Test("sitemap locations, with entities and CDATA")
    func sitemap() {
        let xml = """
            <?xml version="1.0"?><urlset><url><loc> https://example.com/a?x=1&amp;y=2 </loc></url>
            <url><LOC><![CDATA[https://example.com/b]]></LOC></url></urlset>
            """
        #expect(Crawler.sitemapURLs(xml) == ["https://example.com/a?x=1&y=2", "https://example.com/b"])
        #expect(Crawler.sitemapURLs("<html>not found</html>").isEmpty)
    }

    @Test("Set-Cookie lines as a browser reads them")
    func setCookie() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let line = try #require(
            SetCookieLine(
                "id=1; Domain=.Example.com; Path=/x; Max-Age=60; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; "
                    + "HttpOnly; SameSite=none; Partitioned", host: "www.example.com", now: now))
        #expect(line.name == "id")
        #expect(line.domain == ".example.com")
        #expect(line.path == "/x")
        #expect(line.expires == 1_000_060)  // Max-Age wins over Expires
        #expect(line.secure && line.httpOnly && line.partitioned)
        #expect(line.sameSite == "None")
        let hostOnly = try #require(SetCookieLine("a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT", host: "Site.test"))
        #expect(hostOnly.domain == "site.test")
        #expect(hostOnly.expires == 1_445_412_480)
        #expect(hostOnly.deletes(at: now) == false)
        #expect(SetCookieLine("novalue", host: "a") == nil)
        #expect(SetCookieLine("=x", host: "a") == nil)
    }
}
