/// The `signals` section of the property document: reading with every problem located by its JSON path,
/// writing back members in a readable order. Omitted rules (Consent Mode types, TCF purpose mappings, the TCF
/// purposes shown) are derived from the categories' purposes and stay omitted on export, so they keep
/// following the categories.
extension SignalSettings {
    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [
            (
                "mspa",
                .object([
                    ("coveredTransaction", .bool(mspa.coveredTransaction)),
                    ("optOutOptionMode", .bool(mspa.optOutOptionMode)),
                    ("serviceProviderMode", .bool(mspa.serviceProviderMode)),
                ])
            ),
            ("usPrivacy", .bool(usPrivacy)),
        ]
        if let tcf { members.append(("tcf", tcf.jsonValue)) }
        members.append(
            (
                "consentMode",
                .object(
                    ConsentModeType.allCases.compactMap { type in
                        consentMode[type].map { (type.rawValue, $0.jsonValue) }
                    })
            ))
        return .object(members)
    }
}

extension TCFSettings {
    public var jsonValue: JSONValue {
        func ids(_ ids: [Int]) -> JSONValue { .array(ids.map(JSONValue.int)) }
        func mapping(_ map: [Int: [String]]) -> JSONValue {
            .object(
                map.keys.sorted().map { id in
                    let keys = map[id]!
                    return (String(id), keys.count == 1 ? .string(keys[0]) : .array(keys.map(JSONValue.string)))
                })
        }
        var members: [(String, JSONValue)] = [("enabled", .bool(enabled))]
        if let cmpId { members.append(("cmpId", .int(cmpId))) }
        members.append(("cmpVersion", .int(cmpVersion)))
        if let publisherCountryCode { members.append(("publisherCountryCode", .string(publisherCountryCode))) }
        if let vendorListVersion { members.append(("vendorListVersion", .int(vendorListVersion))) }
        if let purposes { members.append(("purposes", ids(purposes))) }
        members += [
            ("specialFeatures", ids(specialFeatures)), ("vendors", ids(vendors)),
            ("purposeCategories", mapping(purposeCategories)),
            ("specialFeatureCategories", mapping(specialFeatureCategories)),
        ]
        return .object(members)
    }
}

extension ConsentModeRule {
    /// `"granted"`, `"denied"`, or the list of category keys.
    public var jsonValue: JSONValue {
        switch self {
        case .granted: .string("granted")
        case .denied: .string("denied")
        case .categories(let keys): .array(keys.map(JSONValue.string))
        }
    }
}

extension DocumentReader {
    mutating func signalSettings(_ value: JSONValue?, categories: [Category]) -> SignalSettings {
        var settings = SignalSettings()
        guard
            let s = object(
                value, "$.signals", allowed: ["mspa", "usPrivacy", "tcf", "consentMode"], required: [])
        else { return settings }
        let mspaPath = "$.signals.mspa"
        if let m = object(
            s["mspa"], mspaPath, allowed: ["coveredTransaction", "optOutOptionMode", "serviceProviderMode"],
            required: [])
        {
            let mspa = MSPASettings(
                coveredTransaction: bool(m["coveredTransaction"], "\(mspaPath).coveredTransaction", default: false),
                optOutOptionMode: bool(m["optOutOptionMode"], "\(mspaPath).optOutOptionMode", default: false),
                serviceProviderMode: bool(m["serviceProviderMode"], "\(mspaPath).serviceProviderMode", default: false))
            if !mspa.coveredTransaction && (mspa.optOutOptionMode || mspa.serviceProviderMode) {
                fail(
                    "\(mspaPath).coveredTransaction",
                    "optOutOptionMode and serviceProviderMode apply only to a covered transaction")
            } else if mspa.optOutOptionMode && mspa.serviceProviderMode {
                fail(
                    "\(mspaPath).serviceProviderMode",
                    "a covered transaction is in opt-out option mode or in service provider mode, not both")
            }
            settings.mspa = mspa
        }
        settings.usPrivacy = bool(s["usPrivacy"], "$.signals.usPrivacy", default: true)
        if let tcf = s["tcf"], tcf != .null { settings.tcf = tcfSettings(tcf, categories: categories) }
        settings.consentMode = consentModeRules(s["consentMode"], categories: categories)
        return settings
    }

    private mutating func optionalInt(_ value: JSONValue?, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let value, value != .null else { return nil }
        let sentinel = range.lowerBound - 1
        let i = int(value, path, range: range, default: sentinel)
        return i == sentinel ? nil : i
    }

    /// A list of distinct integer ids in `range`.
    private mutating func ids(_ value: JSONValue?, _ path: String, range: ClosedRange<Int>, what: String) -> [Int] {
        var result: [Int] = []
        for (i, item) in (array(value, path) ?? []).enumerated() {
            let id = int(item, "\(path)[\(i)]", range: range, default: 0)
            guard id != 0 else { continue }
            if result.contains(id) {
                fail("\(path)[\(i)]", "duplicate \(what) \(id)")
            } else {
                result.append(id)
            }
        }
        return result
    }

