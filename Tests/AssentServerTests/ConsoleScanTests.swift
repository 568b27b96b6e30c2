import AssentCore
import AssentSQLite
import AssentScanner
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import AssentServer

/// The console's scans pages and the scan schedule (console and admin API): who may start a scan and set the
/// schedule, what a scan's page shows while it waits and once done, and a schedule started once by several servers.
@Suite("Console scans")
struct ConsoleScanTests {
    static let password = ConsoleRouteTests.password

    static func signedIn(
        _ client: some TestClientProtocol, _ configuration: ServerConfiguration, _ email: String, _ role: AccountRole,
        properties: [String]? = nil
    ) async throws -> ConsoleBrowser {
        try await ConsoleRouteTests.account(configuration, email, role, properties: properties)
        var browser = ConsoleBrowser()
        let signedIn = try await browser.signIn(client, email, password)
        try #require(signedIn.status == .seeOther, "\(signedIn.text)")
        return browser
    }

    /// A second property, so that an account limited to it is refused the demo's scans.
    static func addShop(_ configuration: ServerConfiguration) async throws {
        _ = try await TestServer.store(configuration).saveProperty(
            Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"]), at: 1)
    }

    @Test func ownersAndEditorsStartScansEveryRoleReadsThemAndLimitsHold() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await Self.addShop(configuration)
            // Signed out: to the sign-in page.
            var nobody = ConsoleBrowser()
            #expect(try await nobody.get(client, "/admin/scans").headers[.location] == "/admin/sign-in")

            var editor = try await Self.signedIn(client, configuration, "editor@example.com", .editor)
            let page = try await editor.get(client, "/admin/scans?property=demo")
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.text.contains("id=\"scan-urls\""), "an editor sees the start form")
            #expect(page.text.contains("href=\"/admin/scans\" aria-current"), "the navigation marks the page")
            // Bad input is the page again with the problem, and nothing queued.
            let bad = try await editor.post(
                client, "/admin/scans", [("property", "demo"), ("startURLs", "/shop"), ("maxPages", "1")])
            #expect(bad.status == .badRequest)
            #expect(ConsoleRouteTests.errorText(bad)?.contains("/shop") == true, "\(bad.text)")
            let notNumber = try await editor.post(
                client, "/admin/scans",
                [("property", "demo"), ("startURLs", "http://127.0.0.1:9/"), ("maxPages", "ten")])
            #expect(notNumber.status == .badRequest)
            // Without the form's CSRF token: refused.
            let forged = try await editor.post(
                client, "/admin/scans", [("property", "demo"), ("startURLs", "http://127.0.0.1:9/")], csrf: false)
            #expect(forged.status == .forbidden)
            let store = try TestServer.store(configuration)
            #expect(try await store.scans(property: "demo", limit: 10).isEmpty)

