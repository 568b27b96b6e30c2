import AssentCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A failure the client reports. Server refusals carry the server's `{"error":{"code","message"}}`.
public enum AssentClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error.
    case server(status: Int, code: String, message: String)
    /// The server could not be reached (offline, a timeout, a refused connection).
    case unreachable(String)
    /// An answer that is not what the API documents.
    case unexpectedAnswer(String)
    /// A decision needs a config, and none was ever fetched.
    case noConfig

    public var description: String {
        switch self {
        case .server(let status, let code, let message): "server refused (\(status) \(code)): \(message)"
        case .unreachable(let reason): "server unreachable: \(reason)"
        case .unexpectedAnswer(let reason): "unexpected answer: \(reason)"
        case .noConfig: "no config yet: the server has never been reached"
        }
    }
}

/// The app's consent client: the same config, decisions, signals and receipts as the web widget, for one
/// property of one Assent server.
///
/// The server decides the visitor's regime from the region header its CDN or proxy sets; the app never sends
/// one (`Configuration.extraHeaders` exists for tests and for a proxy that needs its own headers).
public actor AssentClient {
    public struct Configuration: Sendable {
        /// The language asked for (`lang`); nil: the property's first language.
        public var language: String?
        /// A signed-in reader's token, sent as `Assent-Identity` as the widget does.
        public var identityToken: String?
        /// Headers added to every request. Apps do not set the region header: the publisher's CDN does.
        public var extraHeaders: [String: String]
        /// Where the IAB in-app keys are written (the app's standard defaults unless given).
        public var iabDefaults: SharedDefaults
        /// The current time, for expiry.
        public var now: @Sendable () -> Date
        /// Raw 32-byte Ed25519 keys the app pins for receipts, and publisher root keys that certify others.
        /// When either is given, only those keys (and keys a root certified) are trusted; otherwise the keys of the
        /// server's `jwks.json` are, cached from the first fetch.
        public var pinnedKeys: [[UInt8]]
        public var rootKeys: [[UInt8]]
        public var timeout: TimeInterval

        public init(
            language: String? = nil, identityToken: String? = nil, extraHeaders: [String: String] = [:],
            iabDefaults: SharedDefaults = .standard, now: @escaping @Sendable () -> Date = { Date() },
            pinnedKeys: [[UInt8]] = [], rootKeys: [[UInt8]] = [], timeout: TimeInterval = 10
        ) {
            self.language = language
            self.identityToken = identityToken
            self.extraHeaders = extraHeaders
            self.iabDefaults = iabDefaults
            self.now = now
            self.pinnedKeys = pinnedKeys
            self.rootKeys = rootKeys
            self.timeout = timeout
        }
    }

    public nonisolated let server: URL
    public nonisolated let property: String
    public nonisolated let configuration: Configuration
    private let store: any AssentStateStore
    private let session: URLSession
    private var state = AssentState()
    private var loaded = false
    /// Set once the server refused the identity token (expired, say): the rest of the session goes without it.
    private var identityRefused = false

    public init(
        server: URL, property: String, store: any AssentStateStore, configuration: Configuration = Configuration()
    ) {
        self.server = server
        self.property = property
        self.store = store
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.timeout
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: sessionConfiguration)
    }

    // MARK: State

    /// The last config fetched (or cached).
    public var config: AssentConfig? {
        loadIfNeeded()
        return state.config.flatMap { try? JSONParser.parse($0) }.flatMap(AssentConfig.init(json:))
    }

    /// The latest decision (made here, or a signed-in reader's carried by the config), even if it no longer holds.
    public var decision: ConsentDecision? {
        loadIfNeeded()
        return state.decision.flatMap { try? JSONParser.parse($0) }.flatMap(ConsentDecision.init(json:))
    }

    /// Why the banner must be shown, or nil when the latest decision still holds.
    public enum AskReason: Sendable, Equatable {
        case noDecision
        case policyChanged(decided: Int, current: Int)
        case expired(Date)
    }

    /// The rules the widget follows: ask when there is no decision, when the property's policy version is not
    /// the one the decision was made under, or when the decision expired (by default 12 months for a consent,
    /// 6 for a refusal; the server computes `expiresAt` from the property's settings).
    public var askReason: AskReason? {
        guard let decision else { return .noDecision }
        if let config, config.policyVersion != decision.policyVersion {
            return .policyChanged(decided: decision.policyVersion, current: config.policyVersion)
        }
        if configuration.now() >= decision.expiresAt { return .expired(decision.expiresAt) }
        return nil
    }

    public var shouldAsk: Bool { askReason != nil }

    /// The decision in force: the latest one while it holds.
    public var effectiveDecision: ConsentDecision? { askReason == nil ? decision : nil }

    /// The categories allowed now: the decision's while it holds, else the regime's defaults (required always).
    public var allowedCategories: [String: Bool] {
        if let decision = effectiveDecision { return decision.choices }
        var result: [String: Bool] = [:]
        for category in config?.categories ?? [] { result[category.key] = category.required || category.defaultAllowed }
        return result
    }

    /// The signals in force: the decision's while it holds, else those of the default before any choice.
    public var signals: ConsentSignalStrings? { effectiveDecision?.signals ?? config?.signals }

    /// Google Consent Mode v2 as the server mapped it: type → granted. For Firebase: `Analytics.setConsent` with
    /// `.analyticsStorage`, `.adStorage`, `.adUserData`, `.adPersonalization` from these values.
    public var consentMode: [String: Bool] {
        signals?.consentMode ?? [:]
    }

    /// What the banner must show for this visitor's regime; nil before any config.
    public var banner: ConsentBanner? { config.map(ConsentBanner.init(config:)) }

    // MARK: Start and refresh

    /// Loads the cached state and writes its keys, then asks the server for the config. Offline, the cached
    /// config and decision stay in force; returns whether the server answered.
    @discardableResult
    public func start() async -> Bool {
        loadIfNeeded()
        applyKeys()
        do {
            try await refresh()
            return true
        } catch {
            return false
        }
    }

    /// Fetches the config (revalidating the cached one by its ETag) and adopts a signed-in reader's newer
    /// decision; writes the IAB keys.
    public func refresh() async throws {
        loadIfNeeded()
        var components = URLComponents(
            url: server.appendingPathComponent("v1/properties/\(property)/config"), resolvingAgainstBaseURL: false)!
        if let language = configuration.language {
            components.queryItems = [URLQueryItem(name: "lang", value: language)]
        }
        var request = makeRequest(components.url!)
        if let etag = state.etag, state.config != nil, state.language == configuration.language {
            request.setValue(etag, forHTTPHeaderField: "If-None-Match")
        }
        let (body, response) = try await send(request)
        if response.statusCode == 304 {
            // Unchanged; nothing to save.
        } else if response.statusCode == 200 {
            guard let json = try? JSONParser.parse(body), let config = AssentConfig(json: json) else {
                throw AssentClientError.unexpectedAnswer("config is not a config document")
            }
            state.config = String(decoding: body, as: UTF8.self)
            state.etag = response.value(forHTTPHeaderField: "ETag")
            state.language = configuration.language
            if let carried = config.readerDecision, let carriedJSON = json["decision"],
                carried.recordedAt > (decision?.recordedAt ?? .distantPast)
            {
                state.decision = String(decoding: CanonicalJSON.orderedBytes(carriedJSON), as: UTF8.self)
            }
            persist()
        } else {
            throw Self.refusal(body, response)
        }
        applyKeys()
    }

    // MARK: Decisions

    /// Records Accept All.
    @discardableResult
    public func acceptAll() async throws -> ConsentDecision { try await record(action: "accept_all", choices: nil) }

    /// Records Reject All.
    @discardableResult
    public func rejectAll() async throws -> ConsentDecision { try await record(action: "reject_all", choices: nil) }

    /// Records the preference screen's choices (category key → allowed; required categories may be left out).
    @discardableResult
    public func save(_ choices: [String: Bool]) async throws -> ConsentDecision {
        try await record(action: "save", choices: choices)
    }

    private func record(action: String, choices: [String: Bool]?) async throws -> ConsentDecision {
        loadIfNeeded()
        guard let config else { throw AssentClientError.noConfig }
        var members: [(String, JSONValue)] = [
            ("action", .string(action)), ("policyVersion", .int(config.policyVersion)),
            ("lang", .string(config.language)),
        ]
        if let choices {
            members.append(("choices", .object(choices.keys.sorted().map { ($0, .bool(choices[$0]!)) })))
        }
        if let subject = decision?.subject { members.append(("subject", .string(subject))) }
        var request = makeRequest(server.appendingPathComponent("v1/properties/\(property)/consents"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(CanonicalJSON.orderedBytes(.object(members)))
        let (body, response) = try await send(request)
        guard response.statusCode == 201 else { throw Self.refusal(body, response) }
        guard let json = try? JSONParser.parse(body), let decision = ConsentDecision(json: json) else {
            throw AssentClientError.unexpectedAnswer("consent answer is not a decision")
        }
        state.decision = String(decoding: body, as: UTF8.self)
        persist()
        applyKeys()
        return decision
    }

    // MARK: Receipts

    /// Checks the latest decision's receipt offline: the entry's inclusion proof and the tree head's signature,
    /// with the server's keys (fetched once and cached; fetched again when the receipt names a key not cached)
    /// or the pinned keys. Nil when the latest decision has no receipt.
    public func verifyReceipt() async -> ReceiptCheck? {
        guard let receipt = decision?.receipt else { return nil }
        return await verify(receipt: receipt)
    }

    /// Checks a receipt in its JSON form (see `verifyReceipt()`).
    public func verify(receipt: JSONValue) async -> ReceiptCheck {
        loadIfNeeded()
        let keyID = receipt["treeHead"]?["keyId"]?.stringValue
        var keys = trustedKeys()
        if let keyID, keys[keyID] == nil, (try? await fetchKeys()) != nil { keys = trustedKeys() }
        return ReceiptCheck(receipt: receipt, keys: keys)
    }

    /// The keys a receipt may be checked with.
    private func trustedKeys() -> [String: [UInt8]] {
        let published = state.jwks.flatMap { try? JWKS.parse(Array($0.utf8)) } ?? []
        if configuration.pinnedKeys.isEmpty && configuration.rootKeys.isEmpty {
            return Dictionary(published.map { ($0.keyID, $0.publicKey) }, uniquingKeysWith: { first, _ in first })
        }
        return KeyTrust(pinned: configuration.pinnedKeys, roots: configuration.rootKeys).evaluate(published).trusted
    }

    private func fetchKeys() async throws {
        let (body, response) = try await send(makeRequest(server.appendingPathComponent(".well-known/jwks.json")))
        guard response.statusCode == 200 else { throw Self.refusal(body, response) }
        guard (try? JWKS.parse(Array(body))) != nil else {
            throw AssentClientError.unexpectedAnswer("jwks.json is not a key set")
        }
        state.jwks = String(decoding: body, as: UTF8.self)
        persist()
    }

    // MARK: Plumbing

    private func loadIfNeeded() {
        guard !loaded else { return }
        loaded = true
        if let saved = try? store.load() { state = saved }
    }

    private func persist() {
        // A state that cannot be saved costs only the offline start; the decision itself is on the server.
        try? store.save(state)
    }

    /// Writes the IAB keys of the signals in force (removing those that no longer apply).
    private func applyKeys() {
        InAppKeys.write(signals, into: configuration.iabDefaults.value)
    }

    private func makeRequest(_ url: URL) -> URLRequest {
        var request = URLRequest(url: url)
        request.timeoutInterval = configuration.timeout
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        for (name, value) in configuration.extraHeaders { request.setValue(value, forHTTPHeaderField: name) }
        if let token = configuration.identityToken, !identityRefused {
            request.setValue(token, forHTTPHeaderField: "Assent-Identity")
        }
        return request
    }

    /// Sends `request`; a refused identity token is dropped and the request sent again without it, as the widget
    /// does, so that the banner still works.
    private func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let (data, response) = try await exchange(request)
        guard request.value(forHTTPHeaderField: "Assent-Identity") != nil,
            response.statusCode == 400 || response.statusCode == 401,
            let code = (try? JSONParser.parse(data))?["error"]?["code"]?.stringValue,
            code == "identity_rejected" || code == "invalid_identity"
        else { return (data, response) }
        identityRefused = true
        var retry = request
        retry.setValue(nil, forHTTPHeaderField: "Assent-Identity")
        return try await exchange(retry)
    }

    private func exchange(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw AssentClientError.unreachable(error.localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else {
            throw AssentClientError.unexpectedAnswer("not an HTTP response")
        }
        return (data, http)
    }

    private static func refusal(_ body: Data, _ response: HTTPURLResponse) -> AssentClientError {
        let error = (try? JSONParser.parse(body))?["error"]
        return .server(
            status: response.statusCode, code: error?["code"]?.stringValue ?? "http_\(response.statusCode)",
            message: error?["message"]?.stringValue
                ?? HTTPURLResponse.localizedString(forStatusCode: response.statusCode))
    }
}
