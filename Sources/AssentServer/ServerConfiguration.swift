import AssentCore
import Foundation

/// Everything `assent serve` needs; tests build one with a temporary data directory.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: String
    /// The trusted request header, set by the publisher's CDN or proxy, that carries the visitor's region.
    public var regionHeader: String
    public var defaultRegion: Region
    /// The property whose demo page may switch regions by query parameter; no other property can.
    public var demoPropertyID: String
    /// Seed the demo property when the database has no properties.
    public var seedDemo: Bool
    /// The largest request body accepted.
    public var maxBodyBytes: Int
    /// Where mail goes: an `smtp://` or `smtps://` URL; nil writes it to `outbox/` in the data directory.
    public var smtpURL: String?
    /// The sender of the requester's mail when the SMTP URL names none.
    public var mailFrom: String
    /// The origin links in mail point to (status pages); the listening address when nil.
    public var publicURL: String?
    /// A trusted header with the client's address, set by the reverse proxy (its last comma-separated entry is
    /// used, the one the proxy itself added); nil: the peer address. Rate limits key on it.
    public var clientHeader: String?
    /// Where changes of privacy requests are posted, signed; nil: nowhere.
    public var webhook: WebhookConfiguration?
    /// Days an address is kept after its request is closed.
    public var requestRetentionDays: Int
    /// Logs the ledger is split into, each with its own writer and tree heads (see `LedgerShards`). One is
    /// right for one server; several servers on one PostgreSQL database contend less with more.
    public var ledgerShards = 1
    /// Latest decisions kept in memory for the subject reads (about 1.5 KB each); 0 turns the cache off. Always
    /// off with a database URL: another server's newer decision would not reach this one's cache.
    public var decisionCacheSize = 200_000
    /// A `postgres://` URL: the store is that PostgreSQL database instead of SQLite in the data directory (which
    /// still holds the signing key and the outbox). See `DataDirectory.withStorage`.
    public var databaseURL: String?
    /// JWKS files (a `jwks.json` saved earlier, another server's `public-keys.json`) whose keys are trusted
    /// beside the data directory's own; keys only the database holds never are (docs/ledger-trust.md).
    public var trustedKeyFiles: [String] = []
    /// Public JWKS files of publisher root keys: a key in the database is trusted when one of them certified it.
    public var rootKeyFiles: [String] = []
    /// The bearer token `GET /metrics` asks for on the main address; nil: the main address serves no metrics
    /// (unless `metricsListen` is set, where they are served instead).
    public var metricsToken: String?
    /// A separate address serving `/metrics` alone (for example 127.0.0.1:9464), kept off the public listener.
    public var metricsListen: ListenAddress?
    /// A trusted header from the TLS-terminating proxy naming the scheme the client used (such as
    /// X-Forwarded-Proto); cookies are `Secure` when it says https, and always when `publicURL` is https.
    public var forwardedProtoHeader: String?
    /// Count banners shown and decisions (ID-free daily aggregates, docs/analytics.md); false counts nothing.
    public var analytics = true
    /// Days analytics rows are kept (25 months by default).
    public var analyticsRetentionDays = 762

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "./assent-data",
        regionHeader: String = "X-Assent-Region", defaultRegion: Region = Region("US-CA")!,
        demoPropertyID: String = "demo", seedDemo: Bool = true, maxBodyBytes: Int = 16 * 1024,
        smtpURL: String? = nil, mailFrom: String = "privacy@localhost", publicURL: String? = nil,
        clientHeader: String? = nil, webhook: WebhookConfiguration? = nil, requestRetentionDays: Int = 30
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.regionHeader = regionHeader
        self.defaultRegion = defaultRegion
        self.demoPropertyID = demoPropertyID
        self.seedDemo = seedDemo
        self.maxBodyBytes = maxBodyBytes
        self.smtpURL = smtpURL
        self.mailFrom = mailFrom
        self.publicURL = publicURL
        self.clientHeader = clientHeader
        self.webhook = webhook
        self.requestRetentionDays = requestRetentionDays
    }

    /// Whether the client reached this server over TLS: a public URL on https, or the trusted proxy header.
    func servedOverTLS(protoHeaderValue: String?) -> Bool {
        if publicURL?.lowercased().hasPrefix("https://") == true { return true }
        guard forwardedProtoHeader != nil, let value = protoHeaderValue else { return false }
        // A chain of proxies lists one scheme each; the first is the one the client used.
        let first = value.split(separator: ",", omittingEmptySubsequences: false).first ?? ""
        return first.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("assent.sqlite") }
    public var signingKeyPath: String { (dataDirectory as NSString).appendingPathComponent("signing-key.ed25519") }
    public var baseURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

/// A host and port to listen on, written `HOST:PORT` (`[::1]:9464` for IPv6).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Nil unless the text is a host, a colon and a port from 1 to 65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2 { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { "/[] ".contains($0) }) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
