import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The preview: the real widget on a blank page, from an unsaved draft (PreviewDrafts), for a chosen region,
/// language and Global Privacy Control. The draft comes from a part's form (its Preview button) or from the saved
/// property. The blank page may be framed by the console only; its widget reads its config from the draft and
/// posts its decisions to routes that answer them as a visitor's would be answered and record nothing.
extension ConsoleController {
    func addPreviewRoutes(to router: Router<Context>) {
        router.get("/admin/preview.js") { request, _ in previewScript.response(for: request) }
        router.get("/admin/properties/:property/preview", use: guarded(previewSaved))
        router.post("/admin/properties/:property/edit/:section/preview", use: guarded(previewDraft))
        router.get("/admin/properties/:property/preview/:draft", use: guarded(previewPage))
        router.get("/admin/properties/:property/preview/:draft/frame", use: guarded(previewFrame))
        router.get("/admin/properties/:property/preview/:draft/:gpc/config", use: previewConfig)
        router.post("/admin/properties/:property/preview/:draft/:gpc/consents", use: previewConsents)
        router.post("/admin/properties/:property/preview/:draft/:gpc/events") { _, _ in
            Response(status: .noContent, headers: [.cacheControl: "no-store"])
        }
    }

    var previewScript: StaticAsset {
        StaticAsset(
            bytes: (try? Resources.bytes("console/preview.js")) ?? [],
            contentType: "text/javascript; charset=utf-8", cacheControl: "no-cache")
    }

    @Sendable func previewSaved(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let actor = try page.signedIn()
        let id = try context.parameters.require("property")
        try actor.require(.readProperties, property: id)
        guard Property.isValidID(id), let current = try await store.currentProperty(id: id) else {
            throw AssentError.notFound("unknown property \"\(id)\"", code: "unknown_property")
        }
        let draft = previews.keep(current.property, account: actor.id, now: sessions.clock())
        return Self.seeOther("/admin/properties/\(id)/preview/\(draft)")
    }

    @Sendable func previewDraft(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let form = try await page.form(request, limit: Self.maxPropertyFormBytes)
        let actor = try page.signedIn()
        let id = try context.parameters.require("property")
        try actor.require(.readProperties, property: id)
        guard Property.isValidID(id), let current = try await store.currentProperty(id: id) else {
            throw AssentError.notFound("unknown property \"\(id)\"", code: "unknown_property")
        }
        let section = try requireSection(context)
        let draft = draftDocument(section, form: form, current: current)
        guard let property = draft.property, draft.problems.isEmpty else {
            return renderSection(
                page, actor: actor, section: section, current: current,
                revision: form["revision"].flatMap { Int($0) } ?? current.revision, document: draft.document,
                text: draft.text, problems: draft.problems, status: .unprocessableContent)
        }
        let kept = previews.keep(property, account: actor.id, now: sessions.clock())
        return Self.seeOther("/admin/properties/\(id)/preview/\(kept)")
    }

    private func liveDraft(_ context: Context, actor: AdminActor) throws -> PreviewDrafts.Draft {
        let id = try context.parameters.require("property")
        try actor.require(.readProperties, property: id)
        guard
            let draft = previews.draft(
                try context.parameters.require("draft"), account: actor.id, now: sessions.clock()),
            draft.property.id == id
        else { throw AssentError(.gone, "preview_gone", "this preview has expired") }
        return draft
    }

    private struct PreviewChoice {
        let region: Region
        let lang: String
        let gpc: Bool
    }

    private func previewChoice(_ request: Request, _ property: Property) -> PreviewChoice {
        let query = request.uri.queryParameters
        let region = query["region"].flatMap { Region(String($0)) } ?? sessions.configuration.defaultRegion
        let lang = property.language(matching: query["lang"].map(String.init))
        return PreviewChoice(region: region, lang: lang, gpc: query["gpc"] == "1")
    }

