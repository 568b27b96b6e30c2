import AssentCore
import AssentKit
import Foundation
import Testing

/// The IAB in-app keys an app gets from a real server, region by region, checked against the specifications'
/// key lists and types and against the server's own decoding of the same strings.
@Suite("AssentKit in-app keys")
struct InAppKeyTests {
    /// TCF's in-app keys and their types (TCF CMP API v2.2, "in-app details").
    static let tcfIntegerKeys = [
        "IABTCF_CmpSdkID", "IABTCF_CmpSdkVersion", "IABTCF_PolicyVersion", "IABTCF_gdprApplies",
        "IABTCF_PurposeOneTreatment", "IABTCF_UseNonStandardTexts",
    ]
    static let tcfStringKeys = ["IABTCF_PublisherCC", "IABTCF_TCString"]
    static let tcfBinaryKeys = [
        "IABTCF_VendorConsents", "IABTCF_VendorLegitimateInterests", "IABTCF_PurposeConsents",
        "IABTCF_PurposeLegitimateInterests", "IABTCF_SpecialFeaturesOptIns",
    ]

    static func int(_ defaults: SharedDefaults, _ key: String) -> Int? {
        let value = defaults.value.object(forKey: key)
        return value is String ? nil : value as? Int
    }

    static func string(_ defaults: SharedDefaults, _ key: String) -> String? {
        defaults.value.object(forKey: key) as? String
    }

    /// "0110" → [2, 3].
    static func ids(_ binary: String) -> [Int] {
        binary.enumerated().compactMap { $0.element == "1" ? $0.offset + 1 : nil }
    }

    static func ids(_ json: JSONValue?) -> [Int] { (json?.arrayValue ?? []).compactMap(\.intValue) }

