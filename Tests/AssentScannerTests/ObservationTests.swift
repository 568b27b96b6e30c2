import AssentCore
import Testing

@testable import AssentScanner

@Suite struct ObservationTests {
    @Test func visitKindsAreTheFourTheIssueNames() {
        #expect(VisitKind.allCases.map(\.rawValue) == ["before-choice", "reject-all", "accept-all", "gpc"])
    }
}
