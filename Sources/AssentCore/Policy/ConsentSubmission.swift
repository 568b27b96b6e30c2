/// A visitor's submitted decision, validated against the property it is for.
public struct ConsentSubmission: Sendable, Equatable {
    public var subject: String?
    public var choices: [String: Bool]
    public var action: ConsentAction
    public var policyVersion: Int
    public var lang: String?
    public var gpc: Bool
    /// Only honoured for the demo property.
    public var region: String?
    /// The visitor's objections to legitimate interests (TCF), replacing the earlier ones; nil (the member left
    /// out): the subject's earlier objections on the property stay in force.
    public var tcf: TCFObjections?

    public init(
        subject: String? = nil, choices: [String: Bool], action: ConsentAction, policyVersion: Int,
        lang: String? = nil, gpc: Bool = false, region: String? = nil, tcf: TCFObjections? = nil
    ) {
        self.subject = subject
        self.choices = choices
        self.action = action
        self.policyVersion = policyVersion
        self.lang = lang
        self.gpc = gpc
        self.region = region
        self.tcf = tcf
    }
}

/// Why a submission is refused; `field` names the offending part of the request body.
public struct SubmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var description: String { "\(field): \(message)" }

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// A reader's problem: its path without `$.`, `body` for the whole body.
    init(_ problem: ValidationProblem) {
        field = problem.path == "$" ? "body" : String(problem.path.dropFirst(problem.path.hasPrefix("$.") ? 2 : 0))
        message = problem.message
    }
}

extension ConsentSubmission {
    /// Parses and checks the request body shape: types, known actions, a UUID subject. Property-specific
    /// checks (category keys, policy versions) are in `validate(against:knownPolicyVersions:)`. The first problem
    /// found is the error, its `field` the problem's path without `$.` (`choices.ads`), `body` for the whole.
    public static func parse(_ body: JSONValue) throws(SubmissionError) -> ConsentSubmission {
        var reader = JSONReader(mode: .firstProblem)
        let submission = read(body, &reader)
        if let problem = reader.problems.first { throw SubmissionError(problem) }
        return submission!
    }

    /// Reads the members in the order they come, so the first problem is the first in the body.
    static func read(_ body: JSONValue, _ reader: inout JSONReader) -> ConsentSubmission? {
        guard let o = reader.object(body, at: "$", expected: "a JSON object") else { return nil }
        var subject: String?
        var choices: [String: Bool]?
        var action: ConsentAction?
        var policyVersion: Int?
        var lang: String?
        var gpc = false
        var region: String?
        var tcf: TCFObjections?
        for (name, value) in o.members {
            let path = "$." + name
            switch name {
            case "subject":
                guard let s = reader.string(value, at: path, nullable: true, expected: "a UUID string") else { break }
                guard let normalized = normalizedSubject(s) else {
                    reader.fail(path, "\"\(s)\" is not a UUID (or a signed-in reader's u- subject)")
                    break
                }
                subject = normalized
            case "choices":
                guard let entries = reader.object(value, at: path) else { break }
                var dict: [String: Bool] = [:]
                for (key, v) in entries.members {
                    if let b = reader.bool(v, at: entries.path(key)) { dict[key] = b }
                }
                choices = dict
            case "action":
                guard let s = reader.string(value, at: path) else { break }
                guard let a = ConsentAction(rawValue: s) else {
                    reader.fail(path, "unknown action \"\(s)\" (expected accept_all, reject_all, save or gpc)")
                    break
                }
                action = a
            case "policyVersion":
                policyVersion = reader.int(value, at: path)
            case "lang":
                guard let s = reader.string(value, at: path, nullable: true, expected: "a language tag") else { break }
                if s.count > 35 {
                    reader.fail(path, "expected a language tag, found a string")
                } else {
                    lang = s
                }
            case "gpc":
                gpc = reader.bool(value, at: path) ?? false
            case "region":
                region = reader.string(value, at: path, nullable: true, expected: "a region code")
            case "tcf":
                if value == .null { break }
                tcf = TCFObjections.read(value, at: path, &reader)
            default:
                reader.fail(path, "unknown field")
            }
            if reader.stopped { return nil }
        }
        guard let action else {
            reader.fail("$.action", "missing")
            return nil
        }
        guard let policyVersion else {
            reader.fail("$.policyVersion", "missing")
            return nil
        }
        if choices == nil && action == .save {
            reader.fail("$.choices", "missing (required for action save)")
            return nil
        }
        guard reader.problems.isEmpty else { return nil }
        return ConsentSubmission(
            subject: subject, choices: choices ?? [:], action: action, policyVersion: policyVersion, lang: lang,
            gpc: gpc, region: region, tcf: tcf)
    }

