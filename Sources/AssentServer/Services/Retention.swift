import AssentCore
import AssentMail
import AssentStore
import Logging
import ServiceLifecycle

/// Erases the personal data of every request closed more than `days` days ago, at start and then hourly: the
/// address, the details, the attached export and the webhook bodies (in the store), and the request's messages in
/// the outbox. An address is kept only while its request needs it. The suppression key (an HMAC) stays, so an
/// opt-out keeps working.
struct RetentionService: Service {
    let store: any RequestStore & RetentionStore
    let days: Int
    let logger: Logger
    let clock: @Sendable () -> Int64
    /// The data directory's outbox, whose messages about an erased request go too; nil: none.
    var outbox: OutboxTransport? = nil

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.eraseDue()
                try? await Task.sleep(for: .seconds(3600))
            }
        }
    }

    /// One pass; returns how many requests had data erased.
    @discardableResult
    func eraseDue() async -> Int {
        let now = clock()
        let erased: [String]
        do {
            erased = try await store.eraseEmails(closedBefore: now - Int64(days) * 86_400_000, at: now)
            if !erased.isEmpty {
                logger.info("erased the personal data of closed requests", metadata: ["count": "\(erased.count)"])
            }
        } catch {
            logger.error("cannot erase the personal data of closed requests", metadata: ["error": "\(error)"])
            return 0
        }
        await eraseMail(erased: Set(erased))
        return erased.count
    }

    /// Deletes the outbox messages of the requests just erased, and of any erased earlier whose messages stayed (a
    /// pass cut short, an outbox restored from a backup).
    private func eraseMail(erased: Set<String>) async {
        guard let outbox else { return }
        do {
            var gone = erased
            for id in try outbox.tags().subtracting(erased) {
                if let request = try await store.request(id: id), request.email == nil { gone.insert(id) }
            }
            let removed = try outbox.remove(tags: gone)
            if removed > 0 {
                logger.info("erased outbox messages of closed requests", metadata: ["count": "\(removed)"])
            }
        } catch {
            logger.error("cannot erase outbox messages", metadata: ["error": "\(error)"])
        }
    }
}
