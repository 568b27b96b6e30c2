import ArgumentParser
import AssentCore
import AssentServer
import Foundation

@main
struct Assent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assent",
        abstract: "A self-hosted consent and privacy-rights platform.",
        subcommands: [
            Serve.self, Ledger.self, PropertyCommand.self, Signals.self, GVL.self, Mail.self, Admin.self, Key.self,
            AnalyticsCommand.self, ScanCommand.self,
        ]
    )
}

/// Options shared by every command that opens the data directory.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (env ASSENT_DATA_DIR).")
    var dataDirectory: String = env("ASSENT_DATA_DIR") ?? "./assent-data"
}

func env(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
    return value
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
