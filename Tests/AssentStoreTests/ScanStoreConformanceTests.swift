import AssentCore
import AssentPostgres
import AssentStore
import Foundation
import Testing

/// The compliance-scan part of the storage contract; every store must pass it.
@Suite("Scan store conformance")
struct ScanStoreConformanceTests {
    static let t0: Int64 = 1_795_969_185_000

    static func scan(
        _ id: String, property: String = "demo", status: ScanStatus = .queued, at time: Int64 = t0,
        secret: UInt8 = 0, expires: Int64 = t0 + 3_600_000
    ) -> StoredScan {
        StoredScan(
            id: id, property: property, status: status, request: Array(#"{"maxPages":5}"#.utf8), createdAt: time,
            secretHash: Array(repeating: secret, count: 32), secretExpiresAt: expires)
    }

    @Test(arguments: StoreKind.allCases)
    func aScanIsStoredUpdatedAndReadBackWithItsReport(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var scan = Self.scan("s1", secret: 1)
            try await store.createScan(scan, keep: 5)
            #expect(try await store.scan(id: "s1") == scan)
            scan.status = .running
            scan.startedAt = Self.t0 + 10
            scan.progress = ScanProgressCounts(
                pagesDone: 1, pagesKnown: 3, visitsDone: 8, visitsPlanned: 24, violations: 2)
            #expect(try await store.updateScan(scan))
            #expect(try await store.scan(id: "s1") == scan)
            scan.status = .done
            scan.finishedAt = Self.t0 + 20
            scan.report = Array(#"{"version":1}"#.utf8)
            #expect(try await store.updateScan(scan))
            #expect(try await store.scan(id: "s1") == scan)
            // The listing leaves the report out.
            var listed = scan
            listed.report = nil
            #expect(try await store.scans(property: "demo", limit: 10) == [listed])
            #expect(try await store.scans(property: "other", limit: 10).isEmpty)
            #expect(try await store.scan(id: "nope") == nil)
            #expect(try await store.updateScan(Self.scan("nope", secret: 9)) == false)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func onlyTheNewestFinishedScansOfAPropertyAreKept(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createScan(Self.scan("running", status: .running, at: Self.t0, secret: 10), keep: 2)
            for i in 0..<4 {
                try await store.createScan(
                    Self.scan(
                        "done\(i)", status: i == 1 ? .failed : .done, at: Self.t0 + Int64(i) + 1, secret: UInt8(i)),
                    keep: 2)
            }
            try await store.createScan(Self.scan("other", property: "other", status: .done, secret: 20), keep: 2)
            let ids = try await store.scans(property: "demo", limit: 10).map(\.id)
            #expect(ids == ["done3", "done2", "running"])
            #expect(try await store.scans(property: "demo", limit: 1).map(\.id) == ["done3"])
            #expect(try await store.scans(property: "other", limit: 10).map(\.id) == ["other"])
            // The secrets of deleted scans go with them.
            #expect(try await store.scanSecret(hash: Array(repeating: 0, count: 32)) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func thePreviousDoneScanIsTheNewestDoneOneBefore(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var first = Self.scan("a", status: .done, at: Self.t0, secret: 1)
            first.report = Array("{}".utf8)
            try await store.createScan(first, keep: 10)
            try await store.createScan(Self.scan("b", status: .failed, at: Self.t0 + 1, secret: 2), keep: 10)
            try await store.createScan(Self.scan("c", status: .running, at: Self.t0 + 2, secret: 3), keep: 10)
            #expect(try await store.previousDoneScan(property: "demo", before: Self.t0 + 2) == first)
            #expect(try await store.previousDoneScan(property: "demo", before: Self.t0) == nil)
            #expect(try await store.previousDoneScan(property: "other", before: Self.t0 + 9) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSecretIsFoundByItsHashAndExpiredScansFail(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createScan(Self.scan("old", status: .running, secret: 1, expires: Self.t0 + 5), keep: 5)
            try await store.createScan(Self.scan("live", status: .queued, secret: 2, expires: Self.t0 + 500), keep: 5)
            try await store.createScan(Self.scan("done", status: .done, secret: 3, expires: Self.t0 + 5), keep: 5)
            #expect(
                try await store.scanSecret(hash: Array(repeating: 2, count: 32))
                    == ScanSecretGrant(scanID: "live", property: "demo", expiresAt: Self.t0 + 500))
            #expect(try await store.scanSecret(hash: Array(repeating: 7, count: 32)) == nil)
            #expect(try await store.failExpiredScans(reason: "server stopped", at: Self.t0 + 100) == 1)
            let old = try #require(try await store.scan(id: "old"))
            #expect(old.status == .failed && old.error == "server stopped" && old.finishedAt == Self.t0 + 100)
            #expect(try await store.scan(id: "live")?.status == .queued)
            #expect(try await store.scan(id: "done")?.status == .done)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func scheduleRunsAreKeptPerProperty(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.scanScheduleStates().isEmpty)
            try await store.setScanScheduleRun(property: "demo", at: Self.t0)
            try await store.setScanScheduleRun(property: "b", at: Self.t0 + 1)
            try await store.setScanScheduleRun(property: "demo", at: Self.t0 + 2)
            #expect(
                try await store.scanScheduleStates() == [
                    ScanScheduleState(property: "b", lastRunAt: Self.t0 + 1),
                    ScanScheduleState(property: "demo", lastRunAt: Self.t0 + 2),
                ])
        }
    }

    /// Several servers finding one schedule due at once: each claims the run it read; exactly one claim holds.
    @Test(arguments: StoreKind.allCases)
    func ofConcurrentClaimsOfAScheduledRunExactlyOneHolds(kind: StoreKind) async throws {
        try await kind.withStore { (store: any AssentStorage) async throws in
            let race = { (previous: Int64?, time: Int64) async throws -> Int in
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            try await store.claimScanScheduleRun(property: "demo", previous: previous, at: time)
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
            }
            // Never run: one of the servers inserts the run.
            #expect(try await race(nil, Self.t0) == 1)
            #expect(try await store.scanScheduleStates() == [ScanScheduleState(property: "demo", lastRunAt: Self.t0)])
            // A claim on a run that is not the stored one (read before another server claimed) fails.
            #expect(try await !store.claimScanScheduleRun(property: "demo", previous: nil, at: Self.t0 + 5))
            #expect(try await !store.claimScanScheduleRun(property: "demo", previous: Self.t0 - 1, at: Self.t0 + 5))
            // Due again: one of them moves it on.
            #expect(try await race(Self.t0, Self.t0 + 86_400_000) == 1)
            #expect(
                try await store.scanScheduleStates() == [
                    ScanScheduleState(property: "demo", lastRunAt: Self.t0 + 86_400_000)
                ])
        }
    }
}
