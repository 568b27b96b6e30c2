import AssentCore
import AssentStore
import Foundation
import Testing

/// The accounts and audit parts of the storage contract; every store must pass it.
@Suite("Account and audit store conformance")
struct AccountStoreConformanceTests {
    static func account(_ id: String, email: String, role: AccountRole = .editor, properties: [String]? = nil)
        -> Account
    {
        Account(
            id: id, email: email, displayName: "Person \(id)", role: role, properties: properties,
            passwordHash: "$2b$04$hash-\(id)", createdAt: 1_000 + Int64(id.count), disabledAt: nil)
    }

    @Test(arguments: StoreKind.allCases)
    func accountsAreUniqueByEmailWhateverItsCaseAndUpdateInPlace(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.accounts().isEmpty)
            #expect(try await store.createAccount(Self.account("a1", email: "Ana@Example.org", role: .owner)))
            #expect(!(try await store.createAccount(Self.account("a2", email: "ana@example.ORG"))))
            #expect(
                try await store.createAccount(Self.account("b22", email: "bo@example.org", properties: ["demo", "x"])))
            let ana = try #require(try await store.account(email: "ANA@example.org"))
            #expect(ana.id == "a1" && ana.email == "ana@example.org" && ana.role == .owner && ana.properties == nil)
            #expect(try await store.account(id: "b22")?.properties == ["demo", "x"])
            #expect(try await store.account(id: "a2") == nil)
            var bo = try #require(try await store.account(id: "b22"))
            bo.role = .viewer
            bo.properties = []
            bo.passwordHash = "$2b$04$new"
            bo.disabledAt = 5_000
            try await store.updateAccount(bo)
            #expect(try await store.account(email: "bo@example.org") == bo)
            #expect(try await store.accounts().map(\.id) == ["a1", "b22"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func sessionsExpireIdleAndAbsoluteAndRevokeOneOrAll(kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createAccount(Self.account("a1", email: "a@example.org"))
            _ = try await store.createAccount(Self.account("b1", email: "b@example.org"))
            func session(_ hash: String, _ account: String) -> AccountSession {
                AccountSession(
                    idHash: hash, account: account, createdAt: 100, lastSeenAt: 100, idleExpiresAt: 200,
                    absoluteExpiresAt: 1_000)
            }
            for (hash, account) in [("s1", "a1"), ("s2", "a1"), ("s3", "b1")] {
                try await store.createSession(session(hash, account))
            }
            #expect(try await store.session(idHash: "s1") == session("s1", "a1"))
            #expect(try await store.session(idHash: "nope") == nil)
            // A use moves the idle expiry on, but never past the absolute one.
            try await store.touchSession(idHash: "s1", at: 150, idleExpiresAt: 250)
            var s1 = try #require(try await store.session(idHash: "s1"))
            #expect(s1.lastSeenAt == 150 && s1.idleExpiresAt == 250 && s1.isLive(at: 240) && !s1.isLive(at: 250))
            try await store.touchSession(idHash: "s1", at: 240, idleExpiresAt: 5_000)
            s1 = try #require(try await store.session(idHash: "s1"))
            #expect(s1.idleExpiresAt == 1_000 && !s1.isLive(at: 1_000))
            try await store.revokeSession(idHash: "s3", at: 160)
            #expect(try await store.session(idHash: "s3")?.revokedAt == 160)
            #expect(try await store.session(idHash: "s3")?.isLive(at: 161) == false)
            // Everywhere: every live session of the account, no other account's.
            #expect(try await store.revokeSessions(account: "a1", at: 170) == 2)
            #expect(try await store.session(idHash: "s1")?.revokedAt == 170)
            #expect(try await store.session(idHash: "s2")?.revokedAt == 170)
            #expect(try await store.revokeSessions(account: "a1", at: 180) == 0)
            try await store.createSession(session("s4", "b1"))
            #expect(try await store.deleteSessions(endedBefore: 175) == 3)
            #expect(try await store.session(idHash: "s4") != nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func signInFailuresCountPerKeySinceATime(kind: StoreKind) async throws {
        try await kind.withStore { store in
            for time in [10, 20, 30] as [Int64] { try await store.recordSignInFailure(key: "account:a", at: time) }
            try await store.recordSignInFailure(key: "client:1.2.3.4", at: 25)
            #expect(try await store.signInFailures(key: "account:a", since: 0) == 3)
            #expect(try await store.signInFailures(key: "account:a", since: 20) == 2)
            #expect(try await store.signInFailures(key: "client:1.2.3.4", since: 0) == 1)
            try await store.clearSignInFailures(key: "account:a")
            #expect(try await store.signInFailures(key: "account:a", since: 0) == 0)
            #expect(try await store.deleteSignInFailures(before: 26) == 1)
            #expect(try await store.signInFailures(key: "client:1.2.3.4", since: 0) == 0)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSetUpLinkWorksOnceAndNotAfterItExpires(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.saveSetupToken(hash: "h1", expiresAt: 1_000)
            try await store.saveSetupToken(hash: "h2", expiresAt: 1_000)
            #expect(try await store.setupTokenUsable(hash: "h1", at: 999))
            #expect(!(try await store.setupTokenUsable(hash: "h1", at: 1_000)))
            #expect(!(try await store.setupTokenUsable(hash: "unknown", at: 0)))
            #expect(try await store.useSetupToken(hash: "h1", at: 500))
            #expect(!(try await store.useSetupToken(hash: "h1", at: 501)))
            #expect(!(try await store.setupTokenUsable(hash: "h1", at: 502)))
            #expect(!(try await store.useSetupToken(hash: "h2", at: 1_000)))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theAuditLogAppendsAndFiltersNewestFirst(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let events = [
                AuditEvent(
                    time: 100, actor: "account:a1", actorLabel: "a@example.org", action: "property.update",
                    target: "demo", property: "demo", summary: "name changed", client: "127.0.0.1"),
                AuditEvent(
                    time: 200, actor: "token:t1", actorLabel: "deploy", action: "property.update", target: "shop",
                    property: "shop", summary: "origins changed"),
                AuditEvent(
                    time: 300, actor: "account:a1", actorLabel: "a@example.org", action: "account.create",
                    target: "b@example.org", summary: "role editor", client: "::1"),
            ]
            var stored: [AuditEvent] = []
            for event in events { stored.append(try await store.appendAudit(event)) }
            #expect(stored[0].sequence < stored[1].sequence && stored[1].sequence < stored[2].sequence)
            let all = try await store.auditEvents(AuditFilter())
            #expect(all == stored.reversed())
            #expect(try await store.auditEvents(AuditFilter(actor: "account:a1")).map(\.time) == [300, 100])
            #expect(try await store.auditEvents(AuditFilter(action: "property.update")).map(\.time) == [200, 100])
            #expect(try await store.auditEvents(AuditFilter(property: "shop")).map(\.time) == [200])
            #expect(try await store.auditEvents(AuditFilter(from: 150, to: 300)).map(\.time) == [300, 200])
            #expect(try await store.auditEvents(AuditFilter(limit: 1)).map(\.time) == [300])
            #expect(try await store.auditEvents(AuditFilter(before: stored[2].sequence, limit: 1)).map(\.time) == [200])
            #expect(try await store.auditEvents(AuditFilter(actor: "nobody")).isEmpty)
        }
    }
}
