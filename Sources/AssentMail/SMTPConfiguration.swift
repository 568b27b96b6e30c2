import Foundation

/// Where and how to hand mail to an SMTP server, usually read from a URL:
///
/// - `smtp://[user:password@]host[:port]`: port 587; STARTTLS when the server offers it
///   (`?starttls=required` fails when it does not, `?starttls=off` never uses it, for a plain loopback relay);
/// - `smtps://[user:password@]host[:port]`: TLS from the first byte, port 465.
///
/// Query items: `from=` the sender, `ca=/path/ca.pem` certificates to trust instead of the system's roots,
/// `timeout=` seconds for the connection and for each reply (default 30), `ehlo=` the name to greet with.
/// The user and password are percent-decoded (write `@` as `%40`, `:` as `%3A`).
public struct SMTPConfiguration: Sendable, Equatable, CustomStringConvertible {
    public enum Security: Sendable, Equatable {
        case implicitTLS
        case startTLSRequired
        case startTLSIfOffered
        case plain
    }

    public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public let username: String
        public let password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        public var description: String { "\(username) (password hidden)" }
        public var debugDescription: String { description }
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var credentials: Credentials?
    /// The sender to use when the caller has none of its own.
    public var from: MailAddress?
    /// A PEM file of the certificates to trust; nil trusts the system's roots.
    public var trustedCertificatesFile: String?
    /// For the connection and for each reply.
    public var timeout: Duration
    /// The name given in EHLO; nil uses this machine's host name.
    public var ehloName: String?

    public init(
        host: String, port: Int? = nil, security: Security = .startTLSIfOffered, credentials: Credentials? = nil,
        from: MailAddress? = nil, trustedCertificatesFile: String? = nil, timeout: Duration = .seconds(30),
        ehloName: String? = nil
    ) {
        self.host = host
        self.port = port ?? (security == .implicitTLS ? 465 : 587)
        self.security = security
        self.credentials = credentials
        self.from = from
        self.trustedCertificatesFile = trustedCertificatesFile
        self.timeout = timeout
        self.ehloName = ehloName
    }

    public init(url: String) throws(SMTPConfigurationError) {
        func invalid(_ reason: String) -> SMTPConfigurationError { SMTPConfigurationError(reason) }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw invalid("not a URL; the forms are smtp://[user:password@]host[:port] and smtps://…")
        }
        guard scheme == "smtp" || scheme == "smtps" else {
            throw invalid("the scheme must be smtp or smtps, not \"\(scheme)\"")
        }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw invalid("no host") }
        guard components.path.isEmpty || components.path == "/" else {
            throw invalid("an SMTP URL has no path (\"\(components.path)\")")
        }
        guard components.fragment == nil else { throw invalid("an SMTP URL has no fragment") }
        if let port = components.port, !(1...65535).contains(port) { throw invalid("the port must be 1 to 65535") }

        var credentials: Credentials?
        switch (components.user, components.password) {
        case (nil, nil): break
        case (let user?, let password?) where !user.isEmpty:
            credentials = Credentials(username: user, password: password)
        case (let user?, nil) where !user.isEmpty: throw invalid("a user needs a password (user:password@host)")
        default: throw invalid("a password needs a user (user:password@host)")
        }

        var security: Security = scheme == "smtps" ? .implicitTLS : .startTLSIfOffered
        var from: MailAddress?
        var caFile: String?
        var timeout = Duration.seconds(30)
        var ehloName: String?
        var seen: Set<String> = []
        for item in components.queryItems ?? [] {
            guard seen.insert(item.name).inserted else { throw invalid("\(item.name)= is given twice") }
            let value = item.value ?? ""
            switch item.name {
            case "starttls":
                guard scheme == "smtp" else { throw invalid("starttls= applies to smtp:// only (smtps:// is TLS)") }
                switch value {
                case "required": security = .startTLSRequired
                case "auto", "": security = .startTLSIfOffered
                case "off": security = .plain
                default: throw invalid("starttls= is required, auto or off, not \"\(value)\"")
                }
            case "from":
                do {
                    from = try MailAddress(value)
                } catch {
                    throw invalid("from=: \(error)")
                }
            case "ca":
                guard !value.isEmpty else { throw invalid("ca= needs the path of a PEM file") }
                caFile = value
            case "timeout":
                guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
                    throw invalid("timeout= is a number of seconds from 0 to 3600, not \"\(value)\"")
                }
                timeout = .milliseconds(Int64((seconds * 1000).rounded(.up)))
            case "ehlo":
                guard !value.isEmpty, value.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                    throw invalid("ehlo= is a host name")
                }
                ehloName = value
            default:
                throw invalid("unknown query item \"\(item.name)\" (known: starttls, from, ca, timeout, ehlo)")
            }
        }
        self.init(
            host: host, port: components.port, security: security, credentials: credentials, from: from,
            trustedCertificatesFile: caFile, timeout: timeout, ehloName: ehloName)
    }

    /// The URL without the password, for messages and logs.
    public var redactedURL: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let user = credentials.map {
            ($0.username.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") + "@"
        }
        let host = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(user ?? "")\(host):\(port)"
    }

    public var description: String { redactedURL }
}

/// A malformed `--smtp-url`; the message never repeats the password.
public struct SMTPConfigurationError: Error, Equatable, CustomStringConvertible {
    public let reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid SMTP URL: \(reason)" }
}
