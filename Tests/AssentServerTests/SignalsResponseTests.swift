import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AssentServer

/// The `signals` of the consent answer, the latest decision and the config, decoded with Core's decoders, as a
/// page or a vendor would read them.
@Suite("Industry signals in the answers")
struct SignalsResponseTests {
    static let consents = "/v1/properties/demo/consents"
    static let config = "/v1/properties/demo/config"

    /// The demo property's five vendors: all disclosed; 1044 declares special purposes only.
    static let demoVendors = [1, 2, 20, 755, 1044]

    static func signals(_ body: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let signals = try #require(body["signals"], sourceLocation: sourceLocation)
        #expect(
            signals["consentMode"]?.keys == [
                "ad_storage", "analytics_storage", "ad_user_data", "ad_personalization", "functionality_storage",
                "personalization_storage", "security_storage",
            ], sourceLocation: sourceLocation)
        // The sections listed are the ones the GPP string carries, with the fields its decoder reads.
        let gpp = try GPPString.decode(try #require(signals["gpp"]?.stringValue, sourceLocation: sourceLocation))
        #expect(signals["gppSid"] == .array(gpp.sectionIds.map(JSONValue.int)), sourceLocation: sourceLocation)
        #expect(
            signals["sections"] == .object(gpp.sections.map { (GPPSection.prefixes[$0.id]!, $0.jsonValue) }),
            sourceLocation: sourceLocation)
        return signals
    }

    static func granted(_ signals: JSONValue) -> [String] {
        (signals["consentMode"]?.objectValue ?? []).filter { $0.1 == .string("granted") }.map(\.0)
    }

    @Test("France, Accept All: a TC string with the demo list's policy and version, the same in GPP")
    func franceAcceptAll() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.recordDecision(
                #"{"action":"accept_all","policyVersion":1,"lang":"es"}"#, [.regionHeader: "FR"])
            let signals = try Self.signals(body)
            #expect(signals.keys == ["gpp", "gppSid", "tcString", "consentMode", "sections"])
            let tc = try TCString.decode(try #require(signals["tcString"]?.stringValue))
            #expect(tc.cmpId == 1)
            #expect(tc.cmpVersion == 1)
            #expect(tc.vendorListVersion == DemoVendorList.version)
            #expect(tc.tcfPolicyVersion == 5)
            #expect(tc.consentLanguage == "ES")
            #expect(tc.publisherCC == "FR")
            #expect(tc.isServiceSpecific)
            #expect(tc.created == tc.lastUpdated)
            let recordedAt = try #require(body["recordedAt"]?.stringValue)
            #expect(
                tc.jsonValue["created"]?.stringValue == recordedAt.prefix(10) + "T00:00:00Z", "the day of the decision")
            #expect(tc.purposesConsent == Array(1...11))
            #expect(tc.purposesLITransparency == [2, 7, 8, 9, 10])
            #expect(tc.specialFeatureOptIns == [1, 2])
            #expect(tc.vendorConsents == [1, 2, 20, 755])
            #expect(tc.vendorLegitimateInterests == [20, 755, 1044])
            #expect(tc.disclosedVendors == Self.demoVendors)
            #expect(signals["gppSid"] == .array([.int(2)]))
            guard case .tcfEuV2(let inGPP) = try GPPString.decode(signals["gpp"]!.stringValue!).sections.first else {
                Issue.record("no tcfeuv2 section")
                return
            }
            #expect(inGPP == tc)
            #expect(Self.granted(signals).count == 7)

            // The latest decision carries the same signals.
            let subject = try #require(body["subject"]?.stringValue)
            let latest = try await client.get("/v1/properties/demo/subjects/\(subject)").json()
            #expect(latest["signals"] == body["signals"])
        }
    }

    @Test("France, Reject All: nothing consented, legitimate interest disclosed, every vendor disclosed")
    func franceRejectAll() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.recordDecision(
                #"{"action":"reject_all","policyVersion":1}"#, [.regionHeader: "FR"])
            let signals = try Self.signals(body)
            let tc = try TCString.decode(try #require(signals["tcString"]?.stringValue))
            #expect(tc.purposesConsent == [])
            #expect(tc.vendorConsents == [])
            #expect(tc.specialFeatureOptIns == [])
            #expect(tc.purposesLITransparency == [2, 7, 8, 9, 10])
            #expect(tc.disclosedVendors == Self.demoVendors)
            #expect(tc.consentLanguage == "EN")
            #expect(Self.granted(signals) == ["security_storage"])
        }
    }

    @Test("California without GPC, after opting out of sale: usca and 1YYN; without opting out: 1YNN")
    func california() async throws {
        try await TestServer.withRouter { client in
            let optedOut = try await client.recordDecision(
                #"{"action":"save","choices":{"sale":false},"policyVersion":1}"#, [.regionHeader: "US-CA"])
            var signals = try Self.signals(optedOut)
            #expect(signals.keys == ["gpp", "gppSid", "usPrivacy", "consentMode", "sections"])
            #expect(signals["gppSid"] == .array([.int(8)]))
            guard case .usCa(let ca) = try GPPString.decode(signals["gpp"]!.stringValue!).sections.first else {
                Issue.record("no usca section")
                return
            }
            #expect(ca.saleOptOutNotice == 1)
            #expect(ca.sharingOptOutNotice == 1)
            #expect(ca.saleOptOut == 1)
            #expect(ca.sharingOptOut == 1)
            #expect(ca.mspaCoveredTransaction == 2)
            #expect(ca.gpc == false)
            #expect(signals["usPrivacy"]?.stringValue == "1YYN")
            #expect(try USPrivacyString.decode(signals["usPrivacy"]!.stringValue!).optOutSale == .yes)
            #expect(!Self.granted(signals).contains("ad_user_data"))
            #expect(Self.granted(signals).contains("ad_storage"), "targeting stays on")

            let kept = try await client.recordDecision(
                #"{"action":"save","choices":{},"policyVersion":1}"#, [.regionHeader: "US-CA"])
            signals = try Self.signals(kept)
            #expect(signals["sections"]?["usca"]?["saleOptOut"]?.intValue == 2)
            #expect(signals["usPrivacy"]?.stringValue == "1YNN")
            #expect(Self.granted(signals).count == 7)
        }
    }

    @Test("California with GPC: opted out of sale and sharing, the GPC subsection true, ads denied")
    func californiaGPC() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.recordDecision(
                #"{"action":"gpc","policyVersion":1}"#, [.regionHeader: "US-CA", .secGPCHeader: "1"])
            let signals = try Self.signals(body)
            guard case .usCa(let ca) = try GPPString.decode(signals["gpp"]!.stringValue!).sections.first else {
                Issue.record("no usca section")
                return
            }
            #expect(ca.saleOptOut == 1)
            #expect(ca.sharingOptOut == 1)
            #expect(ca.gpc == true)
            #expect(signals["sections"]?["usca"]?["gpc"] == .bool(true))
            #expect(signals["usPrivacy"]?.stringValue == "1YYN")
            #expect(
                Self.granted(signals) == [
                    "analytics_storage", "functionality_storage", "personalization_storage", "security_storage",
                ])
        }
    }

    @Test("Texas: the national section, version 2")
    func texas() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.recordDecision(
                #"{"action":"save","choices":{"targeting":false},"policyVersion":1}"#, [.regionHeader: "US-TX"])
            let signals = try Self.signals(body)
            #expect(signals["gppSid"] == .array([.int(7)]))
            guard case .usNat(let nat) = try GPPString.decode(signals["gpp"]!.stringValue!).sections.first else {
                Issue.record("no usnat section")
                return
            }
            #expect(nat.version == 2)
            #expect(nat.saleOptOut == 2)
            #expect(nat.sharingOptOut == 2)
            #expect(nat.targetedAdvertisingOptOut == 1)
            #expect(nat.targetedAdvertisingOptOutNotice == 1)
            #expect(nat.gpc == false)
            #expect(signals["usPrivacy"]?.stringValue == "1YNN")
        }
    }

    @Test("Brazil: no GPP section, no TC string, no US Privacy string")
    func brazil() async throws {
        try await TestServer.withRouter { client in
            let body = try await client.recordDecision(
                #"{"action":"accept_all","policyVersion":1}"#, [.regionHeader: "BR"])
            let signals = try Self.signals(body)
            #expect(signals.keys == ["gpp", "gppSid", "consentMode", "sections"])
            #expect(signals["gpp"]?.stringValue == "DBAA")
            #expect(signals["gppSid"] == .array([]))
            #expect(signals["sections"] == .object([]))
        }
    }

    @Test("the config carries the signals a visitor has before choosing, and in France the TCF layer")
    func configDefaults() async throws {
        try await TestServer.withRouter { client in
            let france = try await client.get(Self.config, [.regionHeader: "FR"]).json()
            #expect(france.keys.suffix(2) == ["signals", "tcf"])
            var signals = try Self.signals(france)
            let tc = try TCString.decode(try #require(signals["tcString"]?.stringValue))
            #expect(tc.purposesConsent == [])
            #expect(tc.vendorConsents == [])
            #expect(tc.purposesLITransparency == [2, 7, 8, 9, 10])
            #expect(tc.disclosedVendors == Self.demoVendors)
            #expect(tc.created == TCString.dayLevel(Int(Date().timeIntervalSince1970 * 10)))
            #expect(Self.granted(signals) == ["security_storage"])

            let tcf = try #require(france["tcf"])
            #expect(
                tcf.keys == [
                    "cmpId", "cmpVersion", "vendorListVersion", "tcfPolicyVersion", "publisherCC", "purposes",
                    "specialFeatures", "specialPurposes", "features", "vendors",
                ])
            #expect(tcf["cmpId"]?.intValue == 1)
            #expect(tcf["vendorListVersion"]?.intValue == DemoVendorList.version)
            #expect(tcf["tcfPolicyVersion"]?.intValue == 5)
            #expect(tcf["publisherCC"]?.stringValue == "FR")
            let purposes = try #require(tcf["purposes"]?.arrayValue)
            #expect(purposes.map { $0["id"]?.intValue } == Array(1...11))
            #expect(purposes[0]["name"]?.stringValue == "Store and/or access information on a device")
            #expect(
                purposes[0]["categories"]
                    == .array([.string("functional"), .string("performance"), .string("targeting")]))
            #expect(purposes[2]["categories"] == .array([.string("targeting")]))
            #expect(tcf["specialFeatures"]?.arrayValue?.map { $0["id"]?.intValue } == [1, 2])
            let vendors = try #require(tcf["vendors"]?.arrayValue)
            #expect(vendors.map { $0["id"]?.intValue } == Self.demoVendors)
            let google = try #require(vendors.first { $0["id"]?.intValue == 755 })
            #expect(
                google.keys == [
                    "id", "name", "purposes", "legIntPurposes", "flexiblePurposes", "specialPurposes", "features",
                    "specialFeatures", "dataRetention", "policyUrl", "legIntClaimUrl",
                ])
            #expect(google["name"]?.stringValue == "Google Advertising Products")
            #expect(google["purposes"] == .array([.int(1), .int(3), .int(4)]))
            #expect(google["legIntPurposes"] == .array([.int(2), .int(7), .int(9), .int(10)]))
            #expect(google["dataRetention"]?["purposes"]?["3"]?.intValue == 180)
            #expect(google["policyUrl"]?.stringValue == "https://business.safety.google/privacy/")

            // California: the opt-out defaults, no TCF layer; with GPC, opted out.
            let california = try await client.get(Self.config, [.regionHeader: "US-CA"]).json()
            #expect(california["tcf"] == nil)
            signals = try Self.signals(california)
            #expect(signals["sections"]?["usca"]?["saleOptOut"]?.intValue == 2)
            #expect(signals["usPrivacy"]?.stringValue == "1YNN")
            let gpc = try await client.get(Self.config, [.regionHeader: "US-CA", .secGPCHeader: "1"]).json()
            signals = try Self.signals(gpc)
            #expect(signals["sections"]?["usca"]?["saleOptOut"]?.intValue == 1)
            #expect(signals["sections"]?["usca"]?["gpc"] == .bool(true))
            #expect(signals["usPrivacy"]?.stringValue == "1YYN")

            let brazil = try await client.get(Self.config, [.regionHeader: "BR"]).json()
            #expect(brazil["tcf"] == nil)
            #expect(try Self.signals(brazil)["gpp"]?.stringValue == "DBAA")
        }
    }

    @Test("a property whose vendor list is not imported gets no TCF until it is")
    func vendorListImportedLater() async throws {
        let configuration = TestServer.configuration()
        var property = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
        property.signals.tcf = TCFSettings(
            cmpId: 300, publisherCountryCode: "DE", vendorListVersion: 42, vendors: [755])
        let news = property
        try await TestServer.withRouter(
            configuration, prepare: { _ = try await TestServer.importProperty(news, into: $0) }
        ) { client in
            let before = try await client.recordDecision(
                property: "news", #"{"action":"accept_all","policyVersion":1}"#, [.regionHeader: "DE"])
            #expect(try Self.signals(before)["tcString"] == nil)
            #expect(try await client.get("/v1/properties/news/config", [.regionHeader: "DE"]).json()["tcf"] == nil)

            let store = try TestServer.store(configuration)
            var list = try JSONParser.parse(DemoVendorList.json)
            list = list.replacing(["vendorListVersion"], with: .int(42))
            _ = try await store.saveVendorList(
                StoredVendorList(list: try VendorList.decode(list), json: list, importedAt: 0))
            try await Task.sleep(for: .milliseconds(2100))  // the cache looks again after two seconds

            let after = try await client.recordDecision(
                property: "news", #"{"action":"accept_all","policyVersion":1}"#, [.regionHeader: "DE"])
            let tc = try TCString.decode(try #require(try Self.signals(after)["tcString"]?.stringValue))
            #expect(tc.cmpId == 300)
            #expect(tc.vendorListVersion == 42)
            #expect(tc.vendorConsents == [755])
            #expect(try await client.get("/v1/properties/news/config", [.regionHeader: "DE"]).json()["tcf"] != nil)
        }
    }

    @Test("the demo property's signals section is valid against the demo vendor list")
    func demoPropertyIsValid() throws {
        let demo = DemoProperty.make(origins: ["http://localhost:8080"])
        #expect(try Property.decode(demo.jsonValue) == demo)
        #expect(demo.signalProblems(vendorList: DemoVendorList.list) == [])
        #expect(DemoVendorList.list.vendorListVersion == DemoVendorList.version)
    }

    @Test("signals are encoded once per distinct decision, region and day, and served from memory after")
    func memoized() throws {
        let cache = SignalCache(capacity: 4)
        let revision = PropertyRevision(
            property: DemoProperty.make(origins: []), revision: 3, createdAt: 0)
        let region = Region("FR")!
        var computed = 0
        func render(_ choices: [String: Bool], at time: Int64) throws -> [UInt8] {
            let key = SignalCache.key(
                revision: revision, region: region, regime: .optIn, choices: choices, gpc: false, at: time, lang: "en",
                vendorList: DemoVendorList.list)
            return try cache.rendered(key) {
                computed += 1
                return try ConsentSignals.compute(
                    property: revision.property, regime: .optIn, region: region, choices: choices, gpc: false, at: time,
                    language: "en", vendorList: DemoVendorList.list)
            }
        }
        let time: Int64 = 1_795_969_185_138
        let first = try render(["necessary": true, "targeting": true], at: time)
        #expect(try render(["necessary": true, "targeting": true], at: time + 1000) == first)
        #expect(try render(["targeting": true, "necessary": true, "gone": true], at: time) == first)
        #expect(computed == 1)
        _ = try render(["necessary": true, "targeting": false], at: time)
        #expect(computed == 2)
        let nextDay = try render(["necessary": true, "targeting": true], at: time + 86_400_000)
        #expect(computed == 3)
        #expect(nextDay != first, "the TC string is dated")
        for i in 0..<4 { _ = try render(["targeting": true], at: time + Int64(i + 2) * 86_400_000) }
        #expect(cache.count <= 4, "bounded")
    }
}
