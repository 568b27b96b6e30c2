import AssentCore

/// A property's open requests by deadline, as the console's overview shows them.
public struct OpenRequestCounts: Sendable, Equatable {
    /// Open requests whose deadline day has ended.
    public var overdue: Int
    /// Open requests whose deadline day has not ended yet but ends by the horizon asked for.
    public var dueSoon: Int

    public init(overdue: Int = 0, dueSoon: Int = 0) {
        self.overdue = overdue
        self.dueSoon = dueSoon
    }
}

/// Counts of requests the store answers itself, so a page never reads every request to count them.
public protocol RequestCountStore: Sendable {
    /// Per property, the open requests (neither completed nor denied) whose deadline day ended at or before `now`
    /// (overdue, as `RequestQuery.overdueAt` lists them), and those whose deadline day ends after `now` and at or
    /// before `dueBy` (due soon). A property with neither is left out.
    func openRequestCounts(at now: Int64, dueBy: Int64) async throws -> [String: OpenRequestCounts]
}
