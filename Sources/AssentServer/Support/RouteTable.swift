import AssentStore
import HTTPTypes
import Hummingbird

/// The methods each routed path answers, so that a known path asked with another method gets 405 with `Allow`
/// rather than the 404 the router gives for any miss. Filled once, after every route is added.
final class RouteTable: Sendable {
    private struct Route: Sendable {
        var path: RouterPath
        var method: HTTPRequest.Method
    }

    private let routes = Locked<[Route]>([])

    func load(_ descriptions: [Router<some RequestContext>.RouteDescription]) {
        var loaded = descriptions.map { Route(path: $0.path, method: $0.method) }
        // HEAD answers wherever GET does (the router generates those endpoints itself).
        loaded += loaded.filter { $0.method == .get }.map { Route(path: $0.path, method: .head) }
        routes.withLock { $0 = loaded }
    }

    /// The methods routed for this path, in a stable order; empty when no route has the path at all.
    func allowedMethods(path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let matching = routes.withLock { routes in routes.filter { Self.matches($0.path, segments) } }
        // The router prefers a literal segment to a capture and does not fall back: `/v1/receipts/verify` is the
        // POST-only route even though `/v1/receipts/{record}` has a GET. Keep only the most literal paths.
        let rank = { (route: Route) in route.path.components.map { $0.description.hasPrefix("{") ? 0 : 1 } }
        guard let best = matching.map(rank).max(by: { $0.lexicographicallyPrecedes($1) }) else { return [] }
        let methods = matching.filter { rank($0) == best }.map(\.method.rawValue)
        return Array(Set(methods)).sorted().compactMap { HTTPRequest.Method($0) }
    }

    private static func matches(_ path: RouterPath, _ segments: [Substring]) -> Bool {
        var index = 0
        for element in path.components {
            if element == .recursiveWildcard { return true }
            guard index < segments.count, element ~= segments[index] else { return false }
            index += 1
        }
        return index == segments.count
    }
}
