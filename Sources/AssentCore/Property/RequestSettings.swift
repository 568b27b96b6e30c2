/// A data point a privacy request asks for beyond the address: what the publisher needs to find the
/// requester's data (a name, an account number) or, for a correction, what to correct.
public struct RequestDataPoint: Sendable, Equatable {
    /// The field's name in the request's details and on the form.
    public var key: String
    public var label: LocalizedText
    /// A line under the field; nil: the page says which requests need it.
    public var hint: LocalizedText?
    /// The request types that ask for it: never an opt-out.
    public var types: [RequestType]
    /// Whether a request of one of `types` must carry it.
    public var required: Bool
    /// A text area rather than a one-line field.
    public var multiline: Bool
    /// The HTML autofill token of the field (`name`, `tel`, `postal-code`…), so browsers can fill it in.
    public var autocomplete: String?

    public init(
        key: String, label: LocalizedText, hint: LocalizedText? = nil, types: [RequestType], required: Bool = false,
        multiline: Bool = false, autocomplete: String? = nil
    ) {
        self.key = key
        self.label = label
        self.hint = hint
        self.types = types
        self.required = required
        self.multiline = multiline
        self.autocomplete = autocomplete
    }

    /// The label in `language`; the standard data points, which carry English and Spanish only, fall back to
    /// English.
    public func label(in language: String) -> String {
        label[language] ?? label["en"] ?? key
    }

    public func hint(in language: String) -> String? {
        hint.map { $0[language] ?? $0["en"] ?? "" }
    }
}

/// The `requests` section of the property document: what each kind of privacy request asks for beyond a
/// verified address.
public struct RequestSettings: Sendable, Equatable {
    public var dataPoints: [RequestDataPoint]

    public static let maximumDataPoints = 12
    /// The longest value a data point takes, in characters.
    public static let maximumValueLength = 2_000
    /// What a correct request must always ask: what is wrong and how it should read.
    public static let correctionKey = "correction"
    /// Names the request form itself uses for its own fields.
    public static let reservedKeys: Set<String> = ["csrf", "email", "type"]

    public init(dataPoints: [RequestDataPoint]) {
        self.dataPoints = dataPoints
    }

    /// What a property that does not say asks: a full name for access, delete and correct, and what to correct
    /// for a correction.
    public static let standard = RequestSettings(dataPoints: [
        RequestDataPoint(
            key: "name", label: ["en": "Full name", "es": "Nombre completo"],
            hint: [
                "en": "Needed to find your data when you ask to see, delete or correct it.",
                "es": "Necesario para encontrar sus datos si pide verlos, eliminarlos o corregirlos.",
            ], types: [.access, .delete, .correct], required: true, autocomplete: "name"),
        RequestDataPoint(
            key: correctionKey, label: ["en": "What should be corrected", "es": "Qué hay que corregir"],
            hint: ["en": "Only for a correction.", "es": "Solo para una corrección."], types: [.correct],
            required: true, multiline: true),
    ])

    /// The data points a request of `type` asks for, in the document's order.
    public func dataPoints(for type: RequestType) -> [RequestDataPoint] {
        dataPoints.filter { $0.types.contains(type) }
    }

    /// Checks the details a request of `type` carries: only the data points asked for that type, none longer
    /// than `maximumValueLength`, and every required one present and not blank.
    public func check(_ details: [String: String], for type: RequestType) throws(RequestDetailsError) {
        let asked = dataPoints(for: type)
        for key in details.keys.sorted() where !asked.contains(where: { $0.key == key }) {
            let takes =
                "\(type.rawValue) requests take "
                + (asked.isEmpty ? "no details" : asked.map(\.key).joined(separator: ", "))
            guard isDataPointKey(key) else {
                throw RequestDetailsError("details: \"\(key.prefix(40))\" is not a field name; \(takes)")
            }
            throw RequestDetailsError("details.\(key): not asked for; \(takes)")
        }
        for point in asked {
            let value = details[point.key] ?? ""
            if value.count > Self.maximumValueLength {
                throw RequestDetailsError(
                    "details.\(point.key): longer than \(Self.maximumValueLength) characters")
            }
            if point.required && value.allSatisfy(\.isWhitespace) {
                throw RequestDetailsError("details.\(point.key): required for a \(type.rawValue) request")
            }
        }
    }

    /// The document form: every member of a data point, its hint and autocomplete token only when set.
    public var jsonValue: JSONValue {
        func localized(_ text: LocalizedText) -> JSONValue {
            .object(text.keys.sorted().map { ($0, .string(text[$0]!)) })
        }
        let points: [JSONValue] = dataPoints.map { point in
            var members: [(String, JSONValue)] = [("key", .string(point.key)), ("label", localized(point.label))]
            if let hint = point.hint { members.append(("hint", localized(hint))) }
            members += [
                ("types", .array(point.types.map { .string($0.rawValue) })), ("required", .bool(point.required)),
                ("multiline", .bool(point.multiline)),
            ]
            if let autocomplete = point.autocomplete { members.append(("autocomplete", .string(autocomplete))) }
            return .object(members)
        }
        return .object([("dataPoints", .array(points))])
    }

