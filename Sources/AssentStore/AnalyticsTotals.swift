import AssentCore

/// Analytics summed by the store: one figure per metric over a period, for pages that show totals only.
public protocol AnalyticsTotalStore: Sendable {
    /// Every metric of `property` summed over days `fromDay` to `toDay` (both included); metrics with no row are
    /// left out.
    func analyticsTotals(property: String, fromDay: Int, toDay: Int) async throws -> [String: Int]
}
