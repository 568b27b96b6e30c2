import Foundation

/// One thing in a property's configuration that the rules of a regime it uses do not allow (an error) or advise
/// against (a warning), located by a JSON path into the property document and with the text the rule comes from.
public struct LintFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case error
        case warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    public var severity: Severity
    /// Stable, for scripts and tests: "reject-all-first-layer", "opt-in-default-on", …
    public var code: String
    public var message: String
    /// A JSON path into the property document, such as `$.categories[2].defaults.opt-in`.
    public var path: String
    /// The law, guideline or policy the rule comes from.
    public var source: String

    public init(severity: Severity, code: String, message: String, path: String, source: String) {
        self.severity = severity
        self.code = code
        self.message = message
        self.path = path
        self.source = source
    }

    public var description: String { "\(severity.rawValue) [\(code)] \(path): \(message) (\(source))" }
}

/// A cookie lifetime a scan observed, for the one lint rule that needs the site rather than the configuration.
public struct ObservedLifetime: Sendable, Equatable {
    public var name: String
    public var domain: String
    /// The region the visit was made from ("FR").
    public var region: String
    public var days: Double
    /// The category the cookie was classified in; nil when unclassified.
    public var category: String?

    public init(name: String, domain: String, region: String, days: Double, category: String?) {
        self.name = name
        self.domain = domain
        self.region = region
        self.days = days
        self.category = category
    }
}

/// The rules a property's configuration is checked against for the regimes it uses. Pure: the same property
/// always gives the same findings, in the order of the rules below. The document reader already refuses some
/// of these for imported documents; a property built in code (or by an older release) is checked here too.
public enum PropertyLint {
    /// CNIL 2020: 13 months, counted here as 13 × 30.5 days.
    public static let maximumConsentDays = 396
    /// CNIL 2020: a refusal is remembered at least as long as a consent would be asked again, 6 months.
    public static let minimumRefusalDays = 182

    public enum Code {
        public static let rejectAllFirstLayer = "reject-all-first-layer"
        public static let rejectAllLabel = "reject-all-label"
        public static let optInDefaultOn = "opt-in-default-on"
        public static let consentExpiry = "consent-expiry"
        public static let refusalExpiry = "refusal-expiry"
        public static let cookieDuration = "cookie-duration"
        public static let cookieLifetime = "cookie-lifetime"
        public static let cookieDescription = "cookie-description"
        public static let cookieListedTwice = "cookie-listed-twice"
        public static let categoryDescription = "category-description"
        public static let privacyPolicyLink = "privacy-policy-link"
        public static let cookiePolicyLink = "cookie-policy-link"
        public static let doNotSellLink = "do-not-sell-link"
        public static let tcfOutsideOptIn = "tcf-outside-opt-in"
        public static let tcfRequiredCategory = "tcf-required-category"
        public static let tcfIdentity = "tcf-identity"
    }

    public enum Source {
        public static let edpbCookieBanner =
            "EDPB Guidelines 03/2022; EDPB Cookie Banner Taskforce report (2023); CNIL guidelines (2020)"
        public static let cnil2020 = "CNIL guidelines and recommendation on cookies and other trackers (2020)"
        public static let planet49 = "CJEU C-673/17 Planet49 (2019)"
        public static let gdprArt13 = "GDPR Art. 13; ePrivacy Directive Art. 5(3)"
        public static let ccpa7026 = "CCPA Regulations §7026 (Cal. Code Regs. tit. 11)"
        public static let tcfPolicy = "IAB Europe TCF Policies v2.2"
    }

