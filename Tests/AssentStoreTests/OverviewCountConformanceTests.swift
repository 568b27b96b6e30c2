import AssentCore
import AssentStore
import Foundation
import Testing

/// `RequestCountStore` and `AnalyticsTotalStore`: the figures the console's overview asks the store to count;
/// every store must pass it.
@Suite("Overview count store conformance")
struct OverviewCountConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func openRequestsAreCountedAsOverdueOrDueSoonPerProperty(kind: StoreKind) async throws {
        try await kind.withStore { store in
            func add(_ n: Int, _ property: String, _ status: RequestStatus) async throws -> PrivacyRequest {
                var request = RequestStoreConformanceTests.makeRequest(n, property: property)
                request.status = status
                if status.isFinal { request.closedAt = request.receivedAt + 1 }
                try await store.createRequest(
                    request, event: RequestStoreConformanceTests.created(request), challenge: nil, suppression: nil,
                    webhook: nil)
                return request
            }
            let open = try await add(1, "demo", .received)
            _ = try await add(2, "demo", .inProgress)
            _ = try await add(3, "demo", .completed)
            _ = try await add(4, "demo", .denied)
            _ = try await add(5, "other", .verified)
            // Every request here has the same deadline: the end of its due day.
            let end = open.due.endMilliseconds
            let day = Timestamp.millisecondsPerDay

            let before = try await store.openRequestCounts(at: end - 1, dueBy: end)
            #expect(
                before == ["demo": OpenRequestCounts(overdue: 0, dueSoon: 2), "other": OpenRequestCounts(dueSoon: 1)])
            let after = try await store.openRequestCounts(at: end, dueBy: end + 7 * day)
            #expect(
                after == ["demo": OpenRequestCounts(overdue: 2, dueSoon: 0), "other": OpenRequestCounts(overdue: 1)])
            // Not due by the horizon: not counted at all.
            #expect(try await store.openRequestCounts(at: end - 10 * day, dueBy: end - 1) == [:])
            // A horizon before now counts only what is overdue.
            #expect(try await store.openRequestCounts(at: end, dueBy: 0)["demo"] == OpenRequestCounts(overdue: 2))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func analyticsAreSummedPerMetricOverThePeriod(kind: StoreKind) async throws {
        try await kind.withStore { store in
            func cell(_ property: String, _ day: Int, _ region: String) -> AnalyticsCell {
                AnalyticsCell(
                    property: property, day: day, region: region, regime: "opt_in", policyVersion: 1, lang: "en")
            }
            try await store.addAnalytics([
                AnalyticsCount(cell: cell("demo", 100, "FR"), metric: "decisions", count: 3),
                AnalyticsCount(cell: cell("demo", 100, "DE"), metric: "decisions", count: 4),
                AnalyticsCount(cell: cell("demo", 101, "FR"), metric: "decisions", count: 5),
                AnalyticsCount(cell: cell("demo", 101, "FR"), metric: "banner_shown", count: 9),
                AnalyticsCount(cell: cell("demo", 102, "FR"), metric: "decisions", count: 100),
                AnalyticsCount(cell: cell("other", 101, "FR"), metric: "decisions", count: 1000),
            ])
            #expect(
                try await store.analyticsTotals(property: "demo", fromDay: 100, toDay: 101)
                    == ["decisions": 12, "banner_shown": 9])
            #expect(try await store.analyticsTotals(property: "demo", fromDay: 102, toDay: 102) == ["decisions": 100])
            #expect(try await store.analyticsTotals(property: "demo", fromDay: 103, toDay: 200) == [:])
            #expect(try await store.analyticsTotals(property: "nobody", fromDay: 0, toDay: 200) == [:])
        }
    }
}
