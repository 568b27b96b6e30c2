import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import AssentServer

@Suite("Consent analytics routes")
struct AnalyticsRouteTests {
    static let events = "/v1/properties/demo/events"
    static let analytics = "/v1/admin/properties/demo/analytics"

    static func beacon(
        _ client: some TestClientProtocol, _ json: String, type: String = "text/plain;charset=UTF-8",
        _ headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        fields[.contentType] = type
        return try await client.execute(uri: events, method: .post, headers: fields, body: ByteBuffer(string: json))
    }

    static func report(
        _ client: some TestClientProtocol, _ admin: HTTPFields, query: String = ""
    ) async throws -> JSONValue {
        let response = try await client.get(analytics + query, admin)
        try #require(response.status == .ok, "\(response.text)")
        return try response.json()
    }

    static var today: String { CivilDate(milliseconds: ConsentService.now()).description }

    @Test func beaconsAndDecisionsAreCountedAndSmallGroupsMerged() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            for _ in 0..<20 {
                let sent = try await Self.beacon(
                    client, #"{"event":"banner_shown","policyVersion":1,"lang":"fr"}"#, [.regionHeader: "FR"])
                #expect(sent.status == .noContent, "\(sent.text)")
                #expect(sent.body.readableBytes == 0)
                #expect(sent.headers[.setCookie] == nil)
            }
            let json = try await Self.beacon(
                client, #"{"event":"preferences_shown","policyVersion":1,"lang":"en"}"#, type: "application/json",
                [.regionHeader: "US-CA", .origin: TestServer.allowedOrigin])
            #expect(json.status == .noContent)
            #expect(json.headers[.accessControlAllowOrigin] == TestServer.allowedOrigin)
            // France: 12 decisions (6 accept all, 6 reject all); California: 3, a small cell.
            var subjects: [String] = []
            for i in 0..<12 {
                let decision = try await client.recordDecision(
                    #"{"action":"\#(i % 2 == 0 ? "accept_all" : "reject_all")","policyVersion":1,"lang":"fr"}"#,
                    [.regionHeader: "FR"])
                subjects.append(try #require(decision["subject"]?.stringValue))
            }
            for _ in 0..<3 { _ = try await client.recordDecision(#"{"action":"accept_all","policyVersion":1}"#) }
            // A change that withdraws what an accept-all allowed.
            _ = try await client.recordDecision(
                #"{"subject":"\#(subjects[0])","action":"reject_all","policyVersion":1,"lang":"fr"}"#,
                [.regionHeader: "FR"])

            let byRegion = try await Self.report(client, admin, query: "?by=region")
            let total = try #require(byRegion["total"])
            #expect(total["bannersShown"]?.intValue == 20)
            #expect(total["preferencesShown"]?.intValue == 1)
            #expect(total["decisions"]?.intValue == 16)
            #expect(total["actions"]?["accept_all"]?.intValue == 9)
            #expect(total["actions"]?["reject_all"]?.intValue == 7)
            #expect(total["firstDecisions"]?.intValue == 15)
            #expect(total["changes"]?.intValue == 1)
            #expect(total["withdrawals"]?.intValue == 1)
            #expect(total["consentRate"] == .number(0.5625, integer: nil))
            #expect(total["categoryAcceptance"]?["necessary"] == .number(1, integer: nil))
            let groups = try #require(byRegion["groups"]?.arrayValue)
            #expect(groups.compactMap { $0["key"]?.stringValue } == ["FR", "other"])
            #expect(groups[0]["decisions"]?.intValue == 13)
            #expect(groups[0]["bannersShown"]?.intValue == 20)
            #expect(groups[0]["noChoiceRate"] == .number(0.35, integer: nil))
            #expect(groups[1]["decisions"]?.intValue == 3, "California's 3 decisions only appear as other")

            // The demo speaks English only: "fr" is recorded as "en".
            let byLang = try await Self.report(client, admin, query: "?by=lang&from=\(Self.today)&to=\(Self.today)")
            #expect(byLang["groups"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == ["en"])
            let byRegime = try await Self.report(client, admin, query: "?by=regime")
            let regimes = byRegime["groups"]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? []
            #expect(regimes.count == 2 && regimes.last == "other", "\(regimes)")

            let csv = try await client.get(Self.analytics + "?by=region&format=csv", admin)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.count == 4)
            #expect(lines.first?.hasPrefix("region,bannersShown,preferencesShown,decisions,") == true)
            #expect(lines[1].hasPrefix("FR,20,0,13,"))
            #expect(lines[3].hasPrefix("total,20,1,16,"))
        }
    }

    /// The counters equal a count over the ledger: rebuilt from the stored records they are the same.
    @Test func decisionCountsEqualACountOverTheLedger() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let admin = try await RequestRouteTests.adminToken(configuration)
            var subject: String?
            for i in 0..<14 {
                let member = subject.map { #""subject":"\#($0)","# } ?? ""
                let action = ["accept_all", "reject_all", "save"][i % 3]
                let choices = action == "save" ? #","choices":{"performance":true,"targeting":\#(i % 2 == 0)}"# : ""
                let decision = try await client.recordDecision(
                    #"{\#(member)"action":"\#(action)"\#(choices),"policyVersion":1}"#,
                    [.regionHeader: ["FR", "DE", "US-CA", "US-TX"][i % 4], .secGPCHeader: i % 5 == 0 ? "1" : "0"])
                if i % 4 == 1 { subject = decision["subject"]?.stringValue } else if i % 4 == 3 { subject = nil }
            }
            let live = try await Self.report(client, admin, query: "?by=region")
            let store = try TestServer.store(configuration)
            let day = CivilDate(milliseconds: ConsentService.now()).daysSinceEpoch
            let before = try await store.analytics(property: "demo", fromDay: day - 1, toDay: day + 1)
            try await AnalyticsRebuild.run(store: store, property: "demo")
            let after = try await store.analytics(property: "demo", fromDay: day - 1, toDay: day + 1)
            #expect(Set(before) == Set(after))
            #expect(Set(before.map(\.cell.region)) == ["FR", "DE", "US-CA", "US-TX"])
            #expect(try await Self.report(client, admin, query: "?by=region") == live)
            #expect(live["total"]?["decisions"]?.intValue == 14)
            #expect((live["total"]?["changes"]?.intValue ?? 0) > 0)
        }
    }

