/// An IAB Global Vendor List in version 3 of its format (TCF 2.2 and later): the purposes, features and vendors
/// that the IDs of a TC string refer to. Imported from a file (`assent gvl import`), never fetched at run time.
///
/// Only what Assent uses is modelled; other members (stacks, data categories, cookie details) are accepted and
/// ignored, so a newer list with more members still reads.
public struct VendorList: Sendable, Equatable {
    /// A purpose, special purpose, feature or special feature.
    public struct Declaration: Sendable, Equatable {
        public var id: Int
        public var name: String
        public var description: String

        public init(id: Int, name: String, description: String) {
            self.id = id
            self.name = name
            self.description = description
        }
    }

    /// How long a vendor keeps data, in days: by default and per (special) purpose.
    public struct DataRetention: Sendable, Equatable {
        public var stdRetention: Int?
        public var purposes: [Int: Int]
        public var specialPurposes: [Int: Int]

        public init(stdRetention: Int? = nil, purposes: [Int: Int] = [:], specialPurposes: [Int: Int] = [:]) {
            self.stdRetention = stdRetention
            self.purposes = purposes
            self.specialPurposes = specialPurposes
        }
    }

    /// A vendor's privacy policy and legitimate-interest claim in one language.
    public struct VendorURL: Sendable, Equatable {
        public var langId: String
        public var privacy: String?
        public var legIntClaim: String?

        public init(langId: String, privacy: String? = nil, legIntClaim: String? = nil) {
            self.langId = langId
            self.privacy = privacy
            self.legIntClaim = legIntClaim
        }
    }

    public struct Vendor: Sendable, Equatable {
        public var id: Int
        public var name: String
        /// Purposes the vendor needs consent for.
        public var purposes: [Int]
        /// Purposes the vendor relies on legitimate interest for.
        public var legIntPurposes: [Int]
        /// Purposes whose legal basis a publisher restriction may switch.
        public var flexiblePurposes: [Int]
        public var specialPurposes: [Int]
        public var features: [Int]
        public var specialFeatures: [Int]
        public var dataRetention: DataRetention?
        public var urls: [VendorURL]
        /// When present the vendor left the list and must not be shown.
        public var deletedDate: String?

        public init(
            id: Int, name: String, purposes: [Int] = [], legIntPurposes: [Int] = [], flexiblePurposes: [Int] = [],
            specialPurposes: [Int] = [], features: [Int] = [], specialFeatures: [Int] = [],
            dataRetention: DataRetention? = nil, urls: [VendorURL] = [], deletedDate: String? = nil
        ) {
            self.id = id
            self.name = name
            self.purposes = purposes
            self.legIntPurposes = legIntPurposes
            self.flexiblePurposes = flexiblePurposes
            self.specialPurposes = specialPurposes
            self.features = features
            self.specialFeatures = specialFeatures
            self.dataRetention = dataRetention
            self.urls = urls
            self.deletedDate = deletedDate
        }

        public var isDeleted: Bool { deletedDate != nil }

        /// The URLs in `language` (ISO 639-1, any case), else in English, else the first listed.
        public func url(language: String) -> VendorURL? {
            let lower = language.lowercased()
            return urls.first { $0.langId.lowercased() == lower } ?? urls.first { $0.langId.lowercased() == "en" }
                ?? urls.first
        }
    }

    /// Always 3: the format this type reads.
    public var gvlSpecificationVersion: Int
    public var vendorListVersion: Int
    /// Copied into every TC string made with this list.
    public var tcfPolicyVersion: Int
    /// As the file gives it (RFC 3339).
    public var lastUpdated: String
    /// Each table sorted by id.
    public var purposes: [Declaration]
    public var specialPurposes: [Declaration]
    public var features: [Declaration]
    public var specialFeatures: [Declaration]
    public var vendors: [Int: Vendor]

