import AssentCore
import Foundation
import Logging

/// How every visit of a scan is made.
struct VisitSettings: Sendable {
    var assentOrigin: String
    var regionHeader: String
    var scanSecret: String
    var pageTimeout: Duration
    /// The network counts as quiet after this long with no request in flight.
    var quietWindow: Duration = .milliseconds(600)
    /// Waiting for quiet stops here (a page that polls for ever is recorded as it is then, not failed).
    var quietLimit: Duration = .seconds(8)
    var suffixes: PublicSuffixList = .shared
}

/// What a visit found besides its record: the page's same-document links and, when asked, its sitemap's URLs.
struct VisitFindings: Sendable {
    var record: VisitRecord
    var links: [String] = []
    var sitemap: [String] = []
    /// The browser stopped answering or its connection closed: the scan restarts it.
    var browserFailed = false
}

/// One visit: a fresh browser context and tab, the region and scan headers on requests to Assent only, GPC when
/// asked, navigation, quiet network, the banner click, and the recording of cookies, storage and requests.
struct PageVisit: Sendable {
    static let cookieBinding = "__assentScanCookie"

    let connection: DevToolsConnection
    let settings: VisitSettings
    let logger: Logger

    func run(page: String, region: Region, kind: VisitKind, discover: Bool, sitemap: Bool) async -> VisitFindings {
        let started = ContinuousClock.now
        let recorder = VisitRecorder()
        var context: String?
        var listener: Int?
        defer {
            // The context goes with its tabs and cookies, whatever happened; nobody waits for it.
            let connection = self.connection
            Task { [listener, context] in
                if let listener { await connection.removeListener(listener) }
                if let context {
                    _ = try? await connection.call(
                        "Target.disposeBrowserContext", [("browserContextId", .string(context))],
                        timeout: .seconds(10))
                }
            }
        }
        func failed(_ reason: String, browser: Bool = false) -> VisitFindings {
            var record = VisitRecord(
                pageURL: page, finalURL: page, region: region, kind: kind, outcome: .failed(reason))
            record.durationMs = Self.ms(started.duration(to: .now))
            return VisitFindings(record: record, browserFailed: browser)
        }
        do {
            let created = try await connection.call("Target.createBrowserContext", [("disposeOnDetach", .bool(true))])
            guard let contextID = created["browserContextId"]?.stringValue else { return failed("no browser context") }
            context = contextID
            connection.send(
                "Browser.setDownloadBehavior",
                [("behavior", .string("deny")), ("browserContextId", .string(contextID))])
            let target = try await connection.call(
                "Target.createTarget", [("url", .string("about:blank")), ("browserContextId", .string(contextID))])
            guard let targetID = target["targetId"]?.stringValue else { return failed("no tab") }
            let attached = try await connection.call(
                "Target.attachToTarget", [("targetId", .string(targetID)), ("flatten", .bool(true))])
            guard let session = attached["sessionId"]?.stringValue else { return failed("no DevTools session") }
            recorder.state.withLock { _ = $0.sessions.insert(session) }
            listener = await connection.addListener { [connection, settings] event in
                guard recorder.owns(event.sessionID) else { return }
                recorder.record(event, mainSession: session)
                Self.react(
                    to: event, recorder: recorder, connection: connection, settings: settings, kind: kind,
                    region: region)
            }
            try await prepare(session: session, kind: kind, region: region, frame: true)

            let outcome = try await withDeadline(settings.pageTimeout) {
                try await self.visit(
                    page: page, session: session, context: contextID, kind: kind, recorder: recorder,
                    discover: discover, sitemap: sitemap, started: started)
            }
            switch outcome {
            case .some(var findings):
                findings.record.region = region
                return findings
            case .none:
                if await connection.isClosed { return failed("the browser closed", browser: true) }
                return failed("no result within the page time limit of \(settings.pageTimeout)")
            }
        } catch let error as DevToolsError {
            return failed(error.description, browser: error.kind != .protocolError)
        } catch let error as VisitFailure {
            return failed(error.description)
        } catch {
            return failed("\(error)")
        }
    }

