import AssentCore
import Foundation

/// The IAB in-app keys (TCF "CMP API v2" in-app storage, the GPP mobile keys, `IABUSPrivacy_String`) for a set
/// of signal strings, decoded with AssentCore so that an app and a page agree bit for bit.
///
/// Types follow the specifications: numbers and booleans are `Int` (booleans 0/1), TCF bit fields are "Binary
/// String"s of `0`/`1` (character n is ID n+1), GPP ID lists and GPP value lists are strings joined with `_`.
public enum InAppKeys {
    /// One value as stored.
    public enum Value: Sendable, Equatable {
        case int(Int)
        case string(String)
    }

    /// The prefixes of every key this writer owns; keys under them that the current signals do not produce are
    /// removed.
    public static let ownedPrefixes = ["IABTCF_", "IABGPP_", "IABUSPrivacy_"]

    /// The keys and values for `signals`. Undecodable strings produce no keys of their own (nothing half true).
    public static func values(for signals: ConsentSignalStrings) -> [String: Value] {
        var keys: [String: Value] = [:]
        if let text = signals.tcString, let tc = try? TCString.decode(text) {
            keys["IABTCF_gdprApplies"] = .int(1)
            for (suffix, value) in tcfFields(tc) { keys["IABTCF_" + suffix] = value }
            keys["IABTCF_TCString"] = .string(text)
        } else {
            keys["IABTCF_gdprApplies"] = .int(0)
        }
        if let gpp = try? GPPString.decode(signals.gpp) {
            keys["IABGPP_HDR_Version"] = .string("1")
            keys["IABGPP_HDR_Sections"] = .string(gpp.sectionIds.map(String.init).joined(separator: "_"))
            keys["IABGPP_HDR_GppString"] = .string(signals.gpp)
            if !signals.gppSid.isEmpty {
                keys["IABGPP_GppSID"] = .string(signals.gppSid.map(String.init).joined(separator: "_"))
            }
            let bodies = signals.gpp.split(separator: "~", omittingEmptySubsequences: false).dropFirst()
            for (section, body) in zip(gpp.sections, bodies) {
                keys["IABGPP_\(section.id)_String"] = .string(String(body))
                if section.id == 2 { keys["IABGPP_2_TCString"] = .string(String(body)) }
                for (name, value) in gppFields(section) { keys[name] = value }
            }
        }
        if let usp = signals.usPrivacy, (try? USPrivacyString.decode(usp)) != nil {
            keys["IABUSPrivacy_String"] = .string(usp)
        }
        return keys
    }

    /// Writes `values(for:)` into `defaults` and removes every owned key it does not produce. Returns the keys
    /// written.
    @discardableResult
    public static func write(_ signals: ConsentSignalStrings?, into defaults: UserDefaults) -> [String: Value] {
        let keys = signals.map(values(for:)) ?? [:]
        for key in defaults.dictionaryRepresentation().keys
        where keys[key] == nil && ownedPrefixes.contains(where: { key.hasPrefix($0) }) {
            defaults.removeObject(forKey: key)
        }
        for (key, value) in keys {
            switch value {
            case .int(let number): defaults.set(number, forKey: key)
            case .string(let text): defaults.set(text, forKey: key)
            }
        }
        return keys
    }

    /// "0110…": character n is `ids` containing n+1, `count` characters.
    public static func binaryString(_ ids: [Int], count: Int) -> String {
        let set = Set(ids)
        return String((1...max(count, 1)).prefix(count).map { set.contains($0) ? "1" : "0" })
    }

