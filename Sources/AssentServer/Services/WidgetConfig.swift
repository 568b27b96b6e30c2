import AssentCore

/// The document the widget needs for one visitor: regime, region, GPC, categories with their resolved
/// defaults, texts and links in one language, the signals of the decision before any choice, and where TCF
/// applies, what its layer shows.
enum WidgetConfig {
    static func render(
        property: Property, region: Region, lang: String, gpc: Bool, textsHash: String, signals: JSONValue,
        tcf: JSONValue?
    ) -> JSONValue {
        let rule = property.regimes.rule(for: region)
        let fallback = property.defaultLanguage
        func text(_ t: LocalizedText) -> JSONValue { .string(t[lang] ?? t[fallback] ?? "") }
        func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        let texts = property.texts[lang] ?? property.texts[fallback] ?? [:]
        let categories: [JSONValue] = property.categories.map { c in
            .object([
                ("key", .string(c.key)), ("title", text(c.title)), ("description", text(c.description)),
                ("required", .bool(c.required)), ("default", .bool(c.isDefaultAllowed(in: rule.regime))),
                ("gpc", .bool(c.optedOutByGPC)),
                ("purposes", .array(c.purposes.map { .string($0.rawValue) })),
                (
                    "cookies",
                    .array(
                        c.cookies.map { k in
                            .object([
                                ("name", .string(k.name)), ("prefix", .bool(k.prefix)), ("host", optional(k.host)),
                                ("duration", .string(k.duration)), ("party", .string(k.party.rawValue)),
                                ("description", text(k.description)),
                            ])
                        })
                ),
            ])
        }
        var members: [(String, JSONValue)] = [
            ("property", .string(property.id)), ("name", .string(property.name)),
            ("regime", .string(rule.regime.rawValue)), ("region", .string(region.code)), ("gpc", .bool(gpc)),
            ("policyVersion", .int(property.policyVersion)), ("lang", .string(lang)), ("textsHash", .string(textsHash)),
            ("cookieDomain", optional(property.cookieDomain)),
            (
                "expiry",
                .object([
                    ("consentDays", .int(property.expiry.consentDays)),
                    ("refusalDays", .int(property.expiry.refusalDays)),
                ])
            ),
            ("showRejectAll", .bool(rule.rejectAll)), ("showDoNotSell", .bool(rule.regime == .optOut)),
            ("categories", .array(categories)),
            ("texts", .object(TextKey.allCases.map { ($0.rawValue, .string(texts[$0.rawValue] ?? "")) })),
            (
                "links",
                .object([
                    ("privacyPolicy", optional(property.links.privacyPolicy)),
                    ("cookiePolicy", optional(property.links.cookiePolicy)),
                    ("privacyRequests", optional(property.links.privacyRequests)),
                ])
            ),
            ("signals", signals),
        ]
        if let tcf { members.append(("tcf", tcf)) }
        return .object(members)
    }
}
