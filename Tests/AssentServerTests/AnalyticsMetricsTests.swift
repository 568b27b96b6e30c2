import AssentCore
import Metrics
import MetricsTestKit
import Testing

@testable import AssentServer

/// The Prometheus totals of the analytics: by property, event or action, and country, never anything finer.
@Suite("Analytics metrics")
struct AnalyticsMetricsTests {
    static func cell(_ region: String, lang: String = "en", version: Int = 1) -> AnalyticsCell {
        AnalyticsCell(
            property: "news", day: 20_000, region: region, regime: "opt-out", policyVersion: version, lang: lang)
    }

    @Test func totalsAreKeptPerPropertyEventOrActionAndCountryOnly() throws {
        let metrics = TestMetrics()
        AnalyticsMetrics.record(
            [
                AnalyticsCount(cell: Self.cell("US-CA"), metric: AnalyticsEvent.bannerShown.rawValue, count: 3),
                AnalyticsCount(
                    cell: Self.cell("US-VA", lang: "es"), metric: AnalyticsEvent.bannerShown.rawValue, count: 2),
                AnalyticsCount(
                    cell: Self.cell("US-CA", version: 2), metric: AnalyticsMetric.action(.rejectAll), count: 4),
                AnalyticsCount(cell: Self.cell("FR"), metric: AnalyticsMetric.action(.rejectAll), count: 1),
                // Per-category acceptance stays in the daily rows: no counter of its own.
                AnalyticsCount(cell: Self.cell("FR"), metric: AnalyticsMetric.category("performance"), count: 7),
            ], factory: metrics)
        let banners = try metrics.expectCounter(
            "assent_analytics_events_total", [("property", "news"), ("event", "banner_shown"), ("country", "US")])
        #expect(banners.totalValue == 5, "subdivisions, languages and versions add up under the country")
        let rejectedUS = try metrics.expectCounter(
            "assent_analytics_decisions_total", [("property", "news"), ("action", "reject_all"), ("country", "US")])
        #expect(rejectedUS.totalValue == 4)
        let rejectedFR = try metrics.expectCounter(
            "assent_analytics_decisions_total", [("property", "news"), ("action", "reject_all"), ("country", "FR")])
        #expect(rejectedFR.totalValue == 1)
        #expect(metrics.counters.count == 3, "nothing else is counted")
    }
}
