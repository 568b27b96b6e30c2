import Foundation

/// One thing wrong with a property document, located by a JSON path such as `$.categories[2].title.es`.
public struct ValidationProblem: Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Every problem found in a property document, not just the first.
public struct PropertyValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [ValidationProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Reading and writing the property JSON document (`assent property import/export`).
extension Property {
    public static func decode(json bytes: some Collection<UInt8>) throws(PropertyValidationError) -> Property {
        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes)
        } catch {
            throw PropertyValidationError(problems: error.problems)
        }
        return try decode(value)
    }

    public static func decode(_ value: JSONValue) throws(PropertyValidationError) -> Property {
        var reader = DocumentReader()
        let property = reader.property(value)
        if let property, reader.problems.isEmpty { return property }
        throw PropertyValidationError(problems: reader.problems)
    }

    /// The document form, members in a readable order.
    public var jsonValue: JSONValue {
        func localized(_ text: LocalizedText) -> JSONValue {
            .object(text.keys.sorted().map { ($0, .string(text[$0]!)) })
        }
        func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        let rules: [JSONValue] = regimes.rules.map { rule in
            .object([
                ("regime", .string(rule.regime.rawValue)), ("regions", .array(rule.regions.map(JSONValue.string))),
                ("rejectAll", .bool(rule.rejectAll)),
            ])
        }
        let categories: [JSONValue] = categories.map { c in
            .object([
                ("key", .string(c.key)), ("title", localized(c.title)), ("description", localized(c.description)),
                ("required", .bool(c.required)),
                (
                    "defaults",
                    .object([
                        ("opt-in", .bool(c.defaults.optIn)), ("opt-out", .bool(c.defaults.optOut)),
                        ("notice", .bool(c.defaults.notice)),
                    ])
                ),
                ("purposes", .array(c.purposes.map { .string($0.rawValue) })),
                (
                    "cookies",
                    .array(
                        c.cookies.map { k in
                            .object([
                                ("name", .string(k.name)), ("prefix", .bool(k.prefix)), ("host", optional(k.host)),
                                ("duration", .string(k.duration)), ("party", .string(k.party.rawValue)),
                                ("description", localized(k.description)),
                            ])
                        })
                ),
            ])
        }
        let texts: [(String, JSONValue)] = languages.map { lang in
            let t = self.texts[lang] ?? [:]
            return (lang, .object(TextKey.allCases.compactMap { k in t[k.rawValue].map { (k.rawValue, .string($0)) } }))
        }
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("name", .string(name)), ("origins", .array(origins.map(JSONValue.string))),
            ("cookieDomain", optional(cookieDomain)), ("policyVersion", .int(policyVersion)),
            ("languages", .array(languages.map(JSONValue.string))),
            (
                "regimes",
                .object([
                    ("default", .string(regimes.defaultRegime.rawValue)),
                    ("defaultRejectAll", .bool(regimes.defaultRejectAll)), ("rules", .array(rules)),
                ])
            ),
            ("categories", .array(categories)), ("texts", .object(texts)),
            (
                "links",
                .object([
                    ("privacyPolicy", optional(links.privacyPolicy)), ("cookiePolicy", optional(links.cookiePolicy)),
                    ("privacyRequests", optional(links.privacyRequests)),
                ])
            ),
            (
                "expiry",
                .object([("consentDays", .int(expiry.consentDays)), ("refusalDays", .int(expiry.refusalDays))])
            ),
            ("signals", signals.jsonValue),
        ]
        // Only when set, so that the document of a property without signed-in readers is what it always was.
        if let identity { members.append(("identity", identity.jsonValue)) }
        if let requests { members.append(("requests", requests.jsonValue)) }
        if let scan { members.append(("scan", scan.jsonValue)) }
        return .object(members)
    }

    /// Pretty enough for a terminal: the ordered document with two-space indentation.
    public func documentJSON() -> String {
        let compact = CanonicalJSON.orderedBytes(jsonValue)
        return JSONPretty.format(compact)
    }

    /// SHA-256 over what a visitor is shown in one language: the texts, the category titles, descriptions and
    /// cookie lists, the links, and with TCF on, the vendor list, purposes and vendors shown. A record stores it
    /// next to the policy version as proof of what was shown.
    public func textsHash(language: String) -> String {
        let lang = self.language(matching: language)
        var shown: [(String, JSONValue)] = [
            ("lang", .string(lang)), ("policyVersion", .int(policyVersion)),
            ("texts", .object((texts[lang] ?? [:]).map { ($0.key, .string($0.value)) })),
            (
                "categories",
                .array(
                    categories.map { c in
                        .object([
                            ("key", .string(c.key)), ("title", .string(c.title[lang] ?? "")),
                            ("description", .string(c.description[lang] ?? "")), ("required", .bool(c.required)),
                            (
                                "cookies",
                                .array(
                                    c.cookies.map {
                                        .object([
                                            ("name", .string($0.name)), ("duration", .string($0.duration)),
                                            ("party", .string($0.party.rawValue)),
                                            ("description", .string($0.description[lang] ?? "")),
                                        ])
                                    })
                            ),
                        ])
                    })
            ),
            (
                "links",
                .array(
                    [links.privacyPolicy, links.cookiePolicy, links.privacyRequests].map {
                        $0.map(JSONValue.string) ?? .null
                    })
            ),
        ]
        if let tcf = signals.tcf, tcf.enabled {
            // Only with TCF on, so that the hash of a property without it is what it always was.
            shown.append(
                (
                    "tcf",
                    .object([
                        ("vendorListVersion", tcf.vendorListVersion.map(JSONValue.int) ?? .null),
                        ("purposes", tcf.purposes.map { .array($0.map(JSONValue.int)) } ?? .null),
                        ("specialFeatures", .array(tcf.specialFeatures.map(JSONValue.int))),
                        ("vendors", .array(tcf.vendors.map(JSONValue.int))),
                    ])
                ))
        }
        return Hex.encode(SHA256Digest.of(CanonicalJSON.bytes(.object(shown))))
    }
}

