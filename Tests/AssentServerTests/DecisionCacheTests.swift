import AssentCore
import AssentStore
import Foundation
import Testing

@testable import AssentServer

/// The latest-decision cache: bounded by two generations, newer records win, and off at capacity 0. Shared by
/// several servers, it is on only while a change feed is live, drops what the feed says changed, and refuses what
/// was read before a change was heard.
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
            cache.put(property: "demo", subject: subject, Self.item(subject, at: Int64(n)), since: cache.mark())
        }
        // "c" started the second generation and "e" the third, which dropped the first ("a", "b").
        #expect(cache.get(property: "demo", subject: "a") == nil)
        #expect(cache.get(property: "demo", subject: "b") == nil)
        #expect(["c", "d", "e"].allSatisfy { cache.get(property: "demo", subject: $0) != nil })
    }

    @Test func aReadKeepsASubjectWhenItsGenerationIsDropped() {
        let cache = DecisionCache(capacity: 4)
        for (n, subject) in ["a", "b", "c"].enumerated() {
            cache.put(property: "demo", subject: subject, Self.item(subject, at: Int64(n)), since: cache.mark())
        }
        #expect(cache.get(property: "demo", subject: "a")?.bytes == Array("a".utf8))  // back to the newer one
        cache.put(property: "demo", subject: "d", Self.item("d", at: 3), since: cache.mark())
        #expect(cache.get(property: "demo", subject: "b") == nil)
        #expect(["a", "c", "d"].allSatisfy { cache.get(property: "demo", subject: $0) != nil })
    }

    @Test func anOlderRecordNeverReplacesANewerOne() {
        let cache = DecisionCache(capacity: 8)
        cache.put(property: "demo", subject: "a", Self.item("a", at: 10, leaf: 5), since: cache.mark())
        cache.put(property: "demo", subject: "a", Self.item("a", at: 9, leaf: 7), since: cache.mark())
        #expect(cache.get(property: "demo", subject: "a")?.entry.recordedAt == 10)
        cache.put(property: "demo", subject: "a", Self.item("a", at: 11, leaf: 1), since: cache.mark())
        #expect(cache.get(property: "demo", subject: "a")?.entry.recordedAt == 11)
    }

    @Test func capacityZeroKeepsNothing() {
        let cache = DecisionCache(capacity: 0)
        cache.put(property: "demo", subject: "a", Self.item("a", at: 1), since: cache.mark())
        #expect(cache.get(property: "demo", subject: "a") == nil)
    }

    @Test func sharedItIsOffUntilTheFeedIsLiveAndOffAgainWhenTheFeedIsLost() {
        let feed = ChangeFeed()
        let cache = DecisionCache(capacity: 8, shared: true)
        cache.follow(feed)
        cache.put(property: "demo", subject: "a", Self.item("a", at: 1), since: cache.mark())
        #expect(cache.get(property: "demo", subject: "a") == nil, "no feed yet: nothing is trusted")
        feed.publish(.live)
        cache.put(property: "demo", subject: "a", Self.item("a", at: 1), since: cache.mark())
        #expect(cache.get(property: "demo", subject: "a") != nil)
        feed.publish(.lost)
        #expect(cache.get(property: "demo", subject: "a") == nil)
        feed.publish(.live)
        #expect(cache.get(property: "demo", subject: "a") == nil, "back, but whatever was cached may be stale")
    }

    @Test func aChangeHeardDropsTheSubjectUnlessItIsTheRecordCached() {
        let feed = ChangeFeed()
        feed.publish(.live)
        let cache = DecisionCache(capacity: 8, shared: true)
        cache.follow(feed)
        let a = Self.item("a", at: 1)
        cache.put(property: "demo", subject: "a", a, since: cache.mark())
        cache.put(property: "demo", subject: "b", Self.item("b", at: 1), since: cache.mark())
        // This server's own write, heard back: still the latest.
        feed.publish(.changed(.decision(property: "demo", subject: "a", record: a.entry.id)))
        #expect(cache.get(property: "demo", subject: "a") === a)
        // Another server's decision: read it from the database next time.
        feed.publish(.changed(.decision(property: "demo", subject: "b", record: "elsewhere")))
        #expect(cache.get(property: "demo", subject: "b") == nil)
        #expect(cache.get(property: "demo", subject: "a") === a)
    }

    @Test func whatWasReadBeforeAChangeWasHeardIsNotKept() {
        let feed = ChangeFeed()
        feed.publish(.live)
        let cache = DecisionCache(capacity: 8, shared: true)
        cache.follow(feed)
        // A read begins, another server commits a newer record and the feed tells of it, then the read (of the
        // older record) ends: keeping it would serve the older decision for ever.
        let (missed, readBegan) = cache.lookup(property: "demo", subject: "a")
        #expect(missed == nil)
        feed.publish(.changed(.decision(property: "demo", subject: "a", record: "r-newer")))
        cache.put(property: "demo", subject: "a", Self.item("a", at: 1), since: readBegan)
        #expect(cache.get(property: "demo", subject: "a") == nil)
        // The very record the feed named, however early the mark, is the latest.
        var newer = Self.item("a", at: 2).entry
        newer.id = "r-newer"
        let named = DecisionCache.Item(leafIndex: 2, revision: 1, entry: newer, bytes: [])
        cache.put(property: "demo", subject: "a", named, since: readBegan)
        #expect(cache.get(property: "demo", subject: "a") === named)
        // A read begun before the feed was lost and back is refused, whatever it read.
        let beforeFlush = cache.mark()
        feed.publish(.lost)
        feed.publish(.live)
        cache.put(property: "demo", subject: "b", Self.item("b", at: 3), since: beforeFlush)
        #expect(cache.get(property: "demo", subject: "b") == nil)
        cache.put(property: "demo", subject: "b", Self.item("b", at: 3), since: cache.mark())
        #expect(cache.get(property: "demo", subject: "b") != nil)
    }

    @Test func aWriteRefusedBecauseOfALateNoticeDropsTheOlderRecordCached() {
        let feed = ChangeFeed()
        feed.publish(.live)
        let cache = DecisionCache(capacity: 8, shared: true)
        cache.follow(feed)
        // This server writes a subject's decision and caches it; its next decision for the subject is written
        // before the feed's notice of the first one arrives (a busy listener), and put after it.
        let first = Self.item("a", at: 1)
        cache.put(property: "demo", subject: "a", first, since: cache.mark())
        let writeBegan = cache.mark()
        feed.publish(.changed(.decision(property: "demo", subject: "a", record: first.entry.id)))
        let second = Self.item("a", at: 2)
        cache.put(property: "demo", subject: "a", second, since: writeBegan)
        // The first decision is no longer the latest: served from memory, it would be read as the subject's
        // earlier decision (a withdrawal counted twice) until the second's notice arrived.
        #expect(cache.get(property: "demo", subject: "a") !== first)
        feed.publish(.changed(.decision(property: "demo", subject: "a", record: second.entry.id)))
        #expect(cache.get(property: "demo", subject: "a") !== first)
    }
}

