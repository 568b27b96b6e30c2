import ArgumentParser
import AssentCore
import AssentServer
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

extension Assent {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the server (creates the data directory, signing key and demo property on first start).")

        @Option(help: "Address to listen on (env ASSENT_HOST).")
        var host: String = env("ASSENT_HOST") ?? "127.0.0.1"

        @Option(help: "Port to listen on (env ASSENT_PORT).")
        var port: Int = env("ASSENT_PORT").flatMap(Int.init) ?? 8080

        @OptionGroup var data: DataOptions
        @OptionGroup var database: DatabaseOptions

        @Option(
            help:
                "Trusted request header with the visitor's region, set by your CDN or proxy (env ASSENT_REGION_HEADER)."
        )
        var regionHeader: String = env("ASSENT_REGION_HEADER") ?? "X-Assent-Region"

        @Option(help: "Region used when the header is missing or invalid (env ASSENT_DEFAULT_REGION).")
        var defaultRegion: String = env("ASSENT_DEFAULT_REGION") ?? "US-CA"

        @Option(
            name: .customLong("smtp-url"),
            help: """
                Where requesters' mail goes: smtp://[user:pass@]host[:port][?starttls=required|off&from=…&ca=…] or \
                smtps://…; without it, mail is written to outbox/ in the data directory (env ASSENT_SMTP_URL).
                """)
        var smtpURLFlag: String?

        @Option(help: "Sender of requesters' mail when the SMTP URL names none (env ASSENT_MAIL_FROM).")
        var mailFrom: String = env("ASSENT_MAIL_FROM") ?? "privacy@localhost"

        @Option(
            name: .customLong("public-url"),
            help: "Public origin for links in mail, e.g. https://consent.example.com (env ASSENT_PUBLIC_URL).")
        var publicURLFlag: String?

        @Option(
            name: .customLong("client-header"),
            help: """
                Trusted header with the client's address, set by your reverse proxy, such as X-Forwarded-For (its \
                last entry is used); rate limits key on it. Default: the peer address (env ASSENT_CLIENT_HEADER).
                """)
        var clientHeaderFlag: String?

        @Option(
            name: .customLong("webhook-url"),
            help: "URL that every change of a privacy request is posted to, signed (env ASSENT_WEBHOOK_URL).")
        var webhookURLFlag: String?

        @Option(
            name: .customLong("webhook-secret"),
            help:
                "Secret the webhook's Assent-Signature is made with, 16 characters or more (env ASSENT_WEBHOOK_SECRET)."
        )
        var webhookSecretFlag: String?

        @Option(help: "Days the address of a closed privacy request is kept (env ASSENT_REQUEST_RETENTION_DAYS).")
        var requestRetentionDays: Int = env("ASSENT_REQUEST_RETENTION_DAYS").flatMap(Int.init) ?? 30

        @Option(help: "Count banners shown and decisions (ID-free daily aggregates): on or off (env ASSENT_ANALYTICS).")
        var analytics: String = env("ASSENT_ANALYTICS") ?? "on"

        @Option(help: "Days analytics rows are kept, 25 months by default (env ASSENT_ANALYTICS_RETENTION_DAYS).")
        var analyticsRetentionDays: Int = env("ASSENT_ANALYTICS_RETENTION_DAYS").flatMap(Int.init) ?? 762

        @Option(help: "Log level: trace, debug, info, notice, warning, error (env ASSENT_LOG_LEVEL).")
        var logLevel: String = env("ASSENT_LOG_LEVEL") ?? "info"

        @Option(help: "Log lines as text or as json, one object per line (env ASSENT_LOG_FORMAT).")
        var logFormat: LogFormat = env("ASSENT_LOG_FORMAT").flatMap(LogFormat.init) ?? .text

        @Option(
            help:
                "Logs the ledger is split into, each with its own group commit and tree heads; more lets several servers on one database write without waiting for each other (env ASSENT_LEDGER_SHARDS)."
        )
        var ledgerShards: Int = env("ASSENT_LEDGER_SHARDS").flatMap(Int.init) ?? 1

        @Option(
            help:
                "Latest decisions kept in memory for subject reads, about 1.5 KB each; 0 turns the cache off. Off with --database-url (env ASSENT_DECISION_CACHE)."
        )
        var decisionCache: Int = env("ASSENT_DECISION_CACHE").flatMap(Int.init) ?? 200_000

        @Option(
            name: .customLong("metrics-token"),
            help: """
                Bearer token that GET /metrics asks for; without it (or --metrics-listen) the server serves no \
                metrics (env ASSENT_METRICS_TOKEN).
                """)
        var metricsTokenFlag: String?

        @Option(
            name: .customLong("metrics-listen"),
            help: """
                Serve /metrics on this separate HOST:PORT only, such as 127.0.0.1:9464, and not on the main address \
                (env ASSENT_METRICS_LISTEN).
                """)
        var metricsListenFlag: String?

        @Option(
            name: .customLong("forwarded-proto-header"),
            help: """
                Trusted header in which your TLS-terminating proxy names the client's scheme, such as \
                X-Forwarded-Proto; cookies are Secure when it says https (always when --public-url is https) \
                (env ASSENT_FORWARDED_PROTO_HEADER).
                """)
        var forwardedProtoHeaderFlag: String?

        @Option(
            name: .customLong("trusted-keys"),
            help: """
                A JWKS file (a jwks.json saved earlier, another server's public-keys.json) whose keys receipts may be \
                signed with, beside this data directory's own; repeatable. Keys only the database holds are never \
                trusted (env ASSENT_TRUSTED_KEYS, paths separated by ':').
                """)
        var trustedKeysFlag: [String] = []

