import ArgumentParser
import AssentCore
import AssentSQLite
import AssentServer
import AssentStore
import Foundation

extension Assent {
    struct PropertyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "property", abstract: "Manage properties.",
            subcommands: [Import.self, Export.self, Lint.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create or update a property from a JSON document; prints every problem found.")

            @Argument(help: "The property JSON document.") var file: String
            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    throw CLIError("cannot read \(file)")
                }
                let property: Property
                do {
                    property = try Property.decode(json: Array(bytes))
                } catch {
                    var stderr = StandardError()
                    print("\(file): \(error.problems.count) problem(s):", to: &stderr)
                    for problem in error.problems { print("  \(problem)", to: &stderr) }
                    throw ExitCode(2)
                }
                // What the regimes' rules say about the configuration: worth reading, not a reason to refuse it.
                let findings = PropertyLint.lint(property)
                if !findings.isEmpty {
                    var stderr = StandardError()
                    for finding in findings { print("\(file): lint \(finding)", to: &stderr) }
                }
                try await database.withStore(data) { store in
                    if let tcf = property.signals.tcf, tcf.enabled, let version = tcf.vendorListVersion {
                        // The vendors and purposes are checked against the list when it is here; without it TCF
                        // cannot apply, which is worth saying but not a reason to refuse the rest.
                        if let list = try await store.vendorList(version: version)?.vendorList() {
                            let problems = property.signalProblems(vendorList: list)
                            if !problems.isEmpty {
                                var stderr = StandardError()
                                print("\(file): \(problems.count) problem(s):", to: &stderr)
                                for problem in problems { print("  \(problem)", to: &stderr) }
                                throw ExitCode(2)
                            }
                        } else {
                            var stderr = StandardError()
                            print(
                                "warning: vendor list \(version) is not imported (assent gvl import); TCF applies once it is",
                                to: &stderr)
                        }
                    }
                    let (revision, changed) = try await store.saveProperty(
                        property, at: Int64(Date().timeIntervalSince1970 * 1000))
                    if changed {
                        print(
                            "imported \(property.id): revision \(revision.revision), policy version \(revision.property.policyVersion)"
                        )
                    } else {
                        print(
                            "\(property.id) unchanged: revision \(revision.revision), policy version \(revision.property.policyVersion)"
                        )
                    }
                }
            }
        }

        struct Lint: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Check a property's configuration against the rules of the regimes it uses; exit 1 on an error.")

            @Argument(help: "The property id.") var id: String
            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let findings = try await database.withStore(data, existing: true) { store in
                    guard let revision = try await store.currentProperty(id: id) else {
                        throw CLIError("no property \"\(id)\"")
                    }
                    return PropertyLint.lint(revision.property)
                }
                for finding in findings { print(finding) }
                let errors = findings.filter { $0.severity == .error }.count
                print("\(id): \(errors) error(s), \(findings.count - errors) warning(s)")
                if errors > 0 { throw ExitCode(1) }
            }
        }

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print a property's current JSON document.")

            @Argument(help: "The property id.") var id: String
            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                try await database.withStore(data, existing: true) { store in
                    guard let revision = try await store.currentProperty(id: id) else {
                        throw CLIError("no property \"\(id)\"")
                    }
                    print(revision.property.documentJSON(), terminator: "")
                }
            }
        }
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
