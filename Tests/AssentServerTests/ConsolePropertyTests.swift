import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// The console's property pages: who may read and change them, a part's form saved through the admin API's path,
/// the stale save refused, the refused save shown again with its problems, the history, and the preview that
/// records nothing.
@Suite("Console property pages")
struct ConsolePropertyTests {
    static let password = ConsoleRouteTests.password

    /// The fields a browser would post from the page's one editing form: inputs with their values, ticked
    /// checkboxes, text areas, and the chosen option of each select.
    static func formFields(_ html: String) -> [(String, String)] {
        guard let start = html.range(of: "<form method=\"post\" action=\"/admin/properties/"),
            let end = html.range(of: "</form>", range: start.upperBound..<html.endIndex)
        else { return [] }
        let form = String(html[start.lowerBound..<end.upperBound])
        var fields: [(String, String)] = []
        func attribute(_ tag: Substring, _ name: String) -> String? {
            guard let r = tag.range(of: " \(name)=\"") else { return nil }
            let rest = tag[r.upperBound...]
            return rest.firstIndex(of: "\"").map { unescape(String(rest[..<$0])) }
        }
        var rest = form[...]
        while let open = rest.firstIndex(of: "<") {
            rest = rest[open...]
            guard let close = rest.firstIndex(of: ">") else { break }
            let tag = rest[...close]
            rest = rest[rest.index(after: close)...]
            // The CSRF token is the browser's to add (ConsoleBrowser.post).
            if tag.hasPrefix("<input"), let name = attribute(tag, "name"), name != "csrf", !tag.contains(" disabled") {
                if attribute(tag, "type") == "checkbox" && !tag.contains(" checked") { continue }
                fields.append((name, attribute(tag, "value") ?? ""))
            } else if tag.hasPrefix("<textarea"), let name = attribute(tag, "name"), !tag.contains(" disabled") {
                let text = rest.range(of: "</textarea>").map { String(rest[..<$0.lowerBound]) } ?? ""
                fields.append((name, unescape(text)))
            } else if tag.hasPrefix("<select"), let name = attribute(tag, "name"), !tag.contains(" disabled") {
                let body = rest.range(of: "</select>").map { rest[..<$0.lowerBound] } ?? ""
                let selected =
                    body.range(of: " selected>").map { r in body[..<r.lowerBound] }.flatMap { before in
                        before.range(of: "value=\"", options: .backwards).map { v in
                            String(before[v.upperBound...].prefix { $0 != "\"" })
                        }
                    }
                fields.append((name, unescape(selected ?? "")))
            }
        }
        return fields
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func replacing(_ fields: [(String, String)], _ name: String, with value: String) -> [(String, String)] {
        fields.map { $0.0 == name ? ($0.0, value) : $0 }
    }

    static func signedIn(
        _ client: some TestClientProtocol, _ configuration: ServerConfiguration, _ email: String, _ role: AccountRole,
        properties: [String]? = nil
    ) async throws -> ConsoleBrowser {
        try await ConsoleRouteTests.account(configuration, email, role, properties: properties)
        var browser = ConsoleBrowser()
        #expect(try await browser.signIn(client, email, password).status == .seeOther)
        return browser
    }

    @Test func eachRoleReadsAndChangesPropertiesAsItsRoleAllows() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            for (email, role, limited, mayEdit) in [
                ("owner@example.org", AccountRole.owner, false, true), ("ed@example.org", .editor, false, true),
                ("pia@example.org", .privacy, false, false), ("vic@example.org", .viewer, false, false),
                ("other@example.org", .editor, true, false),
            ] {
                var browser = try await Self.signedIn(
                    client, configuration, email, role, properties: limited ? ["elsewhere"] : nil)
                let list = try await browser.get(client, "/admin/properties")
                #expect(list.status == .ok)
                #expect(list.text.contains("href=\"/admin/properties/demo\"") == !limited, "\(email)")
                let page = try await browser.get(client, "/admin/properties/demo")
                #expect(page.status == (limited ? .forbidden : .ok), "\(email)")
                let form = try await browser.get(client, "/admin/properties/demo/edit/general")
                #expect(form.status == (limited ? .forbidden : .ok), "\(email)")
                if !limited {
                    #expect(form.text.contains("name=\"s:$.name\""))
                    #expect(form.text.contains(">\(mayEdit ? "Save" : "Preview the saved property")<"), "\(email)")
                }
                let before = try await store.currentRevision(id: "demo")
                let fields: [(String, String)] = [
                    ("revision", String(before ?? 0)), ("s:$.name", "Renamed by \(email)"),
                ]
                let save = try await browser.post(client, "/admin/properties/demo/edit/general", fields)
                #expect(save.status == (mayEdit ? .seeOther : .forbidden), "\(email)")
                let after = try await store.currentProperty(id: "demo")
                #expect((after?.property.name == "Renamed by \(email)") == mayEdit, "\(email)")
                #expect(
                    try await browser.get(client, "/admin/properties/demo/history").status
                        == (limited ? .forbidden : .ok))
            }
        }
    }

    @Test func aCategoryTitleInSpanishIsSavedWithWhatChangedAndTheRaisedPolicyVersion() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            var browser = try await Self.signedIn(client, configuration, "ed@example.org", .editor)
            let before = try #require(try await store.currentProperty(id: "demo"))
            let index = try #require(before.property.categories.firstIndex { $0.key == "performance" })
            let form = try await browser.get(client, "/admin/properties/demo/edit/categories")
            #expect(form.status == .ok)
            let field = "s:$.categories[\(index)].title.es"
            var fields = Self.formFields(form.text)
            #expect(fields.contains { $0.0 == field })
            #expect(fields.contains { $0.0 == "revision" && $0.1 == String(before.revision) })
            // Posted back untouched, the form changes nothing.
            let same = try await browser.post(client, "/admin/properties/demo/edit/categories", fields)
            #expect(same.headers[.location] == "/admin/properties/demo?unchanged=1")
            fields = Self.replacing(fields, field, with: "Medición <de audiencia>")
            let saved = try await browser.post(client, "/admin/properties/demo/edit/categories", fields)
            #expect(saved.status == .seeOther)
            let location = try #require(saved.headers[.location])
            #expect(location == "/admin/properties/demo?saved=\(before.revision + 1)&from=\(before.revision)")
            let current = try #require(try await store.currentProperty(id: "demo"))
            #expect(current.property.categories[index].title["es"] == "Medición <de audiencia>")
            #expect(current.property.categories[index].cookies == before.property.categories[index].cookies)
            #expect(current.property.policyVersion == before.property.policyVersion + 1)
            let page = try await browser.get(client, location)
            #expect(page.text.contains("<code>$.categories[\(index)].title.es</code>"))
            #expect(page.text.contains("Medición &lt;de audiencia&gt;"), "inserted as text, never as HTML")
            #expect(page.text.contains("visitors are asked again"))
            let events = try await store.auditEvents(AuditFilter(action: "property.update", property: "demo"))
            #expect(events.first?.actorLabel == "ed@example.org")
            // The history names who saved it and shows the difference.
            let history = try await browser.get(
                client, "/admin/properties/demo/history?from=\(before.revision)&to=\(current.revision)")
            #expect(history.text.contains("ed@example.org"))
            #expect(history.text.contains("$.categories[\(index)].title.es"))
            // And so does the admin API, for a console session.
            let revisions = try await browser.get(client, "/v1/admin/properties/demo/revisions")
            #expect(revisions.status == .ok)
            let list = try JSONParser.parse(Array(revisions.text.utf8))
            let first = try #require(list[[PathStep.member("revisions"), .index(0)]])
            #expect(first[[PathStep.member("revision")]]?.intValue == current.revision)
            #expect(first[[PathStep.member("savedBy")]]?.stringValue == "ed@example.org")
            let old = try await browser.get(client, "/v1/admin/properties/demo/revisions/\(before.revision)")
            #expect(old.status == .ok)
            #expect(try Property.decode(json: Array(old.text.utf8)) == before.property)
            #expect(try await browser.get(client, "/v1/admin/properties/demo/revisions/99").status == .notFound)
        }
    }

    @Test func everyPartPostedBackAsReadSavesNothingAndAnAddedLanguageStartsIncomplete() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            var browser = try await Self.signedIn(client, configuration, "ed@example.org", .editor)
            for section in PropertySection.allCases {
                let form = try await browser.get(client, "/admin/properties/demo/edit/\(section.rawValue)")
                #expect(form.status == .ok, "\(section)")
                let saved = try await browser.post(
                    client, "/admin/properties/demo/edit/\(section.rawValue)", Self.formFields(form.text))
                #expect(saved.headers[.location] == "/admin/properties/demo?unchanged=1", "\(section)")
            }
            #expect(try await store.currentRevision(id: "demo") == 1)
            var fields = Self.formFields(try await browser.get(client, "/admin/properties/demo/edit/languages").text)
            fields = Self.replacing(fields, "l:$.languages", with: "en\r\nes\r\nfr")
            #expect(try await browser.post(client, "/admin/properties/demo/edit/languages", fields).status == .seeOther)
            let property = try #require(try await store.currentProperty(id: "demo")).property
            #expect(property.languages == ["en", "es", "fr"])
            #expect(property.texts["fr"] == property.texts["en"])
            let french = try #require(TextCompleteness.of(property).first { $0.language == "fr" })
            #expect(french.written == 0 && french.total > 0)
            let list = try await browser.get(client, "/admin/properties")
            #expect(list.text.contains("French: incomplete: 0 of \(french.total) texts written"))
        }
    }

    @Test func aSecondEditorsStaleSaveIsRefusedAndOverwritesNothing() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            var first = try await Self.signedIn(client, configuration, "ed@example.org", .editor)
            var second = try await Self.signedIn(client, configuration, "eva@example.org", .editor)
            let firstFields = Self.formFields(try await first.get(client, "/admin/properties/demo/edit/general").text)
            let secondFields = Self.formFields(try await second.get(client, "/admin/properties/demo/edit/general").text)
            let saved = try await first.post(
                client, "/admin/properties/demo/edit/general", Self.replacing(firstFields, "s:$.name", with: "First"))
            #expect(saved.status == .seeOther)
            let stale = try await second.post(
                client, "/admin/properties/demo/edit/general",
                Self.replacing(secondFields, "s:$.name", with: "Second"))
            #expect(stale.status == .conflict)
            #expect(ConsoleRouteTests.errorText(stale)?.contains("ed@example.org") == true)
            #expect(stale.text.contains("value=\"Second\""), "the refused values are kept")
            #expect(try await store.currentProperty(id: "demo")?.property.name == "First")
        }
    }

    @Test func aRefusedSaveShowsTheProblemsBesideTheirFieldsAndKeepsTheValues() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            var browser = try await Self.signedIn(client, configuration, "ed@example.org", .editor)
            let revision = try await store.currentRevision(id: "demo")
            let fields = Self.formFields(try await browser.get(client, "/admin/properties/demo/edit/general").text)
            let posted = Self.replacing(
                Self.replacing(fields, "l:$.origins", with: "https://ok.example\nnot an origin"),
                "n:$.expiry.consentDays", with: "a year")
            let refused = try await browser.post(client, "/admin/properties/demo/edit/general", posted)
            #expect(refused.status == .unprocessableContent)
            #expect(ConsoleRouteTests.errorText(refused)?.contains("2 problem") == true)
            #expect(refused.text.contains("not an origin</textarea>"))
            #expect(refused.text.contains("value=\"a year\""))
            // Each problem is written beside its field and linked to it.
            for (name, message) in [("l:$.origins", "is not an origin"), ("n:$.expiry.consentDays", "integer")] {
                let field = try #require(refused.text.range(of: "name=\"\(name)\""))
                let tail = refused.text[field.upperBound...]
                let problem = try #require(tail.range(of: "class=\"field-problem\""))
                #expect(tail[problem.upperBound...].prefix(300).contains(message), "\(name)")
                #expect(!tail[..<problem.lowerBound].contains("name=\""), "the problem follows its own field")
                #expect(
                    refused.text[..<field.lowerBound].suffix(200).contains("aria-invalid=\"true\"")
                        || tail.prefix(200).contains("aria-invalid=\"true\""))
            }
            #expect(try await store.currentRevision(id: "demo") == revision)
        }
    }

    @Test func listsGainAndLoseItemsThroughTheirBlankItemAndRemoveBoxes() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            var browser = try await Self.signedIn(client, configuration, "ed@example.org", .editor)
            let before = try #require(try await store.currentProperty(id: "demo")).property
            let index = try #require(before.categories.firstIndex { !$0.cookies.isEmpty })
            let count = before.categories[index].cookies.count
            var fields = Self.formFields(try await browser.get(client, "/admin/properties/demo/edit/cookies").text)
            let blank = "$.categories[\(index)].cookies[\(count)]"
            fields = Self.replacing(fields, "s:\(blank).name", with: "_new")
            fields = Self.replacing(fields, "s:\(blank).duration", with: "1 day")
            for lang in before.languages {
                fields = Self.replacing(fields, "s:\(blank).description.\(lang)", with: "New \(lang)")
            }
            fields.append(("x:$.categories[\(index)].cookies[0]", "on"))
            let saved = try await browser.post(client, "/admin/properties/demo/edit/cookies", fields)
            #expect(saved.status == .seeOther)
            let after = try #require(try await store.currentProperty(id: "demo")).property
            let cookies = after.categories[index].cookies
            #expect(cookies.count == count)
            #expect(cookies.last?.name == "_new" && cookies.last?.duration == "1 day")
            #expect(!cookies.contains { $0.name == before.categories[index].cookies[0].name })
            // Every other category's list is as it was.
            for (i, category) in after.categories.enumerated() where i != index {
                #expect(category.cookies == before.categories[i].cookies)
            }
        }
    }

    @Test func aPreviewShowsTheUnsavedDraftAndRecordsNothing() async throws {
        let configuration = TestServer.configuration()
        try await TestServer.withRouter(configuration) { client in
            let store = try TestServer.store(configuration)
            var browser = try await Self.signedIn(client, configuration, "ed@example.org", .editor)
            let revision = try await store.currentRevision(id: "demo")
            var fields = Self.formFields(try await browser.get(client, "/admin/properties/demo/edit/texts").text)
            fields = Self.replacing(fields, "s:$.texts.es.bannerTitle", with: "Borrador sin guardar")
            let draft = try await browser.post(client, "/admin/properties/demo/edit/texts/preview", fields)
            #expect(draft.status == .seeOther)
            let chooser = try #require(draft.headers[.location])
            #expect(try await store.currentRevision(id: "demo") == revision, "a preview saves nothing")
            let page = try await browser.get(client, chooser + "?region=FR&lang=es&gpc=1")
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-src 'self'") == true)
            #expect(page.text.contains("<iframe"))
            let frame = try await browser.get(client, chooser + "/frame?region=FR&lang=es&gpc=1")
            #expect(frame.status == .ok)
            #expect(frame.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'self'") == true)
            #expect(frame.text.contains("src=\"/assent.js\""))
            #expect(frame.text.contains("data-gpc=\"1\""))
            let api = chooser + "/gpc"
            #expect(frame.text.contains("data-api=\"\(api)\""))
            let config = try await client.execute(uri: api + "/config?lang=es&region=FR", method: .get)
            #expect(config.status == .ok)
            let document = try JSONParser.parse(Array(config.text.utf8))
            #expect(
                document[[PathStep.member("texts"), .member("bannerTitle")]]?.stringValue == "Borrador sin guardar")
            #expect(document[[PathStep.member("regime")]]?.stringValue == "opt-in")
            #expect(document[[PathStep.member("gpc")]]?.boolValue == true)
            let policyVersion = try #require(document[[PathStep.member("policyVersion")]]?.intValue)
            let body =
                #"{"action":"accept_all","choices":{"performance":true},"policyVersion":\#(policyVersion),"lang":"es","gpc":true}"#
            let consent = try await client.execute(
                uri: api + "/consents", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: body))
            #expect(consent.status == .ok)
            #expect(consent.text.contains("\"choices\""))
            #expect(try await store.treeSize(log: 0) == 0, "nothing is in the ledger")
            // The draft is the account's own; an unknown one is gone.
            var other = try await Self.signedIn(client, configuration, "vic@example.org", .viewer)
            #expect(try await other.get(client, chooser).status == .gone)
            #expect(
                try await client.execute(uri: "/admin/properties/demo/preview/nope/gpc/config", method: .get)
                    .status == .gone)
            // A viewer previews the saved property.
            let saved = try await other.get(client, "/admin/properties/demo/preview")
            #expect(saved.status == .seeOther)
            #expect(try await other.get(client, try #require(saved.headers[.location])).status == .ok)
        }
    }

    @Test func postedFieldsRebuildThePartTheyShow() throws {
        let document = try JSONParser.parse(
            Array(
                #"{"name":"N","origins":["https://a.example"],"list":[{"k":"a","on":true},{"k":"b","on":false}]}"#.utf8)
        )
        let fields = [
            "s:$.name": "New", "l:$.origins": "https://a.example\r\n\r\nhttps://b.example", "s:$.list[0].k": "a",
            "B:$.list[0].on": "", "s:$.list[1].k": "b", "B:$.list[1].on": "", "b:$.list[1].on": "on",
            "x:$.list[0]": "on", "t:$.list[2]": "", "s:$.list[2].k": "", "B:$.list[2].on": "",
        ]
        let rebuilt = PropertyForms.apply(
            fields, roots: [[.member("name")], [.member("origins")], [.member("list")]], to: document)
        let expected = try JSONParser.parse(
            Array(
                #"{"name":"New","origins":["https://a.example","https://b.example"],"list":[{"on":true,"k":"b"}]}"#.utf8
            ))
        #expect(rebuilt == expected)
        #expect(
            DocumentPath.parse("$.categories[12].defaults.opt-in") == [
                .member("categories"), .index(12), .member("defaults"), .member("opt-in"),
            ])
        #expect(DocumentPath.string(DocumentPath.parse("$.a[1].b")!) == "$.a[1].b")
    }
}
