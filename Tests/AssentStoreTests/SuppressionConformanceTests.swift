import AssentCore
import AssentStore
import Foundation
import Testing

/// `SuppressionStore`: the keys of addresses that opted out; every store must pass it.
@Suite("Suppression store conformance")
struct SuppressionConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func suppressionInBulk(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let hashes = (0..<2_000).map { String(format: "%064x", $0) }
            for hash in hashes where Int(hash, radix: 16)! % 3 == 0 {
                try await store.addSuppression(
                    SuppressionEntry(property: "demo", hash: hash, addedAt: 1, requestID: nil))
            }
            // Adding twice is harmless.
            try await store.addSuppression(
                SuppressionEntry(property: "demo", hash: hashes[0], addedAt: 2, requestID: nil))
            let found = try await store.suppressed(property: "demo", hashes: hashes)
            #expect(found == Set(hashes.filter { Int($0, radix: 16)! % 3 == 0 }))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anEntryComesWithItsRequestAndCountsForItsPropertyOnly(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let request = RequestStoreConformanceTests.makeRequest(1)
            let entry = SuppressionEntry(
                property: "demo", hash: request.emailHash, addedAt: request.receivedAt, requestID: request.id)
            try await store.createRequest(
                request, event: RequestStoreConformanceTests.created(request), challenge: nil, suppression: entry,
                webhook: nil)
            #expect(try await store.suppressed(property: "demo", hashes: [request.emailHash, "other"]) == [entry.hash])
            #expect(try await store.suppressed(property: "other", hashes: [request.emailHash]) == [])
            #expect(try await store.suppressed(property: "demo", hashes: []) == [])
        }
    }
}
