import AssentCore
import AssentStore
import Foundation
import Testing

/// `RequestStore`: requests, their history and verification codes; every store must pass it. The other contracts
/// about requests have suites of their own (suppression, exports, retention, the webhook outbox, credentials).
@Suite("Request store conformance")
struct RequestStoreConformanceTests {
    static let received: Int64 = 1_795_969_185_000  // 2026-11-29

    static func makeRequest(
        _ n: Int, property: String = "demo", type: RequestType = .access, email: String? = "ana@example.com",
        subject: String? = nil
    ) -> PrivacyRequest {
        let day = CivilDate(milliseconds: received)
        return PrivacyRequest(
            id: String(format: "0190-%04d", n), property: property, type: type, law: .ccpa, region: "US-CA",
            lang: "en", email: email, emailHash: "hash-" + (email ?? "none"), details: ["name": "Ana \"A\" Ruiz"],
            subject: subject, receivedAt: received + Int64(n),
            deadlines: RequestDeadlines(received: day, type: type, law: .ccpa, calendar: BusinessCalendar()),
            statusTokenHash: "token-\(n)")
    }

    static func created(_ r: PrivacyRequest) -> RequestEvent {
        RequestEvent(requestID: r.id, at: r.receivedAt, actor: "requester", action: "created", to: .received)
    }