    /// Category keys, as one string or an array of strings; each must name a category, an optional one when
    /// `optionalOnly` (consent cannot come from a category that is always on).
    private mutating func categoryKeys(
        _ value: JSONValue, _ path: String, categories: [Category], optionalOnly: Bool
    ) -> [String]? {
        let items: [(String, JSONValue)]
        switch value {
        case .string: items = [(path, value)]
        case .array(let elements): items = elements.enumerated().map { ("\(path)[\($0.offset)]", $0.element) }
        default:
            fail(path, "expected a category key or an array of category keys, found \(value.typeName)")
            return nil
        }
        var keys: [String] = []
        for (itemPath, item) in items {
            guard let key = string(item, itemPath) else { continue }
            guard let category = categories.first(where: { $0.key == key }) else {
                fail(itemPath, "unknown category \"\(key)\"")
                continue
            }
            if optionalOnly && category.required {
                fail(
                    itemPath, "category \"\(key)\" is required (always on), so it cannot stand for a visitor's consent")
                continue
            }
            if keys.contains(key) {
                fail(itemPath, "duplicate category \"\(key)\"")
                continue
            }
            keys.append(key)
        }
        return keys
    }

    /// `{"3": "targeting", "1": ["functional", "performance"]}`: id → optional categories.
    private mutating func idMapping(
        _ value: JSONValue?, _ path: String, range: ClosedRange<Int>, categories: [Category]
    ) -> [Int: [String]] {
        guard let value else { return [:] }
        guard case .object(let members) = value else {
            fail(path, "expected an object keyed by id, found \(value.typeName)")
            return [:]
        }
        var mapping: [Int: [String]] = [:]
        for (name, member) in members {
            let memberPath = "\(path).\(name)"
            guard let id = Int(name), String(id) == name, range.contains(id) else {
                fail(memberPath, "\"\(name)\" is not an id between \(range.lowerBound) and \(range.upperBound)")
                continue
            }
            let before = problems.count
            let keys = categoryKeys(member, memberPath, categories: categories, optionalOnly: true)
            // A mapping with a wrong category is left out, so that the purpose is not reported again as uncovered.
            guard let keys, problems.count == before else { continue }
            if keys.isEmpty {
                fail(memberPath, "list at least one category")
                continue
            }
            mapping[id] = keys
        }
        return mapping
    }

    private mutating func tcfSettings(_ value: JSONValue, categories: [Category]) -> TCFSettings? {
        let path = "$.signals.tcf"
        let allowed: Set = [
            "enabled", "cmpId", "cmpVersion", "publisherCountryCode", "vendorListVersion", "purposes",
            "specialFeatures", "vendors", "purposeCategories", "specialFeatureCategories",
        ]
        guard let t = object(value, path, allowed: allowed, required: []) else { return nil }
        var tcf = TCFSettings(enabled: bool(t["enabled"], "\(path).enabled", default: true))
        let enabled = tcf.enabled
        func require(_ member: String, _ why: String) {
            if enabled && t[member] == nil { fail("\(path).\(member)", why) }
        }
        require("cmpId", "missing: TCF needs the CMP id the IAB assigned")
        tcf.cmpId = optionalInt(t["cmpId"], "\(path).cmpId", range: 1...4095)
        tcf.cmpVersion = int(t["cmpVersion"], "\(path).cmpVersion", range: 1...4095, default: 1)
        require("publisherCountryCode", "missing: the publisher's country (ISO 3166-1 alpha-2, such as FR)")
        if let cc = optionalString(t["publisherCountryCode"], "\(path).publisherCountryCode") {
            if cc.utf8.count == 2 && cc.utf8.allSatisfy({ (65...90).contains($0) }) {
                tcf.publisherCountryCode = cc
            } else {
                fail("\(path).publisherCountryCode", "\"\(cc)\" is not a country code (two upper-case letters)")
            }
        }
        require("vendorListVersion", "missing: the version of an imported Global Vendor List (assent gvl import)")
        tcf.vendorListVersion = optionalInt(t["vendorListVersion"], "\(path).vendorListVersion", range: 1...4095)
        if let p = t["purposes"], p != .null {
            tcf.purposes = ids(p, "\(path).purposes", range: 1...24, what: "purpose")
        }
        tcf.specialFeatures = ids(
            t["specialFeatures"], "\(path).specialFeatures", range: 1...12, what: "special feature")
        tcf.vendors = ids(t["vendors"], "\(path).vendors", range: 1...65535, what: "vendor")
        if enabled && tcf.vendors.isEmpty && !problems.contains(where: { $0.path.hasPrefix("\(path).vendors") }) {
            fail("\(path).vendors", "list the vendors (Global Vendor List ids) shown to visitors")
        }
        tcf.purposeCategories = idMapping(
            t["purposeCategories"], "\(path).purposeCategories", range: 1...24, categories: categories)
        tcf.specialFeatureCategories = idMapping(
            t["specialFeatureCategories"], "\(path).specialFeatureCategories", range: 1...12, categories: categories)

        // Every purpose and special feature shown needs a category that can give consent to it.
        for (i, id) in (tcf.purposes ?? []).enumerated()
        where (tcf.purposeCategories[id] ?? categories.tcfPurposeDefault(id)).isEmpty {
            fail(
                "\(path).purposes[\(i)]",
                "no category gives consent to purpose \(id): map it in \(path).purposeCategories")
        }
        for (i, id) in tcf.specialFeatures.enumerated()
        where (tcf.specialFeatureCategories[id] ?? categories.tcfSpecialFeatureDefault).isEmpty {
            fail(
                "\(path).specialFeatures[\(i)]",
                "no category opts into special feature \(id): map it in \(path).specialFeatureCategories")
        }
        if let purposes = tcf.purposes {
            for id in tcf.purposeCategories.keys.sorted() where !purposes.contains(id) {
                fail("\(path).purposeCategories.\(id)", "purpose \(id) is not shown (\(path).purposes)")
            }
        }
        for id in tcf.specialFeatureCategories.keys.sorted() where !tcf.specialFeatures.contains(id) {
            fail(
                "\(path).specialFeatureCategories.\(id)", "special feature \(id) is not shown (\(path).specialFeatures)"
            )
        }
        if enabled {
            for (i, lang) in languages.enumerated() where lang.count != 2 {
                fail("$.languages[\(i)]", "TCF records the consent language in two letters; \"\(lang)\" has three")
            }
        }
        return tcf
    }

