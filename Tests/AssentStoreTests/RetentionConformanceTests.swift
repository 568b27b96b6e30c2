import AssentCore
import AssentStore
import Foundation
import Testing

/// `RetentionStore`: the personal data of closed requests erased, the suppression key kept; every store must pass
/// it.
@Suite("Retention store conformance")
struct RetentionConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func erasureTakesTheDetailsAndTheWebhookBodies(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var closed = RequestStoreConformanceTests.makeRequest(1)
            closed.status = .completed
            closed.closedAt = 1_000
            let open = RequestStoreConformanceTests.makeRequest(2)
            for (n, r) in [closed, open].enumerated() {
                try await store.createRequest(
                    r, event: RequestStoreConformanceTests.created(r), challenge: nil, suppression: nil,
                    webhook: WebhookDelivery(
                        id: "w\(n)", property: "demo", requestID: r.id, url: "https://hooks.example/a",
                        body: Array(#"{"email":"ana@example.com","details":{"name":"Ana"}}"#.utf8), nextAttemptAt: 10))
            }
            let pending = try await store.dueWebhooks(at: 10, limit: 10)
            #expect(pending.count == 2)
            #expect(try await store.eraseEmails(closedBefore: 1_001, at: 5_000) == [closed.id])
            let erased = try #require(try await store.request(id: closed.id))
            #expect(erased.email == nil && erased.details.isEmpty)
            #expect(try await store.request(id: open.id)?.details == open.details, "an open request keeps them")
            #expect(try await store.dueWebhooks(at: 10, limit: 10).map(\.requestID) == [open.id])
            // A dispatcher that was calling the erased delivery meanwhile does not bring it back.
            var attempt = try #require(pending.first { $0.requestID == closed.id })
            attempt.attempts = 1
            attempt.nextAttemptAt = 20
            try await store.saveWebhookAttempt(attempt)
            #expect(try await store.dueWebhooks(at: 100, limit: 10).map(\.requestID) == [open.id])
            let events = try await store.requestEvents(requestID: closed.id)
            #expect(events.map(\.action) == ["created", "email_erased"])
            #expect(events.last?.note == "the address and the details")
            #expect(try await store.eraseEmails(closedBefore: 1_001, at: 6_000) == [])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func onlyClosedRequestsAreErasedAndTheKeyOutlivesTheAddress(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var closed = RequestStoreConformanceTests.makeRequest(1)
            closed.status = .completed
            closed.closedAt = 1_000
            let open = RequestStoreConformanceTests.makeRequest(2)
            for r in [closed, open] {
                try await store.createRequest(
                    r, event: RequestStoreConformanceTests.created(r), challenge: nil, suppression: nil, webhook: nil)
            }
            #expect(try await store.eraseEmails(closedBefore: 1_000, at: 5_000).count == 0)
            #expect(try await store.eraseEmails(closedBefore: 1_001, at: 5_000).count == 1)
            #expect(try await store.request(id: closed.id)?.email == nil)
            #expect(
                try await store.request(id: closed.id)?.emailHash == closed.emailHash, "the key outlives the address")
            #expect(try await store.request(id: open.id)?.email == "ana@example.com")
            #expect(try await store.requestEvents(requestID: closed.id).map(\.action) == ["created", "email_erased"])
            #expect(try await store.eraseEmails(closedBefore: 1_001, at: 6_000).count == 0)
        }
    }
}
