/// What the widget's TCF layer shows a visitor: who the CMP is, the vendor list, and only the purposes, special
/// features and vendors the property shows, with the names and declarations the vendor list gives them.
public struct TCFDisclosure: Sendable, Equatable {
    public var cmpId: Int
    public var cmpVersion: Int
    public var vendorListVersion: Int
    public var tcfPolicyVersion: Int
    public var publisherCC: String
    /// Each with the categories that give consent to it.
    public var purposes: [(VendorList.Declaration, categories: [String])]
    public var specialFeatures: [(VendorList.Declaration, categories: [String])]
    /// The special purposes and features the vendors shown declare (disclosed, no choice).
    public var specialPurposes: [VendorList.Declaration]
    public var features: [VendorList.Declaration]
    public var vendors: [VendorList.Vendor]

    public static func == (lhs: TCFDisclosure, rhs: TCFDisclosure) -> Bool {
        lhs.cmpId == rhs.cmpId && lhs.cmpVersion == rhs.cmpVersion && lhs.vendorListVersion == rhs.vendorListVersion
            && lhs.tcfPolicyVersion == rhs.tcfPolicyVersion && lhs.publisherCC == rhs.publisherCC
            && lhs.purposes.map(\.0) == rhs.purposes.map(\.0) && lhs.purposes.map(\.1) == rhs.purposes.map(\.1)
            && lhs.specialFeatures.map(\.0) == rhs.specialFeatures.map(\.0)
            && lhs.specialFeatures.map(\.1) == rhs.specialFeatures.map(\.1)
            && lhs.specialPurposes == rhs.specialPurposes && lhs.features == rhs.features
            && lhs.vendors == rhs.vendors
    }

    /// The widget's form; vendors carry their privacy policy (and legitimate-interest claim) URL in
    /// `language` where the list has one.
    public func jsonValue(language: String) -> JSONValue {
        func ids(_ ids: [Int]) -> JSONValue { .array(ids.map(JSONValue.int)) }
        func declaration(_ d: VendorList.Declaration, categories: [String]? = nil) -> JSONValue {
            var members: [(String, JSONValue)] = [
                ("id", .int(d.id)), ("name", .string(d.name)), ("description", .string(d.description)),
            ]
            if let categories { members.append(("categories", .array(categories.map(JSONValue.string)))) }
            return .object(members)
        }
        func days(_ table: [Int: Int]) -> JSONValue {
            .object(table.keys.sorted().map { (String($0), .int(table[$0]!)) })
        }
        let vendors: [JSONValue] = vendors.map { v in
            let url = v.url(language: language)
            let retention: JSONValue =
                v.dataRetention.map { r in
                    .object([
                        ("stdRetention", r.stdRetention.map(JSONValue.int) ?? .null),
                        ("purposes", days(r.purposes)), ("specialPurposes", days(r.specialPurposes)),
                    ])
                } ?? .null
            return .object([
                ("id", .int(v.id)), ("name", .string(v.name)), ("purposes", ids(v.purposes)),
                ("legIntPurposes", ids(v.legIntPurposes)), ("flexiblePurposes", ids(v.flexiblePurposes)),
                ("specialPurposes", ids(v.specialPurposes)), ("features", ids(v.features)),
                ("specialFeatures", ids(v.specialFeatures)), ("dataRetention", retention),
                ("policyUrl", url?.privacy.map(JSONValue.string) ?? .null),
                ("legIntClaimUrl", url?.legIntClaim.map(JSONValue.string) ?? .null),
            ])
        }
        return .object([
            ("cmpId", .int(cmpId)), ("cmpVersion", .int(cmpVersion)), ("vendorListVersion", .int(vendorListVersion)),
            ("tcfPolicyVersion", .int(tcfPolicyVersion)), ("publisherCC", .string(publisherCC)),
            ("purposes", .array(purposes.map { declaration($0.0, categories: $0.categories) })),
            ("specialFeatures", .array(specialFeatures.map { declaration($0.0, categories: $0.categories) })),
            ("specialPurposes", .array(specialPurposes.map { declaration($0) })),
            ("features", .array(features.map { declaration($0) })), ("vendors", .array(vendors)),
        ])
    }
}

extension Property {
    /// What the TCF layer shows under `regime`; nil where TCF does not apply.
    public func tcfDisclosure(regime: Regime, vendorList list: VendorList?) -> TCFDisclosure? {
        guard tcfApplies(regime: regime, vendorList: list), let list, let tcf = signals.tcf, let cmpId = tcf.cmpId,
            let publisherCC = tcf.publisherCountryCode
        else { return nil }
        let vendors = tcfVendorsShown(list)
        let specialPurposes = Set(vendors.flatMap(\.specialPurposes))
        let features = Set(vendors.flatMap(\.features))
        return TCFDisclosure(
            cmpId: cmpId, cmpVersion: tcf.cmpVersion, vendorListVersion: list.vendorListVersion,
            tcfPolicyVersion: list.tcfPolicyVersion, publisherCC: publisherCC,
            purposes: tcfPurposesShown(list).compactMap { id in
                list.purpose(id).map { ($0, tcfPurposeCategories(id)) }
            },
            specialFeatures: tcfSpecialFeaturesShown(list).compactMap { id in
                list.specialFeature(id).map { ($0, tcfSpecialFeatureCategories(id)) }
            },
            specialPurposes: list.specialPurposes.filter { specialPurposes.contains($0.id) },
            features: list.features.filter { features.contains($0.id) }, vendors: vendors)
    }
}