/// What a server's writes put in the cache: not a browser's first decision (it starts its subject, which nobody
/// can have read), but its first read, and every later decision of a subject.
@Suite("Decision cache: what a write puts")
struct DecisionCacheWriteTests {
    @Test func aFirstDecisionIsNotCachedItsReadAndTheNextDecisionAre() async throws {
        let configuration = TestServer.configuration(store: .sqlite)
        defer { TestServer.removeDirectory(configuration.dataDirectory) }
        let opened = try await TestServer.openWithDemo(configuration)
        let service = TestServer.consentService(configuration, opened)
        func record(_ body: String) async throws -> (id: String, subject: String) {
            let answer = try await service.record(
                propertyID: "demo", body: Array(body.utf8), regionHeader: "FR", gpcHeader: false)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])
            return (try #require(object["id"] as? String), try #require(object["subject"] as? String))
        }
        let first = try await record(#"{"action":"accept_all","policyVersion":1}"#)
        #expect(service.decisions.get(property: "demo", subject: first.subject) == nil)
        // Read once from the store, then from memory.
        let read = try await service.latest(propertyID: "demo", subject: first.subject)
        #expect(String(decoding: read, as: UTF8.self).contains(first.id))
        #expect(service.decisions.get(property: "demo", subject: first.subject)?.entry.id == first.id)
        // The subject's next decision replaces it; a decision naming a subject is cached even when not held.
        let second = try await record(#"{"action":"reject_all","policyVersion":1,"subject":"\#(first.subject)"}"#)
        #expect(second.subject == first.subject)
        #expect(service.decisions.get(property: "demo", subject: first.subject)?.entry.id == second.id)
        let other = try await record(#"{"action":"accept_all","policyVersion":1}"#)
        let otherAgain = try await record(
            #"{"action":"save","choices":{},"policyVersion":1,"subject":"\#(other.subject)"}"#)
        #expect(service.decisions.get(property: "demo", subject: other.subject)?.entry.id == otherAgain.id)
    }
}
