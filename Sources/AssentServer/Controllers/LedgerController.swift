import AssentCore
import AssentStore
import HTTPTypes
import Hummingbird
import NIOCore

/// Receipts, the public keys that check them, and what a witness reads: the latest signed tree heads and the
/// consistency proofs between them.
struct LedgerController<Context: RequestContext>: Sendable {
    let service: ConsentService

    func addRoutes(to router: Router<Context>) {
        router.get("/v1/receipts/:record", use: receipt)
        router.post("/v1/receipts/verify", use: verify)
        router.get("/.well-known/jwks.json") { _, _ in
            jsonDocument(await service.keyRing.current().jwks, cacheControl: "public, max-age=60")
        }
        router.get("/v1/ledger/heads", use: heads)
        router.get("/v1/ledger/heads/latest", use: latestHead)
        router.get("/v1/ledger/proofs/consistency", use: consistency)
    }

    @Sendable func heads(_ request: Request, context: Context) async throws -> Response {
        jsonResponse(headers: [.cacheControl: "no-cache"], try await service.latestHeads())
    }

    @Sendable func latestHead(_ request: Request, context: Context) async throws -> Response {
        let log = try ConsentService.logNumber(request.uri.queryParameters["log"].map(String.init))
        return jsonResponse(headers: [.cacheControl: "no-cache"], try await service.latestHead(log: log).jsonValue)
    }

    @Sendable func consistency(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let log = try ConsentService.logNumber(query["log"].map(String.init))
        let from = try ConsentService.treeSize(query["from"].map(String.init), name: "from")
        let to = try ConsentService.treeSize(query["to"].map(String.init), name: "to")
        return jsonResponse(
            headers: [.cacheControl: "public, max-age=3600"],
            try await service.consistencyProof(log: log, from: from, to: to))
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
        body: ResponseBody(byteBuffer: document.body))
}