/// Validates an origin as browsers send it: scheme, host, optional port, nothing else.
public func isOrigin(_ text: String) -> Bool {
    guard let components = URLComponents(string: text), let scheme = components.scheme,
        scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
        components.path.isEmpty, components.query == nil, components.fragment == nil, components.user == nil
    else { return false }
    return host.allSatisfy {
        $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "[" || $0 == "]" || $0 == ":"
    }
}

/// Reads a property document with `JSONReader` (every problem, with its path), adding what the document needs
/// beyond types: the declared languages that localized texts are checked against, and its defaults for members
/// left out.
struct DocumentReader {
    var json = JSONReader()
    var languages: [String] = []

    var problems: [ValidationProblem] { json.problems }

    mutating func fail(_ path: String, _ message: String) { json.fail(path, message) }

    /// The members by name; unknown ones and missing `required` ones (in name order) are reported.
    mutating func object(_ value: JSONValue?, _ path: String, allowed: Set<String>, required: Set<String>)
        -> [String: JSONValue]?
    {
        guard let value,
            let o = json.object(value, at: path, allowed: Array(allowed), required: required.sorted())
        else { return nil }
        var dict: [String: JSONValue] = [:]
        for (name, member) in o.members where allowed.contains(name) { dict[name] = member }
        return dict
    }

