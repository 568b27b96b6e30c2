import AssentCore
import Testing

@testable import AssentServer

/// The latest-decision cache: bounded by two generations, newer records win, and off at capacity 0.
@Suite("Decision cache")
struct DecisionCacheTests {
    static func item(_ subject: String, at time: Int64, leaf: Int = 0) -> DecisionCache.Item {
        let entry = LedgerEntry(
            id: "r-\(subject)-\(time)", property: "demo", subject: subject, choices: ["necessary": true],
            action: .save, regime: .optIn, region: "FR", gpc: false, gpcConflicts: [], policyVersion: 1,
            textsHash: String(repeating: "0", count: 64), lang: "en", recordedAt: time)
        return DecisionCache.Item(leafIndex: leaf, revision: 1, entry: entry, bytes: Array(subject.utf8))
    }

    @Test func aFullGenerationMakesRoomAndTheOldestGoesFirst() {
        let cache = DecisionCache(capacity: 4)  // generations of 2
        for (n, subject) in ["a", "b", "c", "d", "e"].enumerated() {
            cache.put(property: "demo", subject: subject, Self.item(subject, at: Int64(n)))
        }
        // "c" started the second generation and "e" the third, which dropped the first ("a", "b").
        #expect(cache.get(property: "demo", subject: "a") == nil)
        #expect(cache.get(property: "demo", subject: "b") == nil)
        #expect(["c", "d", "e"].allSatisfy { cache.get(property: "demo", subject: $0) != nil })
    }

    @Test func aReadKeepsASubjectWhenItsGenerationIsDropped() {
        let cache = DecisionCache(capacity: 4)
        for (n, subject) in ["a", "b", "c"].enumerated() {
            cache.put(property: "demo", subject: subject, Self.item(subject, at: Int64(n)))
        }
        #expect(cache.get(property: "demo", subject: "a")?.bytes == Array("a".utf8))  // back to the newer one
        cache.put(property: "demo", subject: "d", Self.item("d", at: 3))
        #expect(cache.get(property: "demo", subject: "b") == nil)
        #expect(["a", "c", "d"].allSatisfy { cache.get(property: "demo", subject: $0) != nil })
    }

    @Test func anOlderRecordNeverReplacesANewerOne() {
        let cache = DecisionCache(capacity: 8)
        cache.put(property: "demo", subject: "a", Self.item("a", at: 10, leaf: 5))
        cache.put(property: "demo", subject: "a", Self.item("a", at: 9, leaf: 7))
        #expect(cache.get(property: "demo", subject: "a")?.entry.recordedAt == 10)
        cache.put(property: "demo", subject: "a", Self.item("a", at: 11, leaf: 1))
        #expect(cache.get(property: "demo", subject: "a")?.entry.recordedAt == 11)
    }

    @Test func capacityZeroKeepsNothing() {
        let cache = DecisionCache(capacity: 0)
        cache.put(property: "demo", subject: "a", Self.item("a", at: 1))
        #expect(cache.get(property: "demo", subject: "a") == nil)
    }
}
