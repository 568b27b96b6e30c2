import AssentCore
import AssentStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AssentServer

/// The witness routes, and the server's rule for keys: jwks.json and receipts/verify trust the data directory's
/// own keys, pinned files and root-certified keys, never a key that only the database holds (docs/ledger-trust.md).
/// Runs on the store `ASSENT_TEST_SERVER_STORE` names, so on SQLite and on PostgreSQL.
@Suite("Ledger trust: witness routes, and keys only the database holds")
struct LedgerTrustRouteTests {
    @Test("the latest head of a log and of every log, signed by the key jwks.json publishes")
    func latestHeads() async throws {
        try await TestServer.withRouter { client in
            for _ in 0..<3 { _ = try await client.recordDecision() }
            let response = try await client.get("/v1/ledger/heads/latest?log=0")
            #expect(response.status == .ok)
            let head = try #require(SignedTreeHead(json: try response.json()))
            #expect(head.head.log == 0 && head.head.size == 3)
            let jwks = try JWKS.parse(try await client.get("/.well-known/jwks.json").bytes)
            let key = try #require(jwks.first { $0.keyID == head.keyID })
            #expect(head.isValid(publicKeyBytes: key.publicKey))
            #expect(try await client.get("/v1/ledger/heads/latest").json() == head.jsonValue)

            let all = try await client.get("/v1/ledger/heads").json()
            #expect(all["heads"]?.arrayValue == [head.jsonValue])
        }
    }

    @Test("bad log numbers are 400, a log without heads is 404")
    func latestHeadErrors() async throws {
        try await TestServer.withRouter { client in
            _ = try await client.recordDecision()
            for bad in ["x", "-1", "1.5", "99999999999999999999999"] {
                try expectError(
                    try await client.get("/v1/ledger/heads/latest?log=\(bad)"), .badRequest, code: "invalid_log")
            }
            try expectError(
                try await client.get("/v1/ledger/heads/latest?log=7"), .notFound, code: "unknown_log", mentioning: "7")
        }
    }

    @Test("consistency proofs between the sizes a witness saw verify; bad sizes are 400")
    func consistencyProofs() async throws {
        try await TestServer.withRouter { client in
            var heads: [SignedTreeHead] = []
            for _ in 0..<5 {
                _ = try await client.recordDecision()
                heads.append(try #require(SignedTreeHead(json: try await client.get("/v1/ledger/heads/latest").json())))
            }
            for old in heads {
                for new in heads where new.head.size >= old.head.size {
                    let body = try await client.get(
                        "/v1/ledger/proofs/consistency?log=0&from=\(old.head.size)&to=\(new.head.size)"
                    ).json()
                    let proof = try #require(body["proof"]?.arrayValue).compactMap {
                        $0.stringValue.flatMap(MerkleHash.init(hex:))
                    }
                    #expect(body["from"]?.intValue == old.head.size && body["to"]?.intValue == new.head.size)
                    #expect(
                        Merkle.verifyConsistency(
                            oldSize: old.head.size, newSize: new.head.size, oldRoot: old.head.root,
                            newRoot: new.head.root, proof: proof))
                }
            }
            let base = "/v1/ledger/proofs/consistency"
            for query in ["?from=3&to=2", "?from=0&to=6", "?to=2", "?from=1", "?from=a&to=2", "?from=-1&to=2"] {
                try expectError(try await client.get(base + query), .badRequest, code: "invalid_size")
            }
            try expectError(try await client.get(base + "?log=z&from=1&to=2"), .badRequest, code: "invalid_log")
            try expectError(try await client.get(base + "?log=3&from=1&to=2"), .notFound, code: "unknown_log")
        }
    }

    /// Forgery 1, as the server meets it: a key inserted into the database and a receipt signed with it.
    @Test("a key only the database holds is not published, and its receipts are invalid, naming it")
    func databaseOnlyKeyIsNotTrusted() async throws {
        let configuration = TestServer.configuration()
        let attacker = try TreeHeadSigner(rawPrivateKey: Array(repeating: 0xA7, count: 32))
        try await TestServer.removingData(configuration) {
            let own = try await TestServer.run(configuration, setup: .router, keepDirectory: true) { client in
                let decision = try await client.recordDecision()
                // Whoever can write the database inserts a key of their own.
                try await TestServer.store(configuration).publishKey(
                    PublishedKey(keyID: attacker.keyID, publicKey: attacker.publicKeyBytes, firstUsedAt: 1))
                return try #require(decision["receipt"])
            }
            try await TestServer.run(configuration, setup: .router, keepDirectory: true) { client in
                let jwks = try JWKS.parse(try await client.get("/.well-known/jwks.json").bytes)
                #expect(!jwks.map(\.keyID).contains(attacker.keyID))
                #expect(jwks.map(\.keyID).contains(own["treeHead"]?["keyId"]?.stringValue ?? "?"))

                // A receipt the attacker makes: a changed entry in a one-leaf tree whose head their key signs.
                let entry = try #require(own["entry"]).replacing(["choices", "targeting"], with: .bool(true))
                let leaf = Merkle.leafHash(CanonicalJSON.bytes(entry))
                let head = try attacker.sign(TreeHead(log: 0, size: 1, root: leaf, timestamp: 1))
                let forged = JSONValue.object([
                    ("entry", entry), ("leafIndex", .int(0)), ("inclusionProof", .array([])),
                    ("treeHead", head.jsonValue),
                ])
                let answer = try await client.post("/v1/receipts/verify", json: forged.compactString).json()
                #expect(answer["valid"]?.boolValue == false)
                #expect(answer["signatureValid"]?.boolValue == false)
                let reason = try #require(answer["reason"]?.stringValue)
                #expect(reason.contains(attacker.keyID) && reason.contains("known only to the database"), "\(reason)")

                // The server's own receipts still verify.
                let real = try await client.post("/v1/receipts/verify", json: own.compactString).json()
                #expect(real["valid"]?.boolValue == true)
            }
        }
    }

    @Test("the data directory keeps its public keys in public-keys.json, and a root certificate is published")
    func publicKeysFileAndCertificate() async throws {
        let configuration = TestServer.configuration()
        let rootDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-root-\(UUID())")
        try FileManager.default.createDirectory(at: rootDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: rootDirectory) }
        let rootPath = rootDirectory.appendingPathComponent("root.ed25519").path
        try await TestServer.removingData(configuration) {
            try await TestServer.run(configuration, setup: .router, keepDirectory: true) { _ in }
            let listed = try DataDirectory.readKeySet(DataDirectory.publicKeysPath(configuration))
            #expect(listed.count == 1 && listed[0].certificate == nil)

            let (rootKeyID, publicPath) = try RootKey.create(at: rootPath)
            let mode = try FileManager.default.attributesOfItem(atPath: rootPath)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let (keyID, certifiedBy) = try DataDirectory.certifyKey(
                configuration, rootPrivateKey: try RootKey.read(rootPath))
            #expect(certifiedBy == rootKeyID && keyID == listed[0].keyID)

            try await TestServer.run(configuration, setup: .router, keepDirectory: true) { client in
                let jwks = try JWKS.parse(try await client.get("/.well-known/jwks.json").bytes)
                let key = try #require(jwks.first { $0.keyID == keyID })
                let root = try #require(try DataDirectory.readKeySet(publicPath).first)
                let certificate = try #require(key.certificate)
                #expect(certificate.verifies(publicKey: key.publicKey, root: root.publicKey))
                let stored = try await TestServer.store(configuration).publishedKeys()
                #expect(stored.first { $0.keyID == keyID }?.entry.certificate == certificate)
            }
        }
    }
}