    private mutating func consentModeRules(
        _ value: JSONValue?, categories: [Category]
    ) -> [ConsentModeType: ConsentModeRule] {
        guard let value else { return [:] }
        let path = "$.signals.consentMode"
        guard case .object(let members) = value else {
            fail(path, "expected an object keyed by consent type, found \(value.typeName)")
            return [:]
        }
        var rules: [ConsentModeType: ConsentModeRule] = [:]
        for (name, member) in members {
            let memberPath = "\(path).\(name)"
            guard let type = ConsentModeType(rawValue: name) else {
                let known = ConsentModeType.allCases.map(\.rawValue).joined(separator: ", ")
                fail(memberPath, "unknown consent type (known: \(known))")
                continue
            }
            switch member {
            case .string("granted"): rules[type] = .granted
            case .string("denied"): rules[type] = .denied
            case .array:
                if let keys = categoryKeys(member, memberPath, categories: categories, optionalOnly: false) {
                    rules[type] = .categories(keys)
                }
            default:
                fail(memberPath, "expected \"granted\", \"denied\" or an array of category keys")
            }
        }
        return rules
    }
}

extension Property {
    /// What is wrong with the TCF settings given the vendor list they name: vendors, purposes or special
    /// features the list does not have, deleted vendors, and vendors that could never get consent because a
    /// purpose they need is not shown. Empty when TCF is off or the list is another version.
    public func signalProblems(vendorList list: VendorList) -> [ValidationProblem] {
        guard let tcf = signals.tcf, tcf.vendorListVersion == list.vendorListVersion else { return [] }
        let path = "$.signals.tcf"
        var problems: [ValidationProblem] = []
        func fail(_ at: String, _ message: String) { problems.append(ValidationProblem(path: at, message: message)) }
        let shownPurposes = Set(tcfPurposesShown(list))
        for (i, id) in (tcf.purposes ?? []).enumerated() where list.purpose(id) == nil {
            fail("\(path).purposes[\(i)]", "purpose \(id) is not in vendor list \(list.vendorListVersion)")
        }
        for (i, id) in tcf.specialFeatures.enumerated() where list.specialFeature(id) == nil {
            fail(
                "\(path).specialFeatures[\(i)]", "special feature \(id) is not in vendor list \(list.vendorListVersion)"
            )
        }
        for (i, id) in tcf.vendors.enumerated() {
            guard let vendor = list.vendors[id] else {
                fail("\(path).vendors[\(i)]", "vendor \(id) is not in vendor list \(list.vendorListVersion)")
                continue
            }
            if vendor.isDeleted {
                fail("\(path).vendors[\(i)]", "vendor \(id) (\(vendor.name)) was deleted from the vendor list")
                continue
            }
            let missing = vendor.purposes.filter { !shownPurposes.contains($0) }
            if !missing.isEmpty {
                let list = missing.map(String.init).joined(separator: ", ")
                fail(
                    "\(path).vendors[\(i)]",
                    "vendor \(id) (\(vendor.name)) needs consent to purpose(s) \(list), which are not shown, so it could never get consent"
                )
            }
        }
        return problems
    }
}
