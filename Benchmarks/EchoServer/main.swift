// The reference for scripts/bench-consent: a bare Hummingbird server whose POST handler only decodes the
// consent JSON and echoes it back, and whose GET handler returns a small fixed JSON document. Measured in the
// same run as Assent, it shows how much of the machine the HTTP layer alone takes.
import Foundation
import Hummingbird

struct ConsentBody: Codable {
    var subject: String?
    var choices: [String: Bool]?
    var action: String
    var policyVersion: Int
    var lang: String?
}

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8090
let router = Router()
router.post("/v1/properties/:property/consents") { request, context -> Response in
    let body = try await request.decode(as: ConsentBody.self, context: context)
    let data = try JSONEncoder().encode(body)
    return Response(
        status: .created, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
router.get("/v1/properties/:property/subjects/:subject") { _, context -> Response in
    let subject = context.parameters.get("subject") ?? ""
    let data = try JSONEncoder().encode(
        ConsentBody(subject: subject, choices: ["necessary": true], action: "save", policyVersion: 1, lang: "en"))
    return Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