    /// Checks the submission against the property: every choice names a category, the policy version is one
    /// the property had, action `gpc` comes with a GPC signal, and `tcf` objects only to legitimate interests
    /// the property shows with `vendorList` (the list its TCF settings name), on a property that uses TCF.
    public func validate(
        against property: Property, knownPolicyVersions: some Collection<Int>, gpcSignal: Bool,
        vendorList: VendorList? = nil
    ) throws(SubmissionError) {
        for key in choices.keys.sorted() where property.category(key) == nil {
            throw SubmissionError(
                field: "choices.\(key)", message: "unknown category \"\(key)\" for property \(property.id)")
        }
        guard knownPolicyVersions.contains(policyVersion) else {
            throw SubmissionError(
                field: "policyVersion",
                message:
                    "property \(property.id) never had policy version \(policyVersion) (current: \(property.policyVersion))"
            )
        }
        if action == .gpc && !gpcSignal {
            throw SubmissionError(
                field: "action",
                message: "action gpc needs a Global Privacy Control signal (Sec-GPC: 1 or \"gpc\": true)")
        }
        if let tcf { try Self.validate(tcf, against: property, vendorList: vendorList) }
    }

    /// Objections are accepted on a property with TCF enabled, whatever the visitor's region (they change the
    /// signals only where TCF applies), and only to what `Property.tcfLegitimateInterests` lists.
    static func validate(
        _ tcf: TCFObjections, against property: Property, vendorList: VendorList?
    ) throws(SubmissionError) {
        guard let settings = property.signals.tcf, settings.enabled else {
            throw SubmissionError(
                field: "tcf",
                message:
                    "property \(property.id) does not use IAB TCF, so there is no legitimate interest to object to; send no tcf member"
            )
        }
        let shown = vendorList.map(property.tcfLegitimateInterests) ?? .none
        let vendors = Set(shown.vendors)
        let purposes = Set(shown.purposes)
        for (i, id) in tcf.vendors.enumerated() where !vendors.contains(id) {
            throw SubmissionError(
                field: "tcf.\(TCFObjections.vendorsMember)[\(i)]",
                message:
                    "vendor \(id) is not shown on property \(property.id) with a legitimate interest (objectable: \(listed(shown.vendors)))"
            )
        }
        for (i, id) in tcf.purposes.enumerated() where !purposes.contains(id) {
            throw SubmissionError(
                field: "tcf.\(TCFObjections.purposesMember)[\(i)]",
                message:
                    "purpose \(id) is not shown on property \(property.id) with a legitimate interest (objectable: \(listed(shown.purposes)))"
            )
        }
    }

    /// Up to twenty ids, for a message.
    private static func listed(_ ids: [Int]) -> String {
        let shown = ids.prefix(20).map(String.init).joined(separator: ", ")
        return ids.count > 20 ? shown + ", … (\(ids.count) in all)" : ids.isEmpty ? "none" : shown
    }

}

/// Lowercased canonical form of a UUID string, or nil if it is not one.
public func normalizedUUID(_ s: String) -> String? {
    let b = Array(s.utf8)
    guard b.count == 36 else { return nil }
    for (i, c) in b.enumerated() {
        if i == 8 || i == 13 || i == 18 || i == 23 {
            if c != 45 { return nil }
        } else if !((48...57).contains(c) || (97...102).contains(c) || (65...70).contains(c)) {
            return nil
        }
    }
    return s.lowercased()
}