    /// Enables what a session records, the GPC signal, the cookie hook, and auto-attach for its frames and workers.
    private func prepare(session: String, kind: VisitKind, region: Region, frame: Bool) async throws {
        func call(_ method: String, _ params: [(String, JSONValue)] = []) async throws {
            _ = try await connection.call(method, params, session: session)
        }
        try await call("Network.enable", [("maxPostDataSize", .int(0))])
        if frame {
            try await call("Page.enable")
            try await call("Runtime.enable")
            try await call("DOMStorage.enable")
            try await call("Runtime.addBinding", [("name", .string(Self.cookieBinding))])
            try await call("Page.addScriptToEvaluateOnNewDocument", [("source", .string(Self.cookieHook))])
            if kind == .gpc {
                try await call("Page.addScriptToEvaluateOnNewDocument", [("source", .string(Self.gpcScript))])
            }
        }
        if kind == .gpc {
            try await call("Network.setExtraHTTPHeaders", [("headers", .object([("Sec-GPC", .string("1"))]))])
        }
        try await call(
            "Fetch.enable",
            [
                (
                    "patterns",
                    .array([
                        .object([
                            ("urlPattern", .string(settings.assentOrigin + "/*")), ("requestStage", .string("Request")),
                        ])
                    ])
                )
            ])
        try await call(
            "Target.setAutoAttach",
            [("autoAttach", .bool(true)), ("waitForDebuggerOnStart", .bool(true)), ("flatten", .bool(true))])
    }

    /// What some events need at once: requests to Assent continue with the region and scan headers, dialogs are
    /// dismissed, and frames and workers that attach are prepared and then let run.
    private static func react(
        to event: DevToolsEvent, recorder: VisitRecorder, connection: DevToolsConnection, settings: VisitSettings,
        kind: VisitKind, region: Region
    ) {
        let session = event.sessionID
        switch event.method {
        case "Fetch.requestPaused":
            guard let id = event.params["requestId"]?.stringValue else { return }
            var headers: [JSONValue] = []
            let url = event.params["request"]?["url"]?.stringValue ?? ""
            for (name, value) in event.params["request"]?["headers"]?.objectValue ?? [] {
                let lower = name.lowercased()
                guard lower != settings.regionHeader.lowercased(), lower != "assent-scan" else { continue }
                headers.append(.object([("name", .string(name)), ("value", value)]))
            }
            // The pattern already limits interception to Assent's origin; the check keeps the secret there even
            // if a pattern matched more than it should.
            if url.hasPrefix(settings.assentOrigin + "/") {
                headers.append(.object([("name", .string(settings.regionHeader)), ("value", .string(region.code))]))
                headers.append(.object([("name", .string("Assent-Scan")), ("value", .string(settings.scanSecret))]))
            }
            if kind == .gpc, !headers.contains(where: { $0["name"]?.stringValue?.lowercased() == "sec-gpc" }) {
                headers.append(.object([("name", .string("Sec-GPC")), ("value", .string("1"))]))
            }
            connection.send(
                "Fetch.continueRequest", [("requestId", .string(id)), ("headers", .array(headers))], session: session)
        case "Page.javascriptDialogOpening":
            connection.send("Page.handleJavaScriptDialog", [("accept", .bool(false))], session: session)
        case "Target.attachedToTarget":
            guard let child = event.params["sessionId"]?.stringValue else { return }
            let type = event.params["targetInfo"]?["type"]?.stringValue ?? ""
            recorder.state.withLock { _ = $0.sessions.insert(child) }
            let visit = PageVisit(connection: connection, settings: settings, logger: Logger(label: "assent.scan"))
            Task {
                if type == "iframe" || type == "worker" || type == "shared_worker" || type == "service_worker" {
                    try? await visit.prepare(session: child, kind: kind, region: region, frame: type == "iframe")
                }
                connection.send("Runtime.runIfWaitingForDebugger", session: child)
            }
        default: break
        }
    }

