import ArgumentParser
import AssentCore
import AssentServer
import AssentStore
import Foundation

extension Assent {
    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The key this server signs tree heads with.", subcommands: [Rotate.self, List.self])

        struct Rotate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Replace the signing key; receipts signed with the old one keep verifying.",
                discussion: """
                    Publishes the old and the new public key in the database, moves the old private key to \
                    retired-keys/ in the data directory, and writes a new one. Restart the server to sign with it.
                    """)

            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let configuration = database.configuration(data)
                let rotation = try await DataDirectory.withStorage(configuration, logger: DatabaseOptions.logger) {
                    opened in
                    try await DataDirectory.rotateKey(configuration, store: opened.store)
                }
                if let old = rotation.retiredKeyID, let path = rotation.retiredPath {
                    print("retired key \(old): still published, its private key moved to \(path) (destroy it)")
                }
                print("new signing key \(rotation.newKeyID): restart `assent serve` on \(data.dataDirectory) to use it")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Every published public key: the ones receipts are checked against.")

            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                try await database.withExistingStore(data) { store, publicKey in
                    let own = publicKey.map(TreeHeadSignerID.keyID)
                    for key in try await store.publishedKeys() {
                        print(
                            [
                                key.keyID, Timestamp.iso8601(milliseconds: key.firstUsedAt),
                                key.keyID == own ? "this server" : "",
                            ]
                            .joined(separator: "\t").trimmingCharacters(in: .whitespaces))
                    }
                }
            }
        }
    }
}
