import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird

/// What someone may do in the console and the admin API. The one table of who may do what is `AccountRole.allows`.
enum ConsolePermission: String, Sendable, CaseIterable {
    case readProperties
    case editProperties
    case runScans
    case readAnalytics
    case readRequests
    case workRequests
    case readRecords
    case manageTokens
    case managePeople
    case readAudit
}

extension AccountRole {
    /// The one place roles are checked: owner everything; editor properties and scans; privacy requests, exports
    /// and consent records; viewer reads properties, scans and analytics. Requests and records hold personal data,
    /// so a viewer does not read them. The audit log shows everyone's changes and addresses, and tokens act for
    /// machines with every permission, so only owners read the one and manage the other.
    func allows(_ permission: ConsolePermission) -> Bool {
        switch permission {
        case .readProperties, .readAnalytics: true
        case .editProperties, .runScans: self == .owner || self == .editor
        case .readRequests, .workRequests, .readRecords: self == .owner || self == .privacy
        case .manageTokens, .managePeople, .readAudit: self == .owner
        }
    }
}

/// Who is making an admin request: a signed-in person, or a machine with an admin API token (every permission,
/// every property, as before the console).
struct AdminActor: Sendable {
    enum Kind: Sendable {
        case account(Account, session: AccountSession)
        case token(APIToken)
    }

    let kind: Kind
    /// The client's address, for the audit log.
    let client: String

    var account: Account? {
        if case .account(let account, _) = kind { return account }
        return nil
    }

    /// `account:<id>` or `token:<id>`.
    var id: String {
        switch kind {
        case .account(let account, _): "account:" + account.id
        case .token(let token): "token:" + token.id
        }
    }

    var label: String {
        switch kind {
        case .account(let account, _): account.email
        case .token(let token): token.label.isEmpty ? "API token \(token.id)" : token.label
        }
    }

    func allows(_ permission: ConsolePermission, property: String? = nil) -> Bool {
        switch kind {
        case .token: return true
        case .account(let account, _):
            guard account.role.allows(permission) else { return false }
            guard let property else { return true }
            return account.covers(property: property)
        }
    }

    /// Throws a 403 unless allowed.
    func require(_ permission: ConsolePermission, property: String? = nil) throws {
        guard allows(permission, property: property) else {
            if let property, account?.role.allows(permission) == true {
                throw AssentError.forbidden("your account is not allowed to work on the property \"\(property)\"")
            }
            throw AssentError.forbidden("your role does not allow this (\(permission.rawValue))")
        }
    }

    /// Whether a property may be listed for this actor.
    func sees(property: String) -> Bool { account?.covers(property: property) ?? true }

    func audit(
        _ action: String, target: String, property: String? = nil, summary: String, at time: Int64
    ) -> AuditEvent {
        AuditEvent(
            time: time, actor: id, actorLabel: label, action: action, target: target, property: property,
            summary: summary, client: client)
    }
}

/// Sessions of the console: a random secret in an HttpOnly, SameSite=Strict cookie (Secure behind TLS), its
/// SHA-256 in the store, ended by an idle and an absolute expiry, by signing out, or by signing out everywhere.
/// Sign-in failures are counted per account and per client in the store.
final class ConsoleSessions: Sendable {
    static let cookie = "assent_session"
    /// Unused for this long, a session ends.
    static let idle: Int64 = 2 * 3_600_000
    /// Whatever happens, a session ends after this long.
    static let absolute: Int64 = 12 * 3_600_000
    /// Failures counted over this window …
    static let failureWindow: Int64 = 15 * 60_000
    /// … at most this many per account …
    static let accountFailures = 5
    /// … and this many per client address (several people behind one address sign in).
    static let clientFailures = 20

    let store: any AssentStorage
    let configuration: ServerConfiguration
    let clock: @Sendable () -> Int64
    /// The trusted proxy's header names, resolved once.
    let headers: HeaderNames

    init(store: any AssentStorage, configuration: ServerConfiguration, clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        // The start refused names HTTP cannot carry already (`HeaderNames` in buildApplication).
        headers = (try? HeaderNames(configuration)) ?? HeaderNames()
        // Made now, at start: made on the first unknown address, it would make that answer slower than the others.
        _ = ConsoleAccounts.decoyHash
    }

    enum SignInError: Error {
        /// The same answer for an unknown address, a disabled account and a wrong password.
        case rejected
        /// Too many failures: try again after this many seconds.
        case limited(seconds: Int)
    }

