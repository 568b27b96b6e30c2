import AssentCore
import AssentPostgres
import AssentSQLite
import AssentStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The request context: Hummingbird's basic one plus the peer address, which rate limits key on.
public struct AssentRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Builds the whole server from a configuration: opens (or creates) the data directory, seeds the demo
/// property on first start, and wires the routes. `assent serve` and the tests both call this. SQLite only: a
/// PostgreSQL store must stay open while the application runs, so it is opened by `DataDirectory.withStorage`
/// and passed to the form below.
public func buildApplication(
    _ configuration: ServerConfiguration, logger: Logger = Logger(label: "assent"),
    metrics: (@Sendable () -> [UInt8])? = nil
) async throws -> some ApplicationProtocol {
    try await buildApplication(
        configuration, opened: try DataDirectory.open(configuration), logger: logger, metrics: metrics)
}

/// Builds the whole server on a store already opened (by `DataDirectory.withStorage`); the application must run
/// while the store is open.
public func buildApplication(
    _ configuration: ServerConfiguration, opened: DataDirectory.Opened, logger: Logger = Logger(label: "assent"),
    metrics: (@Sendable () -> [UInt8])? = nil
) async throws -> some ApplicationProtocol {
    // The configured header names, made HTTP field names once: a name HTTP cannot carry is refused here, at start.
    let headers = try HeaderNames(configuration)
    // The one clock of the server (milliseconds since the Unix epoch), passed to every part that reads the time.
    let clock: @Sendable () -> Int64 = { ConsentService.now() }
    if opened.createdKey {
        logger.info("created signing key", metadata: ["path": "\(configuration.signingKeyPath)"])
    }
    let store = opened.store
    if configuration.seedDemo, try await store.propertyIDs().isEmpty {
        let origins = Array(
            Set([
                configuration.baseURL, "http://localhost:\(configuration.port)",
                "http://127.0.0.1:\(configuration.port)",
            ])
        ).sorted()
        do {
            _ = try await store.saveVendorList(DemoVendorList.stored(at: clock()))
        } catch StoreError.vendorListConflict {
            logger.warning(
                "another vendor list is stored as the demo's version; the demo shows no TCF",
                metadata: ["version": "\(DemoVendorList.version)"])
        }
        _ = try await store.saveProperty(DemoProperty.make(origins: origins), at: clock())
        logger.info("seeded the demo property", metadata: ["property": "demo"])
    }
    let writer = LedgerShards(
        count: configuration.ledgerShards, store: store, signer: opened.signer, logger: logger, clock: clock)
    // Publish this server's key (with its root certificate, when it has one) before it signs anything, and keep it
    // in the data directory's public-keys.json, which verifiers pin instead of trusting the database.
    let ownCertificate = try DataDirectory.certificate(for: opened.signer.publicKeyBytes, configuration)
    try DataDirectory.recordPublicKeys(
        [PublicKeyEntry(publicKey: opened.signer.publicKeyBytes, certificate: ownCertificate)], configuration)
    let ownKey = PublishedKey(
        keyID: opened.signer.keyID, publicKey: opened.signer.publicKeyBytes, firstUsedAt: clock(),
        certificate: ownCertificate?.bytes)
    try await store.publishKey(ownKey)
    let keyRing = KeyRing(
        store: store, own: ownKey, trust: try DataDirectory.keyTrust(configuration),
        published: try await store.publishedKeys())
    let service = ConsentService(
        configuration: configuration, store: store, writer: writer, signer: opened.signer, keyRing: keyRing,
        directory: PropertyDirectory(
            cache: PropertyCache(store: store), configuration: configuration, headers: headers),
        clock: clock)
    // Every text a person reads, loaded once: the requester's pages and mails and the console share it.
    let texts = try TextCatalogue()
    let requests = RequestService(
        store: store, directory: service.directory, mailer: try TransportMailer.make(configuration, logger: logger),
        publicBase: configuration.publicURL ?? configuration.baseURL, logger: logger,
        webhook: configuration.webhook, texts: texts, clock: clock)
    var services: [any Service] = [
        RetentionService(
            store: store, days: configuration.requestRetentionDays, logger: logger, clock: clock,
            outbox: TransportMailer.outbox(configuration))
    ]
    // Several servers on one PostgreSQL hear of each other's property revisions and decisions, so that the
    // caches stay on (PostgresChangeFeed.swift).
    if let postgres = store as? PostgresStore {
        let listener = PostgresChangeListener(store: postgres)
        service.cache.follow(listener.feed)
        service.decisions.follow(listener.feed)
        services.append(listener)
    }
    if let webhook = configuration.webhook {
        services.append(try WebhookDispatcher(store: store, configuration: webhook, logger: logger, clock: clock))
    }
    services.append(
        AnalyticsWriter(
            counter: service.analytics, store: store, retentionDays: configuration.analyticsRetentionDays,
            logger: logger, clock: clock))
    // Compliance scans run here, one at a time, against this server as the scanned pages' Assent server.
    let scans = ScanService(
        store: store, assentOrigin: configuration.publicURL ?? configuration.baseURL,
        regionHeader: configuration.regionHeader, logger: logger, clock: clock)
    services.append(scans)
    let router = try buildRouter(service: service, requests: requests, metrics: metrics, scans: scans)
    if let listen = configuration.metricsListen {
        services.append(
            Application(
                router: buildMetricsRouter(token: configuration.metricsToken, metrics: metrics),
                configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "assent-metrics"),
                logger: logger))
    }
    let setupLink = try await ConsoleSetup.link(store: store, configuration: configuration, now: clock())
    let base = configuration.baseURL
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "assent"),
        services: services,
        onServerRunning: { _ in
            logger.info(
                "assent is serving",
                metadata: [
                    "demo": "\(base)/demo/", "api": "\(base)/v1/properties/demo/config",
                    "openapi": "\(base)/openapi.json", "console": "\(base)/admin/",
                ])
            ConsoleSetup.announce(setupLink, console: "\(base)/admin/", logger: logger)
        },
        logger: logger
    )
}

