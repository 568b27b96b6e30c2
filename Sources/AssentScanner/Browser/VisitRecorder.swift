import AssentCore
import Foundation

/// What the DevTools events of one visit said, gathered as they arrive (from the page's session and every frame or
/// worker session attached under it). Event callbacks must not suspend, so this is a locked value, not an actor.
final class VisitRecorder: Sendable {
    struct WireCookie: Sendable {
        var line: SetCookieLine
        var url: String
        var frameURL: String?
        var blocked: Bool
        var partitionKey: String?
        var atMs: Int
    }

    struct ScriptCookie: Sendable {
        var line: String
        var scriptURL: String?
        var scriptLine: Int?
        var frameURL: String
        var atMs: Int
    }

    struct State: Sendable {
        var sessions: Set<String> = []
        var requests: [ObservedRequest] = []
        var requestURLs: [String: (url: String, frameURL: String?)] = [:]
        var inflight: Set<String> = []
        var lastActivity = ContinuousClock.now
        var extraInfo: [(requestID: String, params: JSONValue, atMs: Int)] = []
        var scriptCookies: [ScriptCookie] = []
        var storageSeen: [String: Int] = [:]
        var loaded = false
        var crashed = false
        var dialogs = 0
    }

    let state = Guarded(State())
    let navigationStart = Guarded(ContinuousClock.now)

    func ms(_ instant: ContinuousClock.Instant = .now) -> Int {
        let elapsed = navigationStart.current.duration(to: instant)
        return max(0, Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
    }

    func owns(_ session: String?) -> Bool {
        guard let session else { return false }
        return state.withLock { $0.sessions.contains(session) }
    }

    /// Records an event; returns nothing: actions (continue a request, dismiss a dialog) are the visit's.
    func record(_ event: DevToolsEvent, mainSession: String) {
        let at = ms()
        let params = event.params
        state.withLock { s in
            switch event.method {
            case "Network.requestWillBeSent":
                guard let id = params["requestId"]?.stringValue, let url = params["request"]?["url"]?.stringValue,
                    url.hasPrefix("http:") || url.hasPrefix("https:") || url.hasPrefix("ws")
                else { return }
                let frameURL = params["documentURL"]?.stringValue
                s.inflight.insert(id)
                s.lastActivity = .now
                s.requestURLs[id] = (url, frameURL)
                s.requests.append(
                    ObservedRequest(
                        url: url, type: params["type"]?.stringValue ?? "Other", frameURL: frameURL,
                        initiator: Self.initiator(params["initiator"]), atMs: at))
            case "Network.loadingFinished", "Network.loadingFailed":
                if let id = params["requestId"]?.stringValue, s.inflight.remove(id) != nil { s.lastActivity = .now }
            case "Network.responseReceivedExtraInfo":
                if let id = params["requestId"]?.stringValue { s.extraInfo.append((id, params, at)) }
            case "Runtime.bindingCalled" where params["name"]?.stringValue == PageVisit.cookieBinding:
                guard let payload = params["payload"]?.stringValue, let value = try? JSONParser.parse(payload),
                    let line = value["c"]?.stringValue, let frame = value["f"]?.stringValue
                else { return }
                let script = value["u"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                s.scriptCookies.append(
                    ScriptCookie(
                        line: line, scriptURL: script, scriptLine: script == nil ? nil : value["l"]?.intValue,
                        frameURL: frame, atMs: at))
            case "DOMStorage.domStorageItemAdded", "DOMStorage.domStorageItemUpdated":
                guard let key = params["key"]?.stringValue, let id = params["storageId"] else { return }
                let origin = id["securityOrigin"]?.stringValue ?? id["storageKey"]?.stringValue ?? ""
                let area = id["isLocalStorage"]?.boolValue == true ? "l" : "s"
                let name = Self.storageName(area: area, origin: origin, key: key)
                if s.storageSeen[name] == nil { s.storageSeen[name] = at }
            case "Page.loadEventFired" where event.sessionID == mainSession:
                s.loaded = true
                s.lastActivity = .now
            case "Inspector.targetCrashed" where event.sessionID == mainSession:
                s.crashed = true
            case "Page.javascriptDialogOpening":
                s.dialogs += 1
            default: break
            }
        }
    }

    static func storageName(area: String, origin: String, key: String) -> String {
        let trimmed = origin.hasSuffix("/") ? String(origin.dropLast()) : origin
        return area + " " + trimmed + " " + key
    }

    /// The protocol's initiator: a script (with the top frame of its stack that has a URL), the parser (with the
    /// document and line), or anything else with its URL. Lines are 0-based in the protocol, 1-based here.
    static func initiator(_ value: JSONValue?) -> Initiator? {
        guard let value, let type = value["type"]?.stringValue else { return nil }
        var stack = value["stack"]
        while let current = stack {
            for frame in current["callFrames"]?.arrayValue ?? [] {
                if let url = frame["url"]?.stringValue, !url.isEmpty {
                    return Initiator(kind: .script, url: url, line: frame["lineNumber"]?.intValue.map { $0 + 1 })
                }
            }
            stack = current["parent"]
        }
        let url = value["url"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let line = value["lineNumber"]?.intValue.map { $0 + 1 }
        switch type {
        case "parser": return Initiator(kind: .parser, url: url, line: line)
        case "script": return Initiator(kind: .script, url: url, line: line)
        default: return Initiator(kind: .other, url: url, line: line)
        }
    }

    /// Every Set-Cookie line the responses carried, the blocked ones marked, with their response URL.
    func wireCookies() -> [WireCookie] {
        let snapshot = state.current
        var result: [WireCookie] = []
        for (id, params, at) in snapshot.extraInfo {
            guard let (url, frameURL) = snapshot.requestURLs[id], let host = URLComponents(string: url)?.host else {
                continue
            }
            var lines: [String] = []
            for (name, value) in params["headers"]?.objectValue ?? [] where name.lowercased() == "set-cookie" {
                lines += (value.stringValue ?? "").split(separator: "\n").map(String.init)
            }
            let blockedLines = Set(
                (params["blockedCookies"]?.arrayValue ?? []).compactMap { $0["cookieLine"]?.stringValue })
            let partition = Self.partitionKey(params["cookiePartitionKey"])
            for line in lines {
                guard let parsed = SetCookieLine(line, host: host) else { continue }
                result.append(
                    WireCookie(
                        line: parsed, url: url, frameURL: frameURL, blocked: blockedLines.contains(line),
                        partitionKey: parsed.partitioned ? partition : nil, atMs: at))
            }
        }
        return result
    }

    /// A partition key as the protocol gives it: a string in older versions, an object with its top-level site now.
    static func partitionKey(_ value: JSONValue?) -> String? {
        if let text = value?.stringValue { return text.isEmpty ? nil : text }
        return value?["topLevelSite"]?.stringValue
    }
}
