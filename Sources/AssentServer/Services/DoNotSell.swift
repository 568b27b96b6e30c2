import AssentCore
import AssentStore
import Foundation

/// "Do Not Sell or Share My Personal Information" from the server's own page: an opt-out recorded in the ledger
/// for this browser like a banner choice, and, with an address, a request that puts it on the suppression list.
extension RequestService {
    struct DoNotSellOutcome: Sendable {
        /// The decision cookie the widget reads, to set on the answer.
        let cookie: String
        let filed: Filed?
    }

    /// The opt-out is recorded by `consent`, as the widget's decisions are. `widgetCookie` is the raw value of the widget's `assent_<property>` cookie when the page is on the
    /// publisher's site; `host` the request's host, for the cookie's domain.
    func doNotSell(
        propertyID: String, widgetCookie: String?, email: String?, regionHeader: String?, gpc: Bool, host: String?,
        lang: String, client: String, consent: ConsentService
    ) async throws -> DoNotSellOutcome {
        let entry = try await directory.property(propertyID)
        let property = entry.current.property
        let previous = widgetCookie.flatMap(WidgetCookie.init)
        var choices: [(String, JSONValue)] = []
        for category in property.categories where !category.required {
            let was = previous?.choices[category.key]
            if category.optedOutByGPC {
                choices.append((category.key, .bool(false)))
            } else if let was {
                choices.append((category.key, .bool(was)))
            }
        }
        var body: [(String, JSONValue)] = [
            ("choices", .object(choices)), ("action", .string("save")),
            ("policyVersion", .int(property.policyVersion)), ("lang", .string(lang)),
        ]
        if let subject = previous?.subject { body.append(("subject", .string(subject))) }
        // Filing first: a bad address is refused before anything is recorded.
        var filed: Filed?
        if let email, !email.allSatisfy(\.isWhitespace) {
            filed = try await file(
                Filing(
                    propertyID: propertyID, type: .optOutSaleSharing, email: email, details: [:],
                    subject: previous?.subject, regionHeader: regionHeader, demoRegion: nil, lang: lang, client: client)
            )
        }
        let recorded = try JSONParser.parse(
            try await consent.record(
                propertyID: propertyID, body: CanonicalJSON.orderedBytes(.object(body)), regionHeader: regionHeader,
                gpcHeader: gpc))
        return DoNotSellOutcome(
            cookie: try WidgetCookie.header(
                propertyID: propertyID, recorded: recorded, cookieDomain: property.cookieDomain, host: host,
                now: clock()),
            filed: filed)
    }
}

/// The widget's decision cookie: `assent_<property>` holding URL-encoded JSON `{"s","c","v","t","e","g"}`
/// (subject, choices as 1/0, policy version, recorded and expiry times in seconds, GPC).
struct WidgetCookie {
    let subject: String
    let choices: [String: Bool]

    init?(_ raw: String) {
        guard let text = raw.removingPercentEncoding, let value = try? JSONParser.parse(Array(text.utf8)),
            let subject = value["s"]?.stringValue, let c = value["c"]?.objectValue,
            (try? ConsentService.subject(subject)) != nil
        else { return nil }
        self.subject = subject
        var choices: [String: Bool] = [:]
        for (key, v) in c { choices[key] = (v.intValue ?? 0) != 0 || v.boolValue == true }
        self.choices = choices
    }

    static func name(_ propertyID: String) -> String { "assent_" + propertyID }

    /// The `Set-Cookie` value for a recorded decision (the consent answer), as the widget itself writes it.
    static func header(propertyID: String, recorded: JSONValue, cookieDomain: String?, host: String?, now: Int64) throws
        -> String
    {
        guard let subject = recorded["subject"]?.stringValue, let choices = recorded["choices"]?.objectValue,
            let version = recorded["policyVersion"]?.intValue,
            let recordedAt = recorded["recordedAt"]?.stringValue.flatMap(seconds),
            let expiresAt = recorded["expiresAt"]?.stringValue.flatMap(seconds)
        else { throw AssentError.internalError }
        let value: JSONValue = .object([
            ("s", .string(subject)), ("c", .object(choices.map { ($0.0, .int($0.1.boolValue == true ? 1 : 0)) })),
            ("v", .int(version)), ("t", .int64(recordedAt)), ("e", .int64(expiresAt)),
            ("g", .int(recorded["gpc"]?.boolValue == true ? 1 : 0)),
        ])
        let json = String(decoding: CanonicalJSON.orderedBytes(value), as: UTF8.self)
        // encodeURIComponent's set: what it leaves alone, everything else percent-encoded.
        let kept = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
        let encoded = json.addingPercentEncoding(withAllowedCharacters: kept) ?? ""
        var cookie = "\(name(propertyID))=\(encoded); Path=/; SameSite=Lax; Max-Age=\(max(0, expiresAt - now / 1000))"
        let domain = (cookieDomain ?? "").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        let hostName = (host ?? "").split(separator: ":").first.map { $0.lowercased() } ?? ""
        if !domain.isEmpty, hostName == domain || hostName.hasSuffix("." + domain) { cookie += "; Domain=" + domain }
        return cookie
    }

    /// Seconds since the epoch of an RFC 3339 UTC time as Assent writes them (`2026-11-29T16:19:45.138Z`).
    static func seconds(_ text: String) -> Int64? {
        guard text.count >= 20, let date = CivilDate(text.prefix(10)) else { return nil }
        let time = text.dropFirst(11).prefix(8).split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        return Int64(date.daysSinceEpoch) * 86_400 + Int64(time[0] * 3600 + time[1] * 60 + time[2])
    }
}
