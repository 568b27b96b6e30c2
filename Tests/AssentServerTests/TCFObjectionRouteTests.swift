import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AssentServer

/// Objections to legitimate interests (TCF) through the consent route on the demo property, seen from France: the
/// demo shows purposes 2, 7, 8, 9 and 10 with a legitimate interest, declared by vendors 20 (2, 7, 8, 9, 10) and
/// 755 (2, 7, 9, 10); 1044 has special purposes only.
@Suite("Objections to legitimate interests through the API")
struct TCFObjectionRouteTests {
    static let consents = "/v1/properties/demo/consents"
    static let france: HTTPFields = [.regionHeader: "FR"]

    static func body(_ action: String = "save", subject: String? = nil, tcf: String? = nil) -> String {
        var members = [#""action":"\#(action)""#, #""policyVersion":1"#, #""choices":{"performance":true}"#]
        if let subject { members.append(#""subject":"\#(subject)""#) }
        if let tcf { members.append(#""tcf":\#(tcf)"#) }
        return "{" + members.joined(separator: ",") + "}"
    }

    static func tc(_ decision: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws -> TCString {
        let signals = try SignalsResponseTests.signals(decision, sourceLocation: sourceLocation)
        return try TCString.decode(try #require(signals["tcString"]?.stringValue, sourceLocation: sourceLocation))
    }

    static func objections(_ vendors: [Int], _ purposes: [Int]) -> JSONValue {
        TCFObjections(vendors: vendors, purposes: purposes).jsonValue
    }

    @Test("objections are recorded, signalled and shown; left out they carry over; tcf {} withdraws them")
    func lifecycle() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            // Object to vendor 20 and to purpose 7.
            let first = try await client.recordDecision(
                Self.body(tcf: #"{"vendorLIObjections":[20],"purposeLIObjections":[7]}"#), Self.france)
            let subject = try #require(first["subject"]?.stringValue)
            #expect(first["tcf"] == Self.objections([20], [7]))
            #expect(first["signals"]?["tcf"] == Self.objections([20], [7]))
            let proved = try #require(first["receipt"]?["entry"]?["tcf"], "part of the proof")
            #expect(try TCFObjections.parse(proved, path: "tcf") == TCFObjections(vendors: [20], purposes: [7]))
            var tc = try Self.tc(first)
            #expect(tc.vendorLegitimateInterests == [755, 1044])
            #expect(tc.purposesLITransparency == [2, 8, 9, 10])
            #expect(tc.purposesConsent == [1, 8, 9, 10], "consent follows the choices as before")
            let latest = try await client.get("/v1/properties/demo/subjects/\(subject)").json()
            #expect(latest["tcf"] == first["tcf"])
            #expect(latest["signals"] == first["signals"])

            // A later decision without tcf keeps them.
            let second = try await client.recordDecision(Self.body("reject_all", subject: subject), Self.france)
            #expect(second["subject"]?.stringValue == subject)
            #expect(second["tcf"] == Self.objections([20], [7]))
            tc = try Self.tc(second)
            #expect(tc.vendorLegitimateInterests == [755, 1044])
            #expect(tc.purposesLITransparency == [2, 8, 9, 10])
            #expect(tc.purposesConsent == [])

            // Objecting to every purpose 755 has leaves it none: its bit goes too.
            let third = try await client.recordDecision(
                Self.body(subject: subject, tcf: #"{"purposeLIObjections":[2,7,9,10]}"#), Self.france)
            #expect(third["tcf"] == Self.objections([], [2, 7, 9, 10]), "present: replaces, vendor 20's goes")
            tc = try Self.tc(third)
            #expect(tc.purposesLITransparency == [8])
            #expect(tc.vendorLegitimateInterests == [20, 1044])

            // tcf {} withdraws every objection: no tcf member, the legitimate interests all back.
            let cleared = try await client.recordDecision(Self.body(subject: subject, tcf: "{}"), Self.france)
            #expect(cleared["tcf"] == nil)
            #expect(cleared["signals"]?["tcf"] == nil)
            #expect(cleared["receipt"]?["entry"]?["tcf"] == nil)
            tc = try Self.tc(cleared)
            #expect(tc.purposesLITransparency == [2, 7, 8, 9, 10])
            #expect(tc.vendorLegitimateInterests == [20, 755, 1044])
            let after = try await client.recordDecision(Self.body("accept_all", subject: subject), Self.france)
            #expect(after["tcf"] == nil, "nothing to carry over")

            // History shows each record's objections; every receipt verifies.
            let history = try await client.get("/v1/properties/demo/subjects/\(subject)/history").json()
            let records = try #require(history["records"]?.arrayValue)
            #expect(records.map { $0["tcf"] } == [first["tcf"], second["tcf"], third["tcf"], nil, nil])
            for decision in [first, second, third, cleared] {
                let verified = try await client.post("/v1/receipts/verify", json: decision.compactString).json()
                #expect(verified["valid"]?.boolValue == true, "\(verified)")
            }

            // The ledger verifies as `assent ledger verify` does it.
            let store = try TestServer.store(configuration)
            var keys: [String: [UInt8]] = [:]
            for key in try await store.publishedKeys() { keys[key.keyID] = key.publicKey }
            if let raw = FileManager.default.contents(atPath: configuration.signingKeyPath) {
                let signer = try TreeHeadSigner(rawPrivateKey: Array(raw))
                keys[signer.keyID] = signer.publicKeyBytes
            }
            let report = try await LedgerVerifier.verify(store: store, publicKeys: keys)
            #expect(report.ok, "\(report.problem ?? "")")
            #expect(report.records == 5)
            // The stored record reads back with its objections (as `latestRecord` would after a restart).
            let firstID = try #require(first["id"]?.stringValue)
            let stored = try #require(try await store.record(id: firstID))
            #expect(stored.entry.tcfObjections == TCFObjections(vendors: [20], purposes: [7]))
        }
    }

    @Test("the memoized signals are keyed on the objections too")
    func signalCacheKeysOnObjections() throws {
        let cache = SignalCache(capacity: 16)
        let revision = PropertyRevision(property: DemoProperty.make(origins: []), revision: 1, createdAt: 0)
        let region = try #require(Region("FR"))
        let choices = ["necessary": true]
        var computed = 0
        func render(_ objections: TCFObjections) throws -> [UInt8] {
            let key = SignalCache.key(
                revision: revision, region: region, regime: .optIn, choices: choices, gpc: false,
                at: 1_795_969_185_138, lang: "en", vendorList: DemoVendorList.list, objections: objections)
            return try cache.rendered(key) {
                computed += 1
                return try ConsentSignals.compute(
                    property: revision.property, regime: .optIn, region: region, choices: choices, gpc: false,
                    at: 1_795_969_185_138, language: "en", vendorList: DemoVendorList.list, tcfObjections: objections)
            }
        }
        let none = try render(.none)
        let objected = try render(TCFObjections(vendors: [20]))
        #expect(computed == 2)
        #expect(none != objected)
        #expect(try render(TCFObjections(vendors: [20])) == objected)
        #expect(try render(.none) == none)
        #expect(computed == 2)
        let signals = try JSONParser.parse(objected)
        #expect(signals["tcf"] == Self.objections([20], []))
        let tc = try TCString.decode(try #require(signals["tcString"]?.stringValue))
        #expect(tc.vendorLegitimateInterests == [755, 1044])
    }

    @Test("another subject's objections never carry over, nor do they to a new subject")
    func perSubject() async throws {
        try await TestServer.withRouter { client in
            let objecting = try await client.recordDecision(
                Self.body(tcf: #"{"vendorLIObjections":[755]}"#), Self.france)
            #expect(objecting["tcf"] != nil)
            let other = try await client.recordDecision(Self.body(), Self.france)
            #expect(other["tcf"] == nil)
            #expect(try Self.tc(other).vendorLegitimateInterests == [20, 755, 1044])
        }
    }

    @Test("objections are recorded outside TCF regions too, and signalled only where TCF applies")
    func outsideTCFRegions() async throws {
        try await TestServer.withRouter { client in
            let california = try await client.recordDecision(
                Self.body(tcf: #"{"vendorLIObjections":[20]}"#), [.regionHeader: "US-CA"])
            let subject = try #require(california["subject"]?.stringValue)
            #expect(california["tcf"] == Self.objections([20], []))
            #expect(california["signals"]?["tcString"] == nil)
            #expect(california["signals"]?["tcf"] == nil, "no TC string, nothing signalled")
            // The same visitor in France: carried over, and now in the TC string.
            let france = try await client.recordDecision(Self.body(subject: subject), Self.france)
            #expect(france["tcf"] == Self.objections([20], []))
            #expect(try Self.tc(france).vendorLegitimateInterests == [755, 1044])
        }
    }

    @Test(
        "bad objections are a 400 naming the JSON path",
        arguments: [
            (#"{"vendorLIObjections":[20,800]}"#, "tcf.vendorLIObjections[1]"),
            (#"{"vendorLIObjections":[1044]}"#, "tcf.vendorLIObjections[0]"),
            (#"{"vendorLIObjections":[1]}"#, "tcf.vendorLIObjections[0]"),
            (#"{"vendorLIObjections":[755,20]}"#, "tcf.vendorLIObjections[1]"),
            (#"{"vendorLIObjections":["20"]}"#, "tcf.vendorLIObjections[0]"),
            (#"{"vendorLIObjections":[0]}"#, "tcf.vendorLIObjections[0]"),
            (#"{"purposeLIObjections":[1]}"#, "tcf.purposeLIObjections[0]"),
            (#"{"purposeLIObjections":[7,3]}"#, "tcf.purposeLIObjections[1]"),
            (#"{"purposeLIObjections":[7,11]}"#, "tcf.purposeLIObjections[1]"),
            (#"{"purposeLIObjections":[99999999999999999999]}"#, "tcf.purposeLIObjections[0]"),
            (#"{"vendors":[20]}"#, "tcf.vendors"),
            (#"[20]"#, "tcf"),
        ])
    func badObjections(tcf: String, path: String) async throws {
        try await TestServer.withRouter { client in
            let response = try await client.post(Self.consents, json: Self.body(tcf: tcf), Self.france)
            let message = try expectError(response, .badRequest, code: "invalid_consent")
            #expect(message.hasPrefix("\(path): "), "\(message)")
        }
    }

    @Test("a property without TCF refuses the tcf member with a 400")
    func propertyWithoutTCF() async throws {
        let configuration = TestServer.configuration()
        let plain = Property.standard(id: "plain", name: "Plain", origins: [TestServer.allowedOrigin])
        try await TestServer.withRouter(
            configuration, prepare: { _ = try await TestServer.importProperty(plain, into: $0) }
        ) { client in
            for tcf in ["{}", #"{"vendorLIObjections":[20]}"#] {
                let response = try await client.post(
                    "/v1/properties/plain/consents", json: Self.body(tcf: tcf), Self.france)
                let message = try expectError(response, .badRequest, code: "invalid_consent")
                #expect(message.hasPrefix("tcf: property plain does not use IAB TCF"), "\(message)")
            }
            // Without the member, as always.
            let decision = try await client.recordDecision(property: "plain", Self.body(), Self.france)
            #expect(decision["tcf"] == nil)
            #expect(decision["signals"]?["tcf"] == nil)
        }
    }
}
