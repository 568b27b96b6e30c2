import ArgumentParser
import AssentCore
import AssentServer
import AssentStore
import Foundation

extension Assent {
    struct AnalyticsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "analytics", abstract: "Consent analytics: ID-free daily counts (docs/analytics.md).",
            subcommands: [Show.self, Rebuild.self])

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print a property's analytics as a table; groups of fewer than 10 decisions show as other.")

            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            @Argument(help: "The property id.")
            var property: String

            @Option(help: "First day, YYYY-MM-DD (default: 29 days before --to).")
            var from: String?

            @Option(help: "Last day, YYYY-MM-DD (default: today, UTC).")
            var to: String?

            @Option(help: "Group by day, region, regime, policyVersion or lang.")
            var by: String = "day"

            func validate() throws {
                for (name, value) in [("--from", from), ("--to", to)] {
                    if let value, CivilDate(value) == nil {
                        throw ValidationError("\(name) \"\(value)\" is not YYYY-MM-DD")
                    }
                }
                guard AnalyticsGrouping(rawValue: by) != nil else {
                    throw ValidationError(
                        "--by must be one of \(AnalyticsGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }

            func run() async throws {
                let end =
                    to.flatMap(CivilDate.init) ?? CivilDate(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
                let start = from.flatMap(CivilDate.init) ?? end.adding(days: -29)
                guard start <= end else { throw CLIError("--from is after --to") }
                let report = try await database.withStore(data) { store in
                    guard try await store.currentRevision(id: property) != nil else {
                        throw CLIError("no property \"\(property)\"")
                    }
                    return AnalyticsReport(
                        property: property, from: start, to: end, by: AnalyticsGrouping(rawValue: by)!,
                        counts: try await store.analytics(
                            property: property, fromDay: start.daysSinceEpoch, toDay: end.daysSinceEpoch))
                }
                print("\(property), \(start) to \(end), by \(by)")
                let rows = report.table
                let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
                for row in rows {
                    print(
                        row.enumerated().map { column, cell in
                            let pad = String(repeating: " ", count: widths[column] - cell.count)
                            return column == 0 ? cell + pad : pad + cell
                        }.joined(separator: "  "))
                }
            }
        }

        struct Rebuild: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recount the decision counters from the ledger's stored records and replace them.",
                discussion: """
                    Banner counts (from the widget's beacon) are kept as they are; every decision counter of the \
                    property (all properties without --property) on days from --from on (every day without it) is \
                    replaced by a count over the stored records. Safe to run while servers run: a flush of theirs \
                    during the rebuild adds to the rebuilt rows, so run it when decisions are quiet for an exact count.
                    """)

            @OptionGroup var data: DataOptions
            @OptionGroup var database: DatabaseOptions

            @Option(help: "Only this property.")
            var property: String?

            @Option(help: "Only days from this one on, YYYY-MM-DD.")
            var from: String?

            func validate() throws {
                if let from, CivilDate(from) == nil { throw ValidationError("--from \"\(from)\" is not YYYY-MM-DD") }
            }

            func run() async throws {
                let records = try await database.withStore(data) { store in
                    try await AnalyticsRebuild.run(
                        store: store, property: property, fromDay: from.flatMap(CivilDate.init)?.daysSinceEpoch)
                }
                print("rebuilt the decision counters from \(records) record(s)")
            }
        }
    }
}
