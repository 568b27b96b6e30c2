import AssentCore

/// What a console account may do. Each role may be limited to some properties (`Account.properties`).
public enum AccountRole: String, Sendable, CaseIterable, Comparable {
    /// Everything, people included.
    case owner
    /// Properties and scans.
    case editor
    /// Privacy requests, exports and records lookups.
    case privacy
    /// Reads only.
    case viewer

    public static func < (a: AccountRole, b: AccountRole) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A person who signs in to the console. Only a bcrypt hash of the password is kept.
public struct Account: Sendable, Equatable {
    public var id: String
    /// Kept lowercased: one address, one account.
    public var email: String
    public var displayName: String
    public var role: AccountRole
    /// The properties the account may see and change; nil: every property.
    public var properties: [String]?
    public var passwordHash: String
    /// Milliseconds since the Unix epoch.
    public var createdAt: Int64
    public var disabledAt: Int64?

    public init(
        id: String, email: String, displayName: String, role: AccountRole, properties: [String]? = nil,
        passwordHash: String, createdAt: Int64, disabledAt: Int64? = nil
    ) {
        self.id = id
        self.email = email.lowercased()
        self.displayName = displayName
        self.role = role
        self.properties = properties
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    /// Whether the account may see `property` at all.
    public func covers(property: String) -> Bool { properties.map { $0.contains(property) } ?? true }
}

/// A signed-in browser. The cookie carries a secret; the store keeps only its SHA-256 (`idHash`), so a read of the
/// database signs nobody in.
public struct AccountSession: Sendable, Equatable {
    public var idHash: String
    public var account: String
    public var createdAt: Int64
    public var lastSeenAt: Int64
    /// The session ends when unused until then (moved on as it is used) …
    public var idleExpiresAt: Int64
    /// … and at this time whatever happens.
    public var absoluteExpiresAt: Int64
    public var revokedAt: Int64?

    public init(
        idHash: String, account: String, createdAt: Int64, lastSeenAt: Int64, idleExpiresAt: Int64,
        absoluteExpiresAt: Int64, revokedAt: Int64? = nil
    ) {
        self.idHash = idHash
        self.account = account
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.idleExpiresAt = idleExpiresAt
        self.absoluteExpiresAt = absoluteExpiresAt
        self.revokedAt = revokedAt
    }

    /// Live at `now`: not revoked, neither idle nor absolute expiry passed.
    public func isLive(at now: Int64) -> Bool {
        revokedAt == nil && now < idleExpiresAt && now < absoluteExpiresAt
    }
}

/// Console accounts, their sessions, sign-in attempts (counted in the store so that every server behind one
/// database counts the same) and the one-time set-up links that create the first owner.
public protocol AccountStore: Sendable {
    /// Stores a new account; false (and nothing stored) when its email is taken.
    func createAccount(_ account: Account) async throws -> Bool
    /// Replaces the stored account with the same id (role, limits, password hash, disabled).
    func updateAccount(_ account: Account) async throws
    func account(id: String) async throws -> Account?
    /// By address, whatever its case.
    func account(email: String) async throws -> Account?
    /// Every account, oldest first.
    func accounts() async throws -> [Account]

    func createSession(_ session: AccountSession) async throws
    func session(idHash: String) async throws -> AccountSession?
    /// Notes a use of the session: its last use and its new idle expiry (never past the absolute one).
    func touchSession(idHash: String, at time: Int64, idleExpiresAt: Int64) async throws
    func revokeSession(idHash: String, at time: Int64) async throws
    /// Revokes every live session of the account ("sign out everywhere"); returns how many.
    func revokeSessions(account: String, at time: Int64) async throws -> Int
    /// Deletes sessions that ended (expired or revoked) before `time`; returns how many went.
    func deleteSessions(endedBefore time: Int64) async throws -> Int

    /// Counts one failed sign-in under `key` (an account or a client).
    func recordSignInFailure(key: String, at time: Int64) async throws
    /// Failures under `key` at or after `since`.
    func signInFailures(key: String, since: Int64) async throws -> Int
    /// Forgets the failures under `key` (after a good sign-in).
    func clearSignInFailures(key: String) async throws
    /// Deletes failures before `time`; returns how many went.
    func deleteSignInFailures(before time: Int64) async throws -> Int

    /// Stores a set-up link's secret hash, usable once until `expiresAt`.
    func saveSetupToken(hash: String, expiresAt: Int64) async throws
    /// Whether the link is unused and unexpired at `now`.
    func setupTokenUsable(hash: String, at now: Int64) async throws -> Bool
    /// Marks the link used if it is usable at `now`; true when this call did, so that only one use wins.
    func useSetupToken(hash: String, at now: Int64) async throws -> Bool
}

/// How a store keeps an account's property list in one text column: the ids one per line.
public enum AccountPropertyList {
    public static func encode(_ ids: [String]) -> String { ids.joined(separator: "\n") }
    public static func decode(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }
}