    public init(
        gvlSpecificationVersion: Int = 3, vendorListVersion: Int, tcfPolicyVersion: Int, lastUpdated: String,
        purposes: [Declaration], specialPurposes: [Declaration] = [], features: [Declaration] = [],
        specialFeatures: [Declaration] = [], vendors: [Int: Vendor]
    ) {
        self.gvlSpecificationVersion = gvlSpecificationVersion
        self.vendorListVersion = vendorListVersion
        self.tcfPolicyVersion = tcfPolicyVersion
        self.lastUpdated = lastUpdated
        self.purposes = purposes
        self.specialPurposes = specialPurposes
        self.features = features
        self.specialFeatures = specialFeatures
        self.vendors = vendors
    }

    public func purpose(_ id: Int) -> Declaration? { purposes.first { $0.id == id } }
    public func specialPurpose(_ id: Int) -> Declaration? { specialPurposes.first { $0.id == id } }
    public func feature(_ id: Int) -> Declaration? { features.first { $0.id == id } }
    public func specialFeature(_ id: Int) -> Declaration? { specialFeatures.first { $0.id == id } }
}

/// Everything wrong with a vendor list file, each problem located by its JSON path.
public struct VendorListError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [ValidationProblem]

    public init(problems: [ValidationProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension VendorList {
    public static func decode(json bytes: some Collection<UInt8>) throws(VendorListError) -> VendorList {
        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes)
        } catch {
            throw VendorListError(problems: error.problems)
        }
        return try decode(value)
    }

    /// Reads a parsed list, checking what TC strings rely on: the format version, ids that match their keys,
    /// vendors that only name declared purposes and features, and TCF's rules on legal bases.
    public static func decode(_ value: JSONValue) throws(VendorListError) -> VendorList {
        var reader = VendorListReader()
        if let list = reader.list(value), reader.problems.isEmpty { return list }
        throw VendorListError(problems: reader.problems)
    }
}

/// Reads a vendor list with `JSONReader`; every member it reads is required.
private struct VendorListReader {
    var json = JSONReader()
    var problems: [ValidationProblem] { json.problems }

    mutating func fail(_ path: String, _ message: String) { json.fail(path, message) }

    mutating func members(_ value: JSONValue?, _ path: String) -> [(String, JSONValue)]? {
        guard let value else {
            fail(path, "missing")
            return nil
        }
        return json.object(value, at: path)?.members
    }

