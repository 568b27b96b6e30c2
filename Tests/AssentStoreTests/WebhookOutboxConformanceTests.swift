import AssentCore
import AssentStore
import Foundation
import Testing

/// `WebhookOutbox`: deliveries written with a request, retried until delivered; every store must pass it.
@Suite("Webhook outbox conformance")
struct WebhookOutboxConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func retriesUntilDelivered(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var delivery = WebhookDelivery(
                id: "w1", property: "demo", requestID: "0190-0001", url: "https://hooks.example/a", body: [1],
                nextAttemptAt: 10)
            let request = RequestStoreConformanceTests.makeRequest(1)
            try await store.createRequest(
                request, event: RequestStoreConformanceTests.created(request), challenge: nil, suppression: nil,
                webhook: delivery)
            try await store.saveWebhookAttempt(delivery)
            delivery.attempts = 1
            delivery.nextAttemptAt = 40
            delivery.lastError = "HTTP 503"
            try await store.saveWebhookAttempt(delivery)
            #expect(try await store.dueWebhooks(at: 39, limit: 5) == [])
            #expect(try await store.dueWebhooks(at: 40, limit: 5) == [delivery])
            delivery.deliveredAt = 41
            try await store.saveWebhookAttempt(delivery)
            #expect(try await store.dueWebhooks(at: 1_000, limit: 5) == [])
        }
    }
}
