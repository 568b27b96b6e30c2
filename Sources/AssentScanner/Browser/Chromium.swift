import AssentCore
import Foundation
import Logging
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A headless Chromium that Assent starts itself: a throwaway profile in a temporary directory, DevTools on a port
/// the browser picks, third-party cookies let through (so the scan sees what a browser that allows them would store),
/// an ordinary user agent. `close()` ends the whole process group and removes the profile.
///
/// The browser cannot outlive this process: it is started by a small `sh` launcher that leads its own session and
/// reads a pipe only this process writes; the kernel closes that pipe whenever this process ends, SIGKILL included,
/// and the launcher then kills its whole process group (itself, the browser and the browser's children).
actor Chromium {
    let connection: DevToolsConnection
    /// "Chrome/156.0.8078.129", as the browser reports itself.
    let product: String
    let profileDirectory: String
    private let stop: AsyncStream<Void>.Continuation
    private let process: Task<Void, Never>
    private let processID: Guarded<pid_t?>
    private var closed = false

    private init(
        connection: DevToolsConnection, product: String, profileDirectory: String,
        stop: AsyncStream<Void>.Continuation, process: Task<Void, Never>, processID: Guarded<pid_t?>
    ) {
        self.processID = processID
        self.connection = connection
        self.product = product
        self.profileDirectory = profileDirectory
        self.stop = stop
        self.process = process
    }

    /// Starts Chromium, trying a second time when the first start fails.
    static func launch(
        executable: String, hostResolverRules: String?, logger: Logger, startTimeout: Duration = .seconds(20)
    ) async throws -> Chromium {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ScanError("no Chromium at \(executable): install Debian's chromium package")
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await launchOnce(
                    executable: executable, hostResolverRules: hostResolverRules, logger: logger,
                    startTimeout: startTimeout)
            } catch let error as ScanError where attempt < 2 {
                logger.warning("chromium did not start; trying again", metadata: ["error": "\(error)"])
            }
        }
    }

    private static func launchOnce(
        executable: String, hostResolverRules: String?, logger: Logger, startTimeout: Duration
    ) async throws -> Chromium {
        let profile = FileManager.default.temporaryDirectory
            .appendingPathComponent("assent-scan-\(UUID().uuidString)").path
        try writeProfile(profile)
        let major = await majorVersion(executable) ?? "131"
        var arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=\(profile)", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            // WSClient sends `Origin: ws://127.0.0.1` (its URL's scheme and host); Chromium accepts the websocket
            // only from an origin named here.
            "--remote-allow-origins=ws://127.0.0.1",
            "--no-first-run", "--no-default-browser-check", "--disable-sync", "--disable-background-networking",
            "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-breakpad",
            "--disable-crash-reporter", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows", "--disable-hang-monitor", "--disable-popup-blocking",
            "--disable-prompt-on-repost", "--metrics-recording-only", "--mute-audio", "--password-store=basic",
            "--use-mock-keychain", "--no-service-autorun", "--hide-scrollbars", "--window-size=1280,900",
            "--disable-features=Translate,MediaRouter,OptimizationHints,InterestFeedContentSuggestions,"
                + "AutofillServerCommunication,CertificateTransparencyComponentUpdater,PrivacySandboxSettings4",
            "--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/\(major).0.0.0 Safari/537.36",
        ]
        if let hostResolverRules, !hostResolverRules.isEmpty {
            arguments.append("--host-resolver-rules=\(hostResolverRules)")
        }
        arguments.append("about:blank")

        let (stopStream, stop) = AsyncStream<Void>.makeStream()
        let exited = Guarded(false)
        let processID = Guarded<pid_t?>(nil)
        // Chromium's stderr goes to a file in the profile (removed with it): kept for a failed start, and a file never
        // fills up and blocks the browser the way an unread pipe would.
        let logPath = (profile as NSString).appendingPathComponent("chromium.log")
        let log = try FileDescriptor.open(
            FilePath(logPath), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        // The launcher keeps the pipe from this process as fd 3 and starts the browser without it; a watcher reads
        // the pipe and, at its end, kills the launcher's whole group (`kill -9 0`). The launcher itself ignores the
        // SIGTERM that `close()` sends the group, and waits for the browser, so the profile outlives the browser.
        let launcher =
            "exec 3<&0 </dev/null; \"$@\" 3<&- & c=$!; (read -r _ <&3; kill -9 0) & exec 3<&-; trap '' TERM; wait $c"
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: .seconds(2))
        ]
        let process = Task {
            defer { exited.withLock { $0 = true } }
            do {
                _ = try await Subprocess.run(
                    .path(FilePath("/bin/sh")),
                    arguments: Arguments(["-c", launcher, "assent-chromium", executable] + arguments),
                    platformOptions: options, input: .inputWriter, output: .discarded,
                    error: .fileDescriptor(log, closeAfterSpawningProcess: true)
                ) { execution in
                    processID.withLock { $0 = execution.processIdentifier.value }
                    // Runs until `close()` (or a cancelled scan) finishes the stop stream; then the group goes.
                    for await _ in stopStream {}
                    await execution.teardown(using: [
                        .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: .seconds(2))
                    ])
                }
            } catch {
                logger.warning("chromium did not run", metadata: ["error": "\(error)"])
            }
        }

        do {
            let endpoint = try await browserEndpoint(profile: profile, exited: exited, timeout: startTimeout)
            let connection = try await DevToolsConnection.connect(url: endpoint, logger: logger)
            let version = try await connection.call("Browser.getVersion")
            return Chromium(
                connection: connection, product: version["product"]?.stringValue ?? "Chrome",
                profileDirectory: profile, stop: stop, process: process, processID: processID)
        } catch {
            stop.finish()
            Self.killGroup(processID.current)
            await process.value
            Self.removeProfile(profile)
            throw error
        }
    }

    /// Ends the browser (its whole process group) and removes the profile. Safe to call twice.
    func close() async {
        guard !closed else { return }
        closed = true
        await connection.close(DevToolsError(kind: .closed, description: "the browser was closed"))
        stop.finish()
        // A hung browser may ignore SIGTERM: the whole group goes with SIGKILL after the teardown's grace time.
        let group = processID.current
        let killer = Task {
            try await Task.sleep(for: .seconds(3))
            Self.killGroup(group)
        }
        await process.value
        killer.cancel()
        Self.removeProfile(profileDirectory)
    }

    /// Removes a profile, and the process-singleton folder Chromium made for it in the temporary directory (the
    /// profile's `SingletonSocket` links into it), which a terminated browser leaves behind: one per scan otherwise.
    static func removeProfile(_ profile: String) {
        let files = FileManager.default
        let socket = (profile as NSString).appendingPathComponent("SingletonSocket")
        if let target = try? files.destinationOfSymbolicLink(atPath: socket) {
            let singleton = (target as NSString).deletingLastPathComponent
            if (singleton as NSString).lastPathComponent.hasPrefix("org.chromium.Chromium.") {
                try? files.removeItem(atPath: singleton)
            }
        }
        try? files.removeItem(atPath: profile)
    }

    /// SIGKILL to the browser's process group (its launcher leads its own session, so the group is the launcher and
    /// the browser alone).
    static func killGroup(_ pid: pid_t?) {
        guard let pid, pid > 1 else { return }
        _ = kill(-pid, SIGKILL)
    }

    /// Whether the browser still answers, within `timeout`.
    func responds(within timeout: Duration = .seconds(5)) async -> Bool {
        guard !closed, await !connection.isClosed else { return false }
        return (try? await connection.call("Browser.getVersion", timeout: timeout)) != nil
    }

    /// `Default/Preferences` before the first start: third-party cookies allowed (`cookie_controls_mode` 0), no
    /// first-run or sign-in prompts.
    private static func writeProfile(_ profile: String) throws {
        let directory = (profile as NSString).appendingPathComponent("Default")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let preferences: JSONValue = .object([
            ("profile", .object([("cookie_controls_mode", .int(0)), ("block_third_party_cookies", .bool(false))])),
            ("browser", .object([("has_seen_welcome_page", .bool(true))])),
            ("download", .object([("prompt_for_download", .bool(false))])),
        ])
        let bytes = CanonicalJSON.orderedBytes(preferences)
        try Data(bytes).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("Preferences")))
    }

    /// `--remote-debugging-port=0` makes Chromium write the port it chose and the browser target's path to
    /// `DevToolsActivePort` in the profile once DevTools listens; waits for it.
    private static func browserEndpoint(profile: String, exited: Guarded<Bool>, timeout: Duration) async throws
        -> String
    {
        let path = (profile as NSString).appendingPathComponent("DevToolsActivePort")
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let lines = text.split(whereSeparator: \.isNewline)
                if lines.count >= 2, let port = Int(lines[0]) { return "ws://127.0.0.1:\(port)\(lines[1])" }
            }
            if exited.current { throw ScanError("chromium exited before DevTools was ready") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ScanError("chromium did not open DevTools within \(timeout)")
    }

    /// The major version from `chromium --version` ("Chromium 156.0.8078.129 built on Debian…" → "156").
    private static func majorVersion(_ executable: String) async -> String? {
        let result = try? await Subprocess.run(
            .path(FilePath(executable)), arguments: ["--version"], output: .string(limit: 4096), error: .discarded)
        guard let text = result?.standardOutput else { return nil }
        for word in text.split(separator: " ") {
            if let major = word.split(separator: ".").first, word.contains("."), Int(major) != nil {
                return String(major)
            }
        }
        return nil
    }
}

/// Why a scan could not be made at all (no Chromium, no start page); a single page's failure is a failed visit.
public struct ScanError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
