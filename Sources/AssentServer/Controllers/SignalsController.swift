import AssentCore
import HTTPTypes
import Hummingbird

/// Decoding the industry signal strings (TC, GPP, US Privacy) a CMP wrote, for publishers checking theirs.
struct SignalsController<Context: RequestContext>: Sendable {
    /// A GPP string with every section Assent knows is well under 1 KiB; 16 KiB leaves room for long vendor lists.
    static var bodyLimit: Int { 16 * 1024 }

    func addRoutes(to router: Router<Context>) {
        router.post("/v1/signals/decode", use: decode)
    }

    @Sendable func decode(_ request: Request, context: Context) async throws -> Response {
        let string = try Self.signalString(try await Body.json(request, limit: Self.bodyLimit))
        let kind = SignalDetector.kind(of: string)
        do {
            return jsonResponse(try SignalDetector.decode(string))
        } catch {
            throw AssentError.badRequest("not a valid \(kind.name): \(error)", code: "invalid_signal")
        }
    }

    /// The `string` member of `{"string": …}`, the only member allowed.
    static func signalString(_ body: [UInt8]) throws -> String {
        var reader = JSONReader(mode: .firstProblem)
        let object = reader.object(
            try Body.parse(body), at: "$", allowed: ["string"], required: ["string"],
            expected: "an object {\"string\": …}")
        let string = object.flatMap { reader.string($0, "string") }
        try Body.check(reader)
        return string!
    }
}
