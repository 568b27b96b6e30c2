import AssentCore

/// Daily aggregate counters (see `AnalyticsCount`): no row names a visitor. Written in batches by one writer per
/// server; several servers on one database add up.
public protocol AnalyticsStore: Sendable {
    /// Adds every count to its row (creating it), in one transaction: `count = count + added`.
    func addAnalytics(_ counts: [AnalyticsCount]) async throws
    /// The rows of a property from day `from` to day `to` (days since 1970-01-01, both included).
    func analytics(property: String, fromDay: Int, toDay: Int) async throws -> [AnalyticsCount]
    /// Replaces the decision counters (every metric but the banner events) of `property` (every property when
    /// nil) on days from `fromDay` on (every day when nil) with `counts`, in one transaction.
    func replaceDecisionAnalytics(property: String?, fromDay: Int?, with counts: [AnalyticsCount]) async throws
    /// Deletes every row of a day before `day`; returns how many went.
    func deleteAnalytics(beforeDay day: Int) async throws -> Int
}

extension AnalyticsStore {
    /// Sums counts of one cell and metric, so that a batch writes each row once.
    public static func merged(_ counts: [AnalyticsCount]) -> [AnalyticsCount] {
        var sums: [AnalyticsKey: Int] = [:]
        for count in counts where count.count != 0 {
            sums[AnalyticsKey(cell: count.cell, metric: count.metric), default: 0] += count.count
        }
        return sums.map { AnalyticsCount(cell: $0.key.cell, metric: $0.key.metric, count: $0.value) }
    }
}

/// Decision counters recomputed from the ledger: every stored record, in order per subject.
public enum AnalyticsRebuild {
    /// Recounts the decisions of `property` (every property when nil) from the stored records, and replaces the
    /// decision counters on days from `fromDay` on with the result. Returns the number of records read.
    @discardableResult
    public static func run(
        store: any LedgerStore & AnalyticsStore, property: String? = nil, fromDay: Int? = nil, pageSize: Int = 5000
    ) async throws -> Int {
        var records: [StoredRecord] = []
        for log in try await store.logs() {
            var next = 0
            while true {
                let page = try await store.rawRecords(log: log, from: next, limit: pageSize)
                for raw in page where property == nil || raw.property == property {
                    do {
                        records.append(
                            StoredRecord(
                                log: log, leafIndex: raw.leafIndex, entry: try LedgerEntry(canonicalBytes: raw.bytes)))
                    } catch {
                        throw StoreError.corrupt("record at leaf \(raw.leafIndex) of log \(log): \(error)")
                    }
                }
                guard let last = page.last, page.count == pageSize else { break }
                next = last.leafIndex + 1
            }
        }
        // The order the live counter saw them in: time, then place in the log.
        records.sort { StoredRecord.isLater($1, than: $0) }
        let counts = AnalyticsMetric.decisions(records.lazy.map(\.entry), fromDay: fromDay)
        try await store.replaceDecisionAnalytics(property: property, fromDay: fromDay, with: counts)
        return records.count
    }
}