    /// Checks the password and opens a session; returns the account and the cookie's secret.
    func signIn(email: String, password: String, client: String) async throws -> (Account, String) {
        let now = clock()
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        let accountKey = "account:" + email
        let clientKey = "client:" + client
        let since = now - Self.failureWindow
        let accountFailed = try await store.signInFailures(key: accountKey, since: since)
        let clientFailed = try await store.signInFailures(key: clientKey, since: since)
        if accountFailed >= Self.accountFailures || clientFailed >= Self.clientFailures {
            throw SignInError.limited(seconds: Int(Self.failureWindow / 1000))
        }
        let account = try await store.account(email: email)
        // An unknown address is checked against a decoy hash: it costs what a wrong password costs.
        let matches = try await ConsoleAccounts.verify(
            String(password.utf8.prefix(ConsoleAccounts.maximumPasswordBytes)) ?? password,
            hash: account?.passwordHash ?? ConsoleAccounts.decoyHash)
        guard let account, matches, account.disabledAt == nil else {
            try await store.recordSignInFailure(key: accountKey, at: now)
            try await store.recordSignInFailure(key: clientKey, at: now)
            throw SignInError.rejected
        }
        try await store.clearSignInFailures(key: accountKey)
        return (account, try await open(account: account, now: now))
    }

    /// Opens a session for the account; returns the cookie's secret.
    func open(account: Account, now: Int64) async throws -> String {
        // What no check reads any more goes as people sign in: sessions ended a day ago, failures out of the window.
        _ = try await store.deleteSessions(endedBefore: now - 86_400_000)
        _ = try await store.deleteSignInFailures(before: now - Self.failureWindow)
        let secret = Secrets.token()
        try await store.createSession(
            AccountSession(
                idHash: Secrets.sha256Hex(secret), account: account.id, createdAt: now, lastSeenAt: now,
                idleExpiresAt: now + Self.idle, absoluteExpiresAt: now + Self.absolute))
        return secret
    }

    /// The live session the request's cookie names, with its enabled account; nil when there is none.
    func current(_ request: Request) async throws -> (Account, AccountSession)? {
        guard let secret = request.cookies[Self.cookie]?.value, secret.utf8.count <= 64 else { return nil }
        let now = clock()
        let hash = Secrets.sha256Hex(secret)
        guard let session = try await store.session(idHash: hash), session.isLive(at: now),
            let account = try await store.account(id: session.account), account.disabledAt == nil
        else { return nil }
        // Noted at most once a minute: a page and its stylesheet do not write twice.
        if now - session.lastSeenAt > 60_000 {
            try await store.touchSession(idHash: hash, at: now, idleExpiresAt: now + Self.idle)
        }
        return (account, session)
    }

    func signOut(_ session: AccountSession) async throws {
        try await store.revokeSession(idHash: session.idHash, at: clock())
    }

    /// The session cookie's `Set-Cookie` value; nil secret clears it.
    func cookie(_ secret: String?, secure: Bool) -> String {
        let attributes = "Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
        guard let secret else { return "\(Self.cookie)=; \(attributes); Max-Age=0" }
        return "\(Self.cookie)=\(secret); \(attributes); Max-Age=\(Self.absolute / 1000)"
    }

    /// Whether the client reached the server over TLS (the rule the other cookies follow).
    func secure(_ request: Request) -> Bool {
        configuration.servedOverTLS(
            protoHeaderValue: headers.forwardedProto.flatMap { request.headers.value($0) })
    }

    /// Who is calling the admin API: a bearer admin token when the request has an `Authorization` header, else
    /// a console session. Session writes must come from this origin too (the cookie is SameSite=Strict already).
    func actor(_ request: Request, context: some RequestContext, write: Bool) async throws -> AdminActor {
        let client = clientKey(request, context, header: headers.client)
        if request.headers.value(.authorization) != nil {
            let token = try await APITokens.authorize(
                store: store, header: request.headers.value(.authorization), scope: .admin, property: nil, now: clock())
            return AdminActor(kind: .token(token), client: client)
        }
        guard let (account, session) = try await current(request) else {
            throw AssentError.unauthorized("an Authorization: Bearer token or a console session is required")
        }
        if write,
            !CSRFTokens.isSameOrigin(
                origin: request.headers.value(.origin), referer: request.headers.value(.referer),
                host: request.head.authority,
                publicURL: configuration.publicURL)
        {
            throw AssentError(.forbidden, "csrf", "a console session's change must come from the console's origin")
        }
        return AdminActor(kind: .account(account, session: session), client: client)
    }
}
