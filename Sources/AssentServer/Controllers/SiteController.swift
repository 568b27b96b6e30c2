import AssentCore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The widget assets, the demo publisher site, the OpenAPI document and the health check.
struct SiteController<Context: RequestContext>: Sendable {
    let service: ConsentService
    let widget: [String: StaticAsset]
    let demoFiles: [String: StaticAsset]
    let demoTemplate: MustacheTemplate
    let openAPI: StaticAsset
    let gpcJSON: StaticAsset

    init(service: ConsentService) throws {
        self.service = service
        widget = try Resources.folder("widget")
        demoFiles = try Resources.folder("demo", excluding: ["mustache"])
        demoTemplate = try MustacheTemplate(string: try Resources.text("demo/index.mustache"))
        openAPI = StaticAsset(
            bytes: try Resources.bytes("openapi.json"), contentType: "application/json; charset=utf-8")
        gpcJSON = StaticAsset(
            bytes: Array(#"{"gpc":true,"lastUpdate":"2026-11-29"}"#.utf8),
            contentType: "application/json; charset=utf-8")
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            jsonResponse(.object([("status", .string("ok"))]))
        }
        router.get("/assent.js") { request, _ in try asset(widget, "assent.js", request) }
        router.get("/assent.css") { request, _ in try asset(widget, "assent.css", request) }
        router.get("/assent-signals.js") { request, _ in try asset(widget, "assent-signals.js", request) }
        router.get("/openapi.json") { request, _ in openAPI.response(for: request) }
        router.get("/.well-known/gpc.json") { request, _ in gpcJSON.response(for: request) }
        router.get("/demo/", use: demoPage)
        router.get("/demo/:file") { request, context in
            var response = try asset(demoFiles, try context.parameters.require("file"), request)
            response.headers[.contentSecurityPolicy] = DemoPolicy.header(nonce: nil)
            response.headers[.xFrameOptions] = "SAMEORIGIN"
            return response
        }
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/demo/"]) }
    }

    private func asset(_ assets: [String: StaticAsset], _ name: String, _ request: Request) throws -> Response {
        guard let asset = assets[name] else { throw AssentError.notFound("no file \(request.uri.path)") }
        return asset.response(for: request)
    }

    @Sendable func demoPage(_ request: Request, context: Context) async throws -> Response {
        let requested = request.uri.queryParameters["region"].map(String.init) ?? ""
        let region = requested.isEmpty ? "" : (Region(requested)?.code ?? "")
        let regions: [[String: Any]] = demoRegions.map {
            ["code": $0.code, "label": $0.label, "selected": $0.code == region]
        }
        var values: [String: Any] = ["regions": regions]
        if !region.isEmpty { values["region"] = region }
        // ?lang= shows the page, and so the widget, in another language (the console's check of a translation).
        let lang = request.uri.queryParameters["lang"].map(String.init) ?? ""
        values["lang"] =
            (2...3).contains(lang.count) && lang.allSatisfy({ $0.isASCII && $0.isLowercase }) ? lang : "en"
        let nonce = Secrets.token()
        values["nonce"] = nonce
        let html = demoTemplate.render(values)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: DemoPolicy.header(nonce: nonce), .xFrameOptions: "SAMEORIGIN",
                .referrerPolicy: "strict-origin-when-cross-origin",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The demo site's Content-Security-Policy. The demo is served from the Assent origin, so a script injected into
/// it could act there: only this origin's scripts run, plus the page's own inline scripts by a nonce made for
/// each answer (the widget passes it on to the gated scripts it runs), and only this origin may frame it. Frames
/// of other origins may load (a publisher's page embeds vendors' frames; each runs in its own origin).
enum DemoPolicy {
    static func header(nonce: String?) -> String {
        let scripts = nonce.map { "script-src 'self' 'nonce-\($0)'" } ?? "script-src 'self'"
        return
            "default-src 'self'; \(scripts); style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "frame-src 'self' http: https:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'self'"
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}

/// The regions the demo page can be viewed from, one per regime at least.
let demoRegions: [(code: String, label: String)] = [
    ("FR", "France"), ("DE", "Germany"), ("GB", "United Kingdom"), ("US-CA", "California"),
    ("US-VA", "Virginia"), ("BR", "Brazil"), ("JP", "Japan"),
]