func buildRouter(
    service: ConsentService, requests: RequestService, metrics: (@Sendable () -> [UInt8])?, scans: ScanService? = nil
) throws -> Router<AssentRequestContext> {
    let router = Router(context: AssentRequestContext.self, options: .autoGenerateHeadEndpoints)
    let routes = RouteTable()
    router.addMiddleware { ServerMiddleware(routes: routes) }
    router.addRoutes(ConsentController(service: service).endpoints, atPath: "/v1")
    router.addRoutes(RequestController(service: requests).endpoints, atPath: "/v1")
    let sessions = ConsoleSessions(
        store: service.store, configuration: service.configuration, clock: service.clock)
    router.addRoutes(
        AnalyticsController(service: service, logger: requests.logger, sessions: sessions).endpoints, atPath: "/v1")
    let scanService =
        scans
        ?? ScanService(
            store: service.store, assentOrigin: service.configuration.baseURL, logger: requests.logger)
    router.addRoutes(
        ScanController(consent: service, scans: scanService, sessions: sessions).endpoints, atPath: "/v1")
    try PageController(service: requests, consent: service).addRoutes(to: router)
    LedgerController(service: service).addRoutes(to: router)
    try SiteController(service: service).addRoutes(to: router)
    router.addRoutes(PropertyAdminController(service: service, sessions: sessions).endpoints, atPath: "/v1")
    router.addRoutes(TokenAdminController(store: service.store, sessions: sessions).endpoints, atPath: "/v1")
    try ConsoleController(
        consent: service, requests: requests, scans: scanService, sessions: sessions, logger: requests.logger
    ).addRoutes(to: router)
    SignalsController<AssentRequestContext>().addRoutes(to: router)
    let store = service.store
    ReadinessController<AssentRequestContext>(check: { _ = try await store.treeSize(log: 0) }).addRoutes(to: router)
    let configuration = service.configuration
    router.get("/metrics") { request, _ in
        guard configuration.metricsListen == nil else {
            throw AssentError.notFound(
                "metrics are served on the metrics address (--metrics-listen), not here", code: "metrics_elsewhere")
        }
        guard let token = configuration.metricsToken else {
            throw AssentError.notFound(
                "this server serves no metrics: start it with --metrics-token or --metrics-listen",
                code: "metrics_disabled")
        }
        return try MetricsEndpoint.response(request, token: token, metrics: metrics)
    }
    routes.load(router.routes)
    return router
}

/// The router of the separate metrics address: `/metrics` alone (behind the token too when one is set).
func buildMetricsRouter(token: String?, metrics: (@Sendable () -> [UInt8])?) -> Router<AssentRequestContext> {
    let router = Router(context: AssentRequestContext.self)
    router.addMiddleware { ServerMiddleware(routes: nil) }
    router.get("/metrics") { request, _ in try MetricsEndpoint.response(request, token: token, metrics: metrics) }
    return router
}

/// Prometheus text for whoever shows the bearer token (compared by digest, so the comparison takes the same time
/// however much of a guess is right).
enum MetricsEndpoint {
    static func response(_ request: Request, token: String?, metrics: (@Sendable () -> [UInt8])?) throws -> Response {
        if let token {
            let sent = request.headers.value(.authorization).flatMap { value -> Substring? in
                let parts = value.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
                return parts[1]
            }
            guard let sent, SHA256.hash(data: Array(sent.utf8)) == SHA256.hash(data: Array(token.utf8)) else {
                throw AssentError(
                    .unauthorized, "metrics_token_required", "GET /metrics needs Authorization: Bearer <metrics token>",
                    headers: [.wwwAuthenticate: "Bearer"])
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics?() ?? [])))
    }
}