    public static func lint(_ property: Property, observed: [ObservedLifetime] = []) -> [LintFinding] {
        var findings: [LintFinding] = []
        func add(_ severity: LintFinding.Severity, _ code: String, _ path: String, _ source: String, _ message: String)
        {
            findings.append(LintFinding(severity: severity, code: code, message: message, path: path, source: source))
        }
        let regimes = property.regimesUsed
        let optIn = regimes.contains(.optIn)
        let optOut = regimes.contains(.optOut)

        // Reject All on the first layer, beside Accept All and labelled as plainly.
        for (i, rule) in property.regimes.rules.enumerated() where rule.regime == .optIn && !rule.rejectAll {
            add(
                .error, Code.rejectAllFirstLayer, "$.regimes.rules[\(i)].rejectAll", Source.edpbCookieBanner,
                "the first layer of an opt-in regime must offer Reject All with the same prominence as Accept All")
        }
        if property.regimes.defaultRegime == .optIn && !property.regimes.defaultRejectAll {
            add(
                .error, Code.rejectAllFirstLayer, "$.regimes.defaultRejectAll", Source.edpbCookieBanner,
                "the first layer of an opt-in regime must offer Reject All with the same prominence as Accept All")
        }
        if optIn {
            for lang in property.languages {
                let texts = property.texts[lang] ?? [:]
                let reject = texts[TextKey.rejectAll.rawValue]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                let accept = texts[TextKey.acceptAll.rawValue]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if reject.isEmpty {
                    add(
                        .error, Code.rejectAllLabel, "$.texts.\(lang).rejectAll", Source.edpbCookieBanner,
                        "Reject All has no label in \"\(lang)\"")
                } else if !accept.isEmpty && reject.count > 3 * accept.count {
                    add(
                        .warning, Code.rejectAllLabel, "$.texts.\(lang).rejectAll", Source.edpbCookieBanner,
                        "Reject All's label is more than three times as long as Accept All's in \"\(lang)\": refusing should be as easy as accepting"
                    )
                }
            }
        }

        // Nothing optional on before consent.
        for (i, category) in property.categories.enumerated() where !category.required && category.defaults.optIn {
            add(
                .error, Code.optInDefaultOn, "$.categories[\(i)].defaults.opt-in", Source.planet49,
                "category \"\(category.key)\" is on before the visitor chooses in opt-in regions: consent needs an active choice, not a pre-ticked box"
            )
        }

        // How long choices hold.
        if optIn && property.expiry.consentDays > maximumConsentDays {
            add(
                .error, Code.consentExpiry, "$.expiry.consentDays", Source.cnil2020,
                "a consent is kept \(property.expiry.consentDays) days; ask again after at most 13 months (\(maximumConsentDays) days)"
            )
        }
        if optIn && property.expiry.refusalDays < minimumRefusalDays {
            add(
                .error, Code.refusalExpiry, "$.expiry.refusalDays", Source.cnil2020,
                "a refusal is kept \(property.expiry.refusalDays) days; do not ask again sooner than 6 months (\(minimumRefusalDays) days)"
            )
        }

        // The cookie list: every cookie described in every language, listed once, for no longer than 13 months.
        var listed: [String: String] = [:]
        for (i, category) in property.categories.enumerated() {
            let cpath = "$.categories[\(i)]"
            for lang in property.languages {
                if (category.title[lang] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    add(
                        .error, Code.categoryDescription, "\(cpath).title.\(lang)", Source.gdprArt13,
                        "category \"\(category.key)\" has no title in \"\(lang)\"")
                }
                if (category.description[lang] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    add(
                        .error, Code.categoryDescription, "\(cpath).description.\(lang)", Source.gdprArt13,
                        "category \"\(category.key)\" is not described in \"\(lang)\"")
                }
            }
            for (j, cookie) in category.cookies.enumerated() {
                let path = "\(cpath).cookies[\(j)]"
                let label = cookie.prefix ? "\(cookie.name)*" : cookie.name
                for lang in property.languages
                where (cookie.description[lang] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    add(
                        .error, Code.cookieDescription, "\(path).description.\(lang)", Source.gdprArt13,
                        "cookie \(label) is not described in \"\(lang)\"")
                }
                if cookie.duration.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    add(
                        .error, Code.cookieDescription, "\(path).duration", Source.gdprArt13,
                        "cookie \(label) does not say how long it is kept")
                }
                let identity = "\(cookie.prefix ? "prefix" : "name"):\(cookie.name)@\(cookie.host ?? "")"
                if let other = listed[identity] {
                    add(
                        .error, Code.cookieListedTwice, "\(path).name", Source.gdprArt13,
                        "cookie \(label) is also listed in \(other): a cookie belongs to one category")
                } else {
                    listed[identity] = "category \"\(category.key)\""
                }
                if optIn && !category.required, let days = durationDays(cookie.duration),
                    days > Double(maximumConsentDays)
                {
                    add(
                        .warning, Code.cookieDuration, "\(path).duration", Source.cnil2020,
                        "cookie \(label) is kept \"\(cookie.duration)\"; trackers set with consent should live at most 13 months"
                    )
                }
            }
        }
        var reported: Set<String> = []
        for lifetime in observed where lifetime.days > Double(maximumConsentDays) {
            guard let region = Region(lifetime.region), property.regimes.regime(for: region) == .optIn else {
                continue
            }
            if let key = lifetime.category, property.category(key)?.required == true { continue }
            guard reported.insert("\(lifetime.name)@\(lifetime.domain)").inserted else { continue }
            add(
                .warning, Code.cookieLifetime, property.cookiePath(name: lifetime.name) ?? "$.categories",
                Source.cnil2020,
                "cookie \(lifetime.name) (\(lifetime.domain)) was set for \(Int(lifetime.days.rounded())) days in \(lifetime.region); trackers set with consent should live at most 13 months"
            )
        }

