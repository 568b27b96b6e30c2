import Foundation

/// One `Set-Cookie` header line read the way a browser stores it (RFC 6265 §5.2): enough for the observation, not a
/// cookie jar.
struct SetCookieLine: Sendable, Equatable {
    var name: String
    /// With a leading dot when the line names a Domain, else the response's host (a host-only cookie).
    var domain: String
    var path: String
    var expires: Double?
    var secure: Bool
    var httpOnly: Bool
    var sameSite: String?
    var partitioned: Bool

    init?(_ line: String, host: String, now: Date = Date()) {
        let parts = line.split(separator: ";", omittingEmptySubsequences: false)
        guard let first = parts.first, let eq = first.firstIndex(of: "=") else { return nil }
        name = first[..<eq].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return nil }
        domain = host.lowercased()
        path = "/"
        expires = nil
        secure = false
        httpOnly = false
        sameSite = nil
        partitioned = false
        var maxAge: Double?
        for attribute in parts.dropFirst() {
            let pair = attribute.split(separator: "=", maxSplits: 1)
            let key = (pair.first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            let value = pair.count > 1 ? pair[1].trimmingCharacters(in: .whitespaces) : ""
            switch key {
            case "domain" where !value.isEmpty:
                domain = "." + (value.hasPrefix(".") ? String(value.dropFirst()) : value).lowercased()
            case "path" where value.hasPrefix("/"): path = value
            case "expires": expires = Self.httpDate(value)?.timeIntervalSince1970
            case "max-age": maxAge = Double(value)
            case "secure": secure = true
            case "httponly": httpOnly = true
            case "samesite":
                switch value.lowercased() {
                case "strict": sameSite = "Strict"
                case "lax": sameSite = "Lax"
                case "none": sameSite = "None"
                default: break
                }
            case "partitioned": partitioned = true
            default: break
            }
        }
        // Max-Age wins over Expires; zero or less means "delete now".
        if let maxAge { expires = now.timeIntervalSince1970 + maxAge }
    }

    /// Whether the line deletes the cookie rather than setting it.
    func deletes(at now: Date = Date()) -> Bool {
        guard let expires else { return false }
        return expires <= now.timeIntervalSince1970
    }

    private static let formats = [
        "EEE, dd MMM yyyy HH:mm:ss zzz", "EEE, dd-MMM-yyyy HH:mm:ss zzz", "EEE, dd-MMM-yy HH:mm:ss zzz",
    ]

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
