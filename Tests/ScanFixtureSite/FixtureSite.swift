import AssentCore
import AssentScanner
import AssentServer
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A site on loopback with two hosts, `site.localhost` (the publisher) and `tracker.localhost` (a third party),
/// carrying the real widget from a real Assent server that runs in the test with a fixture property.
///
/// Pages: `/` (links to the rest), `/clean` (everything gated), `/leak` (a tracker script before consent), `/iframe`
/// (a third-party frame setting a cookie and a storage key), `/late` (a tracker injected by a timer), `/revoked`
/// (a first-party cookie of the performance category, which Reject All must delete), `/p/N` (plain pages for the
/// benchmark, `Benchmarks/ScanBench`), and the failures: `/endless` (never finishes loading), `/alert`, `/loop` (redirects to itself).
public enum FixtureSite {
    public static let siteHost = "site.localhost"
    public static let trackerHost = "tracker.localhost"

    public struct Running: Sendable {
        public let assentOrigin: String
        public let sitePort: Int
        public let property: Property
        /// The demo property the server seeds, for scanning `/demo/`.
        public let demo: Property
        /// A scan secret the server issued, per property id.
        public var secrets: [String: String] = [:]
        public var site: String { "http://\(FixtureSite.siteHost):\(sitePort)" }
        public var tracker: String { "http://\(FixtureSite.trackerHost):\(sitePort)" }
        /// Chromium resolves both fixture hosts to loopback.
        public var hostResolverRules: String {
            "MAP \(FixtureSite.siteHost) 127.0.0.1, MAP \(FixtureSite.trackerHost) 127.0.0.1"
        }

        public func request(
            _ paths: [String], regions: [String] = ["FR"], maxPages: Int = 20, depth: Int = 0,
            pageTimeout: Duration = .seconds(15), property: Property? = nil
        ) -> ScanRequest {
            ScanRequest(
                startURLs: paths.map { $0.hasPrefix("http") ? $0 : site + $0 }, property: property ?? self.property,
                regions: regions.compactMap { Region($0) }, maxPages: maxPages, depth: depth, tabs: 2,
                pageTimeout: pageTimeout, assentOrigin: assentOrigin,
                scanSecret: secrets[(property ?? self.property).id] ?? "none",
                hostResolverRules: hostResolverRules)
        }
    }

    /// The fixture property: the standard categories, with the fixture's cookies listed where they belong.
    public static func property(siteOrigin: String) -> Property {
        var property = Property.standard(id: "fixture", name: "Fixture site", origins: [siteOrigin])
        func add(_ name: String, to key: String, party: CookieParty, host: String? = nil) {
            guard let i = property.categories.firstIndex(where: { $0.key == key }) else { return }
            property.categories[i].cookies.append(
                CookieInfo(
                    name: name, host: host, duration: "1 year", party: party,
                    description: ["en": "Fixture cookie \(name).", "es": "Cookie de prueba \(name)."]))
        }
        add("fx_stats", to: "performance", party: .first)
        add("fx_perf", to: "performance", party: .first)
        add("trk_uid", to: "targeting", party: .third, host: trackerHost)
        add("frm_id", to: "targeting", party: .third, host: trackerHost)
        return property
    }

