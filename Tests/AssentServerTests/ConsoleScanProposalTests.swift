import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AssentServer

/// Taking a finished scan's proposed entries into the property's cookie list from the scan's page: who may, what
/// the form ticks by default, what a save does to the list, and a form read at an older revision refused.
@Suite("Console scan proposal")
struct ConsoleScanProposalTests {
    @Test func anEditorTakesTickedEntriesAsANewRevisionAndAStaleFormOrAViewerIsRefused() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            try await store.createScan(ConsoleScanTests.doneScan(), keep: 10)
            let before = try #require(try await store.currentProperty(id: "demo"))
            func cookies(_ property: Property, _ category: String) -> [String] {
                property.category(category)?.cookies.map(\.name) ?? []
            }
            #expect(!cookies(before.property, "performance").contains("_ga"))
            #expect(cookies(before.property, "functional").contains("demo_lang"))

            // The editor's page: the form, the new entry ticked, moving and removing offered but not ticked.
            var editor = try await ConsoleScanTests.signedIn(client, configuration, "editor@example.com", .editor)
            let page = try await editor.get(client, "/admin/scans/done-scan")
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.text.contains("action=\"/admin/scans/done-scan/take\""))
            #expect(page.text.contains("name=\"revision\" value=\"\(before.revision)\""))
            #expect(page.text.contains("name=\"add.0\" value=\"1\" checked"))
            #expect(page.text.contains("name=\"move.0\" value=\"1\" aria-label"))
            #expect(page.text.contains("name=\"remove.0\" value=\"1\" aria-label"))
            // In Spanish too (kept in a cookie: back to English after).
            #expect(
                try await editor.get(client, "/admin/scans/done-scan?lang=es").text.contains(
                    "Llevar las entradas marcadas a la propiedad"))
            _ = try await editor.get(client, "/admin/scans/done-scan?lang=en")

            // A viewer sees no form and may not post one.
            var viewer = try await ConsoleScanTests.signedIn(client, configuration, "viewer@example.com", .viewer)
            #expect(!(try await viewer.get(client, "/admin/scans/done-scan")).text.contains("/take\""))
            let refused = try await viewer.post(
                client, "/admin/scans/done-scan/take", [("revision", "\(before.revision)"), ("add.0", "1")])
            #expect(refused.status == .forbidden)
            // Without the CSRF token: refused.
            let forged = try await editor.post(
                client, "/admin/scans/done-scan/take", [("revision", "\(before.revision)"), ("add.0", "1")],
                csrf: false)
            #expect(forged.status == .forbidden)
            #expect(try await store.currentRevision(id: "demo") == before.revision)

            // The new entry and the other category taken; the entry no longer seen stays, as it is not ticked.
            let taken = try await editor.post(
                client, "/admin/scans/done-scan/take",
                [("revision", "\(before.revision)"), ("add.0", "1"), ("move.0", "1")])
            #expect(taken.status == .seeOther, "\(taken.text)")
            #expect(
                taken.headers[.location]
                    == "/admin/properties/demo?saved=\(before.revision + 1)&from=\(before.revision)")
            let after = try #require(try await store.currentProperty(id: "demo"))
            #expect(after.revision == before.revision + 1)
            let ga = try #require(after.property.category("performance")?.cookies.first { $0.name == "_ga" })
            #expect(ga.duration == "13 months" && ga.party == .first && ga.host == nil)
            #expect(ga.description == ["en": "Google Analytics", "es": "Google Analytics"])
            #expect(cookies(after.property, "performance").contains("demo_lang"))
            #expect(!cookies(after.property, "functional").contains("demo_lang"))
            #expect(cookies(after.property, "targeting").contains("demo_ads"))
            let audit = try await store.auditEvents(AuditFilter(action: "property.update"))
            #expect(audit.count == 1 && audit.first?.actorLabel == "editor@example.com")
            // The property page shows what changed.
            let shown = try await editor.get(client, try #require(taken.headers[.location]))
            #expect(shown.status == .ok)
            #expect(shown.text.contains("_ga"), "\(shown.text)")

            // The same form again, read at the revision before: refused with the message, nothing saved.
            let stale = try await editor.post(
                client, "/admin/scans/done-scan/take", [("revision", "\(before.revision)"), ("remove.0", "1")])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("revision \(after.revision)"), "\(stale.text)")
            // On the scan's page, above its form, which now carries the current revision to take again from.
            #expect(ConsoleRouteTests.errorText(stale)?.contains("revision \(after.revision)") == true)
            #expect(stale.text.contains("action=\"/admin/scans/done-scan/take\""))
            #expect(stale.text.contains("name=\"revision\" value=\"\(after.revision)\""))
            #expect(try await store.currentRevision(id: "demo") == after.revision)
            #expect(
                cookies(try #require(try await store.currentProperty(id: "demo")).property, "targeting").contains(
                    "demo_ads"))

            // Removing the entry no longer seen, ticked, at the current revision; the new one is listed already.
            let removed = try await editor.post(
                client, "/admin/scans/done-scan/take",
                [("revision", "\(after.revision)"), ("add.0", "1"), ("remove.0", "1")])
            #expect(removed.status == .seeOther, "\(removed.text)")
            let last = try #require(try await store.currentProperty(id: "demo"))
            #expect(last.revision == after.revision + 1)
            #expect(!cookies(last.property, "targeting").contains("demo_ads"))
            #expect(last.property.category("performance")?.cookies.filter { $0.name == "_ga" }.count == 1)

            // An unknown scan, and a form without a revision.
            #expect(
                try await editor.post(client, "/admin/scans/nope/take", [("revision", "1")]).status == .notFound)
            #expect(try await editor.post(client, "/admin/scans/done-scan/take", []).status == .badRequest)
        }
    }
}