    /// The TCF key suffixes (after `IABTCF_` or `IABGPP_TCFEU2_`) of a TC string, without `TCString` and
    /// `gdprApplies`.
    static func tcfFields(_ tc: TCString) -> [String: Value] {
        var fields: [String: Value] = [
            "CmpSdkID": .int(tc.cmpId), "CmpSdkVersion": .int(tc.cmpVersion),
            "PolicyVersion": .int(tc.tcfPolicyVersion),
            "PublisherCC": .string(tc.publisherCC), "PurposeOneTreatment": .int(tc.purposeOneTreatment ? 1 : 0),
            "UseNonStandardTexts": .int(tc.useNonStandardTexts ? 1 : 0),
            "VendorConsents": .string(binaryString(tc.vendorConsents, count: tc.vendorConsents.max() ?? 0)),
            "VendorLegitimateInterests": .string(
                binaryString(tc.vendorLegitimateInterests, count: tc.vendorLegitimateInterests.max() ?? 0)),
            // The core segment's fields are 24 purposes and 12 special features wide.
            "PurposeConsents": .string(binaryString(tc.purposesConsent, count: 24)),
            "PurposeLegitimateInterests": .string(binaryString(tc.purposesLITransparency, count: 24)),
            "SpecialFeaturesOptIns": .string(binaryString(tc.specialFeatureOptIns, count: 12)),
        ]
        if let disclosed = tc.disclosedVendors {
            fields["DisclosedVendors"] = .string(binaryString(disclosed, count: disclosed.max() ?? 0))
        }
        // One key per restricted purpose: the restriction type of vendor n+1 at position n, `_` where none.
        var byPurpose: [Int: [Int: Int]] = [:]
        for restriction in tc.publisherRestrictions {
            for vendor in restriction.vendorIds {
                byPurpose[restriction.purposeId, default: [:]][vendor] = restriction.restrictionType.rawValue
            }
        }
        for (purpose, vendors) in byPurpose {
            let last = vendors.keys.max() ?? 0
            fields["PublisherRestrictions\(purpose)"] = .string(
                String((1...max(last, 1)).prefix(last).map { vendors[$0].map { Character(String($0)) } ?? "_" }))
        }
        if let publisher = tc.publisherTC {
            fields["PublisherConsent"] = .string(binaryString(publisher.pubPurposesConsent, count: 24))
            fields["PublisherLegitimateInterests"] = .string(
                binaryString(publisher.pubPurposesLITransparency, count: 24))
            fields["PublisherCustomPurposesConsents"] = .string(
                binaryString(publisher.customPurposesConsent, count: publisher.numCustomPurposes))
            fields["PublisherCustomPurposesLegitimateInterests"] = .string(
                binaryString(publisher.customPurposesLITransparency, count: publisher.numCustomPurposes))
        }
        return fields
    }

    /// The GPP mobile keys of one section's fields: `IABGPP_TCFEU2_…` (the TCF keys), `IABGPP_USP1_…`, and for
    /// the US sections `IABGPP_{PREFIX}_{FieldName}` with the field names of the section's specification
    /// (`IABGPP_USCA_SaleOptOut`, `IABGPP_USNAT_Gpc`).
    static func gppFields(_ section: GPPSection) -> [String: Value] {
        var keys: [String: Value] = [:]
        switch section {
        case .tcfEuV2(let tc):
            for (suffix, value) in tcfFields(tc) { keys["IABGPP_TCFEU2_" + suffix] = value }
            keys["IABGPP_TCFEU2_gdprApplies"] = .int(1)
        case .uspV1(let usp):
            keys["IABGPP_USP1_Version"] = .int(usp.version)
            keys["IABGPP_USP1_Notice"] = .string(String(usp.notice.rawValue))
            keys["IABGPP_USP1_OptOut"] = .string(String(usp.optOutSale.rawValue))
            keys["IABGPP_USP1_LSPACovered"] = .string(String(usp.lspaCovered.rawValue))
        case .other:
            break
        default:
            guard let prefix = GPPSection.prefixes[section.id]?.uppercased() else { break }
            for (name, value) in section.jsonValue.objectValue ?? [] {
                let field = name.prefix(1).uppercased() + name.dropFirst()
                switch value {
                case .bool(let flag): keys["IABGPP_\(prefix)_\(field)"] = .int(flag ? 1 : 0)
                case .array(let items):
                    keys["IABGPP_\(prefix)_\(field)"] = .string(
                        items.compactMap(\.intValue).map(String.init).joined(separator: "_"))
                default:
                    if let number = value.intValue { keys["IABGPP_\(prefix)_\(field)"] = .int(number) }
                }
            }
        }
        return keys
    }
}
