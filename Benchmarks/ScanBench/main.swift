import AssentCore
import AssentScanner
import Foundation
import Logging
import ScanFixtureSite

// The benchmark `scripts/bench-scan` runs: the fixture site's plain pages (40 unless ASSENT_BENCH_PAGES says) × FR
// and US-CA × the four visits, two tabs on one Chromium, against a real in-process Assent server. Prints the visit
// rate; the script samples the browser's memory. Exits non-zero when a visit failed or one is missing.

let pages = Int(ProcessInfo.processInfo.environment["ASSENT_BENCH_PAGES"] ?? "") ?? 40
var logger = Logger(label: "assent-scan-bench")
logger.logLevel = .warning
let scanLogger = logger

let complete = try await FixtureSite.run(benchPages: pages) { fixture in
    let request = fixture.request((0..<pages).map { "/p/\($0)" }, regions: ["FR", "US-CA"], maxPages: pages)
    let started = ContinuousClock.now
    let observations = try await ScanRunner(request: request, logger: scanLogger).run { _, _ in }
    let seconds = started.duration(to: .now) / .seconds(1)
    let failed = observations.visits.filter { $0.outcome != .ok }.count
    let rate = Double(observations.visits.count) / seconds * 60
    print(
        "bench-scan: \(observations.visits.count) visits (\(failed) failed) of \(observations.pages.count) pages in "
            + String(format: "%.1f s: %.1f visits/minute", seconds, rate))
    return failed == 0 && observations.visits.count == pages * 8
}
if !complete {
    FileHandle.standardError.write(Data("bench-scan: expected \(pages * 8) visits, all ok\n".utf8))
    exit(1)
}
