import ArgumentParser
import AssentSQLite
import AssentServer
import AssentStore
import Foundation

extension Assent {
    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect the ledger of decisions.", subcommands: [Verify.self])

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recompute every tree head from the stored records and check every signature.",
                discussion: "Exits 0 when the ledger verifies, 1 naming the first record that does not match.")

            @OptionGroup var data: DataOptions

            func run() async throws {
                let (store, publicKey) = try DataDirectory.openExisting(
                    ServerConfiguration(dataDirectory: data.dataDirectory))
                guard let publicKey else { throw CLIError("no signing key in \(data.dataDirectory)") }
                let keyID = TreeHeadSignerID.keyID(publicKey)
                let report = try await LedgerVerifier.verify(store: store, publicKeys: [keyID: publicKey])
                if let problem = report.problem {
                    print("FAILED: \(problem)")
                    print("checked \(report.records) records and \(report.treeHeads) tree heads before the failure")
                    throw ExitCode(1)
                }
                print(
                    "ok: \(report.records) records, \(report.treeHeads) signed tree heads, \(report.logs) log(s) verified"
                )
            }
        }
    }
}
