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

    public init(
        subject: String? = nil, choices: [String: Bool], action: ConsentAction, policyVersion: Int,
        lang: String? = nil, gpc: Bool = false, region: String? = nil
    ) {
        self.subject = subject
        self.choices = choices
        self.action = action
        self.policyVersion = policyVersion
        self.lang = lang
        self.gpc = gpc
        self.region = region
    }
}

/// Why a submission is refused; `field` names the offending part of the request body.
public struct SubmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var description: String { "\(field): \(message)" }
}

extension ConsentSubmission {
    /// Parses and checks the request body shape: types, known actions, a UUID subject. Property-specific
    /// checks (category keys, policy versions) are in `validate(against:knownPolicyVersions:)`.
    public static func parse(_ body: JSONValue) throws(SubmissionError) -> ConsentSubmission {
        guard case .object(let members) = body else {
            throw SubmissionError(field: "body", message: "expected a JSON object, found \(body.typeName)")
        }
        var subject: String?
        var choices: [String: Bool]?
        var action: ConsentAction?
        var policyVersion: Int?
        var lang: String?
        var gpc = false
        var region: String?
        for (name, value) in members {
            switch name {
            case "subject":
                if value == .null { continue }
                guard let s = value.stringValue else { throw typeError(name, "a UUID string", value) }
                guard let normalized = normalizedUUID(s) else {
                    throw SubmissionError(field: name, message: "\"\(s)\" is not a UUID")
                }
                subject = normalized
            case "choices":
                guard case .object(let entries) = value else { throw typeError(name, "an object", value) }
                var dict: [String: Bool] = [:]
                for (key, v) in entries {
                    guard let b = v.boolValue else { throw typeError("choices.\(key)", "a boolean", v) }
                    dict[key] = b
                }
                choices = dict
            case "action":
                guard let s = value.stringValue else { throw typeError(name, "a string", value) }
                guard let a = ConsentAction(rawValue: s) else {
                    throw SubmissionError(
                        field: name, message: "unknown action \"\(s)\" (expected accept_all, reject_all, save or gpc)")
                }
                action = a
            case "policyVersion":
                guard let i = value.intValue else { throw typeError(name, "an integer", value) }
                policyVersion = i
            case "lang":
                if value == .null { continue }
                guard let s = value.stringValue, s.count <= 35 else { throw typeError(name, "a language tag", value) }
                lang = s
            case "gpc":
                guard let b = value.boolValue else { throw typeError(name, "a boolean", value) }
                gpc = b
            case "region":
                if value == .null { continue }
                guard let s = value.stringValue else { throw typeError(name, "a region code", value) }
                region = s
            default:
                throw SubmissionError(field: name, message: "unknown field")
            }
        }
        guard let action else { throw SubmissionError(field: "action", message: "missing") }
        guard let policyVersion else { throw SubmissionError(field: "policyVersion", message: "missing") }
        if choices == nil && action == .save {
            throw SubmissionError(field: "choices", message: "missing (required for action save)")
        }
        return ConsentSubmission(
            subject: subject, choices: choices ?? [:], action: action, policyVersion: policyVersion, lang: lang,
            gpc: gpc, region: region)
    }

    /// Checks the submission against the property: every choice names a category, the policy version is one
    /// the property had, and action `gpc` comes with a GPC signal.
    public func validate(
        against property: Property, knownPolicyVersions: some Collection<Int>, gpcSignal: Bool
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
    }

    private static func typeError(_ field: String, _ expected: String, _ value: JSONValue) -> SubmissionError {
        SubmissionError(field: field, message: "expected \(expected), found \(value.typeName)")
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
