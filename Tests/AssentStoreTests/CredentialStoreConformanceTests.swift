import AssentCore
import AssentStore
import Foundation
import Testing

/// `CredentialStore`: API tokens and the secrets kept per property; every store must pass it.
@Suite("Credential store conformance")
struct CredentialStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func tokensAndSecrets(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let token = APIToken(id: "t1", secretHash: "h1", scope: .admin, property: nil, label: "ops", createdAt: 1)
            try await store.saveToken(token)
            var revoked = token
            revoked.revokedAt = 9
            try await store.saveToken(revoked)
            #expect(try await store.token(secretHash: "h1") == revoked)
            #expect(try await store.token(secretHash: "h2") == nil)
            #expect(try await store.tokens() == [revoked])

            // A token's last use: recorded, never moved back by an earlier one, and kept by a later save (a revoke).
            #expect(try await store.token(secretHash: "h1")?.lastUsedAt == nil)
            try await store.markTokenUsed(id: "t1", at: 500)
            try await store.markTokenUsed(id: "t1", at: 300)
            #expect(try await store.token(secretHash: "h1")?.lastUsedAt == 500)
            try await store.markTokenUsed(id: "t1", at: 700)
            #expect(try await store.tokens().map(\.lastUsedAt) == [700])
            try await store.saveToken(revoked)
            #expect(try await store.token(secretHash: "h1")?.lastUsedAt == 700)
            try await store.markTokenUsed(id: "no-such-token", at: 800)

            let first = try await store.secret(property: "demo", kind: "suppression", candidate: [1, 2, 3])
            let second = try await store.secret(property: "demo", kind: "suppression", candidate: [9, 9, 9])
            #expect(first == [1, 2, 3])
            #expect(second == [1, 2, 3], "the first secret stays")
            #expect(try await store.secret(property: "other", kind: "suppression", candidate: [7]) == [7])
        }
    }
}
