import AssentCore
import AssentStore
import HTTPTypes
import Hummingbird
import NIOCore

/// Receipts and the public key that checks them.
struct LedgerController<Context: RequestContext>: Sendable {
    let service: ConsentService

    func addRoutes(to router: Router<Context>) {
        router.get("/v1/receipts/:record", use: receipt)
        router.post("/v1/receipts/verify", use: verify)
        router.get("/.well-known/jwks.json") { _, _ in
            jsonDocument(await service.keyRing.current().jwks, cacheControl: "public, max-age=60")
        }
    }

    @Sendable func receipt(_ request: Request, context: Context) async throws -> Response {
        jsonResponse(try await service.receipt(recordID: try context.parameters.require("record")))
    }

    @Sendable func verify(_ request: Request, context: Context) async throws -> Response {
        let body = try await Body.json(request, limit: 64 * 1024)
        return jsonResponse(try await service.verify(body: body))
    }
}

func jsonDocument(_ document: RenderedDocument, cacheControl: String) -> Response {
    Response(
        status: .ok,
        headers: [.contentType: "application/json; charset=utf-8", .eTag: document.etag, .cacheControl: cacheControl],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: document.bytes)))
}
