import Foundation
import Logging
import Testing

@testable import AssentScanner

@Suite struct ChromiumCleanupTests {
    /// A closed browser leaves nothing in the temporary directory: neither its profile nor the process-singleton
    /// folder Chromium makes beside it (one was left per scan before).
    @Test func closingRemovesTheProfileAndChromiumsSingletonFolder() async throws {
        let browser = try await Chromium.launch(
            executable: ScanRequest.defaultChromium, hostResolverRules: nil,
            logger: Logger(label: "chromium-cleanup-test"))
        let profile = await browser.profileDirectory
        let link = (profile as NSString).appendingPathComponent("SingletonSocket")
        let singleton = try #require(
            try? FileManager.default.destinationOfSymbolicLink(atPath: link), "Chromium made no singleton socket"
        )
        let folder = (singleton as NSString).deletingLastPathComponent
        #expect(FileManager.default.fileExists(atPath: folder))
        await browser.close()
        #expect(!FileManager.default.fileExists(atPath: profile))
        #expect(!FileManager.default.fileExists(atPath: folder), "left behind: \(folder)")
    }
}
