/// A publisher restriction from the TC string's core segment: for one purpose, the vendors whose legal basis
/// the publisher overrides.
///
/// Vendors are kept as merged ranges rather than a list: a handful of bits can declare a range of 65 535
/// vendors, and a string may carry thousands of restrictions, so expanding them all on decode would let a
/// small hostile string claim gigabytes. `vendorIds` expands one restriction on demand.
public struct TCPublisherRestriction: Sendable, Equatable {
    /// What the restriction requires of the listed vendors.
    public enum RestrictionType: Int, Sendable, Equatable, CaseIterable {
        /// Purpose flatly not allowed by the publisher.
        case notAllowed = 0
        case requireConsent = 1
        case requireLegitimateInterest = 2
        /// Reserved by the specification.
        case undefined = 3
    }

    public var purposeId: Int
    public var restrictionType: RestrictionType
    /// Sorted, merged, non-overlapping vendor ranges (duplicates in the string are gone).
    public var vendorRanges: [ClosedRange<Int>]

    public init(purposeId: Int, restrictionType: RestrictionType, vendorRanges: [ClosedRange<Int>]) {
        self.purposeId = purposeId
        self.restrictionType = restrictionType
        self.vendorRanges = IDRuns.normalized(vendorRanges)
    }

    public init(purposeId: Int, restrictionType: RestrictionType, vendorIds: [Int]) {
        self.init(
            purposeId: purposeId, restrictionType: restrictionType, vendorRanges: IDRuns.runs(of: vendorIds.sorted()))
    }

    /// The restricted vendor IDs, sorted.
    public var vendorIds: [Int] { IDRuns.ids(of: vendorRanges) }
}