    @Test("opt-in (FR): TCF keys with their types, equal to the server's decoding of the TC string; GPP tcfeuv2")
    func optIn() async throws {
        try await KitServer.run { server in
            let defaults = SharedDefaults.fresh()
            let client = server.client(region: "FR", defaults: defaults)
            #expect(await client.start())
            // Before any choice: the default decision's signals are already written.
            #expect(Self.int(defaults, "IABTCF_gdprApplies") == 1)
            let decision = try await client.save(["performance": true, "targeting": false])
            let tcString = try #require(decision.signals?.tcString)

            for key in Self.tcfIntegerKeys { #expect(Self.int(defaults, key) != nil, "\(key) is not an Int") }
            for key in Self.tcfStringKeys { #expect(Self.string(defaults, key) != nil, "\(key) is not a String") }
            for key in Self.tcfBinaryKeys {
                let value = try #require(Self.string(defaults, key), "\(key) is not a String")
                #expect(value.allSatisfy { $0 == "0" || $0 == "1" }, "\(key) = \(value) is not a binary string")
            }
            #expect(Self.string(defaults, "IABTCF_TCString") == tcString)
            #expect(Self.int(defaults, "IABTCF_gdprApplies") == 1)

            let decoded = try await server.decode(tcString)
            #expect(Self.int(defaults, "IABTCF_CmpSdkID") == decoded["cmpId"]?.intValue)
            #expect(Self.int(defaults, "IABTCF_CmpSdkVersion") == decoded["cmpVersion"]?.intValue)
            #expect(Self.int(defaults, "IABTCF_PolicyVersion") == decoded["tcfPolicyVersion"]?.intValue)
            #expect(Self.string(defaults, "IABTCF_PublisherCC") == decoded["publisherCC"]?.stringValue)
            #expect(
                Self.int(defaults, "IABTCF_PurposeOneTreatment")
                    == (decoded["purposeOneTreatment"]?.boolValue == true ? 1 : 0))
            #expect(
                Self.int(defaults, "IABTCF_UseNonStandardTexts")
                    == (decoded["useNonStandardTexts"]?.boolValue == true ? 1 : 0))
            let pairs: [(String, String)] = [
                ("IABTCF_PurposeConsents", "purposesConsent"),
                ("IABTCF_PurposeLegitimateInterests", "purposesLITransparency"),
                ("IABTCF_SpecialFeaturesOptIns", "specialFeatureOptIns"),
                ("IABTCF_VendorConsents", "vendorConsents"),
                ("IABTCF_VendorLegitimateInterests", "vendorLegitimateInterests"),
            ]
            for (key, field) in pairs {
                #expect(Self.ids(Self.string(defaults, key) ?? "") == Self.ids(decoded[field]), "\(key) vs \(field)")
            }
            #expect(!Self.ids(decoded["purposesConsent"]).isEmpty, "performance allowed gives some purpose consent")
            #expect(Self.string(defaults, "IABTCF_PurposeConsents")?.count == 24)
            #expect(Self.string(defaults, "IABTCF_SpecialFeaturesOptIns")?.count == 12)

            // GPP: header keys as the GPP mobile spec types them (strings), the tcfeuv2 section, no US keys.
            let gpp = try #require(decision.signals?.gpp)
            let decodedGPP = try await server.decode(gpp)
            #expect(Self.string(defaults, "IABGPP_HDR_GppString") == gpp)
            #expect(Self.string(defaults, "IABGPP_HDR_Version") == "1")
            #expect(
                Self.string(defaults, "IABGPP_HDR_Sections")
                    == Self.ids(decodedGPP["header"]?["sectionIds"]).map(String.init).joined(separator: "_"))
            #expect(Self.string(defaults, "IABGPP_HDR_Sections") == "2")
            #expect(Self.string(defaults, "IABGPP_GppSID") == "2")
            #expect(Self.string(defaults, "IABGPP_2_String") == gpp.split(separator: "~").last.map(String.init))
            #expect(
                Self.ids(Self.string(defaults, "IABGPP_TCFEU2_PurposeConsents") ?? "")
                    == Self.ids(decodedGPP["sections"]?["tcfeuv2"]?["purposesConsent"]))
            #expect(Self.string(defaults, "IABUSPrivacy_String") == nil)
            #expect(!defaults.iabKeys.keys.contains { $0.hasPrefix("IABGPP_USCA_") })
        }
    }

    @Test("opt-out (US-CA): gdprApplies 0 and no other TCF key; usca field keys equal the server's decoding; USP")
    func optOut() async throws {
        try await KitServer.run { server in
            let defaults = SharedDefaults.fresh()
            let client = server.client(region: "US-CA", defaults: defaults)
            #expect(await client.start())
            let decision = try await client.rejectAll()
            let signals = try #require(decision.signals)

            #expect(Self.int(defaults, "IABTCF_gdprApplies") == 0)
            #expect(defaults.iabKeys.keys.filter { $0.hasPrefix("IABTCF_") }.sorted() == ["IABTCF_gdprApplies"])
            #expect(Self.string(defaults, "IABUSPrivacy_String") == signals.usPrivacy)
            #expect(Self.string(defaults, "IABUSPrivacy_String") == "1YYN")

            let decoded = try await server.decode(signals.gpp)
            #expect(Self.string(defaults, "IABGPP_HDR_Sections") == "8")
            #expect(Self.string(defaults, "IABGPP_GppSID") == "8")
            #expect(Self.string(defaults, "IABGPP_8_String") == signals.gpp.split(separator: "~").last.map(String.init))
            let usca = try #require(decoded["sections"]?["usca"]?.objectValue)
            #expect(usca.count >= 12)
            for (field, value) in usca {
                let key = "IABGPP_USCA_" + field.prefix(1).uppercased() + field.dropFirst()
                switch value {
                case .array(let items):
                    #expect(
                        Self.string(defaults, key)
                            == items.compactMap(\.intValue).map(String.init).joined(separator: "_"),
                        "\(key)")
                case .bool(let flag):
                    #expect(Self.int(defaults, key) == (flag ? 1 : 0), "\(key)")
                default:
                    #expect(Self.int(defaults, key) == value.intValue, "\(key)")
                }
            }
            #expect(Self.int(defaults, "IABGPP_USCA_SaleOptOut") == 1, "Reject All opts out of sale")
        }
    }

    @Test("notice (BR): no section, no TCF, no USP; keys of an earlier region are removed when they stop applying")
    func noticeAndRemoval() async throws {
        try await KitServer.run { server in
            // One app's defaults; each client its own state (a decision made in France would still hold, with its
            // signals, as it does on the web), so each region's signals replace the last ones.
            let defaults = SharedDefaults.fresh()
            let inFrance = server.client(region: "FR", defaults: defaults)
            try await inFrance.refresh()
            try await inFrance.acceptAll()
            #expect(Self.string(defaults, "IABTCF_TCString") != nil)
            #expect(Self.string(defaults, "IABGPP_2_String") != nil)

            let inCalifornia = server.client(region: "US-CA", defaults: defaults)
            try await inCalifornia.refresh()
            #expect(Self.string(defaults, "IABTCF_TCString") == nil, "TCF no longer applies")
            #expect(Self.string(defaults, "IABGPP_2_String") == nil)
            #expect(Self.string(defaults, "IABUSPrivacy_String") != nil)

            let inBrazil = server.client(region: "BR", defaults: defaults)
            try await inBrazil.refresh()
            try await inBrazil.acceptAll()
            let keys = defaults.iabKeys
            #expect(Self.int(defaults, "IABTCF_gdprApplies") == 0)
            #expect(Self.string(defaults, "IABGPP_HDR_GppString") == "DBAA")
            #expect(Self.string(defaults, "IABGPP_HDR_Sections") == "")
            #expect(Self.string(defaults, "IABGPP_HDR_Version") == "1")
            #expect(
                Set(keys.keys)
                    == ["IABTCF_gdprApplies", "IABGPP_HDR_GppString", "IABGPP_HDR_Sections", "IABGPP_HDR_Version"],
                "\(keys.keys.sorted())")
            // Consent Mode follows the server's mapping: Accept All grants analytics in a notice region.
            #expect(await inBrazil.consentMode["analytics_storage"] == true)
        }
    }
}