    @Sendable func previewPage(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let actor = try page.signedIn()
        let words = editorWords(page)
        let draft: PreviewDrafts.Draft
        do {
            draft = try liveDraft(context, actor: actor)
        } catch let error as AssentError where error.status == .gone {
            return render(
                page, "message", title: words["previewGoneTitle"]!,
                values: [
                    "message": words["previewGone"]!, "back": "/admin/properties", "backLabel": words["listTitle"]!,
                ],
                status: .gone)
        }
        let property = draft.property
        let choice = previewChoice(request, property)
        var regions: [[String: Any]] = [["code": "", "label": words["regionDefault"]!, "selected": false]]
        var codes = demoRegions.map(\.code)
        for rule in property.regimes.rules { codes += rule.regions.filter { !codes.contains($0) } }
        let chosenCode = request.uri.queryParameters["region"].map(String.init) ?? ""
        regions += codes.map { code in
            [
                "code": code, "label": demoRegions.first { $0.code == code }.map { "\($0.label) (\(code))" } ?? code,
                "selected": code == chosenCode,
            ]
        }
        regions[0]["selected"] = !codes.contains(chosenCode)
        let languages: [[String: Any]] = property.languages.map {
            ["code": $0, "label": words["language." + $0] ?? $0, "selected": $0 == choice.lang]
        }
        let frame =
            "/admin/properties/\(property.id)/preview/\(draft.id)/frame?region=\(choice.region.code)&lang=\(choice.lang)"
            + "&gpc=\(choice.gpc ? 1 : 0)"
        var response = render(
            page, "property-preview", title: fill(words["previewTitle"], ["name": property.name]),
            values: [
                "w": words, "id": property.id, "draft": draft.id, "regions": regions, "languages": languages,
                "gpc": choice.gpc, "frame": frame,
                "frameTitle": fill(
                    words["previewFrame"],
                    [
                        "region": choice.region.code, "lang": choice.lang,
                        "gpc": choice.gpc ? words["gpcOn"]! : words["gpcOff"]!,
                    ]),
            ], current: "properties")
        // The one console page that frames another: the preview's blank page, of this origin.
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy + "; frame-src 'self'"
        return response
    }

    /// The blank page the preview frames: the first-party preview script, then the real widget.
    @Sendable func previewFrame(_ request: Request, context: Context, page: ConsolePage) async throws -> Response {
        let actor = try page.signedIn()
        let draft = try liveDraft(context, actor: actor)
        let choice = previewChoice(request, draft.property)
        let api = "/admin/properties/\(draft.property.id)/preview/\(draft.id)/\(choice.gpc ? "gpc" : "none")"
        let html = """
            <!doctype html>
            <html lang="\(htmlText(choice.lang))">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(htmlText(draft.property.name))</title>
            <script src="/admin/preview.js" data-gpc="\(choice.gpc ? "1" : "0")"></script>
            <script src="/assent.js" data-property="preview-\(htmlText(draft.id))" data-api="\(htmlText(api))" data-lang="\(htmlText(choice.lang))" data-region="\(htmlText(choice.region.code))"></script>
            </head>
            <body>
            <main><h1>\(htmlText(draft.property.name))</h1></main>
            </body>
            </html>
            """
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                    + "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; "
                    + "frame-ancestors 'self'",
                .referrerPolicy: "same-origin",
            ], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// The widget's requests carry no cookie: the draft's long random id is what lets them read it.
    private func widgetDraft(_ context: Context) throws -> (PreviewDrafts.Draft, gpc: Bool) {
        guard let draft = previews.draft(try context.parameters.require("draft"), now: sessions.clock()),
            draft.property.id == (try context.parameters.require("property"))
        else { throw AssentError(.gone, "preview_gone", "this preview has expired") }
        return (draft, try context.parameters.require("gpc") == "gpc")
    }

    @Sendable func previewConfig(_ request: Request, context: Context) async throws -> Response {
        let (draft, gpc) = try widgetDraft(context)
        let query = request.uri.queryParameters
        let region = query["region"].flatMap { Region(String($0)) } ?? sessions.configuration.defaultRegion
        let bytes = try await consent.previewConfig(
            draft.property, lang: query["lang"].map(String.init), region: region, gpc: gpc)
        return jsonBytesResponse(headers: [.cacheControl: "no-store"], bytes)
    }

    @Sendable func previewConsents(_ request: Request, context: Context) async throws -> Response {
        let (draft, gpc) = try widgetDraft(context)
        let body = try await Body.bytes(
            request, limit: sessions.configuration.maxBodyBytes, types: ["application/json"])
        let query = request.uri.queryParameters
        let region = query["region"].flatMap { Region(String($0)) } ?? sessions.configuration.defaultRegion
        // The region the widget names in its body is the one the config was made for.
        let named = (try? Body.parse(body))?.objectValue?.first { $0.0 == "region" }?.1.stringValue.flatMap {
            Region($0)
        }
        let bytes = try await consent.previewDecision(
            draft.property, body: body, region: named ?? region, gpcHeader: gpc)
        return jsonBytesResponse(status: .ok, headers: [.cacheControl: "no-store"], bytes)
    }
}
