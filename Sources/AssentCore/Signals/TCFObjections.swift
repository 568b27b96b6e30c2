/// A visitor's objections to processing based on legitimate interest under IAB TCF (the right to object, GDPR
/// Art. 21): vendors and purposes by id, each list ascending without repeats. An objected vendor gets no
/// legitimate interest at all; an objected purpose is not established for anyone (see `Property.tcString`).
public struct TCFObjections: Sendable, Hashable {
    /// GVL vendor ids, ascending, distinct.
    public private(set) var vendors: [Int]
    /// TCF purpose ids, ascending, distinct.
    public private(set) var purposes: [Int]

    public static let none = TCFObjections()

    /// Sorts the ids and drops repeats.
    public init(vendors: [Int] = [], purposes: [Int] = []) {
        self.vendors = Array(Set(vendors)).sorted()
        self.purposes = Array(Set(purposes)).sorted()
    }

    public var isEmpty: Bool { vendors.isEmpty && purposes.isEmpty }

    /// The objections that are still about something in `interests` (what can be objected to now).
    public func keeping(_ interests: TCFLegitimateInterests) -> TCFObjections {
        TCFObjections(
            vendors: vendors.filter(interests.vendors.contains), purposes: purposes.filter(interests.purposes.contains))
    }

    public static let vendorsMember = "vendorLIObjections"
    public static let purposesMember = "purposeLIObjections"

    /// `{"vendorLIObjections": [ids], "purposeLIObjections": [ids]}`, both lists always present.
    public var jsonValue: JSONValue {
        .object([
            (Self.vendorsMember, .array(vendors.map(JSONValue.int))),
            (Self.purposesMember, .array(purposes.map(JSONValue.int))),
        ])
    }

    /// Writes `jsonValue`: members in canonical order (`purposeLIObjections` first) when `canonical`, else in
    /// the order `jsonValue` has.
    public func write(to writer: inout JSONWriter, canonical: Bool) {
        writer.object { w in
            if canonical {
                w.member("purposeLIObjections") { w in w.array(purposes) { w, id in w.int(id) } }
                w.member("vendorLIObjections") { w in w.array(vendors) { w, id in w.int(id) } }
            } else {
                w.member("vendorLIObjections") { w in w.array(vendors) { w, id in w.int(id) } }
                w.member("purposeLIObjections") { w in w.array(purposes) { w, id in w.int(id) } }
            }
        }
    }

    /// Reads the object form, `path` naming it in errors (`tcf`, so a bad id is `tcf.vendorLIObjections[2]`).
    /// A list left out is empty; ids must be positive integers (vendors at most 65535, purposes at most 24, what
    /// the TC string can carry), ascending, without repeats; any other member is refused.
    public static func parse(_ value: JSONValue, path: String) throws(SubmissionError) -> TCFObjections {
        var reader = JSONReader(mode: .firstProblem)
        let objections = read(value, at: "$." + path, &reader)
        if let problem = reader.problems.first { throw SubmissionError(problem) }
        return objections ?? .none
    }

    /// Reads the object form at `path` (a JSON path such as `$.tcf`), reporting to `reader`.
    public static func read(_ value: JSONValue, at path: String, _ reader: inout JSONReader) -> TCFObjections? {
        guard
            let o = reader.object(
                value, at: path, expected: "an object with \(vendorsMember) and \(purposesMember)")
        else { return nil }
        var vendors: [Int] = []
        var purposes: [Int] = []
        for (name, list) in o.members {
            let field = o.path(name)
            let maximum: Int
            switch name {
            case vendorsMember: maximum = 65535
            case purposesMember: maximum = 24
            default:
                reader.fail(field, "unknown field (expected \(vendorsMember) or \(purposesMember))")
                continue
            }
            guard let items = reader.array(list, at: field, expected: "an array of ids") else { continue }
            var ids: [Int] = []
            ids.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard let id = reader.int(item, at: JSONReader.path(field, i), expected: "an integer id") else {
                    continue
                }
                guard (1...maximum).contains(id) else {
                    reader.fail(JSONReader.path(field, i), "\(id) is not an id (1 to \(maximum))")
                    continue
                }
                if let last = ids.last, id <= last {
                    reader.fail(
                        JSONReader.path(field, i), "ids must be ascending without repeats (\(id) follows \(last))")
                    continue
                }
                ids.append(id)
            }
            if name == vendorsMember { vendors = ids } else { purposes = ids }
        }
        return TCFObjections(vendors: vendors, purposes: purposes)
    }
}

/// What a visitor can object to on a property: the legitimate interests it shows (see
/// `Property.tcfLegitimateInterests`).
public struct TCFLegitimateInterests: Sendable, Equatable {
    /// The purposes shown that some vendor shown declares a legitimate interest for, ascending.
    public var purposes: [Int]
    /// The vendors shown that declare a legitimate interest for one of `purposes`, ascending.
    public var vendors: [Int]

    public init(purposes: [Int], vendors: [Int]) {
        self.purposes = purposes
        self.vendors = vendors
    }

    public static let none = TCFLegitimateInterests(purposes: [], vendors: [])
}
