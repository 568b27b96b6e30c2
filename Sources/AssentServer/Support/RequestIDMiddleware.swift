import HTTPTypes
import Hummingbird

/// Every answer names its request's id (`X-Request-Id`), the one every log line about the request carries as
/// `hb.request.id`, so a publisher who reports a problem can point at its lines.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.requestID] = context.id
        return response
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
