import ArgumentParser
import AssentCore
import AssentSQLite
import AssentServer
import AssentStore
import Foundation

extension Assent {
    struct GVL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gvl", abstract: "Manage imported IAB Global Vendor Lists (TCF).",
            subcommands: [Import.self, List.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Validate a Global Vendor List (v3) file and store it under its version.",
                discussion: """
                    Assent never fetches the list at run time: download vendor-list.json from the IAB and import \
                    it here. Importing the same version again with the same content changes nothing; a \
                    different file under a stored version is refused.
                    """)

            @Argument(help: "The vendor list JSON file (vendor-list.json, format version 3).") var file: String
            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    throw CLIError("cannot read \(file)")
                }
                let json: JSONValue
                let list: VendorList
                do {
                    json = try JSONParser.parse(Array(bytes))
                    list = try VendorList.decode(json)
                } catch let error as VendorListError {
                    var stderr = StandardError()
                    print("\(file): \(error.problems.count) problem(s):", to: &stderr)
                    for problem in error.problems { print("  \(problem)", to: &stderr) }
                    throw ExitCode(2)
                } catch {
                    var stderr = StandardError()
                    print("\(file): not valid JSON: \(error)", to: &stderr)
                    throw ExitCode(2)
                }
                try await database.withStore(data) { store in
                    let stored = StoredVendorList(
                        list: list, json: json, importedAt: Int64(Date().timeIntervalSince1970 * 1000))
                    let summary = stored.summary
                    let changed: Bool
                    do {
                        changed = try await store.saveVendorList(stored)
                    } catch StoreError.vendorListConflict(let version) {
                        throw CLIError(
                            "vendor list \(version) is already imported with different content; a published version never changes, so check the file"
                        )
                    }
                    let what =
                        "vendor list \(summary.version) (TCF policy \(summary.tcfPolicyVersion), \(summary.vendorCount) vendors, updated \(summary.lastUpdated))"
                    print(changed ? "imported \(what)" : "\(what) was already imported with the same content")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the imported vendor lists.")

            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                try await database.withStore(data, existing: true) { store in
                    let lists = try await store.vendorLists()
                    if lists.isEmpty { print("no vendor list imported") }
                    for list in lists {
                        print(
                            "\(list.version)\tpolicy \(list.tcfPolicyVersion)\t\(list.vendorCount) vendors\tupdated \(list.lastUpdated)\timported \(Timestamp.iso8601(milliseconds: list.importedAt))\tsha256 \(list.sha256.prefix(16))"
                        )
                    }
                }
            }
        }
    }
}