    @Test func badBeaconsAndQueriesAreRefused() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            for (body, code) in [
                ("{", "invalid_json"), ("[]", "invalid_event"),
                (#"{"event":"click","policyVersion":1}"#, "invalid_event"),
                (#"{"event":"banner_shown","policyVersion":9}"#, "invalid_event"),
                (#"{"event":"banner_shown"}"#, "invalid_event"),
                (#"{"event":"banner_shown","policyVersion":1,"subject":"x"}"#, "invalid_event"),
            ] {
                try expectError(try await Self.beacon(client, body), .badRequest, code: code)
            }
            try expectError(
                try await Self.beacon(client, #"{"event":"banner_shown","policyVersion":1}"#, type: "text/html"),
                .unsupportedMediaType, code: "unsupported_media_type")
            try expectError(
                try await Self.beacon(
                    client, #"{"event":"banner_shown","policyVersion":1}"#, [.origin: "https://evil.example"]),
                .forbidden, code: "origin_not_allowed")
            try expectError(
                try await client.post(
                    "/v1/properties/nope/events", json: #"{"event":"banner_shown","policyVersion":1}"#), .notFound,
                code: "unknown_property")

            try expectError(try await client.get(Self.analytics), .unauthorized, code: "unauthorized")
            let admin = try await RequestRouteTests.adminToken(configuration)
            for query in ["?by=subject", "?from=2026-13-01", "?from=2026-02-02&to=2026-02-01", "?format=xml"] {
                try expectError(try await client.get(Self.analytics + query, admin), .badRequest, code: "invalid_query")
            }
        }
    }

    /// A decision the server is told not to count (the compliance scanner's) is recorded but not counted; and with
    /// counting off nothing is.
    @Test func skippedDecisionsAndCountingOffCountNothing() async throws {
        var configuration = TestServer.configuration(store: .sqlite)
        defer { TestServer.removeDirectory(configuration.dataDirectory) }
        let opened = try await TestServer.openWithDemo(configuration)
        for enabled in [true, false] {
            configuration.analytics = enabled
            let service = TestServer.consentService(configuration, opened)
            _ = try await service.record(
                propertyID: "demo", body: Array(#"{"action":"accept_all","policyVersion":1}"#.utf8), regionHeader: "FR",
                gpcHeader: false, counted: false)
            #expect(service.analytics.drain().isEmpty)
            _ = try await service.record(
                propertyID: "demo", body: Array(#"{"action":"accept_all","policyVersion":1}"#.utf8), regionHeader: "FR",
                gpcHeader: false)
            try await service.countEvent(
                propertyID: "demo", body: Array(#"{"event":"banner_shown","policyVersion":1}"#.utf8),
                regionHeader: "FR", demoRegion: nil)
            let counted = service.analytics.drain()
            #expect(counted.contains { $0.metric == "decisions" && $0.count == 1 } == enabled)
            #expect(counted.contains { $0.metric == "banner_shown" && $0.count == 1 } == enabled)
        }
    }

    @Test func retentionDropsRowsPastTheirDays() async throws {
        let configuration = TestServer.configuration(store: .sqlite)
        defer { TestServer.removeDirectory(configuration.dataDirectory) }
        let store = try DataDirectory.open(configuration).store
        let now = ConsentService.now()
        let today = CivilDate(milliseconds: now).daysSinceEpoch
        let cell = { (day: Int) in
            AnalyticsCell(property: "demo", day: day, region: "FR", regime: "opt-in", policyVersion: 1, lang: "en")
        }
        try await store.addAnalytics([
            AnalyticsCount(cell: cell(today - 763), metric: "decisions", count: 2),
            AnalyticsCount(cell: cell(today - 762), metric: "decisions", count: 3),
        ])
        let writer = AnalyticsWriter(
            counter: AnalyticsCounter(enabled: true), store: store,
            retentionDays: ServerConfiguration().analyticsRetentionDays, logger: Logger(label: "assent-test"),
            clock: { now })
        #expect(await writer.dropExpired() == 1)
        #expect(try await store.analytics(property: "demo", fromDay: 0, toDay: today).map(\.count) == [3])
    }
}