            // A good one: to its page, which waits for it and asks to be reloaded.
            let started = try await editor.post(
                client, "/admin/scans",
                [
                    ("property", "demo"), ("startURLs", "http://127.0.0.1:9/\nhttp://127.0.0.1:9/b"),
                    ("regions", "FR, US-CA"), ("maxPages", "2"), ("depth", "1"),
                ])
            #expect(started.status == .seeOther, "\(started.text)")
            let location = try #require(started.headers[.location])
            #expect(location.hasPrefix("/admin/scans/"))
            let scanID = String(location.dropFirst("/admin/scans/".count))
            let stored = try #require(try await store.scan(id: scanID))
            let options = try ScanService.options(stored)
            #expect(options.startURLs == ["http://127.0.0.1:9/", "http://127.0.0.1:9/b"])
            #expect(options.regions.map(\.code) == ["FR", "US-CA"])
            #expect(options.maxPages == 2 && options.depth == 1)
            #expect(ConsoleController<AssentRequestContext>.trigger(stored) == "console")
            // The server runs it at once (against a port nothing answers): its page reloads itself while it waits
            // or runs, and stops once it has failed.
            let shown = try await editor.get(client, location)
            #expect(shown.status == .ok)
            let unfinished = shown.text.contains(">waiting<") || shown.text.contains(">running<")
            #expect(unfinished == (shown.headers[HTTPField.Name("Refresh")!] == "5"), "\(shown.text)")
            #expect(shown.text.contains("/v1/admin/properties/demo/scans/\(scanID)"))
            // A scan that waits (stored here, in no server's queue) shows so, and asks to be reloaded.
            var queued = ConsoleScanTests.doneScan()
            queued.id = "queued-scan"
            queued.status = .queued
            queued.report = nil
            queued.startedAt = nil
            queued.finishedAt = nil
            queued.secretExpiresAt = Int64.max / 2
            try await store.createScan(queued, keep: 10)
            let waiting = try await editor.get(client, "/admin/scans/queued-scan")
            #expect(waiting.headers[HTTPField.Name("Refresh")!] == "5")
            #expect(waiting.text.contains(">waiting<"))
            let audit = try await store.auditEvents(AuditFilter(action: "scan.create"))
            #expect(audit.count == 1 && audit.first?.actorLabel == "editor@example.com")
            #expect(audit.first?.target == scanID && audit.first?.property == "demo")
            // The list shows it.
            #expect(try await editor.get(client, "/admin/scans?property=demo").text.contains(location))

            // Every role reads; only owners and editors start.
            for role in [AccountRole.privacy, .viewer] {
                var reader = try await Self.signedIn(client, configuration, "\(role.rawValue)@example.com", role)
                let list = try await reader.get(client, "/admin/scans?property=demo")
                #expect(list.status == .ok)
                #expect(!list.text.contains("id=\"scan-urls\""), "\(role) sees no start form")
                #expect(!list.text.contains("id=\"schedule-every\""), "\(role) sees no schedule form")
                #expect(try await reader.get(client, location).status == .ok)
                let refused = try await reader.post(
                    client, "/admin/scans", [("property", "demo"), ("startURLs", "http://127.0.0.1:9/")])
                #expect(refused.status == .forbidden, "\(role)")
                let refusedSchedule = try await reader.post(
                    client, "/admin/scans/schedule", [("property", "demo"), ("schedule", "off")])
                #expect(refusedSchedule.status == .forbidden, "\(role)")
            }
            var owner = try await Self.signedIn(client, configuration, "owner@example.com", .owner)
            #expect(try await owner.get(client, "/admin/scans").text.contains("id=\"scan-urls\""))

