import ArgumentParser
import AssentCore
import AssentSQLite
import AssentServer
import AssentStore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Paths given as repeated options, or else as one environment variable with paths separated by ':'.
func pathList(_ given: [String], _ environment: String?) -> [String] {
    if !given.isEmpty { return given }
    return environment?.split(separator: ":").map(String.init) ?? []
}

/// The keys a verifier trusts beyond the data directory's own key files (docs/ledger-trust.md).
struct TrustOptions: ParsableArguments {
    @Option(
        name: .customLong("trusted-keys"),
        help: "A JWKS file whose keys are trusted (a jwks.json saved earlier, a server's public-keys.json); repeatable."
    )
    var trustedKeys: [String] = []

    @Option(
        name: .customLong("root-key"),
        help: "The public JWKS of a publisher root key: keys it certified are trusted; repeatable.")
    var rootKeys: [String] = []

    func apply(to configuration: inout ServerConfiguration) {
        configuration.trustedKeyFiles = trustedKeys
        configuration.rootKeyFiles = rootKeys
    }
}

/// A signed tree head saved earlier: the head itself (`GET /v1/ledger/heads/latest`) or a receipt carrying one.
func readSignedTreeHead(_ path: String) throws -> SignedTreeHead {
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
    guard let json = try? JSONParser.parse(Array(data)) else { throw CLIError("\(path) is not JSON") }
    guard let head = SignedTreeHead(json: json["treeHead"] ?? json) else {
        throw CLIError("\(path) holds no signed tree head (log, size, root, timestamp, keyId, signature)")
    }
    return head
}

extension Assent {
    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect the ledger of decisions.", subcommands: [Verify.self, Witness.self])

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recompute every tree head from the stored records and check every signature.",
                discussion: """
                    Signatures are checked with the keys trusted out of band only: the data directory's own key \
                    files (signing-key.ed25519, public-keys.json, retired-keys/), --trusted-keys, and keys in the \
                    database certified by a --root-key. A tree head signed by a key only the database holds fails. \
                    With --head, the ledger must also still hold each saved tree head (not shorter, the same root \
                    at that size). Exits 0 when the ledger verifies, 1 naming the first problem.
                    """)

            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var trust: TrustOptions

            @Option(
                name: .customLong("head"),
                help: "A signed tree head saved earlier (from /v1/ledger/heads/latest, or a receipt); repeatable.")
            var heads: [String] = []

            func run() async throws {
                var configuration = database.configuration(data)
                trust.apply(to: &configuration)
                let keyTrust = try DataDirectory.keyTrust(configuration)
                let checkpoints = try heads.map(readSignedTreeHead)
                try await database.withExistingStore(data) { store, _ in
                    // Checked once the store is open, so a missing database is named first.
                    guard !keyTrust.isEmpty else {
                        throw CLIError(
                            "no trusted key: \(data.dataDirectory) holds no key files; give --trusted-keys or --root-key"
                        )
                    }
                    try await verify(store: store, trust: keyTrust, checkpoints: checkpoints)
                }
            }

            private func verify(store: any AssentStorage, trust: KeyTrust, checkpoints: [SignedTreeHead]) async throws {
                let (keys, untrusted) = trust.evaluate(try await store.publishedKeys().map(\.entry))
                let line = ProgressLine()
                var progress: (@Sendable (LedgerVerifier.Progress) -> Void)?
                if line.enabled {
                    progress = { line.update(done: $0.records, total: $0.total, unit: "records") }
                }
                let report = try await LedgerVerifier.verify(
                    store: store, publicKeys: keys, untrusted: untrusted, checkpoints: checkpoints, progress: progress)
                line.finish()
                let seconds = max(line.elapsed / .seconds(1), 0.001)
                let rate = ProgressLine.count(Int(Double(report.records) / seconds))
                if let problem = report.problem {
                    print("FAILED: \(problem)")
                    print("checked \(report.records) records and \(report.treeHeads) tree heads before the failure")
                    throw ExitCode(1)
                }
                print(
                    "ok: \(report.records) records, \(report.treeHeads) signed tree heads, \(report.logs) log(s) verified"
                        + " in \(String(format: "%.1f", seconds)) s (\(rate) records/s)"
                )
                let certified = keys.count - trust.pinned.count
                print(
                    "trusted keys: \(trust.pinned.count) pinned"
                        + (certified > 0 ? ", \(certified) certified by a pinned root" : "")
                        + (untrusted.isEmpty
                            ? ""
                            : "; not trusted (known only to the database): "
                                + untrusted.keys.sorted().joined(separator: ", ")))
                if !checkpoints.isEmpty {
                    print("consistent with \(checkpoints.count) saved tree head(s)")
                }
            }
        }
    }
}
