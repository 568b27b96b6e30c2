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
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                try await database.withExistingStore(data) { store, publicKey in
                    try await verify(store: store, publicKey: publicKey)
                }
            }

            private func verify(store: any AssentStorage, publicKey: [UInt8]?) async throws {
                // Every key the servers published, and the data directory's own (a ledger written before keys
                // were published has it alone).
                var keys: [String: [UInt8]] = [:]
                for key in try await store.publishedKeys() { keys[key.keyID] = key.publicKey }
                if let publicKey { keys[TreeHeadSignerID.keyID(publicKey)] = publicKey }
                guard !keys.isEmpty else { throw CLIError("no signing key in \(data.dataDirectory) or the database") }
                let line = ProgressLine()
                var progress: (@Sendable (LedgerVerifier.Progress) -> Void)?
                if line.enabled {
                    progress = { line.update(done: $0.records, total: $0.total, unit: "records") }
                }
                let report = try await LedgerVerifier.verify(store: store, publicKeys: keys, progress: progress)
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
            }
        }
    }
}