    mutating func string(_ value: JSONValue?, _ path: String, nonEmpty: Bool = true) -> String? {
        guard let s = json.string(value, at: path) else { return nil }
        if nonEmpty && s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            fail(path, "must not be empty")
            return nil
        }
        return s
    }

    mutating func optionalString(_ value: JSONValue?, _ path: String) -> String? {
        if value == nil || value == .null { return nil }
        return string(value, path)
    }

    mutating func bool(_ value: JSONValue?, _ path: String, default fallback: Bool) -> Bool {
        guard value != nil else { return fallback }
        return json.bool(value, at: path) ?? fallback
    }

    mutating func int(_ value: JSONValue?, _ path: String, range: ClosedRange<Int>, default fallback: Int) -> Int {
        guard let value else { return fallback }
        guard let i = json.int(value, at: path) else { return fallback }
        guard range.contains(i) else {
            fail(path, "must be between \(range.lowerBound) and \(range.upperBound)")
            return fallback
        }
        return i
    }

    mutating func array(_ value: JSONValue?, _ path: String) -> [JSONValue]? { json.array(value, at: path) }

    mutating func localized(_ value: JSONValue?, _ path: String) -> LocalizedText {
        guard let value else { return [:] }
        guard case .object(let members) = value else {
            fail(path, "expected an object of texts by language, found \(value.typeName)")
            return [:]
        }
        var text: LocalizedText = [:]
        for (lang, member) in members {
            guard languages.contains(lang) else {
                fail("\(path).\(lang)", "language \"\(lang)\" is not declared in $.languages")
                continue
            }
            if let s = string(member, "\(path).\(lang)") { text[lang] = s }
        }
        for lang in languages where text[lang] == nil && !members.contains(where: { $0.0 == lang }) {
            fail("\(path).\(lang)", "text missing in declared language \"\(lang)\"")
        }
        return text
    }

    mutating func link(_ value: JSONValue?, _ path: String) -> String? {
        guard let s = optionalString(value, path) else { return nil }
        if s.hasPrefix("/") || s.hasPrefix("https://") || s.hasPrefix("http://") { return s }
        fail(path, "expected an http(s) URL or a path starting with /")
        return nil
    }

    mutating func property(_ value: JSONValue) -> Property? {
        let top: Set = [
            "id", "name", "origins", "cookieDomain", "policyVersion", "languages", "regimes", "categories", "texts",
            "links", "expiry", "signals", "identity", "requests", "scan",
        ]
        guard
            let doc = object(
                value, "$", allowed: top, required: ["id", "name", "origins", "languages", "categories", "texts"])
        else { return nil }

        let id = string(doc["id"], "$.id")
        if let id, !isPropertyID(id) {
            fail("$.id", "must be 1-63 lowercase letters, digits or '-', starting with a letter or digit")
        }
        let name = string(doc["name"], "$.name")

        var origins: [String] = []
        for (i, o) in (array(doc["origins"], "$.origins") ?? []).enumerated() {
            guard let s = string(o, "$.origins[\(i)]") else { continue }
            if !isOrigin(s) {
                fail("$.origins[\(i)]", "\"\(s)\" is not an origin (scheme://host[:port], no path)")
            } else if origins.contains(s) {
                fail("$.origins[\(i)]", "duplicate origin \"\(s)\"")
            } else {
                origins.append(s)
            }
        }

        var cookieDomain = optionalString(doc["cookieDomain"], "$.cookieDomain")
        if let d = cookieDomain {
            let trimmed = d.hasPrefix(".") ? String(d.dropFirst()) : d
            let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
            if trimmed.isEmpty
                || !labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } })
            {
                fail("$.cookieDomain", "\"\(d)\" is not a domain name")
            }
            cookieDomain = trimmed.lowercased()
        }

        let policyVersion = int(doc["policyVersion"], "$.policyVersion", range: 1...Int(Int32.max), default: 1)

        for (i, l) in (array(doc["languages"], "$.languages") ?? []).enumerated() {
            guard let s = string(l, "$.languages[\(i)]") else { continue }
            if s.count < 2 || s.count > 3 || !s.allSatisfy({ $0.isASCII && $0.isLowercase }) {
                fail("$.languages[\(i)]", "\"\(s)\" is not a language code (2-3 lowercase letters)")
            } else if languages.contains(s) {
                fail("$.languages[\(i)]", "duplicate language \"\(s)\"")
            } else {
                languages.append(s)
            }
        }
        if doc["languages"] != nil && languages.isEmpty
            && !problems.contains(where: { $0.path.hasPrefix("$.languages") })
        {
            fail("$.languages", "declare at least one language")
        }

        let regimes = regimeRules(doc["regimes"])
        let categories = categoryList(doc["categories"])
        let texts = textTable(doc["texts"])

        var links = PropertyLinks()
        if let l = object(
            doc["links"], "$.links", allowed: ["privacyPolicy", "cookiePolicy", "privacyRequests"], required: [])
        {
            links.privacyPolicy = link(l["privacyPolicy"], "$.links.privacyPolicy")
            links.cookiePolicy = link(l["cookiePolicy"], "$.links.cookiePolicy")
            links.privacyRequests = link(l["privacyRequests"], "$.links.privacyRequests")
        }

        var expiry = DecisionExpiry()
        if let e = object(doc["expiry"], "$.expiry", allowed: ["consentDays", "refusalDays"], required: []) {
            // CNIL: a consent is kept at most 13 months; a refusal at least long enough not to nag (6 months).
            expiry.consentDays = int(e["consentDays"], "$.expiry.consentDays", range: 1...395, default: 365)
            expiry.refusalDays = int(e["refusalDays"], "$.expiry.refusalDays", range: 1...395, default: 182)
        }

        let signals = signalSettings(doc["signals"], categories: categories)
        let identity = identitySettings(doc["identity"])
        let requests = requestSettings(doc["requests"])
        let scan = scanSettings(doc["scan"])

        guard let id, let name else { return nil }
        return Property(
            id: id, name: name, origins: origins, cookieDomain: cookieDomain, policyVersion: policyVersion,
            languages: languages, regimes: regimes, categories: categories, texts: texts, links: links, expiry: expiry,
            signals: signals, identity: identity, requests: requests, scan: scan)
    }

    mutating func regime(_ value: JSONValue?, _ path: String) -> Regime? {
        guard let s = string(value, path) else { return nil }
        guard let r = Regime(rawValue: s) else {
            fail(path, "unknown regime \"\(s)\" (expected opt-in, opt-out or notice)")
            return nil
        }
        return r
    }

    mutating func regimeRules(_ value: JSONValue?) -> RegimeRules {
        guard let value else { return .standard }
        guard
            let r = object(
                value, "$.regimes", allowed: ["default", "defaultRejectAll", "rules"], required: ["default"])
        else { return .standard }
        let defaultRegime = regime(r["default"], "$.regimes.default") ?? .notice
        let defaultRejectAll = bool(r["defaultRejectAll"], "$.regimes.defaultRejectAll", default: true)
        if defaultRegime == .optIn && !defaultRejectAll {
            fail("$.regimes.defaultRejectAll", "an opt-in regime needs a reject path: Reject All must be offered")
        }
        var rules: [RegimeRule] = []
        var seen: [String: String] = [:]
        for (i, item) in (array(r["rules"], "$.regimes.rules") ?? []).enumerated() {
            let path = "$.regimes.rules[\(i)]"
            guard
                let o = object(
                    item, path, allowed: ["regime", "regions", "rejectAll"], required: ["regime", "regions"])
            else { continue }
            let regime = regime(o["regime"], "\(path).regime")
            let rejectAll = bool(o["rejectAll"], "\(path).rejectAll", default: true)
            if regime == .optIn && !rejectAll {
                fail("\(path).rejectAll", "an opt-in regime needs a reject path: Reject All must be offered")
            }
            var regions: [String] = []
            for (j, code) in (array(o["regions"], "\(path).regions") ?? []).enumerated() {
                guard let s = string(code, "\(path).regions[\(j)]") else { continue }
                guard let region = Region(s), region.code == s else {
                    fail("\(path).regions[\(j)]", "\"\(s)\" is not a region code such as FR or US-CA")
                    continue
                }
                if let other = seen[s] {
                    fail("\(path).regions[\(j)]", "region \(s) is already in \(other)")
                    continue
                }
                seen[s] = path
                regions.append(s)
            }
            if let regime { rules.append(RegimeRule(regime: regime, regions: regions, rejectAll: rejectAll)) }
        }
        return RegimeRules(rules: rules, defaultRegime: defaultRegime, defaultRejectAll: defaultRejectAll)
    }

    mutating func categoryList(_ value: JSONValue?) -> [Category] {
        guard let items = array(value, "$.categories") else { return [] }
        var categories: [Category] = []
        let allowed: Set = ["key", "title", "description", "required", "defaults", "purposes", "cookies"]
        for (i, item) in items.enumerated() {
            let path = "$.categories[\(i)]"
            guard let c = object(item, path, allowed: allowed, required: ["key", "title", "description"]) else {
                continue
            }
            guard let key = string(c["key"], "\(path).key") else { continue }
            if !isCategoryKey(key) {
                fail("\(path).key", "\"\(key)\" must be lowercase letters, digits, '-' or '_', starting with a letter")
            }
            if categories.contains(where: { $0.key == key }) {
                fail("\(path).key", "duplicate category key \"\(key)\"")
                continue
            }
            let required = bool(c["required"], "\(path).required", default: false)
            var defaults = RegimeDefaults()
            if let d = object(
                c["defaults"], "\(path).defaults", allowed: ["opt-in", "opt-out", "notice"], required: [])
            {
                defaults.optIn = bool(d["opt-in"], "\(path).defaults.opt-in", default: false)
                defaults.optOut = bool(d["opt-out"], "\(path).defaults.opt-out", default: true)
                defaults.notice = bool(d["notice"], "\(path).defaults.notice", default: true)
                if defaults.optIn && !required {
                    fail(
                        "\(path).defaults.opt-in",
                        "a non-required category cannot be allowed before consent under opt-in")
                }
            }
            var purposes: [Purpose] = []
            for (j, p) in (array(c["purposes"], "\(path).purposes") ?? []).enumerated() {
                guard let s = string(p, "\(path).purposes[\(j)]") else { continue }
                guard let purpose = Purpose(rawValue: s) else {
                    let known = Purpose.allCases.map(\.rawValue).joined(separator: ", ")
                    fail("\(path).purposes[\(j)]", "unknown purpose \"\(s)\" (known: \(known))")
                    continue
                }
                if !purposes.contains(purpose) { purposes.append(purpose) }
            }
            if required && purposes.contains(where: \.optedOutByGPC) {
                fail("\(path).required", "a category for sale, sharing or targeted advertising cannot be required")
            }
            var cookies: [CookieInfo] = []
            for (j, k) in (array(c["cookies"], "\(path).cookies") ?? []).enumerated() {
                let cp = "\(path).cookies[\(j)]"
                guard
                    let o = object(
                        k, cp, allowed: ["name", "prefix", "host", "duration", "party", "description"],
                        required: ["name", "duration", "description"])
                else { continue }
                let name = string(o["name"], "\(cp).name")
                let prefix = bool(o["prefix"], "\(cp).prefix", default: false)
                let host = optionalString(o["host"], "\(cp).host")
                let duration = string(o["duration"], "\(cp).duration")
                var party = CookieParty.first
                if let s = string(o["party"], "\(cp).party") {
                    if let p = CookieParty(rawValue: s) {
                        party = p
                    } else {
                        fail("\(cp).party", "expected first or third")
                    }
                }
                let description = localized(o["description"], "\(cp).description")
                if let name, cookies.contains(where: { $0.name == name && $0.prefix == prefix }) {
                    fail("\(cp).name", "duplicate cookie \"\(name)\" in this category")
                }
                if let name, let duration {
                    cookies.append(
                        CookieInfo(
                            name: name, prefix: prefix, host: host, duration: duration, party: party,
                            description: description))
                }
            }
            categories.append(
                Category(
                    key: key, title: localized(c["title"], "\(path).title"),
                    description: localized(c["description"], "\(path).description"), required: required,
                    defaults: defaults, purposes: purposes, cookies: cookies))
        }
        if let necessary = categories.first(where: { $0.key == "necessary" }) {
            if !necessary.required {
                let i = categories.firstIndex { $0.key == "necessary" }!
                fail("$.categories[\(i)].required", "the necessary category must be required")
            }
        } else if !items.isEmpty || value != nil {
            fail("$.categories", "a property needs a \"necessary\" category")
        }
        return categories
    }

    mutating func textTable(_ value: JSONValue?) -> [String: [String: String]] {
        guard let value else { return [:] }
        guard case .object(let members) = value else {
            fail("$.texts", "expected an object of texts by language, found \(value.typeName)")
            return [:]
        }
        var table: [String: [String: String]] = [:]
        let keys = Set(TextKey.allCases.map(\.rawValue))
        for (lang, member) in members {
            guard languages.contains(lang) else {
                fail("$.texts.\(lang)", "language \"\(lang)\" is not declared in $.languages")
                continue
            }
            guard let t = object(member, "$.texts.\(lang)", allowed: keys, required: keys) else { continue }
            var texts: [String: String] = [:]
            for (k, v) in t { if let s = string(v, "$.texts.\(lang).\(k)") { texts[k] = s } }
            table[lang] = texts
        }
        for lang in languages where table[lang] == nil && !members.contains(where: { $0.0 == lang }) {
            fail("$.texts.\(lang)", "texts missing for declared language \"\(lang)\"")
        }
        return table
    }
}

func isPropertyID(_ s: String) -> Bool {
    let b = Array(s.utf8)
    guard !b.isEmpty, b.count <= 63 else { return false }
    let ok: (UInt8) -> Bool = { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
    return b.allSatisfy(ok) && b[0] != 45
}

func isCategoryKey(_ s: String) -> Bool {
    let b = Array(s.utf8)
    guard let first = b.first, (97...122).contains(first), b.count <= 40 else { return false }
    return b.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 }
}

extension Property {
    /// Whether `id` is acceptable as a property id (also used to reject bad URLs early).
    public static func isValidID(_ id: String) -> Bool { isPropertyID(id) }
}