    mutating func int(_ value: JSONValue?, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let value else {
            fail(path, "missing")
            return nil
        }
        guard let i = value.intValue else {
            fail(path, "expected an integer, found \(value.typeName)")
            return nil
        }
        guard range.contains(i) else {
            fail(path, "\(i) is not between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return i
    }

    mutating func string(_ value: JSONValue?, _ path: String) -> String? {
        guard let value else {
            fail(path, "missing")
            return nil
        }
        return json.string(value, at: path)
    }

    mutating func optionalString(_ value: JSONValue?, _ path: String) -> String? {
        guard let value, value != .null else { return nil }
        return string(value, path)
    }

    /// A list of distinct ids, each declared in `known` (what the list calls them in messages: `what`).
    mutating func ids(_ value: JSONValue?, _ path: String, known: Set<Int>, what: String) -> [Int] {
        guard let value else {
            fail(path, "missing")
            return []
        }
        guard case .array(let items) = value else {
            fail(path, "expected an array of ids, found \(value.typeName)")
            return []
        }
        var result: [Int] = []
        for (i, item) in items.enumerated() {
            guard let id = item.intValue else {
                fail("\(path)[\(i)]", "expected an integer id, found \(item.typeName)")
                continue
            }
            if !known.contains(id) {
                fail("\(path)[\(i)]", "\(what) \(id) is not declared in this list")
            } else if result.contains(id) {
                fail("\(path)[\(i)]", "duplicate \(what) \(id)")
            } else {
                result.append(id)
            }
        }
        return result
    }

    /// `{"1": {"id": 1, "name": …, "description": …}, …}`, sorted by id.
    mutating func declarations(_ value: JSONValue?, _ path: String, range: ClosedRange<Int>) -> [VendorList.Declaration]
    {
        guard let members = members(value, path) else { return [] }
        var result: [VendorList.Declaration] = []
        for (key, member) in members {
            let itemPath = "\(path).\(key)"
            guard let entry = self.members(member, itemPath) else { continue }
            let object = JSONValue.object(entry)
            guard let id = int(object["id"], "\(itemPath).id", range: range) else { continue }
            if key != String(id) { fail("\(itemPath).id", "id \(id) does not match its key \"\(key)\"") }
            let name = string(object["name"], "\(itemPath).name")
            let description = string(object["description"], "\(itemPath).description")
            if let name, let description {
                result.append(VendorList.Declaration(id: id, name: name, description: description))
            }
        }
        return result.sorted { $0.id < $1.id }
    }

    mutating func list(_ value: JSONValue) -> VendorList? {
        guard members(value, "$") != nil else { return nil }
        if let spec = value["gvlSpecificationVersion"], spec.intValue != 3 {
            fail(
                "$.gvlSpecificationVersion",
                "Assent reads version 3 of the Global Vendor List format (TCF 2.2); this file has \(CanonicalJSONText.of(spec))"
            )
            return nil
        } else if value["gvlSpecificationVersion"] == nil {
            fail("$.gvlSpecificationVersion", "missing: is this a Global Vendor List (v3) file?")
            return nil
        }
        let version = int(value["vendorListVersion"], "$.vendorListVersion", range: 1...4095)
        let policy = int(value["tcfPolicyVersion"], "$.tcfPolicyVersion", range: 1...63)
        let lastUpdated = string(value["lastUpdated"], "$.lastUpdated")
        if let lastUpdated, !isDateTime(lastUpdated) {
            fail("$.lastUpdated", "\"\(lastUpdated)\" is not an RFC 3339 date-time")
        }
        let purposes = declarations(value["purposes"], "$.purposes", range: 1...24)
        let specialPurposes = declarations(value["specialPurposes"], "$.specialPurposes", range: 1...63)
        let features = declarations(value["features"], "$.features", range: 1...63)
        let specialFeatures = declarations(value["specialFeatures"], "$.specialFeatures", range: 1...12)
        let known = Known(
            purposes: Set(purposes.map(\.id)), specialPurposes: Set(specialPurposes.map(\.id)),
            features: Set(features.map(\.id)), specialFeatures: Set(specialFeatures.map(\.id)),
            checksLegalBases: (policy ?? 0) >= 4)
        var vendors: [Int: VendorList.Vendor] = [:]
        for (key, member) in members(value["vendors"], "$.vendors") ?? [] {
            if let vendor = vendor(member, "$.vendors.\(key)", key: key, known: known) { vendors[vendor.id] = vendor }
        }
        guard let version, let policy, let lastUpdated else { return nil }
        return VendorList(
            vendorListVersion: version, tcfPolicyVersion: policy, lastUpdated: lastUpdated, purposes: purposes,
            specialPurposes: specialPurposes, features: features, specialFeatures: specialFeatures, vendors: vendors)
    }

    struct Known {
        let purposes: Set<Int>
        let specialPurposes: Set<Int>
        let features: Set<Int>
        let specialFeatures: Set<Int>
        /// TCF 2.2 (policy version 4) forbids legitimate interest for purposes 1 and 3–6.
        let checksLegalBases: Bool
    }

    mutating func vendor(_ value: JSONValue, _ path: String, key: String, known: Known) -> VendorList.Vendor? {
        guard let entry = members(value, path) else { return nil }
        let v = JSONValue.object(entry)
        guard let id = int(v["id"], "\(path).id", range: 1...65535) else { return nil }
        if key != String(id) { fail("\(path).id", "id \(id) does not match its key \"\(key)\"") }
        let name = string(v["name"], "\(path).name") ?? ""
        let purposes = ids(v["purposes"], "\(path).purposes", known: known.purposes, what: "purpose")
        let legInt = ids(v["legIntPurposes"], "\(path).legIntPurposes", known: known.purposes, what: "purpose")
        let flexible =
            v["flexiblePurposes"] == nil
            ? [] : ids(v["flexiblePurposes"], "\(path).flexiblePurposes", known: known.purposes, what: "purpose")
        let special = ids(
            v["specialPurposes"], "\(path).specialPurposes", known: known.specialPurposes, what: "special purpose")
        let features = ids(v["features"], "\(path).features", known: known.features, what: "feature")
        let specialFeatures = ids(
            v["specialFeatures"], "\(path).specialFeatures", known: known.specialFeatures, what: "special feature")
        for id in purposes where legInt.contains(id) {
            fail("\(path).legIntPurposes", "purpose \(id) is declared both for consent and for legitimate interest")
        }
        for id in flexible where !purposes.contains(id) && !legInt.contains(id) {
            fail(
                "\(path).flexiblePurposes",
                "flexible purpose \(id) is declared neither for consent nor legitimate interest")
        }
        if known.checksLegalBases {
            for id in legInt where TCFSettings.consentOnlyPurposes.contains(id) {
                fail("\(path).legIntPurposes", "purpose \(id) cannot rest on legitimate interest under TCF 2.2")
            }
        }
        var retention: VendorList.DataRetention?
        if let r = v["dataRetention"], r != .null, let members = members(r, "\(path).dataRetention") {
            let object = JSONValue.object(members)
            var std: Int?
            if let value = object["stdRetention"], value != .null {
                std = int(value, "\(path).dataRetention.stdRetention", range: 0...Int(Int32.max))
            }
            retention = VendorList.DataRetention(
                stdRetention: std, purposes: days(object["purposes"], "\(path).dataRetention.purposes"),
                specialPurposes: days(object["specialPurposes"], "\(path).dataRetention.specialPurposes"))
        }
        var urls: [VendorList.VendorURL] = []
        if let u = v["urls"], u != .null {
            guard case .array(let items) = u else {
                fail("\(path).urls", "expected an array, found \(u.typeName)")
                return nil
            }
            for (i, item) in items.enumerated() {
                let itemPath = "\(path).urls[\(i)]"
                guard members(item, itemPath) != nil, let lang = string(item["langId"], "\(itemPath).langId") else {
                    continue
                }
                urls.append(
                    VendorList.VendorURL(
                        langId: lang, privacy: optionalString(item["privacy"], "\(itemPath).privacy"),
                        legIntClaim: optionalString(item["legIntClaim"], "\(itemPath).legIntClaim")))
            }
        }
        return VendorList.Vendor(
            id: id, name: name, purposes: purposes, legIntPurposes: legInt, flexiblePurposes: flexible,
            specialPurposes: special, features: features, specialFeatures: specialFeatures, dataRetention: retention,
            urls: urls, deletedDate: optionalString(v["deletedDate"], "\(path).deletedDate"))
    }

    /// `{"3": 180}`: id → days.
    mutating func days(_ value: JSONValue?, _ path: String) -> [Int: Int] {
        guard let value, value != .null, let members = members(value, path) else { return [:] }
        var result: [Int: Int] = [:]
        for (key, member) in members {
            guard let id = Int(key), id >= 1 else {
                fail("\(path).\(key)", "\"\(key)\" is not an id")
                continue
            }
            if let days = int(member, "\(path).\(key)", range: 0...Int(Int32.max)) { result[id] = days }
        }
        return result
    }

    /// `YYYY-MM-DDTHH:MM…`, enough to tell a date-time from something else.
    func isDateTime(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 16 else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]
        return digits.allSatisfy { (48...57).contains(b[$0]) } && b[4] == 45 && b[7] == 45
            && (b[10] == 84 || b[10] == 116) && b[13] == 58
    }
}

/// A JSON value as compact text, for messages.
enum CanonicalJSONText {
    static func of(_ value: JSONValue) -> String { String(decoding: CanonicalJSON.orderedBytes(value), as: UTF8.self) }
}
