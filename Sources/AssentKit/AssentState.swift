import AssentCore
import Foundation

/// What the client keeps between launches: the last config with its ETag, the latest decision with its receipt,
/// and the server's key set. Each document is kept as the text the server sent, so a receipt is checked on exactly
/// the bytes it came with.
public struct AssentState: Sendable, Equatable {
    /// The config document (`GET …/config`), as received.
    public var config: String?
    public var etag: String?
    /// The language the config was asked for (a cached config answers only for the same one).
    public var language: String?
    /// The latest decision (`POST …/consents` answer, or the reader's decision a config carried), as received.
    public var decision: String?
    /// The server's `/.well-known/jwks.json`, as received.
    public var jwks: String?

    public init(
        config: String? = nil, etag: String? = nil, language: String? = nil, decision: String? = nil,
        jwks: String? = nil
    ) {
        self.config = config
        self.etag = etag
        self.language = language
        self.decision = decision
        self.jwks = jwks
    }

    /// `{"config": "…", "etag": "…", …}`, members present only when set.
    public var bytes: [UInt8] {
        let members: [(String, String?)] = [
            ("config", config), ("etag", etag), ("language", language), ("decision", decision), ("jwks", jwks),
        ]
        return CanonicalJSON.bytes(.object(members.compactMap { name, value in value.map { (name, .string($0)) } }))
    }

    /// The state from `bytes`; nil for bytes that are not such a document (a damaged file starts afresh).
    public init?(bytes: some Collection<UInt8>) {
        guard let json = try? JSONParser.parse(bytes), case .object = json else { return nil }
        self.init(
            config: json["config"]?.stringValue, etag: json["etag"]?.stringValue,
            language: json["language"]?.stringValue, decision: json["decision"]?.stringValue,
            jwks: json["jwks"]?.stringValue)
    }
}

/// Where the client persists its `AssentState`. Calls come from the client's actor, one at a time.
public protocol AssentStateStore: Sendable {
    func load() throws -> AssentState?
    func save(_ state: AssentState) throws
}

/// Keeps the state in one file, replaced atomically on every save.
public struct FileStateStore: AssentStateStore {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// `Application Support/AssentKit/{property}.json` in the user's domain (created when first saved).
    public init(property: String) throws {
        let base = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        self.init(url: base.appendingPathComponent("AssentKit").appendingPathComponent("\(property).json"))
    }

    public func load() throws -> AssentState? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return AssentState(bytes: try Data(contentsOf: url))
    }

    public func save(_ state: AssentState) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(state.bytes).write(to: url, options: .atomic)
    }
}

/// Keeps the state as one data value in a `UserDefaults` (the standard one unless given).
public struct UserDefaultsStateStore: AssentStateStore {
    public let defaults: SharedDefaults
    public let key: String

    public init(defaults: SharedDefaults = .standard, key: String = "AssentKit.state") {
        self.defaults = defaults
        self.key = key
    }

    public func load() throws -> AssentState? {
        guard let data = defaults.value.data(forKey: key) else { return nil }
        return AssentState(bytes: data)
    }

    public func save(_ state: AssentState) throws {
        defaults.value.set(Data(state.bytes), forKey: key)
    }
}

/// A `UserDefaults` handed across concurrency domains. `UserDefaults` is documented thread-safe; the box only says
/// so to the compiler on platforms whose SDK does not mark it `Sendable`.
public struct SharedDefaults: @unchecked Sendable {
    public let value: UserDefaults

    public init(_ value: UserDefaults) { self.value = value }

    public static var standard: SharedDefaults { SharedDefaults(.standard) }
}
