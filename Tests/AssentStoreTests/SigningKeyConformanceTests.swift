import AssentCore
import AssentStore
import Foundation
import Testing

/// The published signing keys: part of the storage contract, so every store runs it.
@Suite("Signing key conformance")
struct SigningKeyConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func keysArePublishedOnceAndKeptInOrder(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.publishedKeys().isEmpty)
            let old = PublishedKey(
                keyID: "aaaa000000000001", publicKey: Array(repeating: 1, count: 32), firstUsedAt: 10)
            let new = PublishedKey(
                keyID: "bbbb000000000002", publicKey: Array(repeating: 2, count: 32), firstUsedAt: 20)
            try await store.publishKey(new)
            try await store.publishKey(old)
            // A server starting again publishes its key again, later: nothing changes.
            var again = new
            again.firstUsedAt = 99
            try await store.publishKey(again)
            #expect(try await store.publishedKeys() == [old, new])
            // One id can never name other key bytes: that would let a key be swapped under old receipts.
            var forged = old
            forged.publicKey = Array(repeating: 9, count: 32)
            await #expect(throws: StoreError.self) { try await store.publishKey(forged) }
            #expect(try await store.publishedKeys() == [old, new])
        }
    }
}
