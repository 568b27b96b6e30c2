import AssentCore
import AssentStore
import Foundation
import Testing

/// The export part of the request store contract: `attachExport`, `exportDocument`, and exports erased by
/// `eraseEmails`. Every store must pass it.
@Suite("Request export conformance")
struct RequestExportConformanceTests {
    typealias Requests = RequestStoreConformanceTests

    static func attached(_ request: PrivacyRequest, _ document: [UInt8], at time: Int64) -> PrivacyRequest {
        var changed = request
        changed.export = RequestExportSummary(
            attachedAt: time, bytes: document.count, sha256: Hex.encode(SHA256Digest.of(document)))
        changed.revision += 1
        return changed
    }

    static func event(_ request: PrivacyRequest, at time: Int64) -> RequestEvent {
        RequestEvent(requestID: request.id, at: time, actor: "admin:t", action: "export_attached", note: "n")
    }

    @Test(arguments: StoreKind.allCases)
    func anExportIsKeptByteForByteWithItsSummaryHistoryAndWebhook(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var request = Requests.makeRequest(1)
            request.status = .verified
            request.verifiedAt = request.receivedAt + 1
            try await store.createRequest(
                request, event: Requests.created(request), challenge: nil, suppression: nil, webhook: nil)
            #expect(try await store.exportDocument(requestID: request.id) == nil)
            #expect(try await store.request(id: request.id)?.export == nil)

            // Not canonical JSON, with bytes outside ASCII and a zero: kept as given.
            let document = Array("{ \"b\": 1,\n \"a\": \"ñ\\u0000\" }".utf8) + [0x20]
            let changed = Self.attached(request, document, at: 5_000)
            let webhook = WebhookDelivery(
                id: "w-export", property: "demo", requestID: request.id, url: "https://hooks.example/a",
                body: Array("{}".utf8), nextAttemptAt: 5_000)
            try await store.attachExport(
                changed, document: document, event: Self.event(request, at: 5_000), webhook: webhook)
            #expect(try await store.exportDocument(requestID: request.id) == document)
            #expect(try await store.request(id: request.id) == changed)
            #expect(
                try await store.requestEvents(requestID: request.id).map(\.action) == ["created", "export_attached"])
            #expect(try await store.dueWebhooks(at: 5_000, limit: 10) == [webhook])

            // Attaching again replaces the document; a status change afterwards keeps the summary.
            let second = Array(#"[2]"#.utf8)
            let replaced = Self.attached(changed, second, at: 6_000)
            try await store.attachExport(
                replaced, document: second, event: Self.event(request, at: 6_000), webhook: nil)
            #expect(try await store.exportDocument(requestID: request.id) == second)
            var moved = replaced
            moved.status = .inProgress
            moved.revision += 1
            try await store.updateRequest(
                moved,
                event: RequestEvent(requestID: request.id, at: 7_000, actor: "admin:t", action: "status"),
                suppression: nil, webhook: nil)
            #expect(try await store.request(id: request.id)?.export == replaced.export)
            #expect(try await store.exportDocument(requestID: request.id) == second)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func attachingNeedsTheCurrentRevisionAndChangesNothingWhenRefused(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let request = Requests.makeRequest(1)
            try await store.createRequest(
                request, event: Requests.created(request), challenge: nil, suppression: nil, webhook: nil)
            var stale = Self.attached(request, [1], at: 5_000)
            stale.revision = 3
            await #expect(throws: RequestStoreError.conflict(id: request.id, expected: 2, actual: 1)) {
                try await store.attachExport(stale, document: [1], event: Self.event(request, at: 5_000), webhook: nil)
            }
            let unknown = Self.attached(Requests.makeRequest(9), [1], at: 5_000)
            await #expect(throws: RequestStoreError.unknownRequest(unknown.id)) {
                try await store.attachExport(
                    unknown, document: [1], event: Self.event(unknown, at: 5_000), webhook: nil)
            }
            #expect(try await store.exportDocument(requestID: request.id) == nil)
            #expect(try await store.exportDocument(requestID: unknown.id) == nil)
            #expect(try await store.request(id: request.id) == request)
            #expect(try await store.requestEvents(requestID: request.id).map(\.action) == ["created"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func retentionErasesTheExportOfAClosedRequest(kind: StoreKind) async throws {
        try await kind.withStore { store in
            // Closed at 1,000 with an address and an export; closed at 1,000 with an export only (its address
            // erased earlier); open with an export.
            var requests: [PrivacyRequest] = []
            for n in 1...3 {
                var request = Requests.makeRequest(n, email: n == 2 ? nil : "r\(n)@example.com")
                request.status = .verified
                request.verifiedAt = 500
                try await store.createRequest(
                    request, event: Requests.created(request), challenge: nil, suppression: nil, webhook: nil)
                let changed = Self.attached(request, Array("{\"n\":\(n)}".utf8), at: 600)
                try await store.attachExport(
                    changed, document: Array("{\"n\":\(n)}".utf8), event: Self.event(request, at: 600), webhook: nil)
                var closed = changed
                if n < 3 {
                    closed.status = .completed
                    closed.closedAt = 1_000
                    closed.revision += 1
                    try await store.updateRequest(
                        closed,
                        event: RequestEvent(requestID: closed.id, at: 1_000, actor: "admin:t", action: "status"),
                        suppression: nil, webhook: nil)
                }
                requests.append(closed)
            }
            #expect(try await store.eraseEmails(closedBefore: 1_000, at: 5_000).count == 0)
            #expect(try await store.eraseEmails(closedBefore: 1_001, at: 5_000).count == 2)
            for request in requests.prefix(2) {
                #expect(try await store.exportDocument(requestID: request.id) == nil)
                let stored = try #require(try await store.request(id: request.id))
                #expect(stored.export == nil && stored.email == nil)
            }
            #expect(
                try await store.requestEvents(requestID: requests[0].id).map(\.action).suffix(2) == [
                    "email_erased", "export_erased",
                ])
            #expect(try await store.requestEvents(requestID: requests[1].id).map(\.action).last == "export_erased")
            #expect(!(try await store.requestEvents(requestID: requests[1].id).map(\.action).contains("email_erased")))
            #expect(try await store.exportDocument(requestID: requests[2].id) == Array(#"{"n":3}"#.utf8))
            #expect(try await store.request(id: requests[2].id)?.export != nil, "an open request keeps its export")
            #expect(try await store.eraseEmails(closedBefore: 1_001, at: 6_000).count == 0, "nothing left to erase")
        }
    }
}