        @Option(
            name: .customLong("root-key"),
            help: """
                The public JWKS of a publisher root key (`assent key root create`): keys in the database it certified \
                are trusted; repeatable (env ASSENT_ROOT_KEY, paths separated by ':').
                """)
        var rootKeyFlag: [String] = []

        // Optional options read their environment variable here: a default on an optional @Option is deprecated.
        private var smtpURL: String? { smtpURLFlag ?? env("ASSENT_SMTP_URL") }
        private var publicURL: String? { publicURLFlag ?? env("ASSENT_PUBLIC_URL") }
        private var clientHeader: String? { clientHeaderFlag ?? env("ASSENT_CLIENT_HEADER") }
        private var webhookURL: String? { webhookURLFlag ?? env("ASSENT_WEBHOOK_URL") }
        private var webhookSecret: String? { webhookSecretFlag ?? env("ASSENT_WEBHOOK_SECRET") }
        private var trustedKeys: [String] { pathList(trustedKeysFlag, env("ASSENT_TRUSTED_KEYS")) }
        private var rootKeys: [String] { pathList(rootKeyFlag, env("ASSENT_ROOT_KEY")) }
        private var metricsToken: String? { metricsTokenFlag ?? env("ASSENT_METRICS_TOKEN") }
        private var metricsListen: String? { metricsListenFlag ?? env("ASSENT_METRICS_LISTEN") }
        private var forwardedProtoHeader: String? { forwardedProtoHeaderFlag ?? env("ASSENT_FORWARDED_PROTO_HEADER") }

        func validate() throws {
            guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
            guard Region(defaultRegion) != nil else {
                throw ValidationError("--default-region \"\(defaultRegion)\" is not a region code such as FR or US-CA")
            }
            guard !regionHeader.isEmpty,
                regionHeader.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else {
                throw ValidationError("--region-header \"\(regionHeader)\" is not a header name")
            }
            // A bound, so that the retention cut-off (days in milliseconds) cannot overflow.
            guard (0...36_500).contains(requestRetentionDays) else {
                throw ValidationError("--request-retention-days must be 0 to 36500")
            }
            guard analytics == "on" || analytics == "off" else {
                throw ValidationError("--analytics must be on or off")
            }
            guard (1...36_500).contains(analyticsRetentionDays) else {
                throw ValidationError("--analytics-retention-days must be 1 to 36500")
            }
            if (webhookURL == nil) != (webhookSecret == nil) {
                throw ValidationError("--webhook-url and --webhook-secret go together")
            }
            if let webhookURL, !(webhookURL.hasPrefix("https://") || webhookURL.hasPrefix("http://")) {
                throw ValidationError("--webhook-url \"\(webhookURL)\" must start with https:// or http://")
            }
            if let webhookSecret, webhookSecret.count < 16 {
                throw ValidationError("--webhook-secret must have 16 characters or more")
            }
            if let publicURL, !(publicURL.hasPrefix("https://") || publicURL.hasPrefix("http://")) {
                throw ValidationError("--public-url \"\(publicURL)\" must start with https:// or http://")
            }
            if let metricsToken, metricsToken.count < 16 {
                throw ValidationError("--metrics-token must have 16 characters or more")
            }
            if let metricsListen, ListenAddress(metricsListen) == nil {
                throw ValidationError("--metrics-listen \"\(metricsListen)\" is not HOST:PORT, such as 127.0.0.1:9464")
            }
            if let forwardedProtoHeader,
                forwardedProtoHeader.isEmpty
                    || !forwardedProtoHeader.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            {
                throw ValidationError("--forwarded-proto-header \"\(forwardedProtoHeader)\" is not a header name")
            }
            guard (1...64).contains(ledgerShards) else { throw ValidationError("--ledger-shards must be 1 to 64") }
            guard decisionCache >= 0 else { throw ValidationError("--decision-cache must be 0 or more") }
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw ValidationError("--log-level \"\(logLevel)\" is unknown")
            }
        }

        func run() async throws {
            let level = Logger.Level(rawValue: logLevel) ?? .info
            let format = logFormat
            LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, level: level, format: format) }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            var configuration = ServerConfiguration(
                host: host, port: port, dataDirectory: data.dataDirectory, regionHeader: regionHeader,
                defaultRegion: Region(defaultRegion)!, smtpURL: smtpURL, mailFrom: mailFrom,
                publicURL: publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }, clientHeader: clientHeader,
                webhook: webhookURL.flatMap { url in webhookSecret.map { WebhookConfiguration(url: url, secret: $0) } },
                requestRetentionDays: requestRetentionDays)
            configuration.databaseURL = database.databaseURL
            configuration.ledgerShards = ledgerShards
            configuration.decisionCacheSize = decisionCache
            configuration.trustedKeyFiles = trustedKeys
            configuration.rootKeyFiles = rootKeys
            configuration.metricsToken = metricsToken
            configuration.metricsListen = metricsListen.flatMap(ListenAddress.init)
            configuration.forwardedProtoHeader = forwardedProtoHeader
            configuration.analytics = analytics == "on"
            configuration.analyticsRetentionDays = analyticsRetentionDays
            let logger = Logger(label: "assent")
            // The store stays open while the server runs (PostgreSQL's pool closes when it stops).
            try await DataDirectory.withStorage(configuration, logger: logger) { opened in
                let app = try await buildApplication(
                    configuration, opened: opened, logger: logger, metrics: { registry.emitToBuffer() })
                try await app.runService()
            }
        }
    }
}
