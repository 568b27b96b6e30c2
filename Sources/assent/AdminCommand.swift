import ArgumentParser
import AssentCore
import AssentSQLite
import AssentServer
import AssentStore
import Foundation

extension Assent {
    struct Admin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Credentials for the admin API, the suppression lookups and the console.",
            subcommands: [Token.self, User.self])

        struct Token: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create, list and revoke bearer tokens.", subcommands: [Create.self, List.self, Revoke.self])
        }
    }
}

extension APIToken.Scope: ExpressibleByArgument {}
extension AccountRole: ExpressibleByArgument {}

extension Assent.Admin {
    struct User: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Console accounts: create one, or set a new password.",
            subcommands: [UserCreate.self, UserResetPassword.self])
    }

    struct UserCreate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a console account and print its password, once: only a bcrypt hash of it is kept.")

        @Option(help: "The address the person signs in with.") var email: String
        @Option(help: "owner (everything, people), editor (properties, scans), privacy (requests), viewer (reads).")
        var role: AccountRole
        @Option(help: "The name shown in the console.") var name: String = ""
        @Option(help: "Limit the account to this property (repeat for several); none: every property.")
        var property: [String] = []
        @OptionGroup var data: DataOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.withStore(data) { store in
                let known = Set(try await store.propertyIDs())
                if let unknown = property.first(where: { !known.contains($0) }) {
                    throw CLIError("unknown property \"\(unknown)\"")
                }
                let password = ConsoleAccounts.randomPassword()
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let account: Account
                do {
                    account = try await ConsoleAccounts.create(
                        store: store, email: email, displayName: name, role: role,
                        properties: property.isEmpty ? nil : property.sorted(), password: password, now: now)
                } catch let problem as ConsoleAccounts.Problem {
                    throw CLIError(problem.message)
                }
                try await store.appendAudit(
                    AuditEvent(
                        time: now, actor: "cli", actorLabel: "command line", action: "account.create",
                        target: account.email, summary: "role \(role.rawValue) (assent admin user create)"))
                var stderr = StandardError()
                print(
                    "created \(role.rawValue) \(account.email); sign in at /admin/ with this password, shown once:",
                    to: &stderr)
                print(password)
            }
        }
    }

    struct UserResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new random password, print it once, and sign the account out everywhere.")

        @Option(help: "The account's address.") var email: String
        @OptionGroup var data: DataOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.withStore(data) { store in
                guard let account = try await store.account(email: email) else {
                    throw CLIError("no account \(email)")
                }
                let password = ConsoleAccounts.randomPassword()
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                _ = try await ConsoleAccounts.resetPassword(
                    store: store, account: account, password: password, now: now)
                try await store.appendAudit(
                    AuditEvent(
                        time: now, actor: "cli", actorLabel: "command line", action: "account.password",
                        target: account.email, summary: "password reset, signed out (assent admin user reset-password)")
                )
                var stderr = StandardError()
                print("new password for \(account.email), shown once:", to: &stderr)
                print(password)
            }
        }
    }
}

extension Assent.Admin.Token {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print its secret, once: only a hash of it is kept.")

        @Option(help: "admin (the request queue, every property) or suppression (lookups on one property).")
        var scope: APIToken.Scope = .admin
        @Option(help: "The property a suppression token is for.") var property: String?
        @Option(help: "What the token is for, shown by `list`.") var label: String = ""
        @OptionGroup var data: DataOptions
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if scope == .suppression, property == nil {
                throw ValidationError("a suppression token needs --property")
            }
            if scope == .admin, property != nil {
                throw ValidationError("an admin token covers every property; leave out --property")
            }
        }

        func run() async throws {
            try await database.withStore(data) { store in
                if let property, try await store.currentProperty(id: property) == nil {
                    throw CLIError("unknown property \"\(property)\"")
                }
                let created = try await APITokens.create(
                    store: store, scope: scope, property: property, label: label,
                    now: Int64(Date().timeIntervalSince1970 * 1000))
                var stderr = StandardError()
                print(
                    "created \(scope.rawValue) token \(created.token.id); keep the secret, it is not shown again:",
                    to: &stderr)
                print(created.secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var data: DataOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.withStore(data) { store in
                for token in try await store.tokens() {
                    let state = token.revokedAt.map { "revoked " + Timestamp.iso8601(milliseconds: $0) } ?? "active"
                    print(
                        [
                            token.id, token.scope.rawValue, token.property ?? "*", state,
                            Timestamp.iso8601(milliseconds: token.createdAt), token.label,
                        ].joined(separator: "\t"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id; it stops working at once.")
        @Argument(help: "The token id `list` shows.") var id: String
        @OptionGroup var data: DataOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.withStore(data) { store in
                guard var token = try await store.tokens().first(where: { $0.id == id }) else {
                    throw CLIError("no token \(id)")
                }
                if token.revokedAt == nil {
                    token.revokedAt = Int64(Date().timeIntervalSince1970 * 1000)
                    try await store.saveToken(token)
                }
                print("revoked \(id)")
            }
        }
    }
}
