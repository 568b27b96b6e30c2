import AssentCore
import AssentKit
import AssentSQLite
import AssentServer
import AssentStore
import Foundation
import Testing

/// Asking again, offline starts and receipts, against a real server.
@Suite("AssentKit client")
struct ClientTests {
    @Test("a new policy version (texts changed by an import) makes the client ask again")
    func policyChangeAsksAgain() async throws {
        try await KitServer.run { server in
            let client = server.client(region: "FR")
            #expect(await client.start())
            #expect(await client.askReason == .noDecision)
            let decision = try await client.acceptAll()
            #expect(await client.askReason == nil)
            #expect(await client.effectiveDecision == decision)

            // A new revision with changed texts, imported the way `assent property import` stores it.
            let store = try SQLiteStore(path: server.configuration.databasePath)
            var property = try #require(try await store.currentProperty(id: "demo")).property
            property.texts["en"]?["bannerTitle"] = "We changed how we use cookies"
            let (revision, changed) = try await store.saveProperty(
                property, at: Int64(Date().timeIntervalSince1970 * 1000))
            #expect(changed)
            let newVersion = revision.property.policyVersion
            #expect(newVersion == decision.policyVersion + 1)

            // The server picks the import up within seconds; the client sees it on a refresh.
            let started = ContinuousClock.now
            while await client.config?.policyVersion != newVersion, started.duration(to: .now) < .seconds(10) {
                try await client.refresh()
                if await client.config?.policyVersion != newVersion { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(await client.config?.policyVersion == newVersion)
            #expect(await client.askReason == .policyChanged(decided: decision.policyVersion, current: newVersion))
            #expect(await client.banner?.title == "We changed how we use cookies")
            // Until the reader chooses again, the regime's defaults are in force, not the old consent.
            #expect(await client.allowedCategories["targeting"] == false)
            let again = try await client.rejectAll()
            #expect(again.policyVersion == newVersion)
            #expect(await client.askReason == nil)
        }
    }

    @Test("a decision expires on the server's expiresAt (12 months for a consent, 6 for a refusal by default)")
    func expiryAsksAgain() async throws {
        try await KitServer.run { server in
            let clock = TestClock()
            let client = server.client(region: "FR", now: { clock.now })
            try await client.refresh()
            let config = try #require(await client.config)

            let consent = try await client.acceptAll()
            let consentDays = consent.expiresAt.timeIntervalSince(consent.recordedAt) / 86_400
            #expect(abs(consentDays - Double(config.consentDays)) < 1)
            clock.set(consent.expiresAt.addingTimeInterval(-60))
            #expect(await client.askReason == nil)
            clock.set(consent.expiresAt)
            #expect(await client.askReason == .expired(consent.expiresAt))

            clock.set(Date())
            let refusal = try await client.rejectAll()
            let refusalDays = refusal.expiresAt.timeIntervalSince(refusal.recordedAt) / 86_400
            #expect(abs(refusalDays - Double(config.refusalDays)) < 1)
            #expect(refusalDays < consentDays)
            #expect(refusal.subject == consent.subject, "the app's later decisions are the same subject's")
            clock.set(refusal.expiresAt.addingTimeInterval(1))
            #expect(await client.shouldAsk)
            #expect(await client.effectiveDecision == nil)
        }
    }

    @Test("offline start (server stopped, or an unreachable address) uses the cached config, decision and keys")
    func offlineStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assentkit-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = FileStateStore(url: directory.appendingPathComponent("state.json"))
        let online = SharedDefaults.fresh()
        let (url, decision, keys) = try await KitServer.run { server in
            let client = server.client(region: "US-CA", store: store, defaults: online)
            #expect(await client.start())
            let decision = try await client.save(["performance": true, "sale": false])
            #expect(await client.verifyReceipt()?.valid == true)  // caches the key set too
            return (server.url, decision, online.iabKeys.mapValues { "\($0)" })
        }
        for address in [url, URL(string: "http://127.0.0.1:1")!] {
            let defaults = SharedDefaults.fresh()
            let client = AssentClient(
                server: address, property: "demo", store: store,
                configuration: .init(language: "en", iabDefaults: defaults, timeout: 2))
            #expect(await client.start() == false, "\(address) answered")
            #expect(await client.config?.regime == "opt-out")
            #expect(await client.decision == decision)
            #expect(await client.askReason == nil)
            #expect(await client.allowedCategories["sale"] == false)
            #expect(defaults.iabKeys.mapValues { "\($0)" } == keys, "the same keys as online")
            // The receipt still verifies with the cached keys.
            #expect(await client.verifyReceipt()?.valid == true)
            await #expect(throws: AssentClientError.self) { try await client.acceptAll() }
        }
    }

    @Test("a receipt verifies offline, shows what was recorded, and a changed one does not verify")
    func receipts() async throws {
        try await KitServer.run { server in
            let client = server.client(region: "FR")
            try await client.refresh()
            let decision = try await client.save(["functional": true, "targeting": false])
            let check = try #require(await client.verifyReceipt())
            #expect(check.valid && check.signatureValid && check.inclusionValid)
            let recorded = try #require(check.recorded)
            #expect(recorded.id == decision.id)
            #expect(recorded.choices == decision.choices)
            #expect(recorded.regime == "opt-in")
            #expect(recorded.region == "FR")
            #expect(recorded.policyVersion == decision.policyVersion)

            // The same receipt with one choice turned on: the entry is no longer the leaf the tree head signs.
            let receipt = try #require(decision.receipt)
            let changed = Self.replacing(receipt, path: ["entry", "choices", "targeting"], with: .bool(true))
            let forged = await client.verify(receipt: changed)
            #expect(!forged.valid)
            #expect(!forged.inclusionValid)
            #expect(forged.signatureValid)

            // A changed tree head root breaks the signature.
            let root = try #require(receipt["treeHead"]?["root"]?.stringValue)
            let otherRoot = String(repeating: root.first == "0" ? "1" : "0", count: root.count)
            let resigned = await client.verify(
                receipt: Self.replacing(receipt, path: ["treeHead", "root"], with: .string(otherRoot)))
            #expect(!resigned.valid)
            #expect(!resigned.signatureValid)

            // With a pinned key that is not the server's, the server's own key is not trusted.
            let pinned = AssentClient(
                server: server.url, property: "demo", store: MemoryStateStore(),
                configuration: .init(
                    extraHeaders: ["X-Assent-Region": "FR"], iabDefaults: .fresh(),
                    pinnedKeys: [Array(repeating: 7, count: 32)]))
            let untrusted = await pinned.verify(receipt: receipt)
            #expect(!untrusted.valid)
            #expect(untrusted.reason?.contains("unknown signing key") == true)
        }
    }

    static func replacing(_ json: JSONValue, path: [String], with value: JSONValue) -> JSONValue {
        guard let first = path.first, case .object(let members) = json else { return path.isEmpty ? value : json }
        return .object(
            members.map { name, member in
                (name, name == first ? replacing(member, path: Array(path.dropFirst()), with: value) : member)
            })
    }
}