    private func visit(
        page: String, session: String, context: String, kind: VisitKind, recorder: VisitRecorder, discover: Bool,
        sitemap: Bool, started: ContinuousClock.Instant
    ) async throws -> VisitFindings {
        recorder.navigationStart.withLock { $0 = .now }
        let navigated = try await connection.call(
            "Page.navigate", [("url", .string(page))], session: session, timeout: settings.pageTimeout)
        if let error = navigated["errorText"]?.stringValue, !error.isEmpty {
            throw VisitFailure("navigation failed: \(error)")
        }
        try await waitUntil(recorder, "the page did not finish loading") { $0.loaded || $0.crashed }
        try await waitQuiet(recorder)
        try checkCrash(recorder)

        var record = VisitRecord(pageURL: page, finalURL: page, region: Region("ZZ")!, kind: kind)
        if kind == .rejectAll || kind == .acceptAll {
            let action = kind == .rejectAll ? "reject_all" : "accept_all"
            record.bannerShown = try await waitForButton(action, session: session)
            if record.bannerShown {
                record.cookiesBeforeClick = try await cookies(context: context, recorder: recorder)
                let clickedAt = recorder.ms()
                record.clicked = try await click(action, session: session)
                if record.clicked { record.clickedAtMs = clickedAt }
                // The click's own work (the decision's POST, scripts it lets run) starts now; wait for it to end.
                recorder.state.withLock { $0.lastActivity = .now }
                try await waitQuiet(recorder)
            }
        } else {
            record.bannerShown =
                try await evaluate(
                    "!!document.querySelector('.assent-b, [data-assent-action]')", session: session)?.boolValue ?? false
        }
        try checkCrash(recorder)
        record.finalURL = try await evaluate("location.href", session: session)?.stringValue ?? page
        let site = settings.suffixes.site(ofURL: record.finalURL) ?? ""
        record.cookies = try await cookies(context: context, recorder: recorder)
        record.storage = try await storage(session: session, recorder: recorder)
        record.requests = recorder.state.current.requests.map { request in
            var request = request
            request.thirdParty = settings.suffixes.site(ofURL: request.url) != site
            return request
        }
        for i in record.cookies.indices {
            record.cookies[i].thirdParty = settings.suffixes.site(of: record.cookies[i].domain) != site
        }
        for i in record.cookiesBeforeClick.indices {
            record.cookiesBeforeClick[i].thirdParty =
                settings.suffixes.site(of: record.cookiesBeforeClick[i].domain) != site
        }
        for i in record.storage.indices {
            record.storage[i].thirdParty = settings.suffixes.site(ofURL: record.storage[i].origin) != site
        }
        record.durationMs = Self.ms(started.duration(to: .now))

        var findings = VisitFindings(record: record)
        if discover {
            let links = try await evaluate(
                "[...document.querySelectorAll('a[href]')].map(a => a.href)", session: session)
            findings.links = links?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        if sitemap {
            let text = try await evaluate(
                "fetch(new URL('/sitemap.xml', location.href), {credentials: 'omit'})"
                    + ".then(r => r.ok ? r.text() : '').catch(() => '')", session: session, awaitPromise: true)
            findings.sitemap = Crawler.sitemapURLs(text?.stringValue ?? "")
        }
        return findings
    }

    private func checkCrash(_ recorder: VisitRecorder) throws {
        if recorder.state.current.crashed { throw VisitFailure("the page's renderer crashed") }
    }

    /// Waits (bounded by the page deadline around the visit) for a condition on what the events said.
    private func waitUntil(
        _ recorder: VisitRecorder, _ what: String, _ condition: (VisitRecorder.State) -> Bool
    ) async throws {
        while !condition(recorder.state.current) {
            if await connection.isClosed { throw DevToolsError(kind: .closed, description: "the browser closed") }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// No request in flight for `quietWindow`, or `quietLimit` reached.
    private func waitQuiet(_ recorder: VisitRecorder) async throws {
        let limit = ContinuousClock.now + settings.quietLimit
        while ContinuousClock.now < limit {
            let state = recorder.state.current
            if state.crashed { return }
            if state.inflight.isEmpty && state.lastActivity.duration(to: .now) >= settings.quietWindow { return }
            if await connection.isClosed { throw DevToolsError(kind: .closed, description: "the browser closed") }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    private func waitForButton(_ action: String, session: String) async throws -> Bool {
        let limit = ContinuousClock.now + .seconds(5)
        let probe = "!!document.querySelector('[data-assent-action=\"\(action)\"]')"
        while true {
            if try await evaluate(probe, session: session)?.boolValue == true { return true }
            if ContinuousClock.now >= limit { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Clicks the banner's button as a visitor does: a real mouse press and release at its centre when nothing
    /// covers it there, else `click()` on the element.
    private func click(_ action: String, session: String) async throws -> Bool {
        let locate = """
            (() => { const b = document.querySelector('[data-assent-action="\(action)"]'); if (!b) return null;
            b.scrollIntoView({block: 'center', inline: 'center'}); const r = b.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2, h = document.elementFromPoint(x, y);
            return {x, y, hit: !!h && (h === b || b.contains(h))} })()
            """
        guard let box = try await evaluate(locate, session: session), case .object = box else { return false }
        if box["hit"]?.boolValue == true, let x = box["x"]?.doubleValue, let y = box["y"]?.doubleValue {
            for type in ["mouseMoved", "mousePressed", "mouseReleased"] {
                var params: [(String, JSONValue)] = [
                    ("type", .string(type)), ("x", .number(x, integer: nil)), ("y", .number(y, integer: nil)),
                ]
                if type != "mouseMoved" { params += [("button", .string("left")), ("clickCount", .int(1))] }
                _ = try await connection.call("Input.dispatchMouseEvent", params, session: session)
            }
            return true
        }
        let clicked = try await evaluate(
            "(() => { const b = document.querySelector('[data-assent-action=\"\(action)\"]'); if (b) b.click(); return !!b })()",
            session: session)
        return clicked?.boolValue == true
    }

    private func evaluate(_ expression: String, session: String, context: Int? = nil, awaitPromise: Bool = false)
        async throws -> JSONValue?
    {
        var params: [(String, JSONValue)] = [
            ("expression", .string(expression)), ("returnByValue", .bool(true)), ("awaitPromise", .bool(awaitPromise)),
        ]
        if let context { params.append(("contextId", .int(context))) }
        let result = try await connection.call("Runtime.evaluate", params, session: session)
        if result["exceptionDetails"] != nil { return nil }
        return result["result"]?["value"]
    }

    /// The context's cookies as stored, each with who set it where the events tell (a response's Set-Cookie, or a
    /// script through `document.cookie`), plus the ones the browser refused, seen only on the wire.
    private func cookies(context: String, recorder: VisitRecorder) async throws -> [ObservedCookie] {
        let stored = try await connection.call("Storage.getCookies", [("browserContextId", .string(context))])
        let wire = recorder.wireCookies()
        let scripts = recorder.state.current.scriptCookies
        let now = recorder.ms()
        func bare(_ domain: String) -> String { domain.hasPrefix(".") ? String(domain.dropFirst()) : domain }
        var result: [ObservedCookie] = []
        for cookie in stored["cookies"]?.arrayValue ?? [] {
            guard let name = cookie["name"]?.stringValue, let domain = cookie["domain"]?.stringValue else { continue }
            let expires = cookie["expires"]?.doubleValue ?? -1
            var observed = ObservedCookie(
                name: name, domain: domain, path: cookie["path"]?.stringValue ?? "/",
                expires: cookie["session"]?.boolValue == true || expires < 0 ? nil : expires,
                secure: cookie["secure"]?.boolValue ?? false, httpOnly: cookie["httpOnly"]?.boolValue ?? false,
                sameSite: cookie["sameSite"]?.stringValue,
                partitionKey: VisitRecorder.partitionKey(cookie["partitionKey"]), atMs: now)
            if let set = wire.first(where: {
                !$0.blocked && $0.line.name == name && bare($0.line.domain) == bare(domain)
            }) {
                observed.setBy = Initiator(kind: .response, url: set.url)
                observed.frameURL = set.frameURL
                observed.atMs = set.atMs
            } else if let set = scripts.first(where: {
                Self.names($0.line) == name && Self.domainMatches(frame: $0.frameURL, domain: domain)
            }) {
                observed.setBy = Initiator(kind: .script, url: set.scriptURL ?? set.frameURL, line: set.scriptLine)
                observed.frameURL = set.frameURL
                observed.atMs = set.atMs
            }
            result.append(observed)
        }
        for set in wire where set.blocked {
            guard !result.contains(where: { $0.blocked && $0.name == set.line.name && $0.domain == set.line.domain })
            else { continue }
            result.append(
                ObservedCookie(
                    name: set.line.name, domain: set.line.domain, path: set.line.path, expires: set.line.expires,
                    secure: set.line.secure, httpOnly: set.line.httpOnly, sameSite: set.line.sameSite,
                    partitionKey: set.partitionKey, blocked: true, frameURL: set.frameURL,
                    setBy: Initiator(kind: .response, url: set.url), atMs: set.atMs))
        }
        return result
    }

    static func names(_ line: String) -> String {
        let head = line.split(separator: ";", maxSplits: 1).first ?? ""
        return head.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    }

    static func domainMatches(frame: String, domain: String) -> Bool {
        guard let host = URLComponents(string: frame)?.host?.lowercased() else { return false }
        let bare = domain.hasPrefix(".") ? String(domain.dropFirst()) : domain
        return host == bare || host.hasSuffix("." + bare)
    }

    /// Every localStorage and sessionStorage key of every frame: each frame of this session's tree and of every
    /// attached frame session, read in an isolated world (the page's own scripts cannot interfere).
    private func storage(session: String, recorder: VisitRecorder) async throws -> [ObservedStorageKey] {
        let sessions = recorder.state.current.sessions
        let seen = recorder.state.current.storageSeen
        let now = recorder.ms()
        var result: [ObservedStorageKey] = []
        var done: Set<String> = []
        let read = """
            (() => { const k = s => { try { const a = []; for (let i = 0; i < s.length; i++) a.push(s.key(i)); return a }
            catch (e) { return [] } }; let l = [], s = [];
            try { l = k(localStorage) } catch (e) {} try { s = k(sessionStorage) } catch (e) {}
            return {o: location.origin, u: location.href, l, s} })()
            """
        for each in [session] + sessions.sorted().filter({ $0 != session }) {
            guard let tree = try? await connection.call("Page.getFrameTree", session: each) else { continue }
            var frames: [JSONValue] = []
            var stack = [tree["frameTree"]].compactMap { $0 }
            while let node = stack.popLast() {
                if let frame = node["frame"] { frames.append(frame) }
                stack += node["childFrames"]?.arrayValue ?? []
            }
            for frame in frames {
                guard let id = frame["id"]?.stringValue, let url = frame["url"]?.stringValue, url.hasPrefix("http"),
                    !done.contains(id)
                else { continue }
                guard
                    let world = try? await connection.call(
                        "Page.createIsolatedWorld", [("frameId", .string(id)), ("worldName", .string("assent-scan"))],
                        session: each),
                    let contextID = world["executionContextId"]?.intValue,
                    let value = try? await evaluate(read, session: each, context: contextID)
                else { continue }
                done.insert(id)
                let origin = value["o"]?.stringValue ?? ""
                let frameURL = value["u"]?.stringValue ?? url
                for (area, letter) in [(ObservedStorageKey.Area.local, "l"), (.session, "s")] {
                    for key in value[letter]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                        let at = seen[VisitRecorder.storageName(area: letter, origin: origin, key: key)] ?? now
                        result.append(
                            ObservedStorageKey(area: area, key: key, origin: origin, frameURL: frameURL, atMs: at))
                    }
                }
            }
        }
        return result
    }

    /// Runs `body` until it returns or `limit` passes (then nil; `body` is cancelled).
    private func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T?
    {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    static func ms(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Reports every `document.cookie` write with the script (URL and line) at the top of the stack.
    static let cookieHook = """
        (() => { const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie'), b = self.\(cookieBinding);
        if (!d || !d.set || typeof b != 'function') return;
        Object.defineProperty(Document.prototype, 'cookie', { configurable: true, enumerable: d.enumerable,
          get() { return d.get.call(this) },
          set(v) { try { let u = '', l = 0; for (const f of String(new Error().stack || '').split('\\n').slice(2)) {
            const m = f.match(/(https?:\\/\\/\\S+?):(\\d+):\\d+\\)?$/); if (m) { u = m[1]; l = +m[2]; break } }
            b(JSON.stringify({c: String(v), u, l, f: location.href})) } catch (e) {} return d.set.call(this, v) } }) })()
        """

    static let gpcScript = """
        Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true, enumerable: true })
        """
}

struct VisitFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension JSONValue {
    var doubleValue: Double? { if case .number(let d, _) = self { d } else { nil } }
}
