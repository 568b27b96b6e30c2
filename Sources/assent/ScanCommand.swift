import ArgumentParser
import AssentCore
import AssentScanner
import AssentServer
import AssentStore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Assent {
    /// `assent scan`: a compliance scan, run by a server (`--server`) or here against the data directory, with the
    /// report written as JSON and HTML and an exit status CI can use (docs/scanning.md).
    struct ScanCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scan",
            abstract: "Scan a site in Chromium before and after each choice, per region, and report what leaks.",
            discussion: """
                Exit status: 0 no violation, 1 violations found, 2 could not scan (no browser, no page reachable, \
                bad arguments). With --server the server runs the scan; otherwise it runs here, with the data \
                directory's store, against the Assent server the pages use (--assent-url).
                """)

        @Argument(help: "Start URLs (default: the property's scan.startURLs).") var urls: [String] = []
        @Option(help: "The property to scan for.") var property: String
        @Option(help: "Regions, comma-separated (default: one opt-in and one opt-out region of the property).")
        var regions: String?
        @Option(name: .customLong("max-pages"), help: "Pages at most (1 to 500; default 50).") var maxPages: Int?
        @Option(help: "Link depth from the start URLs (0 to 10; default 3).") var depth: Int?
        @Option(help: "Write the JSON report here.") var json: String?
        @Option(help: "Write the HTML report here.") var html: String?
        @Flag(
            help:
                "Save the proposed cookie list as a new revision of the property (with --server through its API, else in the data directory's store)."
        )
        var apply = false
        @Option(help: "Ask this Assent server to run the scan (its admin API), e.g. http://127.0.0.1:8080.")
        var server: String?
        @Option(help: "The admin token for --server (env ASSENT_ADMIN_TOKEN).") var token: String?
        @Option(
            name: .customLong("assent-url"),
            help: "Without --server: the Assent server the scanned pages load the widget from.")
        var assentURL = "http://127.0.0.1:8080"
        @Option(help: "The Chromium binary.") var chromium = ScanRequest.defaultChromium
        @OptionGroup var data: DataOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let progress = ProgressLine()
            let outcome: (status: String, error: String?, report: ScanReport?)
            do {
                outcome = server != nil ? try await runOnServer(progress) : try await runHere(progress)
            } catch {
                // Whatever stopped it, not a finding: exit 2, never the 1 that means violations.
                progress.finish()
                var stderr = StandardError()
                print("assent scan: could not scan: \(error)", to: &stderr)
                throw ExitCode(2)
            }
            progress.finish()
            var stderr = StandardError()
            if let report = outcome.report {
                if let json { try Data(report.jsonText().utf8).write(to: URL(fileURLWithPath: json)) }
                if let html { try Data(report.html().utf8).write(to: URL(fileURLWithPath: html)) }
                let visits = report.visits.count
                print(
                    "\(report.pages.count) page(s), \(visits) visit(s) (\(report.failedVisits) failed) in "
                        + "\(report.regions.joined(separator: ", ")): \(report.violations.count) violation(s), "
                        + "\(report.errors) lint error(s), \(report.warnings) warning(s)")
                for v in report.violations.prefix(20) {
                    print("  \(v.region) \(v.visit.rawValue) \(v.page): \(v.kind.rawValue) \(v.name): \(v.reason)")
                }
                if report.violations.count > 20 { print("  … and \(report.violations.count - 20) more") }
            }
            guard outcome.status == "done", let report = outcome.report else {
                print("assent scan: could not scan: \(outcome.error ?? "the scan failed")", to: &stderr)
                throw ExitCode(2)
            }
            if apply { try await applyProposal(report) }
            if !report.violations.isEmpty { throw ExitCode(1) }
        }

        var regionList: [String]? {
            regions.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        }

        // MARK: Here

        private func runHere(
            _ progress: ProgressLine
        ) async throws -> (String, String?, ScanReport?) {
            try await database.withStore(data) { store in
                guard let property = try await store.currentProperty(id: property)?.property else {
                    throw CLIError("no property \(property) in the store")
                }
                let options: ScanOptions
                do {
                    options = try ScanOptions.resolve(
                        property: property, startURLs: urls.isEmpty ? nil : urls, regions: regionList,
                        maxPages: maxPages, depth: depth)
                } catch let error as AssentError {
                    throw CLIError(error.message)
                }
                let service = ScanService(
                    store: store, assentOrigin: assentURL, chromium: chromium, logger: DatabaseOptions.logger)
                let (created, secret) = try await service.create(property: property, options: options, trigger: "cli")
                let scan = await service.execute(created, secret: secret) { counts in
                    Self.show(counts, progress)
                }
                let report = try scan.report.map { try ScanReport(json: JSONParser.parse($0)) }
                return (scan.status.rawValue, scan.error, report)
            }
        }

        static func show(_ counts: ScanProgressCounts, _ progress: ProgressLine) {
            progress.update(
                done: counts.visitsDone, total: max(counts.visitsPlanned, counts.visitsDone), unit: "visits",
                note: "\(counts.pagesDone) of \(counts.pagesKnown) pages, \(counts.violations) violation(s)")
        }

        // MARK: On a server

        private func runOnServer(
            _ progress: ProgressLine
        ) async throws -> (String, String?, ScanReport?) {
            guard let server, let token = token ?? env("ASSENT_ADMIN_TOKEN") else {
                throw CLIError("--server needs --token (or ASSENT_ADMIN_TOKEN), an admin token")
            }
            let base = server.hasSuffix("/") ? String(server.dropLast()) : server
            let scans = "\(base)/v1/admin/properties/\(property)/scans"
            var body: [(String, JSONValue)] = []
            if !urls.isEmpty { body.append(("startURLs", .array(urls.map(JSONValue.string)))) }
            if let regionList { body.append(("regions", .array(regionList.map(JSONValue.string)))) }
            if let maxPages { body.append(("maxPages", .int(maxPages))) }
            if let depth { body.append(("depth", .int(depth))) }
            let created = try await call("POST", scans, token: token, body: .object(body))
            guard let id = created["id"]?.stringValue else { throw CLIError("the server did not name the scan") }
            while true {
                let scan = try await call("GET", "\(scans)/\(id)", token: token)
                let status = scan["status"]?.stringValue ?? ""
                if let p = scan["progress"] {
                    Self.show(
                        ScanProgressCounts(
                            pagesDone: p["pagesDone"]?.intValue ?? 0, pagesKnown: p["pagesKnown"]?.intValue ?? 0,
                            visitsDone: p["visitsDone"]?.intValue ?? 0,
                            visitsPlanned: p["visitsPlanned"]?.intValue ?? 0,
                            violations: p["violations"]?.intValue ?? 0), progress)
                }
                if status == "done" || status == "failed" {
                    let report = try scan["report"].flatMap { $0 == .null ? nil : try ScanReport(json: $0) }
                    return (status, scan["error"]?.stringValue, report)
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }

        /// One admin API call; an error answer becomes a CLIError with the server's message.
        private func call(_ method: String, _ url: String, token: String, body: JSONValue? = nil) async throws
            -> JSONValue
        {
            try await exchange(method, url, token: token, body: body.map { CanonicalJSON.bytes($0) }).json
        }

        /// One admin API call with raw bytes and extra headers; answers the JSON and the ETag.
        private func exchange(
            _ method: String, _ url: String, token: String, body: [UInt8]? = nil, ifMatch: String? = nil
        ) async throws -> (json: JSONValue, etag: String?) {
            var headers = ["Authorization": "Bearer \(token)"]
            if let ifMatch { headers["If-Match"] = ifMatch }
            let answer: HTTPCall.Answer
            do {
                answer = try await HTTPCall.send(method, url, headers: headers, body: body)
            } catch {
                throw CLIError(error.message)
            }
            let json = (try? JSONParser.parse(answer.body)) ?? .null
            guard (200..<300).contains(answer.status) else {
                let message = json["error"]?["message"]?.stringValue ?? answer.text(200)
                throw CLIError("\(method) \(url): \(answer.status): \(message)")
            }
            return (json, answer.header("ETag"))
        }

        // MARK: Applying

        private func applyProposal(_ report: ScanReport) async throws {
            if let server { return try await applyOnServer(report, server: server) }
            try await database.withStore(data) { store in
                guard let current = try await store.currentProperty(id: property)?.property else {
                    throw CLIError("--apply: no property \(property) in the data directory's store")
                }
                let next = report.proposal.applied(to: current)
                let (revision, changed) = try await store.saveProperty(
                    next, at: Int64(Date().timeIntervalSince1970 * 1000))
                print(
                    changed
                        ? "applied the proposed cookie list: property \(property) revision \(revision.revision), policy version \(revision.property.policyVersion)"
                        : "the proposed cookie list is the property's already: nothing changed")
            }
        }

        /// Through the server's property API: read the document with its ETag, save it with `If-Match`, so an
        /// edit made meanwhile in the console is refused (412) rather than overwritten.
        private func applyOnServer(_ report: ScanReport, server: String) async throws {
            guard let token = token ?? env("ASSENT_ADMIN_TOKEN") else {
                throw CLIError("--apply with --server needs --token (or ASSENT_ADMIN_TOKEN)")
            }
            let base = server.hasSuffix("/") ? String(server.dropLast()) : server
            let url = "\(base)/v1/admin/properties/\(property)"
            let (document, etag) = try await exchange("GET", url, token: token)
            guard let etag else { throw CLIError("--apply: the server gave no ETag for property \(property)") }
            let current: Property
            do {
                current = try Property.decode(document)
            } catch {
                throw CLIError("--apply: the server's document of property \(property) does not read: \(error)")
            }
            let next = report.proposal.applied(to: current)
            if next == current {
                print("the proposed cookie list is the property's already: nothing changed")
                return
            }
            let (saved, _) = try await exchange(
                "PUT", url, token: token, body: Array(next.documentJSON().utf8), ifMatch: etag)
            print(
                "applied the proposed cookie list on \(base): property \(property), policy version "
                    + "\(saved["policyVersion"]?.intValue.map(String.init) ?? "?")")
        }
    }
}
