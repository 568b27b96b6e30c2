/// Conversions between sorted ID lists and runs of consecutive IDs, the shape every range encoding uses.
enum IDRuns {
    /// Maximal runs of consecutive IDs, in order, for a sorted, distinct list (callers check that first).
    static func runs(of ids: [Int]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        var index = 0
        while index < ids.count {
            let start = ids[index]
            var end = start
            while index + 1 < ids.count && ids[index + 1] == end + 1 {
                index += 1
                end += 1
            }
            runs.append(start...end)
            index += 1
        }
        return runs
    }

    /// Sorted, merged ranges (overlapping and adjacent ones joined), so duplicates in the input disappear.
    static func normalized(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        // Already sorted, apart and not touching (what an encoder writes): nothing to do, nothing to allocate.
        if zip(ranges, ranges.dropFirst()).allSatisfy({ $0.upperBound + 1 < $1.lowerBound }) { return ranges }
        var merged: [ClosedRange<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// Every ID of normalized ranges, ascending.
    static func ids(of ranges: [ClosedRange<Int>]) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(ranges.reduce(0) { $0 + $1.count })
        for range in ranges { ids.append(contentsOf: range) }
        return ids
    }
}