    /// HTML autofill field names a text field may carry (HTML Living Standard, "Autofill").
    static let autocompleteTokens: Set<String> = [
        "name", "honorific-prefix", "given-name", "additional-name", "family-name", "honorific-suffix", "nickname",
        "username", "organization-title", "organization", "street-address", "address-line1", "address-line2",
        "address-line3", "address-level1", "address-level2", "address-level3", "address-level4", "country",
        "country-name", "postal-code", "bday", "sex", "tel", "tel-national", "email", "url",
    ]
}

/// Why the details of a request were refused, naming the field (`details.name: …`).
public struct RequestDetailsError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Property {
    /// What this property's privacy requests ask for: its own `requests` section, else the standard one.
    public var requestSettings: RequestSettings { requests ?? .standard }
}

/// A lowercase identifier: a letter, then up to 31 letters, digits or `_`.
func isDataPointKey(_ s: String) -> Bool {
    let b = Array(s.utf8)
    guard let first = b.first, (97...122).contains(first), b.count <= 32 else { return false }
    return b.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
}

extension DocumentReader {
    mutating func requestSettings(_ value: JSONValue?) -> RequestSettings? {
        if value == .null { return nil }
        let path = "$.requests"
        guard let o = object(value, path, allowed: ["dataPoints"], required: ["dataPoints"]),
            let items = array(o["dataPoints"], "\(path).dataPoints")
        else { return nil }
        if items.count > RequestSettings.maximumDataPoints {
            fail(
                "\(path).dataPoints",
                "at most \(RequestSettings.maximumDataPoints) data points, found \(items.count)")
        }
        let allowed: Set = ["key", "label", "hint", "types", "required", "multiline", "autocomplete"]
        var points: [RequestDataPoint] = []
        for (i, item) in items.enumerated() {
            let p = "\(path).dataPoints[\(i)]"
            guard let d = object(item, p, allowed: allowed, required: ["key", "label", "types"]) else { continue }
            var key = string(d["key"], "\(p).key")
            if let k = key {
                if !isDataPointKey(k) {
                    fail(
                        "\(p).key",
                        "\"\(k)\" must be a lowercase letter, then up to 31 lowercase letters, digits or '_'")
                    key = nil
                } else if RequestSettings.reservedKeys.contains(k) {
                    fail("\(p).key", "\"\(k)\" is reserved: the request form uses it for its own field")
                    key = nil
                } else if points.contains(where: { $0.key == k }) {
                    fail("\(p).key", "duplicate data point key \"\(k)\"")
                    key = nil
                }
            }
            let label = localized(d["label"], "\(p).label")
            let hint = d["hint"] == nil || d["hint"] == .null ? nil : localized(d["hint"], "\(p).hint")
            let types = requestTypes(d["types"], "\(p).types")
            let required = bool(d["required"], "\(p).required", default: false)
            let multiline = bool(d["multiline"], "\(p).multiline", default: false)
            let autocomplete = optionalString(d["autocomplete"], "\(p).autocomplete")
            if let autocomplete, !RequestSettings.autocompleteTokens.contains(autocomplete) {
                fail(
                    "\(p).autocomplete",
                    "\"\(autocomplete)\" is not an autofill token for a text field, such as name, tel or postal-code")
            }
            guard let key else { continue }
            points.append(
                RequestDataPoint(
                    key: key, label: label, hint: hint, types: types, required: required, multiline: multiline,
                    autocomplete: autocomplete))
        }
        // A correction request that does not say what to correct cannot be answered (CCPA §7023; GDPR Art. 16).
        let correction = RequestSettings.correctionKey
        if let point = points.first(where: { $0.key == correction }),
            let i = items.firstIndex(where: { $0["key"] == .string(correction) })
        {
            if !point.types.contains(.correct) {
                fail("\(path).dataPoints[\(i)].types", "the \"\(correction)\" data point must include correct")
            } else if !point.required {
                fail(
                    "\(path).dataPoints[\(i)].required",
                    "the \"\(correction)\" data point must be required: a correction says what to correct")
            }
        } else if !items.contains(where: { $0["key"] == .string(correction) }) {
            fail(
                "\(path).dataPoints",
                "correct requests need a required \"\(correction)\" data point, for what to correct")
        }
        return RequestSettings(dataPoints: points)
    }

    private mutating func requestTypes(_ value: JSONValue?, _ path: String) -> [RequestType] {
        guard let list = array(value, path) else { return [] }
        let asking = RequestType.allCases.filter { !$0.isOptOut }.map(\.rawValue).joined(separator: ", ")
        if list.isEmpty { fail(path, "name at least one request type: \(asking)") }
        var types: [RequestType] = []
        for (j, item) in list.enumerated() {
            guard let s = string(item, "\(path)[\(j)]") else { continue }
            guard let type = RequestType(rawValue: s) else {
                fail("\(path)[\(j)]", "unknown request type \"\(s)\" (expected \(asking))")
                continue
            }
            if type.isOptOut {
                fail(
                    "\(path)[\(j)]",
                    "\(s) is an opt-out, which must ask for nothing beyond the address (CCPA §§7026(d), 7027(f))")
            } else if types.contains(type) {
                fail("\(path)[\(j)]", "duplicate request type \"\(s)\"")
            } else {
                types.append(type)
            }
        }
        return types
    }
}
