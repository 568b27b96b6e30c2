import AssentCore
import AssentStore
import Foundation
import Testing

/// Signed-in readers' part of the ledger contract: the latest record of a subject across a group of properties.
@Suite("Identity store conformance")
struct IdentityStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func theLatestRecordOfASubjectAcrossProperties(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let reader = "u-AAAAAAAAAAAAAAAAAAAAAA"
            let writer = makeWriter(store)
            #expect(try await store.latestRecord(subject: reader, properties: ["news", "sports"]) == nil)
            // Written in this order; `recordedAt` (the last argument) is not the order of writing.
            let entries = [
                makeEntry(1, property: "news", subject: reader, at: 1_000),
                makeEntry(2, property: "sports", subject: reader, at: 3_000),
                makeEntry(3, property: "news", subject: reader, at: 2_000),
                makeEntry(4, property: "weather", subject: reader, at: 9_000),
                makeEntry(5, property: "news", subject: "u-BBBBBBBBBBBBBBBBBBBBBB", at: 9_000),
            ]
            for entry in entries { _ = try await writer.append(entry) }
            func latest(_ properties: [String]) async throws -> String? {
                try await store.latestRecord(subject: reader, properties: properties)?.entry.id
            }
            #expect(try await latest(["news", "sports"]) == entries[1].id, "the latest recordedAt, not the last write")
            #expect(try await latest(["news"]) == entries[2].id, "on one property, its latest")
            #expect(try await latest(["news", "sports", "weather"]) == entries[3].id)
            #expect(try await latest(["news", "news"]) == entries[2].id, "a property named twice counts once")
            #expect(try await latest(["elsewhere"]) == nil)
            #expect(try await latest([]) == nil)
            let record = try #require(try await store.latestRecord(subject: reader, properties: ["sports"]))
            #expect(record.entry == entries[1], "the entry as written")
            #expect(record.leafIndex == 1 && record.log == 0)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func equalTimesGoToTheLaterLogPosition(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let reader = "u-CCCCCCCCCCCCCCCCCCCCCC"
            let writer = makeWriter(store)
            let first = makeEntry(0, property: "news", subject: reader, at: 5_000)
            let second = makeEntry(0, property: "sports", subject: reader, at: 5_000)
            _ = try await writer.append(first)
            _ = try await writer.append(second)
            #expect(
                try await store.latestRecord(subject: reader, properties: ["sports", "news"])?.entry.id == second.id)
        }
    }
}
