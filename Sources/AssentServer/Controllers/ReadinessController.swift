import AssentCore
import Hummingbird

/// `/readyz`: whether this server can do its work now, which is whether its database answers. A load balancer
/// takes a server out of rotation while this fails and back when it passes; `/healthz` only says the process
/// is up. The check is bounded: a database that does not answer within `timeout` is as good as down.
struct ReadinessController<Context: RequestContext>: Sendable {
    let check: @Sendable () async throws -> Void
    var timeout: Duration = .seconds(2)

    private struct TimedOut: Error {}

    func addRoutes(to router: Router<Context>) {
        router.get("/readyz") { _, _ in
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await check() }
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        throw TimedOut()
                    }
                    try await group.next()
                    group.cancelAll()
                }
                return jsonResponse(.object([("status", .string("ready"))]))
            } catch {
                let reason = error is TimedOut ? "did not answer within \(timeout)" : "\(error)"
                throw AssentError(
                    .serviceUnavailable, "not_ready", "the database is unreachable: \(reason)",
                    headers: [.retryAfter: "1"])
            }
        }
    }
}
