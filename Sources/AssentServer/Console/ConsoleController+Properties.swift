import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The property pages: the list, a property's page (its parts, text completeness per language, lint findings,
/// and what the last save changed), a form per part of the document, and the history of revisions with the
/// difference between any two. A save goes through `ConsentService.saveProperty`, the admin API's path: the same
/// checks, a compare-and-save on the revision the form was read at, the same audit event. Every role reads
/// properties; owners and editors change them; an account limited to some properties sees only those.
extension ConsoleController {
    func addPropertyRoutes(to router: Router<Context>) {
        router.get("/admin/properties", use: guarded(propertyList))
        router.get("/admin/properties/:property", use: guarded(propertyPage))
        router.get("/admin/properties/:property/edit/:section", use: guarded(propertySectionPage))
        router.post("/admin/properties/:property/edit/:section", use: guarded(savePropertySection))
        router.get("/admin/properties/:property/history", use: guarded(propertyHistory))
    }

    /// A part's form, or the whole document, posted: as large as the admin API takes a document, with room for
    /// the form's encoding.
    static var maxPropertyFormBytes: Int { 4 * PropertyAdminController<Context>.maxDocumentBytes }

    /// The editor's words: the `propertyEditor` section of the catalogue.
    func editorWords(_ page: ConsolePage) -> [String: String] {
        texts.catalogue.texts("propertyEditor", page.lang)
    }

