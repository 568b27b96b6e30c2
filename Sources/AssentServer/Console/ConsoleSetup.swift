import AssentStore
import Logging

/// The first start: while no owner exists, each start of the server makes a one-time set-up link, valid for an
/// hour, and logs it, so that whoever started the server (and so can read its log) creates the owner.
enum ConsoleSetup {
    static func link(store: any AssentStorage, configuration: ServerConfiguration, now: Int64) async throws
        -> String?
    {
        guard try await !ConsoleAccounts.hasOwner(store: store) else { return nil }
        let secret = try await ConsoleAccounts.makeSetupSecret(store: store, now: now)
        return "\(configuration.publicURL ?? configuration.baseURL)/admin/setup/\(secret)"
    }

    static func announce(_ link: String?, console: String, logger: Logger) {
        if let link {
            logger.notice(
                "no console owner yet: open the set-up link within an hour to create one",
                metadata: ["setup": "\(link)"])
        } else {
            logger.info("the console is ready", metadata: ["console": "\(console)"])
        }
    }
}