    @Test(arguments: StoreKind.allCases)
    func createReadAndHistory(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let request = Self.makeRequest(1, subject: "subject-1")
            let challenge = VerificationChallenge(
                requestID: request.id, code: "123456", salt: "s", now: request.receivedAt)
            let suppression = SuppressionEntry(
                property: "demo", hash: request.emailHash, addedAt: request.receivedAt, requestID: request.id)
            let webhook = WebhookDelivery(
                id: "w1", property: "demo", requestID: request.id, url: "https://hooks.example/a",
                body: Array("{}".utf8), nextAttemptAt: request.receivedAt)
            try await store.createRequest(
                request, event: Self.created(request), challenge: challenge, suppression: suppression, webhook: webhook)

            #expect(try await store.request(id: request.id) == request)
            #expect(try await store.request(statusTokenHash: "token-1") == request)
            #expect(try await store.request(id: "nope") == nil)
            #expect(try await store.requestEvents(requestID: request.id) == [Self.created(request)])
            let found = try await store.suppressed(property: "demo", hashes: [request.emailHash, "other"])
            #expect(found == [request.emailHash])
            #expect(try await store.suppressed(property: "elsewhere", hashes: [request.emailHash]) == [])
            #expect(try await store.dueWebhooks(at: request.receivedAt, limit: 10) == [webhook])
            #expect(try await store.dueWebhooks(at: request.receivedAt - 1, limit: 10) == [])
            #expect(try await store.requests(property: "demo", emailHash: request.emailHash, subject: nil) == [request])
            #expect(try await store.requests(property: "demo", emailHash: nil, subject: "subject-1") == [request])
            #expect(try await store.requests(property: "demo", emailHash: nil, subject: nil) == [])

            await #expect(throws: RequestStoreError.duplicateRequest(request.id)) {
                try await store.createRequest(
                    request, event: Self.created(request), challenge: nil, suppression: nil, webhook: nil)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func updatesNeedTheCurrentRevision(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let request = Self.makeRequest(1)
            try await store.createRequest(
                request, event: Self.created(request), challenge: nil, suppression: nil, webhook: nil)

            var verified = request
            verified.status = .verified
            verified.verifiedAt = request.receivedAt + 60_000
            verified.revision = 2
            let event = RequestEvent(
                requestID: request.id, at: request.receivedAt + 60_000, actor: "requester", action: "verified",
                from: .received, to: .verified)
            try await store.updateRequest(verified, event: event, suppression: nil, webhook: nil)
            #expect(try await store.request(id: request.id) == verified)

            // A second writer that read revision 1 loses.
            var stale = request
            stale.status = .denied
            stale.denialReason = "duplicate"
            stale.revision = 2
            await #expect(throws: RequestStoreError.conflict(id: request.id, expected: 1, actual: 2)) {
                try await store.updateRequest(stale, event: event, suppression: nil, webhook: nil)
            }
            var unknown = Self.makeRequest(9)
            unknown.revision = 2
            await #expect(throws: RequestStoreError.unknownRequest(unknown.id)) {
                try await store.updateRequest(unknown, event: event, suppression: nil, webhook: nil)
            }
            #expect(try await store.request(id: request.id) == verified)
            #expect(try await store.requestEvents(requestID: request.id).map(\.action) == ["created", "verified"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func queueFilters(kind: StoreKind) async throws {
        try await kind.withStore { store in
            for n in 1...6 {
                var request = Self.makeRequest(n, type: n % 2 == 0 ? .delete : .optOutSaleSharing)
                if n == 5 {
                    request.status = .completed
                    request.closedAt = request.receivedAt + 1
                }
                try await store.createRequest(
                    request, event: Self.created(request), challenge: nil, suppression: nil, webhook: nil)
            }
            let other = Self.makeRequest(7, property: "other")
            try await store.createRequest(
                other, event: Self.created(other), challenge: nil, suppression: nil, webhook: nil)

            func ids(_ query: RequestQuery) async throws -> [String] { try await store.requests(query).map(\.id) }
            #expect(try await ids(RequestQuery(property: "demo")) == (1...6).map { String(format: "0190-%04d", $0) })
            #expect(try await ids(RequestQuery(property: "demo", limit: 2)) == ["0190-0001", "0190-0002"])
            #expect(try await ids(RequestQuery(property: "demo", after: "0190-0004")) == ["0190-0005", "0190-0006"])
            #expect(
                try await ids(RequestQuery(property: "demo", types: [.delete])) == [
                    "0190-0002", "0190-0004", "0190-0006",
                ])
            #expect(try await ids(RequestQuery(property: "demo", statuses: [.completed])) == ["0190-0005"])
            #expect(try await ids(RequestQuery(property: "demo", receivedSince: Self.received + 6)) == ["0190-0006"])
            // Opt-outs are due in 15 business days (2026-12-18), deletions in 45 days (2027-01-13); a closed
            // request is never overdue.
            let afterOptOutDeadline = CivilDate("2026-12-18")!.endMilliseconds
            #expect(try await ids(RequestQuery(property: "demo", overdueAt: afterOptOutDeadline - 1)) == [])
            #expect(
                try await ids(RequestQuery(property: "demo", overdueAt: afterOptOutDeadline)) == [
                    "0190-0001", "0190-0003",
                ])
            #expect(try await ids(RequestQuery(property: "other")) == ["0190-0007"])
            // By deadline: the opt-outs (due 2026-12-18) before the deletions and the access request (all due
            // 2027-01-13, then by id), over every property, a set of them or none; paged by offset.
            #expect(
                try await ids(RequestQuery(order: .deadline)) == [
                    "0190-0001", "0190-0003", "0190-0005", "0190-0002", "0190-0004", "0190-0006", "0190-0007",
                ])
            #expect(
                try await ids(RequestQuery(properties: ["demo", "other"], order: .deadline, offset: 2, limit: 3)) == [
                    "0190-0005", "0190-0002", "0190-0004",
                ])
            #expect(
                try await ids(RequestQuery(properties: ["other"], statuses: [.received], order: .deadline)) == [
                    "0190-0007"
                ])
            #expect(try await ids(RequestQuery(properties: [], order: .deadline)) == [])
            #expect(
                try await ids(RequestQuery(overdueAt: afterOptOutDeadline, order: .deadline)) == [
                    "0190-0001", "0190-0003",
                ])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func attemptsAreCountedEvenConcurrently(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.countAttempt(requestID: "none", at: 0) == nil)
            let challenge = VerificationChallenge(requestID: "r1", code: "123456", salt: "salt", now: 0)
            #expect(try await store.saveChallenge(challenge, maxCodes: 5))
            let seen = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await store.countAttempt(requestID: "r1", at: 1)?.attempts ?? -1 }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(seen.sorted() == Array(0..<8), "every attempt sees a different count")
            // A new code starts again from zero attempts; the request's count goes on (only the 5 attempts that
            // were checked against the first code count).
            #expect(
                try await store.saveChallenge(
                    VerificationChallenge(requestID: "r1", code: "654321", salt: "salt2", now: 1), maxCodes: 5))
            let second = try #require(try await store.countAttempt(requestID: "r1", at: 2))
            #expect(second.attempts == 0 && second.codesSent == 2 && second.totalAttempts == 5)
            try await store.deleteChallenge(requestID: "r1")
            #expect(try await store.countAttempt(requestID: "r1", at: 2) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRequestGetsAtMostMaxCodesEvenFromManyServersAtOnce(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let request = Self.makeRequest(1)
            try await store.createRequest(
                request, event: Self.created(request),
                challenge: VerificationChallenge(requestID: request.id, code: "000001", salt: "s", now: 0),
                suppression: nil, webhook: nil)
            let made = try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<8 {
                    group.addTask {
                        try await store.saveChallenge(
                            VerificationChallenge(requestID: request.id, code: "00001\(n)", salt: "s\(n)", now: 1),
                            maxCodes: 5)
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(made == 4, "the first code and four more")
            let current = try #require(try await store.countAttempt(requestID: request.id, at: 2))
            #expect(current.codesSent == 5)
            #expect(
                !(try await store.saveChallenge(
                    VerificationChallenge(requestID: request.id, code: "999999", salt: "x", now: 3), maxCodes: 5)))
            #expect(try await store.countAttempt(requestID: request.id, at: 4)?.salt == current.salt, "code unchanged")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func onlyCheckedAttemptsCountOverTheRequestsLife(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let challenge = VerificationChallenge(requestID: "r1", code: "123456", salt: "salt", now: 0)
            #expect(try await store.saveChallenge(challenge, maxCodes: 5))
            // Five checked attempts, then one at a used-up code: it counts for the code, not for the request.
            for _ in 0..<6 { _ = try await store.countAttempt(requestID: "r1", at: 1) }
            #expect(try await store.countAttempt(requestID: "r1", at: 1)?.totalAttempts == 5)
            #expect(
                try await store.saveChallenge(
                    VerificationChallenge(requestID: "r1", code: "654321", salt: "salt2", now: 10), maxCodes: 5))
            // An attempt after the code expired is not checked either.
            _ = try await store.countAttempt(requestID: "r1", at: 10 + VerificationChallenge.lifetime)
            let after = try #require(try await store.countAttempt(requestID: "r1", at: 11))
            #expect(after.totalAttempts == 5 && after.attempts == 1)
            #expect(try await store.countAttempt(requestID: "r1", at: 12)?.totalAttempts == 6)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aLockedRequestStaysLocked(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let request = Self.makeRequest(1)
            try await store.createRequest(
                request, event: Self.created(request), challenge: nil, suppression: nil, webhook: nil)
            #expect(try await store.request(id: request.id)?.lockedAt == nil)
            var locked = request
            locked.lockedAt = request.receivedAt + 5
            locked.revision = 2
            try await store.updateRequest(
                locked,
                event: RequestEvent(
                    requestID: request.id, at: request.receivedAt + 5, actor: "system", action: "locked"),
                suppression: nil, webhook: nil)
            #expect(try await store.request(id: request.id) == locked)
            #expect(try await store.request(statusTokenHash: request.statusTokenHash)?.lockedAt == locked.lockedAt)
            #expect(try await store.requests(RequestQuery(property: "demo")) == [locked])
        }
    }
}