        // Where the visitor reads more.
        if property.links.privacyPolicy == nil {
            add(
                .error, Code.privacyPolicyLink, "$.links.privacyPolicy", Source.gdprArt13,
                "no privacy policy link: the banner must say who processes what and where to read more")
        }
        if property.links.cookiePolicy == nil {
            add(
                .warning, Code.cookiePolicyLink, "$.links.cookiePolicy", Source.gdprArt13,
                "no cookie policy link: the banner's list alone may not say enough about each cookie")
        }

        // Opt-out regimes: the "Do Not Sell or Share" link and the request page it leads to.
        if optOut && property.categories.contains(where: \.optedOutByGPC) {
            if property.links.privacyRequests == nil {
                add(
                    .error, Code.doNotSellLink, "$.links.privacyRequests", Source.ccpa7026,
                    "opt-out regions need a \"Do Not Sell or Share\" link to a request page; set the privacy requests page"
                )
            }
            for lang in property.languages
            where (property.texts[lang]?[TextKey.doNotSell.rawValue] ?? "").trimmingCharacters(
                in: .whitespacesAndNewlines
            ).isEmpty {
                add(
                    .error, Code.doNotSellLink, "$.texts.\(lang).doNotSell", Source.ccpa7026,
                    "the \"Do Not Sell or Share\" link has no label in \"\(lang)\"")
            }
        }

        // TCF: what its policies forbid.
        if let tcf = property.signals.tcf, tcf.enabled {
            let path = "$.signals.tcf"
            if !optIn {
                add(
                    .warning, Code.tcfOutsideOptIn, "\(path).enabled", Source.tcfPolicy,
                    "TCF is on but no region of this property is opt-in: TCF only applies to opt-in visitors")
            }
            if tcf.cmpId == nil {
                add(
                    .error, Code.tcfIdentity, "\(path).cmpId", Source.tcfPolicy,
                    "a TC string must name the CMP that made it")
            }
            if tcf.publisherCountryCode == nil {
                add(
                    .error, Code.tcfIdentity, "\(path).publisherCountryCode", Source.tcfPolicy,
                    "a TC string must carry the publisher's country")
            }
            if tcf.vendorListVersion == nil {
                add(
                    .error, Code.tcfIdentity, "\(path).vendorListVersion", Source.tcfPolicy,
                    "a TC string must name the Global Vendor List version it refers to")
            }
            for id in tcf.purposeCategories.keys.sorted() {
                for key in tcf.purposeCategories[id] ?? [] where property.category(key)?.required == true {
                    add(
                        .error, Code.tcfRequiredCategory, "\(path).purposeCategories.\(id)", Source.tcfPolicy,
                        "purpose \(id) would be consented to by the required category \"\(key)\", which the visitor cannot refuse"
                    )
                }
            }
            for id in tcf.specialFeatureCategories.keys.sorted() {
                for key in tcf.specialFeatureCategories[id] ?? [] where property.category(key)?.required == true {
                    add(
                        .error, Code.tcfRequiredCategory, "\(path).specialFeatureCategories.\(id)",
                        Source.tcfPolicy,
                        "special feature \(id) needs its own opt-in, but would follow the required category \"\(key)\""
                    )
                }
            }
        }
        return findings
    }

    /// The days a duration such as "13 months", "2 years", "up to 12 months" or "30 days" stands for: the
    /// longest number-and-unit pair in it. Nil for "session" and for anything it cannot read.
    public static func durationDays(_ text: String) -> Double? {
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "." }
        var longest: Double?
        var number: Double?
        for word in words {
            if let n = Double(word) {
                number = n
                continue
            }
            guard let n = number else { continue }
            let unit: Double? =
                switch word {
                case "year", "years", "yr", "yrs", "y": 365
                case "month", "months", "mo": 30.5
                case "week", "weeks", "w": 7
                case "day", "days", "d": 1
                case "hour", "hours", "h": 1.0 / 24
                case "minute", "minutes", "min", "mins": 1.0 / 1440
                default: nil
                }
            if let unit { longest = max(longest ?? 0, n * unit) }
            number = nil
        }
        return longest
    }
}

extension Property {
    /// Every regime some region of this property falls under, the default included.
    public var regimesUsed: Set<Regime> {
        Set(regimes.rules.filter { !$0.regions.isEmpty }.map(\.regime) + [regimes.defaultRegime])
    }

    /// The JSON path of the first list entry that names `name` exactly or as a prefix.
    func cookiePath(name: String) -> String? {
        for (i, category) in categories.enumerated() {
            for (j, cookie) in category.cookies.enumerated()
            where cookie.prefix ? name.hasPrefix(cookie.name) : name == cookie.name {
                return "$.categories[\(i)].cookies[\(j)]"
            }
        }
        return nil
    }
}