    /// Runs `body` with the fixture site and an Assent server on loopback; both stop when it returns.
    public static func run<T: Sendable>(
        benchPages: Int = 0, withAssent: Bool = true, _ body: @Sendable (Running) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "assent-scanner-test")
        logger.logLevel = .error
        let assentPort = try freePort()
        let assentOrigin = "http://127.0.0.1:\(assentPort)"
        let sitePort = Box<Int?>(nil)
        let site = Application(
            router: router(assentOrigin: assentOrigin, benchPages: benchPages),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "fixture"),
            onServerRunning: { channel in sitePort.set(channel.localAddress?.port) }, logger: logger)
        let siteTask = Task { try await site.runService() }
        defer { siteTask.cancel() }
        let port = try await waitFor("the fixture site") { sitePort.get() }

        let property = property(siteOrigin: "http://\(siteHost):\(port)")
        if !withAssent {
            return try await body(
                Running(assentOrigin: assentOrigin, sitePort: port, property: property, demo: property))
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("assent-scanner-tests-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = ServerConfiguration(port: assentPort, dataDirectory: directory)
        let opened = try DataDirectory.open(configuration)
        // Built first, so that the server seeds its demo property into the empty store.
        let app = try await buildApplication(configuration, opened: opened, logger: logger)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try await opened.store.saveProperty(property, at: now)
        // Secrets as the server issues them for a scan, so that the scanner's decisions are answered, not recorded.
        var secrets: [String: String] = [:]
        for id in [property.id, "demo"] {
            let secret = "fixture-\(id)-\(UUID().uuidString)"
            try await opened.store.createScan(
                StoredScan(
                    id: "scan-\(id)-\(UUID().uuidString)", property: id, request: Array("{}".utf8), createdAt: now,
                    secretHash: SHA256Digest.of(Array(secret.utf8)), secretExpiresAt: now + 3_600_000),
                keep: 5)
            secrets[id] = secret
        }
        guard let demo = try await opened.store.currentProperty(id: "demo")?.property else {
            throw FixtureError("the server seeded no demo property")
        }
        let assentTask = Task { try await app.runService() }
        defer { assentTask.cancel() }
        _ = try await waitFor("the Assent server") { () async -> Bool? in
            guard let url = URL(string: assentOrigin + "/healthz"),
                let (_, response) = try? await URLSession.shared.data(from: url)
            else { return nil }
            return (response as? HTTPURLResponse)?.statusCode == 200 ? true : nil
        }
        return try await body(
            Running(assentOrigin: assentOrigin, sitePort: port, property: property, demo: demo, secrets: secrets))
    }

    private static func waitFor<T>(_ what: String, _ probe: () async -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let value = await probe() { return value }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FixtureError("\(what) did not start")
    }

    /// A port nobody listens on now (the kernel's choice for a socket bound to port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw FixtureError("bind") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw FixtureError("getsockname") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: the pages

    static func router(assentOrigin: String, benchPages: Int) -> Router<BasicRequestContext> {
        let router = Router()
        @Sendable func origins(_ request: Request) -> (site: String, tracker: String) {
            let port = request.head.authority?.split(separator: ":").last.map(String.init) ?? "80"
            return ("http://\(siteHost):\(port)", "http://\(trackerHost):\(port)")
        }
        @Sendable func page(_ title: String, _ request: Request, body: String, headers: HTTPFields = [:]) -> Response {
            html(
                """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>\(title)</title>
                <script src="\(assentOrigin)/assent.js" data-property="fixture" async></script>
                </head><body>
                <h1>\(title)</h1>
                \(body)
                </body></html>
                """, headers: headers)
        }
        router.get("/") { request, _ in
            let links = ["/clean", "/leak", "/iframe", "/late", "/revoked"]
                .map { "<li><a href=\"\($0)\">\($0)</a></li>" }.joined(separator: "\n")
            return page("Fixture home", request, body: "<ul>\n\(links)\n</ul>")
        }
        router.get("/sitemap.xml") { request, _ in
            let (site, _) = origins(request)
            let locs = ["/", "/clean", "/leak", "/iframe", "/late", "/revoked"].map {
                "<url><loc>\(site)\($0)</loc></url>"
            }
            return Response(
                status: .ok, headers: [.contentType: "application/xml"],
                body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\"?><urlset>\(locs.joined())</urlset>")))
        }
        router.get("/clean") { request, _ in
            let (_, tracker) = origins(request)
            return page(
                "Clean", request,
                body: """
                    <script type="text/plain" data-assent="performance" src="\(tracker)/stats.js"></script>
                    <iframe data-assent="targeting" data-src="\(tracker)/frame" title="ad"></iframe>
                    """)
        }
        router.get("/leak") { request, _ in
            let (_, tracker) = origins(request)
            return page("Leak", request, body: "<p>Tracked.</p>\n<script src=\"\(tracker)/track.js\"></script>")
        }
        router.get("/iframe") { request, _ in
            let (_, tracker) = origins(request)
            return page("Frame", request, body: "<iframe src=\"\(tracker)/frame\" title=\"widget\"></iframe>")
        }
        router.get("/late") { request, _ in
            let (_, tracker) = origins(request)
            return page(
                "Late", request,
                body: """
                    <script>
                    setTimeout(() => { const s = document.createElement("script"); s.src = "\(tracker)/late.js"; document.head.append(s) }, 300)
                    </script>
                    """)
        }
        router.get("/revoked") { request, _ in
            page(
                "Revoked", request, body: "<p>A performance cookie set by the server.</p>",
                headers: [.setCookie: "fx_perf=1; Path=/; Max-Age=31536000; SameSite=Lax"])
        }
        // Not linked: the US-CA test visits it alone. The server sets a listed performance cookie (the widget
        // deletes it on Reject All) and Google Analytics' `_ga`, which the property does not list (so it stays).
        router.get("/stale") { request, _ in
            var headers = HTTPFields()
            headers.append(HTTPField(name: .setCookie, value: "fx_perf=1; Path=/; Max-Age=31536000; SameSite=Lax"))
            headers.append(
                HTTPField(name: .setCookie, value: "_ga=GA1.1.1.1; Path=/; Max-Age=63072000; SameSite=Lax"))
            return page("Stale", request, body: "<p>Two analytics cookies set by the server.</p>", headers: headers)
        }
        router.get("/p/:n") { request, context in
            let n = Int(context.parameters.get("n") ?? "") ?? 0
            let (_, tracker) = origins(request)
            let next = (0..<benchPages).filter { $0 != n }.prefix(3).map { "<a href=\"/p/\($0)\">page \($0)</a>" }
            return page(
                "Page \(n)", request,
                body: """
                    <p>\(next.joined(separator: " "))</p>
                    <script type="text/plain" data-assent="performance" src="\(tracker)/stats.js"></script>
                    """)
        }
        router.get("/endless") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "<!doctype html><title>Endless</title><p>Loading"))
                    // Never finishes: the scanner's time limit must end the visit (the test's server stops it).
                    try await Task.sleep(for: .seconds(300))
                })
        }
        router.get("/alert") { request, _ in
            page("Alert", request, body: "<script>alert('hello'); confirm('sure?')</script>")
        }
        router.get("/loop") { _, _ in
            Response(status: .found, headers: [.location: "/loop"])
        }
        // The tracker's side.
        router.get("/track.js") { request, _ in
            let (_, tracker) = origins(request)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/javascript",
                    .setCookie: "trk_uid=abc; Path=/; Max-Age=31536000; SameSite=None; Secure",
                ],
                body: .init(byteBuffer: ByteBuffer(string: "new Image().src = \"\(tracker)/pixel?from=track\";\n")))
        }
        router.get("/stats.js") { request, _ in
            let (_, tracker) = origins(request)
            return script(
                """
                document.cookie = "fx_stats=1; Path=/; Max-Age=31536000; SameSite=Lax";
                new Image().src = "\(tracker)/pixel?from=stats";
                """)
        }
        router.get("/late.js") { request, _ in
            let (_, tracker) = origins(request)
            return script("new Image().src = \"\(tracker)/pixel?from=late\";\n")
        }
        router.get("/frame") { _, _ in
            html(
                """
                <!doctype html><title>Tracker frame</title>
                <script>
                document.cookie = "frm_id=42; Path=/; Max-Age=31536000; SameSite=None; Secure";
                localStorage.setItem("frm_key", "x");
                </script>
                """)
        }
        router.get("/pixel") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/gif"], body: .init(byteBuffer: ByteBuffer(bytes: gif)))
        }
        return router
    }

    static func html(_ text: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func script(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/javascript"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let gif: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF,
        0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
        0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]
}

public final class Box<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    public init(_ value: Value) { self.value = value }
    public func get() -> Value { lock.withLock { value } }
    public func set(_ newValue: Value) { lock.withLock { value = newValue } }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
