import ArgumentParser
import AssentCore
import AssentServer
import AssentStore
import Foundation

extension Assent {
    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The key this server signs tree heads with, and the publisher root key that certifies it.",
            subcommands: [Rotate.self, List.self, Root.self, Certify.self])

        struct Rotate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Replace the signing key; receipts signed with the old one keep verifying.",
                discussion: """
                    Keeps the old and the new public key in the data directory's public-keys.json (what verifiers \
                    trust) and publishes both in the database, moves the old private key to retired-keys/ in the \
                    data directory, and writes a new one. Restart the server to sign with it.
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
                if rotation.retiredWasCertified {
                    print("the retired key had a root certificate: certify the new one with `assent key certify`")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Every published public key: the ones receipts are checked against.")

            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                try await database.withExistingStore(data) { store, publicKey in
                    let own = publicKey.map { TreeHeadSigner.keyID(raw: $0) }
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

        struct Root: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The publisher root key that certifies the signing keys of several servers.",
                subcommands: [Create.self])

            struct Create: AsyncParsableCommand {
                static let configuration = CommandConfiguration(
                    abstract: "Make a publisher root key: its private key (0600) and its public JWKS beside it.",
                    discussion: """
                        Keep the private key off the servers: it only certifies signing keys (`assent key certify \
                        --root`). Give the public file to verifiers (`assent ledger verify --root-key`, `assent \
                        serve --root-key`, `assent ledger witness --root-key`).
                        """)

                @Option(help: "Where to write the private key; its public JWKS goes beside it (.jwks.json).")
                var out: String

                func run() async throws {
                    let (keyID, publicPath) = try RootKey.create(at: out)
                    print("root key \(keyID): private key \(out) (keep it off the servers), public key \(publicPath)")
                }
            }
        }

        struct Certify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Certify this data directory's signing key with a publisher root key.",
                discussion: """
                    Writes the certificate beside the key in the data directory's public-keys.json; the server \
                    publishes it with its key from its next start, and verifiers that pin the root trust the key. \
                    A data directory without a key yet gets one, so a server can be provisioned before its first \
                    start.
                    """)

            @OptionGroup var data: DataOptions

            @Option(help: "The root private key file (`assent key root create`).")
            var root: String

            func run() async throws {
                let configuration = ServerConfiguration(dataDirectory: data.dataDirectory)
                let (keyID, rootKeyID) = try DataDirectory.certifyKey(
                    configuration, rootPrivateKey: try RootKey.read(root))
                print(
                    "certified signing key \(keyID) with root key \(rootKeyID): restart `assent serve` on \(data.dataDirectory) to publish the certificate"
                )
            }
        }
    }
}
