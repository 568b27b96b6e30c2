import ArgumentParser
import AssentCore
import AssentSQLite
import AssentServer
import AssentStore
import Foundation

extension Assent {
    struct Admin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Credentials for the admin API and the suppression lookups.", subcommands: [Token.self])

        struct Token: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create, list and revoke bearer tokens.", subcommands: [Create.self, List.self, Revoke.self])
        }
    }
}

extension APIToken.Scope: ExpressibleByArgument {}

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
