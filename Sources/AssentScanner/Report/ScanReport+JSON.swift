import AssentCore

/// The report's JSON form, written with the project's JSON value and read back by `init(json:)` to compare a
/// scan with the one before. Version 1, members in this order (times in seconds since 1970, `atMs` in
/// milliseconds after navigation started; absent values are `null`):
///
/// - `version` (1); `property` {`id`, `name`, `policyVersion`}; `startURLs`; `regions` [{`code`, `regime`}];
///   `pages`; `startedAt`; `finishedAt`; `browser`; `trackerList` (EasyPrivacy's path, or null);
/// - `summary` {`pages`, `visits`, `failedVisits`, `violations`, `lintErrors`, `lintWarnings`, `newEntries`,
///   `noLongerSeen`, `categorisedDifferently`};
/// - `violations` [{`kind` cookie|storage|request|not-deleted, `name` (the host for a request), `location`
///   (cookie domain, storage origin or request URL), `category`, `source` property|open-cookie-database|
///   easyprivacy|none, `page`, `region`, `visit` before-choice|reject-all|accept-all|gpc, `frameURL`,
///   `initiator` {`kind` response|script|parser|other, `url`, `line`}, `atMs`, `rule` before-consent|
///   after-reject-all|gpc|not-deleted-after-reject-all, `reason`, `count`}];
/// - `cookieList` {`entries` [{`kind` cookie|storage, `name`, `prefix`, `domain`, `party` first|third,
///   `category`, `source`, `description`, `retention`, `pages`, `observedNames`}], `difference` {`new` [{`kind`,
///   `name`, `prefix`, `domain`}], `noLongerSeen` [{`category`, `name`, `prefix`, `host`}],
///   `categorisedDifferently` [{`name`, `prefix`, `configured`, `database`, `platform`}]}};
/// - `lint` [{`severity` error|warning, `code`, `path`, `message`, `source`}];
/// - `visits` [{`page`, `region`, `kind`, `failure`, `bannerShown`, `clicked`, `cookies`, `storageKeys`,
///   `requests`, `thirdPartyRequests`, `violations`, `durationMs`}];
/// - `difference` (only with a scan before) {`violationsAdded`, `violationsResolved` (violations as above),
///   `entriesAdded`, `entriesGone` (labels "cookie name@domain")}.
extension ScanReport {
    public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    public func json() -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("version", .int(Self.version)),
            (
                "property",
                .object([
                    ("id", .string(propertyID)), ("name", .string(propertyName)),
                    ("policyVersion", .int(policyVersion)),
                ])
            ),
            ("startURLs", .array(startURLs.map(JSONValue.string))),
            (
                "regions",
                .array(zip(regions, regimes).map { .object([("code", .string($0)), ("regime", .string($1))]) })
            ),
            ("pages", .array(pages.map(JSONValue.string))),
            ("startedAt", .number(startedAt, integer: nil)), ("finishedAt", .number(finishedAt, integer: nil)),
            ("browser", .string(browser)), ("trackerList", trackerList.map(JSONValue.string) ?? .null),
            (
                "summary",
                .object([
                    ("pages", .int(pages.count)), ("visits", .int(visits.count)),
                    ("failedVisits", .int(failedVisits)), ("violations", .int(violations.count)),
                    ("lintErrors", .int(errors)), ("lintWarnings", .int(warnings)),
                    ("newEntries", .int(proposal.new.count)), ("noLongerSeen", .int(proposal.noLongerSeen.count)),
                    ("categorisedDifferently", .int(proposal.categorisedDifferently.count)),
                ])
            ),
            ("violations", .array(violations.map(Self.json))),
            ("cookieList", Self.json(proposal)),
            ("lint", .array(lint.map(Self.json))),
            ("visits", .array(visits.map(Self.json))),
        ]
        if let difference {
            members.append(
                (
                    "difference",
                    .object([
                        ("violationsAdded", .array(difference.violationsAdded.map(Self.json))),
                        ("violationsResolved", .array(difference.violationsResolved.map(Self.json))),
                        ("entriesAdded", .array(difference.entriesAdded.map(JSONValue.string))),
                        ("entriesGone", .array(difference.entriesGone.map(JSONValue.string))),
                    ])
                ))
        }
        return .object(members)
    }

    /// The report as UTF-8 JSON, indented for people.
    public func jsonText() -> String { JSONPretty.format(CanonicalJSON.orderedBytes(json())) }

    /// Throws `ReadError` saying where the document is not a report of this version.
    public init(json value: JSONValue) throws {
        let r = Reader(value: value, path: "$")
        let version = try r.int("version")
        guard version == Self.version else {
            throw ReadError(path: "$.version", message: "report version \(version); this release reads \(Self.version)")
        }
        let property = try r.object("property")
        let regions = try r.array("regions")
        let difference: ScanDifference?
        if let d = r.optional("difference") {
            difference = ScanDifference(
                violationsAdded: try d.array("violationsAdded").map(Self.violation),
                violationsResolved: try d.array("violationsResolved").map(Self.violation),
                entriesAdded: try d.array("entriesAdded").map { try $0.string() },
                entriesGone: try d.array("entriesGone").map { try $0.string() })
        } else {
            difference = nil
        }
        self.init(
            propertyID: try property.string("id"), propertyName: try property.string("name"),
            policyVersion: try property.int("policyVersion"),
            startURLs: try r.array("startURLs").map { try $0.string() },
            regions: try regions.map { try $0.string("code") }, regimes: try regions.map { try $0.string("regime") },
            pages: try r.array("pages").map { try $0.string() }, startedAt: try r.double("startedAt"),
            finishedAt: try r.double("finishedAt"), browser: try r.string("browser"),
            trackerList: try r.optionalString("trackerList"), visits: try r.array("visits").map(Self.visit),
            violations: try r.array("violations").map(Self.violation),
            proposal: try Self.proposal(try r.object("cookieList")), lint: try r.array("lint").map(Self.finding),
            difference: difference)
    }

    // MARK: writing

    static func json(_ i: Initiator?) -> JSONValue {
        guard let i else { return .null }
        return .object([
            ("kind", .string(i.kind.rawValue)), ("url", i.url.map(JSONValue.string) ?? .null),
            ("line", i.line.map(JSONValue.int) ?? .null),
        ])
    }

    static func json(_ v: Violation) -> JSONValue {
        .object([
            ("kind", .string(v.kind.rawValue)), ("name", .string(v.name)), ("location", .string(v.location)),
            ("category", v.category.map(JSONValue.string) ?? .null), ("source", .string(v.source.rawValue)),
            ("page", .string(v.page)), ("region", .string(v.region)), ("visit", .string(v.visit.rawValue)),
            ("frameURL", v.frameURL.map(JSONValue.string) ?? .null), ("initiator", json(v.initiator)),
            ("atMs", .int(v.atMs)), ("rule", .string(v.rule.rawValue)), ("reason", .string(v.reason)),
            ("count", .int(v.count)),
        ])
    }

    static func json(_ e: CookieListProposal.Entry) -> JSONValue {
        .object([
            ("kind", .string(e.kind.rawValue)), ("name", .string(e.name)), ("prefix", .bool(e.prefix)),
            ("domain", .string(e.domain)), ("party", .string(e.party.rawValue)),
            ("category", e.category.map(JSONValue.string) ?? .null), ("source", .string(e.source.rawValue)),
            ("description", e.description.map(JSONValue.string) ?? .null), ("retention", .string(e.retention)),
            ("pages", .array(e.pages.map(JSONValue.string))),
            ("observedNames", .array(e.observedNames.map(JSONValue.string))),
        ])
    }

    static func json(_ p: CookieListProposal) -> JSONValue {
        func key(_ e: CookieListProposal.Entry) -> JSONValue {
            .object([
                ("kind", .string(e.kind.rawValue)), ("name", .string(e.name)), ("prefix", .bool(e.prefix)),
                ("domain", .string(e.domain)),
            ])
        }
        return .object([
            ("entries", .array(p.entries.map(json))),
            (
                "difference",
                .object([
                    ("new", .array(p.new.map(key))),
                    (
                        "noLongerSeen",
                        .array(
                            p.noLongerSeen.map {
                                .object([
                                    ("category", .string($0.category)), ("name", .string($0.name)),
                                    ("prefix", .bool($0.prefix)), ("host", $0.host.map(JSONValue.string) ?? .null),
                                ])
                            })
                    ),
                    (
                        "categorisedDifferently",
                        .array(
                            p.categorisedDifferently.map {
                                .object([
                                    ("name", .string($0.name)), ("prefix", .bool($0.prefix)),
                                    ("configured", .string($0.configured)), ("database", .string($0.database)),
                                    ("platform", $0.platform.map(JSONValue.string) ?? .null),
                                ])
                            })
                    ),
                ])
            ),
        ])
    }

    static func json(_ f: LintFinding) -> JSONValue {
        .object([
            ("severity", .string(f.severity.rawValue)), ("code", .string(f.code)), ("path", .string(f.path)),
            ("message", .string(f.message)), ("source", .string(f.source)),
        ])
    }

    static func json(_ v: VisitSummary) -> JSONValue {
        .object([
            ("page", .string(v.page)), ("region", .string(v.region)), ("kind", .string(v.kind.rawValue)),
            ("failure", v.failure.map(JSONValue.string) ?? .null), ("bannerShown", .bool(v.bannerShown)),
            ("clicked", .bool(v.clicked)), ("cookies", .int(v.cookies)), ("storageKeys", .int(v.storageKeys)),
            ("requests", .int(v.requests)), ("thirdPartyRequests", .int(v.thirdPartyRequests)),
            ("violations", .int(v.violations)), ("durationMs", .int(v.durationMs)),
        ])
    }

    // MARK: reading

    static func initiator(_ r: Reader?) throws -> Initiator? {
        guard let r else { return nil }
        return Initiator(
            kind: try r.enumeration("kind", Initiator.Kind.self), url: try r.optionalString("url"),
            line: try r.optionalInt("line"))
    }

    static func violation(_ r: Reader) throws -> Violation {
        Violation(
            kind: try r.enumeration("kind", Violation.Kind.self), name: try r.string("name"),
            location: try r.string("location"), category: try r.optionalString("category"),
            source: try r.enumeration("source", ClassificationSource.self), page: try r.string("page"),
            region: try r.string("region"), visit: try r.enumeration("visit", VisitKind.self),
            frameURL: try r.optionalString("frameURL"), initiator: try initiator(r.optional("initiator")),
            atMs: try r.int("atMs"), rule: try r.enumeration("rule", Violation.Rule.self),
            reason: try r.string("reason"), count: try r.int("count"))
    }

    static func entry(_ r: Reader) throws -> CookieListProposal.Entry {
        CookieListProposal.Entry(
            kind: try r.enumeration("kind", CookieListProposal.ItemKind.self), name: try r.string("name"),
            prefix: try r.bool("prefix"), domain: try r.string("domain"),
            party: try r.enumeration("party", CookieParty.self), category: try r.optionalString("category"),
            source: try r.enumeration("source", ClassificationSource.self),
            description: try r.optionalString("description"), retention: try r.string("retention"),
            pages: try r.array("pages").map { try $0.string() },
            observedNames: try r.array("observedNames").map { try $0.string() })
    }

    static func proposal(_ r: Reader) throws -> CookieListProposal {
        let entries = try r.array("entries").map(entry)
        let d = try r.object("difference")
        var new: [CookieListProposal.Entry] = []
        for k in try d.array("new") {
            let kind = try k.enumeration("kind", CookieListProposal.ItemKind.self)
            let name = try k.string("name")
            let prefix = try k.bool("prefix")
            let domain = try k.string("domain")
            guard
                let e = entries.first(where: {
                    $0.kind == kind && $0.name == name && $0.prefix == prefix && $0.domain == domain
                })
            else { throw ReadError(path: k.path, message: "names no entry of the cookie list") }
            new.append(e)
        }
        return CookieListProposal(
            entries: entries, new: new,
            noLongerSeen: try d.array("noLongerSeen").map { (c: Reader) throws in
                CookieListProposal.Configured(
                    category: try c.string("category"), name: try c.string("name"), prefix: try c.bool("prefix"),
                    host: try c.optionalString("host"))
            },
            categorisedDifferently: try d.array("categorisedDifferently").map { (c: Reader) throws in
                CookieListProposal.Recategorised(
                    name: try c.string("name"), prefix: try c.bool("prefix"), configured: try c.string("configured"),
                    database: try c.string("database"), platform: try c.optionalString("platform"))
            })
    }

    static func finding(_ r: Reader) throws -> LintFinding {
        LintFinding(
            severity: try r.enumeration("severity", LintFinding.Severity.self), code: try r.string("code"),
            message: try r.string("message"), path: try r.string("path"), source: try r.string("source"))
    }

    static func visit(_ r: Reader) throws -> VisitSummary {
        VisitSummary(
            page: try r.string("page"), region: try r.string("region"), kind: try r.enumeration("kind", VisitKind.self),
            failure: try r.optionalString("failure"), bannerShown: try r.bool("bannerShown"),
            clicked: try r.bool("clicked"), cookies: try r.int("cookies"), storageKeys: try r.int("storageKeys"),
            requests: try r.int("requests"), thirdPartyRequests: try r.int("thirdPartyRequests"),
            violations: try r.int("violations"), durationMs: try r.int("durationMs"))
    }

    /// A JSON value with the path it was found at, for errors that say where.
    struct Reader {
        var value: JSONValue
        var path: String

        func fail(_ message: String, _ at: String? = nil) -> ReadError {
            ReadError(path: at.map { "\(path).\($0)" } ?? path, message: message)
        }

        func member(_ name: String) throws -> JSONValue {
            guard case .object = value else { throw fail("expected an object, found \(value.typeName)") }
            guard let v = value[name] else { throw fail("missing", name) }
            return v
        }

        func optional(_ name: String) -> Reader? {
            guard let v = value[name], v != .null else { return nil }
            return Reader(value: v, path: "\(path).\(name)")
        }

        func object(_ name: String) throws -> Reader {
            let v = try member(name)
            guard case .object = v else { throw fail("expected an object, found \(v.typeName)", name) }
            return Reader(value: v, path: "\(path).\(name)")
        }

        func array(_ name: String) throws -> [Reader] {
            let v = try member(name)
            guard let items = v.arrayValue else { throw fail("expected an array, found \(v.typeName)", name) }
            return items.enumerated().map { Reader(value: $1, path: "\(path).\(name)[\($0)]") }
        }

        func string() throws -> String {
            guard let s = value.stringValue else { throw fail("expected a string, found \(value.typeName)") }
            return s
        }

        func string(_ name: String) throws -> String {
            let v = try member(name)
            guard let s = v.stringValue else { throw fail("expected a string, found \(v.typeName)", name) }
            return s
        }

        func optionalString(_ name: String) throws -> String? {
            guard let v = value[name], v != .null else { return nil }
            guard let s = v.stringValue else { throw fail("expected a string or null, found \(v.typeName)", name) }
            return s
        }

        func int(_ name: String) throws -> Int {
            let v = try member(name)
            guard let i = v.intValue else { throw fail("expected an integer, found \(v.typeName)", name) }
            return i
        }

        func optionalInt(_ name: String) throws -> Int? {
            guard let v = value[name], v != .null else { return nil }
            guard let i = v.intValue else { throw fail("expected an integer or null, found \(v.typeName)", name) }
            return i
        }

        func double(_ name: String) throws -> Double {
            let v = try member(name)
            guard case .number(let d, _) = v else { throw fail("expected a number, found \(v.typeName)", name) }
            return d
        }

        func bool(_ name: String) throws -> Bool {
            let v = try member(name)
            guard let b = v.boolValue else { throw fail("expected a boolean, found \(v.typeName)", name) }
            return b
        }

        func enumeration<E: RawRepresentable>(_ name: String, _: E.Type) throws -> E
        where E.RawValue == String {
            let s = try string(name)
            guard let e = E(rawValue: s) else { throw fail("unknown value \"\(s)\"", name) }
            return e
        }
    }
}