            // An editor limited to the shop: the demo's scans are neither listed nor shown nor started.
            var limited = try await Self.signedIn(
                client, configuration, "shop@example.com", .editor, properties: ["shop"])
            let own = try await limited.get(client, "/admin/scans")
            #expect(own.status == .ok)
            #expect(own.text.contains("<option value=\"shop\" selected>"))
            #expect(!own.text.contains("value=\"demo\""))
            #expect(try await limited.get(client, "/admin/scans?property=demo").status == .forbidden)
            #expect(try await limited.get(client, location).status == .notFound)
            let other = try await limited.post(
                client, "/admin/scans", [("property", "demo"), ("startURLs", "http://127.0.0.1:9/")])
            #expect(other.status == .forbidden)
            #expect(try await editor.get(client, "/admin/scans/nope").status == .notFound)
            #expect(try await store.scans(property: "demo", limit: 10).count == 2)
        }
    }

    /// A done scan with a report made here: a violation with its evidence, and a proposal with an entry to add,
    /// listed entries not seen (one still listed, one removed since) and one categorised differently.
    static func doneScan(property: String = "demo") -> StoredScan {
        let violation = Violation(
            kind: .cookie, name: "_ga", location: "127.0.0.1", category: "performance", source: .openCookieDatabase,
            page: "http://127.0.0.1/demo/", region: "FR", visit: .beforeChoice, frameURL: nil,
            initiator: Initiator(kind: .script, url: "http://127.0.0.1/demo/analytics.js", line: 12), atMs: 340,
            rule: .beforeConsent, reason: "set before any choice in an opt-in region")
        let added = CookieListProposal.Entry(
            kind: .cookie, name: "_ga", prefix: false, domain: "127.0.0.1", party: .first, category: "performance",
            source: .openCookieDatabase, description: "Google Analytics", retention: "13 months",
            pages: ["http://127.0.0.1/demo/"], observedNames: ["_ga"])
        let proposal = CookieListProposal(
            entries: [added], new: [added],
            noLongerSeen: [
                .init(category: "targeting", name: "demo_ads", prefix: false, host: nil),
                .init(category: "targeting", name: "long_gone", prefix: false, host: nil),
            ],
            categorisedDifferently: [
                .init(
                    name: "demo_lang", prefix: false, configured: "functional", database: "performance",
                    platform: "Demo")
            ])
        let report = ScanReport(
            propertyID: property, propertyName: "Demo", policyVersion: 1, startURLs: ["http://127.0.0.1/demo/"],
            regions: ["FR"], regimes: ["opt-in"], pages: ["http://127.0.0.1/demo/"], startedAt: 1, finishedAt: 2,
            browser: "Chrome/131", trackerList: nil,
            visits: [VisitSummary(page: "http://127.0.0.1/demo/", region: "FR", kind: .beforeChoice, violations: 1)],
            violations: [violation], proposal: proposal, lint: [], difference: nil)
        return StoredScan(
            id: "done-scan", property: property, status: .done,
            request: CanonicalJSON.orderedBytes(
                ScanOptions(startURLs: ["http://127.0.0.1/demo/"], regions: [Region("FR")!], maxPages: 1)
                    .jsonValue(trigger: "schedule")),
            progress: ScanProgressCounts(pagesDone: 1, pagesKnown: 1, visitsDone: 1, visitsPlanned: 1, violations: 1),
            createdAt: 1_795_969_185_000, startedAt: 1_795_969_186_000, finishedAt: 1_795_969_190_000,
            report: CanonicalJSON.orderedBytes(report.json()), secretHash: Array(repeating: 7, count: 32),
            secretExpiresAt: 1_795_969_185_000)
    }

    @Test func aDoneScansPageShowsItsReportAndTheDifferenceFromTheListAsItIsNow() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            try await TestServer.store(configuration).createScan(Self.doneScan(), keep: 10)
            var viewer = try await Self.signedIn(client, configuration, "viewer@example.com", .viewer)
            let page = try await viewer.get(client, "/admin/scans/done-scan")
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.headers[HTTPField.Name("Refresh")!] == nil, "a finished scan's page stays")
            let text = page.text
            // The summary and the violation with its evidence (the script and line, when, why).
            #expect(text.contains("1 page(s), 1 visit(s) of which 0 failed, 1 violation(s)."))
            #expect(text.contains("<code>_ga</code>"))
            #expect(text.contains("script http://127.0.0.1/demo/analytics.js:12"))
            #expect(text.contains("340 ms after the page began to load"))
            #expect(text.contains("set before any choice in an opt-in region"))
            // The list's difference: _ga to add; demo_ads listed and not seen; long_gone no longer listed, so not
            // shown; demo_lang in another category than the database's.
            #expect(text.contains("Seen but not listed (to add)"))
            #expect(text.contains("13 months"))
            #expect(text.contains("<code>demo_ads</code>"))
            #expect(!text.contains("long_gone"))
            #expect(text.contains("<code>demo_lang</code>"))
            #expect(text.contains("/v1/admin/properties/demo/scans/done-scan/report"))
            #expect(text.contains("href=\"/admin/properties/demo\""))
            #expect(text.contains("schedule"))
            // In Spanish too.
            let spanish = try await viewer.get(client, "/admin/scans/done-scan?lang=es")
            #expect(spanish.text.contains("Vistas pero no listadas (para añadir)"))
            #expect(spanish.text.contains("lang=\"es\""))
            // Texts are inserted as text.
            var hostile = Self.doneScan()
            hostile.id = "hostile-scan"
            var report = try ScanReport(json: JSONParser.parse(try #require(hostile.report)))
            report.violations[0].name = "<img src=x onerror=alert(1)>"
            hostile.report = CanonicalJSON.orderedBytes(report.json())
            hostile.secretHash = Array(repeating: 8, count: 32)
            try await TestServer.store(configuration).createScan(hostile, keep: 10)
            let escaped = try await viewer.get(client, "/admin/scans/hostile-scan")
            #expect(!escaped.text.contains("<img src=x"))
            #expect(escaped.text.contains("&lt;img src=x"))
        }
    }

    @Test func theScheduleIsSetInTheConsoleAndTheAPIAsANewRevisionThatKeepsThePolicyVersion() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            let before = try #require(try await store.currentProperty(id: "demo"))
            var editor = try await Self.signedIn(client, configuration, "editor@example.com", .editor)
            let page = try await editor.get(client, "/admin/scans?property=demo")
            #expect(page.text.contains("name=\"revision\" value=\"\(before.revision)\""))
            // A schedule without a start URL: refused beside the form, by its path.
            let noURL = try await editor.post(
                client, "/admin/scans/schedule",
                [("property", "demo"), ("revision", "\(before.revision)"), ("schedule", "weekly"), ("startURLs", "")])
            #expect(noURL.status == .unprocessableContent, "\(noURL.text)")
            #expect(ConsoleRouteTests.errorText(noURL)?.contains("$.scan.startURLs") == true, "\(noURL.text)")
            let saved = try await editor.post(
                client, "/admin/scans/schedule",
                [
                    ("property", "demo"), ("revision", "\(before.revision)"), ("schedule", "weekly"),
                    ("startURLs", "https://demo.example/\nhttps://demo.example/shop"), ("regions", "FR US-CA"),
                    ("maxPages", "20"),
                ])
            #expect(saved.status == .seeOther, "\(saved.text)")
            #expect(saved.headers[.location] == "/admin/scans?property=demo&done=scanScheduleSaved")
            let after = try #require(try await store.currentProperty(id: "demo"))
            #expect(after.revision == before.revision + 1)
            #expect(after.property.policyVersion == before.property.policyVersion, "visitors are not asked again")
            #expect(
                after.property.scan
                    == ScanSettings(
                        schedule: .weekly, startURLs: ["https://demo.example/", "https://demo.example/shop"],
                        regions: ["FR", "US-CA"], maxPages: 20))
            #expect(try await store.auditEvents(AuditFilter(action: "scan.schedule")).count == 1)
            // The same form again, from the revision before: stale, refused, the saved schedule shown.
            let stale = try await editor.post(
                client, "/admin/scans/schedule",
                [
                    ("property", "demo"), ("revision", "\(before.revision)"), ("schedule", "daily"),
                    ("startURLs", "https://demo.example/"),
                ])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("name=\"revision\" value=\"\(after.revision)\""))
            #expect(try await store.currentProperty(id: "demo")?.property.scan?.schedule == .weekly)

            // The admin API reads it, with when it runs next (never run: now).
            let admin = try await RequestRouteTests.adminToken(configuration)
            let read = try await client.get("/v1/admin/properties/demo/scan-schedule", admin)
            #expect(read.status == .ok, "\(read.text)")
            let json = try read.json()
            #expect(json["schedule"]?.stringValue == "weekly")
            #expect(json["maxPages"]?.intValue == 20)
            #expect(json["lastRunAt"] == .null)
            #expect(json["nextRunAt"]?.stringValue != nil)
            #expect(json["revision"]?.intValue == after.revision)
            // … and changes it: off keeps the start URLs.
            let off = try await client.execute(
                uri: "/v1/admin/properties/demo/scan-schedule", method: .put, headers: admin,
                body: ByteBuffer(string: #"{"schedule":"off"}"#))
            #expect(off.status == .ok, "\(off.text)")
            #expect(try off.json()["schedule"]?.stringValue == "off")
            #expect(try off.json()["nextRunAt"] == .null)
            #expect(try await store.currentProperty(id: "demo")?.property.scan?.startURLs.count == 2)
            func put(_ body: String, _ headers: HTTPFields) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/admin/properties/demo/scan-schedule", method: .put, headers: headers,
                    body: ByteBuffer(string: body))
            }
            try expectError(try await put(#"{"schedule":"hourly"}"#, admin), .badRequest, code: "invalid_scan_schedule")
            try expectError(try await put(#"{}"#, admin), .badRequest, code: "invalid_scan_schedule")
            try expectError(
                try await put(#"{"schedule":"daily","when":1}"#, admin), .badRequest, code: "invalid_scan_schedule")
            try expectError(
                try await put(#"{"schedule":"daily","startURLs":["ftp://x"]}"#, admin), .unprocessableContent,
                code: "invalid_property", mentioning: "$.scan.startURLs[0]")
            var stale412 = admin
            stale412[.ifMatch] = PropertyAdminEtag.etag(before.revision)
            try expectError(
                try await put(#"{"schedule":"daily"}"#, stale412), .preconditionFailed, code: "stale_revision")
            try expectError(
                try await client.execute(
                    uri: "/v1/admin/properties/nope/scan-schedule", method: .put, headers: admin,
                    body: ByteBuffer(string: #"{"schedule":"off"}"#)), .notFound, code: "unknown_property")
            try expectError(
                try await client.get("/v1/admin/properties/demo/scan-schedule"), .unauthorized, code: "unauthorized")
            // A viewer's session reads it and may not change it.
            let viewer = try await Self.signedIn(client, configuration, "viewer@example.com", .viewer)
            let viewerRead = try await client.get(
                "/v1/admin/properties/demo/scan-schedule", [.cookie: viewer.cookieHeader])
            #expect(viewerRead.status == .ok)
            let viewerPut = try await client.execute(
                uri: "/v1/admin/properties/demo/scan-schedule", method: .put,
                headers: [.cookie: viewer.cookieHeader, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"schedule":"daily"}"#))
            try expectError(viewerPut, .forbidden, code: "forbidden")
        }
    }
}

/// Several servers sharing one database find the same schedule due at the same moment: the claim in the store lets
/// exactly one of them start the scan, then none until the interval has passed (an injected clock).
@Suite("Scan schedule claims")
struct ScanScheduleClaimTests {
    @Test func ofTwoServersFindingAScheduleDueExactlyOneStartsIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-claim-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { TestServer.removeDirectory(directory.path) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let store = try SQLiteStore(path: path)
        var property = Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"])
        property.scan = ScanSettings(schedule: .weekly, startURLs: ["https://shop.example/"], regions: ["DE"])
        _ = try await store.saveProperty(property, at: 1)
        let now = Locked<Int64>(1_795_969_185_000)
        // Two servers: two services, each with its own connection to the one database.
        let servers = try [store, SQLiteStore(path: path)].map { s in
            ScanService(
                store: s, assentOrigin: "http://127.0.0.1:8080", logger: .init(label: "assent-test"),
                clock: { now.withLock { $0 } })
        }
        func both() async throws -> Int {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for server in servers { group.addTask { try await server.startDueScans().count } }
                return try await group.reduce(0, +)
            }
        }
        #expect(try await both() == 1)
        #expect(try await store.scans(property: "shop", limit: 10).count == 1)
        now.withLock { $0 += 7 * 86_400_000 - 1 }
        #expect(try await both() == 0)
        now.withLock { $0 += 1 }
        #expect(try await both() == 1)
        #expect(try await store.scans(property: "shop", limit: 10).count == 2)
        let next = try await servers[0].nextScheduledRun(property)
        #expect(next.last == now.withLock { $0 })
        #expect(next.next == now.withLock { $0 } + 7 * 86_400_000)
    }
}
