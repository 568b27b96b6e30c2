import AssentStore
import Logging
import ServiceLifecycle

/// Erases the address of every request closed more than `days` days ago, at start and then hourly: an address is
/// kept only while its request needs it. The suppression key (an HMAC) stays, so an opt-out keeps working.
struct RetentionService: Service {
    let store: any RequestStore
    let days: Int
    let logger: Logger
    let clock: @Sendable () -> Int64

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.eraseDue()
                try? await Task.sleep(for: .seconds(3600))
            }
        }
    }

    /// One pass; returns how many addresses were erased.
    @discardableResult
    func eraseDue() async -> Int {
        let now = clock()
        do {
            let erased = try await store.eraseEmails(closedBefore: now - Int64(days) * 86_400_000, at: now)
            if erased > 0 { logger.info("erased the addresses of closed requests", metadata: ["count": "\(erased)"]) }
            return erased
        } catch {
            logger.error("cannot erase addresses", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
