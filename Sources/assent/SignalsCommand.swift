import ArgumentParser
import AssentCore
import Foundation

extension Assent {
    struct Signals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Work with IAB signal strings (TC, GPP, US Privacy).", subcommands: [Decode.self, Encode.self])

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

        struct Encode: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the TC, GPP or US Privacy string a JSON description stands for.",
                discussion: """
                    The JSON has the shape `signals decode` prints ("type": "tcf", "gpp" or "usp", then the \
                    fields), so `assent signals decode S | assent signals encode` prints S again for strings \
                    written the way Assent writes them. Exits 1 naming the JSON path of every problem.
                    """)

            @Argument(help: "A JSON file; '-' or nothing reads standard input.") var file: String?

            func run() async throws {
                var stderr = StandardError()
                let source = file ?? "-"
                let bytes: Data
                if source == "-" {
                    bytes = FileHandle.standardInput.readDataToEndOfFile()
                } else if let contents = FileManager.default.contents(atPath: source) {
                    bytes = contents
                } else {
                    print("cannot read \(source)", to: &stderr)
                    throw ExitCode(1)
                }
                let signal: SignalString
                do {
                    signal = try SignalString(json: bytes)
                } catch {
                    let name = source == "-" ? "standard input" : source
                    print("\(name): \(error.problems.count) problem(s):", to: &stderr)
                    for problem in error.problems { print("  \(problem)", to: &stderr) }
                    throw ExitCode(1)
                }
                do {
                    print(try signal.encode())
                } catch {
                    print("cannot encode the \(signal.kind.name): \(error)", to: &stderr)
                    throw ExitCode(1)
                }
            }
        }
    }
}