    func fill(_ text: String?, _ values: [String: String]) -> String {
        values.reduce(text ?? "") { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    private func completeness(_ property: Property, words: [String: String]) -> [[String: Any]] {
        TextCompleteness.of(property).map { c in
            [
                "language": c.language, "languageName": words["language." + c.language] ?? c.language,
                "written": c.written, "total": c.total, "complete": c.complete,
                "label": fill(
                    words[c.complete ? "complete" : "incomplete"],
                    ["written": String(c.written), "total": String(c.total)]),
            ]
        }
    }

    private func visibleProperty(_ context: Context, _ actor: AdminActor) async throws -> PropertyRevision {
        let id = try context.parameters.require("property")
        try actor.require(.readProperties, property: id)
        guard Property.isValidID(id), let revision = try await store.currentProperty(id: id) else {
            throw AssentError.notFound("unknown property \"\(id)\"", code: "unknown_property")
        }
        return revision
    }

    // MARK: List

    @Sendable func propertyList(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        try actor.require(.readProperties)
        let words = editorWords(page)
        var rows: [[String: Any]] = []
        for id in try await store.propertyIDs().sorted() where actor.sees(property: id) {
            guard let revision = try await store.currentProperty(id: id) else { continue }
            rows.append([
                "id": id, "name": revision.property.name, "revision": revision.revision,
                "policyVersion": revision.property.policyVersion,
                "languages": revision.property.languages.joined(separator: ", "),
                "completeness": completeness(revision.property, words: words),
            ])
        }
        return render(
            page, "property-list", title: words["listTitle"]!,
            values: ["w": words, "properties": rows, "hasProperties": !rows.isEmpty], current: "properties")
    }

    // MARK: A property

    @Sendable func propertyPage(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        let current = try await visibleProperty(context, actor)
        let property = current.property
        let words = editorWords(page)
        let query = request.uri.queryParameters
        var values: [String: Any] = [
            "w": words, "id": property.id, "name": property.name, "revision": current.revision,
            "policyVersion": property.policyVersion, "languages": property.languages.joined(separator: ", "),
            "completeness": completeness(property, words: words),
            "canEdit": actor.allows(.editProperties, property: property.id),
            "sections": PropertySection.allCases.map { section in
                ["key": section.rawValue, "label": words["section." + section.rawValue] ?? section.rawValue]
            },
        ]
        var notice: String?
        // After a save: what it changed, and whether visitors are asked again.
        if let saved = query["saved"].flatMap({ Int($0) }), let from = query["from"].flatMap({ Int($0) }),
            let after = try await store.propertyRevision(id: property.id, revision: saved),
            let before = try await store.propertyRevision(id: property.id, revision: from)
        {
            notice = fill(words["saved"], ["revision": String(saved)])
            let changes = changeRows(PropertyDifference(from: before.property, to: after.property))
            values["changes"] = changes
            values["hasChanges"] = !changes.isEmpty
            values["raised"] = after.property.policyVersion > before.property.policyVersion
            values["savedPolicy"] = fill(
                words[after.property.policyVersion > before.property.policyVersion ? "raised" : "notRaised"],
                ["version": String(after.property.policyVersion)])
        } else if query["unchanged"] != nil {
            notice = words["unchanged"]
        }
        let findings: [[String: Any]] = PropertyLint.lint(property).map {
            [
                "severity": words["severity." + $0.severity.rawValue] ?? $0.severity.rawValue, "path": $0.path,
                "message": $0.message,
            ]
        }
        values["findings"] = findings
        values["hasFindings"] = !findings.isEmpty
        return render(
            page, "property", title: fill(words["propertyTitle"], ["name": property.name]), values: values,
            notice: notice, current: "properties")
    }

    private func changeRows(_ difference: PropertyDifference) -> [[String: Any]] {
        difference.changes.prefix(500).map {
            ["path": $0.path, "before": $0.before ?? "—", "after": $0.after ?? "—"]
        }
    }

    // MARK: A part of the document

    @Sendable func propertySectionPage(_ request: Request, context: Context, page: ConsolePage) async throws
        -> Response
    {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        let current = try await visibleProperty(context, actor)
        let section = try requireSection(context)
        let document = current.property.jsonValue
        return renderSection(
            page, actor: actor, section: section, current: current, revision: current.revision, document: document,
            text: section == .document ? current.property.documentJSON() : nil, problems: [])
    }

    func requireSection(_ context: Context) throws -> PropertySection {
        let key = try context.parameters.require("section")
        guard let section = PropertySection(rawValue: key) else {
            throw AssentError.notFound("no part \"\(key)\" of a property", code: "unknown_section")
        }
        return section
    }

    func renderSection(
        _ page: ConsolePage, actor: AdminActor, section: PropertySection, current: PropertyRevision, revision: Int,
        document: JSONValue, text: String?, problems: [ValidationProblem], error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let words = editorWords(page)
        let readOnly = !actor.allows(.editProperties, property: current.property.id)
        let languages = (document[[PathStep.member("languages")]]?.arrayValue ?? []).compactMap(\.stringValue)
        var view = PropertyFormView(words: words, languages: languages, problems: problems, readOnly: readOnly)
        view.original = current.property.jsonValue
        var fields = ""
        var unplaced = problems
        if section != .document {
            let shown = section.shown(document)
            let roots = section.roots(shown)
            let legends: [String?] = roots.map { root in
                switch section {
                case .cookies:
                    let category = shown[root.dropLast()]
                    let key = category?[[PathStep.member("key")]]?.stringValue ?? ""
                    return fill(words["cookiesOf"], ["category": key])
                case .texts:
                    guard case .member(let lang)? = root.last else { return nil }
                    let marker = (try? Property.decode(document)).flatMap { property in
                        TextCompleteness.of(property).first { $0.language == lang }
                    }
                    let name = words["language." + lang] ?? lang
                    guard let marker else { return name }
                    return name + " — "
                        + fill(
                            words[marker.complete ? "complete" : "incomplete"],
                            ["written": String(marker.written), "total": String(marker.total)])
                default: return nil
                }
            }
            fields = view.render(shown, roots: roots, legends: legends)
            unplaced = view.unplaced
        }
        let title = fill(
            words["sectionTitle"],
            ["section": words["section." + section.rawValue] ?? section.rawValue, "name": current.property.name])
        var summary = error
        if !problems.isEmpty, summary == nil {
            summary = fill(words["notSaved"], ["count": String(problems.count)])
        }
        return render(
            page, "property-edit", title: title,
            values: [
                "w": words, "id": current.property.id, "section": section.rawValue,
                "sectionHint": words["hint.section." + section.rawValue] ?? "", "revision": revision,
                "fields": fields, "isDocument": section == .document, "documentText": text ?? "",
                "readOnly": readOnly, "noIdentity": section == .identity && fields.isEmpty,
                "invalid": view.invalid.map { ["id": $0.id, "label": $0.label] }, "hasInvalid": !view.invalid.isEmpty,
                "unplaced": unplaced.map { ["path": $0.path, "message": $0.message] },
                "hasUnplaced": !unplaced.isEmpty,
            ], error: summary, status: status, current: "properties")
    }

    @Sendable func savePropertySection(_ request: Request, context: Context, page: ConsolePage) async throws
        -> Response
    {
        let form = try await page.form(request, limit: Self.maxPropertyFormBytes)
        let actor = try page.signedIn()
        let current = try await visibleProperty(context, actor)
        let id = current.property.id
        try actor.require(.editProperties, property: id)
        let section = try requireSection(context)
        let words = editorWords(page)
        guard let read = form["revision"].flatMap({ Int($0) }), read > 0 else {
            throw AssentError.badRequest("the form has no revision; reload it", code: "invalid_form")
        }
        // The posted part in the document as it is now; the compare-and-save below refuses it if that is not the
        // revision the form was read at.
        let draft = draftDocument(section, form: form, current: current)
        let document = draft.document
        let text = draft.text
        var problems = draft.problems
        let property = draft.property
        func stale(_ revision: Int?) async throws -> Response {
            let savers = try await consent.propertySavers(id: id)
            let who = revision.flatMap { savers[$0] } ?? words["someone"]!
            return renderSection(
                page, actor: actor, section: section, current: current, revision: read, document: document,
                text: text, problems: [],
                error: fill(words["stale"], ["revision": String(revision ?? current.revision), "who": who]),
                status: .conflict)
        }
        if read != current.revision { return try await stale(current.revision) }
        if let property, problems.isEmpty {
            problems = try await consent.propertyProblems(property, id: id)
        }
        guard let property, problems.isEmpty else {
            return renderSection(
                page, actor: actor, section: section, current: current, revision: read, document: document,
                text: text, problems: problems, status: .unprocessableContent)
        }
        let save: PropertySave
        do {
            save = try await consent.saveProperty(property, expected: read, actor: actor, at: sessions.clock())
        } catch let error as AssentError where error.code == "stale_revision" {
            return try await stale(try await store.currentRevision(id: id))
        }
        guard save.changed else { return Self.seeOther("/admin/properties/\(id)?unchanged=1") }
        return Self.seeOther("/admin/properties/\(id)?saved=\(save.saved.revision)&from=\(read)")
    }

    /// A posted part in the current document: the document, the posted text of the whole-document form, and
    /// the property read from it, or the problems found.
    func draftDocument(_ section: PropertySection, form: Form, current: PropertyRevision) -> (
        document: JSONValue, text: String?, property: Property?, problems: [ValidationProblem]
    ) {
        if section == .document {
            let text = form["document"] ?? ""
            do {
                let property = try Property.decode(json: Array(text.utf8))
                return (property.jsonValue, text, property, [])
            } catch {
                return (current.property.jsonValue, text, nil, error.problems)
            }
        }
        let document = section.apply(form.fields, to: current.property.jsonValue)
        do {
            return (document, nil, try Property.decode(document), [])
        } catch {
            return (document, nil, nil, error.problems)
        }
    }

    // MARK: History

    @Sendable func propertyHistory(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        guard let actor = page.actor else { return Self.seeOther("/admin/sign-in") }
        let current = try await visibleProperty(context, actor)
        let id = current.property.id
        let words = editorWords(page)
        let revisions = try await store.propertyRevisions(id: id)
        let savers = try await consent.propertySavers(id: id)
        let query = request.uri.queryParameters
        let to = query["to"].flatMap { Int($0) } ?? current.revision
        let from = query["from"].flatMap { Int($0) } ?? max(1, to - 1)
        let rows: [[String: Any]] = revisions.map { r in
            [
                "revision": r.revision, "policyVersion": r.property.policyVersion,
                "savedAt": Timestamp.iso8601(milliseconds: r.createdAt).prefix(19).replacingOccurrences(
                    of: "T", with: " "),
                "savedBy": savers[r.revision] ?? words["commandLine"]!,
                "compareLabel": fill(words["compareWithPrevious"], ["revision": String(r.revision)]),
                "hasPrevious": r.revision > 1,
                "previous": r.revision - 1,
            ]
        }
        var values: [String: Any] = [
            "w": words, "id": id, "revisions": rows,
            "fromOptions": revisions.map { ["value": $0.revision, "selected": $0.revision == from] },
            "toOptions": revisions.map { ["value": $0.revision, "selected": $0.revision == to] },
        ]
        if let a = revisions.first(where: { $0.revision == from }),
            let b = revisions.first(where: { $0.revision == to })
        {
            let changes = changeRows(PropertyDifference(from: a.property, to: b.property))
            values["changes"] = changes
            values["hasChanges"] = !changes.isEmpty
            values["comparing"] = fill(words["comparing"], ["from": String(from), "to": String(to)])
        }
        return render(
            page, "property-history", title: fill(words["historyTitle"], ["name": current.property.name]),
            values: values, current: "properties")
    }
}
