import AssentCore
import AssentScanner
import Foundation
import Logging
import Testing

/// The benchmark `scripts/bench-scan` runs (not part of the test suite): the fixture site's 40 plain pages × FR and
/// US-CA × the four visits, two tabs on one browser. Prints the visit rate; the script samples the memory.
@Suite("Scan benchmark")
struct ScanBenchTests {
    @Test(
        "40 pages × 2 regions × 4 visits",
        .enabled(if: ProcessInfo.processInfo.environment["ASSENT_BENCH_SCAN"] == "1", "run by scripts/bench-scan"))
    func bench() async throws {
        let pages = Int(ProcessInfo.processInfo.environment["ASSENT_BENCH_PAGES"] ?? "") ?? 40
        try await FixtureSite.run(benchPages: pages) { fixture in
            let request = fixture.request(
                (0..<pages).map { "/p/\($0)" }, regions: ["FR", "US-CA"], maxPages: pages)
            let started = ContinuousClock.now
            let observations = try await ScanRunner(request: request, logger: ScanFixtureTests.logger).run { _, _ in }
            let seconds =
                Double(started.duration(to: .now).components.seconds)
                + Double(started.duration(to: .now).components.attoseconds) / 1e18
            let failed = observations.visits.filter { $0.outcome != .ok }.count
            let rate = Double(observations.visits.count) / seconds * 60
            print(
                "bench-scan: \(observations.visits.count) visits (\(failed) failed) of \(observations.pages.count) pages in "
                    + String(format: "%.1f s: %.1f visits/minute", seconds, rate))
            #expect(observations.visits.count == pages * 8)
            #expect(failed == 0)
        }
    }
}
