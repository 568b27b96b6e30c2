import AssentCore
import AssentStore
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Creating accounts and setting passwords, the same way for the console, the set-up link and the command line.
/// Passwords are hashed with bcrypt (hummingbird-auth), off the request threads.
public enum ConsoleAccounts {
    /// bcrypt's work factor: 2^10 rounds, about 50 ms here.
    static let cost: UInt8 = 10
    public static let minimumPasswordLength = 12
    static let maximumPasswordBytes = 72

    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// The field it is about (`email`, `password`, `role`, `properties`), for the form.
        public let field: String
        /// A key of the console's texts.
        public let key: String
        public let message: String
        public var description: String { message }
    }

    public static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash of nothing anyone knows, checked against when the account is unknown, so that an unknown address
    /// costs as long as a wrong password.
    static let decoyHash: String = Bcrypt.hash(Secrets.token(), cost: cost)

    public static func checkEmail(_ email: String) throws(Problem) -> String {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: { $0.isWhitespace || $0.isNewline })
        else { throw Problem(field: "email", key: "problem.email", message: "the email address is not valid") }
        return email
    }

    public static func checkPassword(_ password: String) throws(Problem) {
        guard password.count >= minimumPasswordLength else {
            throw Problem(
                field: "password", key: "problem.passwordShort",
                message: "the password must have at least \(minimumPasswordLength) characters")
        }
        // bcrypt reads 72 bytes at most: a longer password would have an unchecked tail.
        guard password.utf8.count <= maximumPasswordBytes else {
            throw Problem(
                field: "password", key: "problem.passwordLong",
                message: "the password must have at most \(maximumPasswordBytes) bytes")
        }
    }

    /// A new random password for the command line to print once.
    public static func randomPassword() -> String { Base64URL.encode(Secrets.randomBytes(15)) }

    /// Creates an account. Throws a `Problem` for a bad address or password, or an address already taken.
    public static func create(
        store: any AccountStore, email: String, displayName: String, role: AccountRole, properties: [String]?,
        password: String, now: Int64
    ) async throws -> Account {
        let email = try checkEmail(email)
        try checkPassword(password)
        let account = Account(
            id: RandomID.uuid(milliseconds: now), email: email,
            displayName: displayName.trimmingCharacters(in: .whitespacesAndNewlines), role: role,
            properties: properties, passwordHash: try await hash(password), createdAt: now)
        guard try await store.createAccount(account) else {
            throw Problem(field: "email", key: "problem.emailTaken", message: "an account with this address exists")
        }
        return account
    }

    /// Sets a new password and signs the account out everywhere.
    public static func resetPassword(store: any AccountStore, account: Account, password: String, now: Int64)
        async throws -> Account
    {
        try checkPassword(password)
        var changed = account
        changed.passwordHash = try await hash(password)
        try await store.updateAccount(changed)
        _ = try await store.revokeSessions(account: account.id, at: now)
        return changed
    }

    /// Whether an enabled owner exists.
    public static func hasOwner(store: any AccountStore) async throws -> Bool {
        try await store.accounts().contains { $0.role == .owner && $0.disabledAt == nil }
    }

    /// Makes a one-time set-up link's secret, valid for `lifetime` milliseconds (an hour), and stores its hash.
    public static func makeSetupSecret(store: any AccountStore, now: Int64, lifetime: Int64 = 3_600_000)
        async throws -> String
    {
        let secret = Secrets.token()
        try await store.saveSetupToken(hash: Secrets.sha256Hex(secret), expiresAt: now + lifetime)
        return secret
    }
}
