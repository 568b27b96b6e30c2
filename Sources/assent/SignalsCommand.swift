import ArgumentParser
import AssentCore

extension Assent {
    struct Signals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Work with IAB signal strings (TC, GPP, US Privacy).", subcommands: [Decode.self])

        struct Decode: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the fields of a TC, GPP or US Privacy string as JSON.",
                discussion: """
                    The kind is detected: GPP strings start with D, US Privacy strings with 1, anything else is \
                    read as a TC string. Exits 1 naming the field and bit offset when the string is malformed.
                    """)

            @Argument(help: "The signal string.") var string: String

            func run() async throws {
                let kind = SignalDetector.kind(of: string)
                do {
                    print(
                        JSONPretty.format(CanonicalJSON.orderedBytes(try SignalDetector.decode(string))), terminator: ""
                    )
                } catch {
                    var stderr = StandardError()
                    print("not a valid \(kind.name): \(error)", to: &stderr)
                    throw ExitCode(1)
                }
            }
        }
    }
}
