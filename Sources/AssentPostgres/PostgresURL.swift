/// Where a PostgreSQL store lives, read from a URL such as
/// `postgres://user:password@host:5432/database?sslmode=disable`.
///
/// - `postgres://` and `postgresql://` are both accepted; user, password and database may be percent-encoded.
/// - Without a user, `postgres`; without a port, 5432; without a database, the user's name (as PostgreSQL does).
/// - An IPv6 address goes in brackets: `postgres://u@[::1]:5432/db`.
/// - `sslmode`: `disable` (plain TCP), `prefer` (TLS when the server offers it, its certificate unchecked, as in
///   libpq; the default), `require` (TLS or no connection, and the server's certificate is verified against the
///   system's roots and the host name, as `verify-full` does in libpq: stricter than libpq's `require`, so
///   `verify-ca` and `verify-full` mean the same here). No other query parameter is accepted, so that a
///   misspelt one is not silently ignored.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable
        case prefer
        case require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(
        host: String, port: Int = 5432, user: String = "postgres", password: String? = nil, database: String? = nil,
        tls: TLSMode = .prefer
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database ?? user
        self.tls = tls
    }

    /// Parses a URL; throws `PostgresURLError` naming what is wrong.
    public init(_ text: String) throws(PostgresURLError) {
        var rest = Substring(text)
        guard let schemeEnd = rest.firstRange(of: "://") else {
            throw PostgresURLError("\(Self.redact(text)): not a URL (postgres://user:password@host:port/database)")
        }
        let scheme = rest[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError("\(Self.redact(text)): the scheme must be postgres:// or postgresql://")
        }
        rest = rest[schemeEnd.upperBound...]

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var authority = rest

        var user = "postgres"
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], "user")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], "password")
            } else {
                user = try Self.decode(userInfo, "user")
            }
            if user.isEmpty { user = "postgres" }
        }

        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw PostgresURLError("\(Self.redact(text)): an IPv6 address lacks its closing bracket")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw PostgresURLError("\(Self.redact(text)): unexpected \"\(after)\" after the host")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw PostgresURLError("\(Self.redact(text)): no host") }
        var port = 5432
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw PostgresURLError("\(Self.redact(text)): the port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = value
        }

        let database = try Self.decode(path, "database")
        guard !database.contains("/") else {
            throw PostgresURLError("\(Self.redact(text)): the database name cannot contain \"/\"")
        }

        var tls = TLSMode.prefer
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], "parameter")
            let value = parts.count > 1 ? try Self.decode(parts[1], "parameter") : ""
            switch name {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default:
                    throw PostgresURLError(
                        "\(Self.redact(text)): sslmode \"\(value)\" is not one of disable, prefer, require")
                }
            default:
                throw PostgresURLError(
                    "\(Self.redact(text)): unknown parameter \"\(name)\" (only sslmode is understood)")
            }
        }
        self.init(
            host: String(host), port: port, user: user, password: password,
            database: database.isEmpty ? nil : database, tls: tls)
    }

    /// The URL without its password, for logs and error messages.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let secret = password == nil ? "" : ":***"
        return "postgres://\(Self.encode(user))\(secret)@\(hostPart):\(port)/\(Self.encode(database))"
            + "?sslmode=\(tls.rawValue)"
    }

    /// The same server and credentials with another database (tests make one database per test this way).
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    // MARK: Percent-encoding

    private static func decode(_ text: Substring, _ what: String) throws(PostgresURLError) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let high = hexValue(utf8.popFirst()!), let low = hexValue(utf8.popFirst()!) else {
                throw PostgresURLError("the \(what) has a malformed percent-escape")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw PostgresURLError("the \(what) is not valid UTF-8 once percent-decoded")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// The text with anything between `://` and `@` after the first colon hidden.
    private static func redact(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://"), let at = text[schemeEnd.upperBound...].lastIndex(of: "@"),
            let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}

public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
