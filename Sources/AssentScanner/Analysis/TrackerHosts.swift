import Foundation

/// Hosts a filter list names as trackers. Read from EasyPrivacy as Debian's `webext-ublock-origin-chromium`
/// installs it, from disk, when it is there; the project never copies the list.
public struct TrackerHosts: Sendable {
    public let hosts: Set<String>
    /// Where the list was read from, for the report.
    public let source: String

    /// Where Debian's package puts EasyPrivacy (`dpkg -L webext-ublock-origin-chromium | grep -i easyprivacy`).
    public static let debianEasyPrivacyPaths = [
        "/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist/easyprivacy.txt",
        "/usr/share/webext/ublock-origin/assets/thirdparties/easylist/easyprivacy.txt",
    ]

    public init(hosts: Set<String>, source: String) {
        self.hosts = hosts
        self.source = source
    }

    /// The hosts of a list in Adblock Plus syntax. Only rules that block a whole host are read: `||host^`,
    /// alone or with options that narrow it by resource type or party (`||google-analytics.com^$script,
    /// third-party`): the host is a tracker whichever request reaches it. Rules with any other option (`domain=`,
    /// `redirect=`, …), a path or a wildcard, exceptions (`@@`) and cosmetic rules are left out.
    public init(filterList text: String, source: String) {
        var hosts: Set<String> = []
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard raw.hasPrefix("||") else { continue }
            var rule = raw.dropFirst(2)
            if let dollar = rule.firstIndex(of: "$") {
                let options = rule[rule.index(after: dollar)...].split(separator: ",")
                guard !options.isEmpty, options.allSatisfy({ Self.narrowingOptions.contains(String($0)) }) else {
                    continue
                }
                rule = rule[..<dollar]
            }
            guard rule.hasSuffix("^") else { continue }
            let host = rule.dropLast()
            guard !host.isEmpty, host.contains("."),
                host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" })
            else { continue }
            hosts.insert(host.lowercased())
        }
        self.init(hosts: hosts, source: source)
    }

    /// Options that only say which requests to the host a rule covers.
    static let narrowingOptions: Set<String> = [
        "third-party", "3p", "~third-party", "1p", "first-party", "script", "image", "xmlhttprequest", "xhr", "ping",
        "beacon", "subdocument", "object", "media", "font", "stylesheet", "css", "other", "websocket", "all",
        "important", "popup", "document", "doc",
    ]

    /// EasyPrivacy from the first of `paths` that exists; nil when the package is not installed.
    public static func easyPrivacy(paths: [String] = debianEasyPrivacyPaths) -> TrackerHosts? {
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            return TrackerHosts(filterList: String(decoding: data, as: UTF8.self), source: path)
        }
        return nil
    }

    /// The listed host that `host` is or is a subdomain of, if any.
    public func listed(_ host: String) -> String? {
        var labels = CookieDatabase.normalizedHost(host).split(separator: ".")
        while labels.count >= 2 {
            let candidate = labels.joined(separator: ".")
            if hosts.contains(candidate) { return candidate }
            labels.removeFirst()
        }
        return nil
    }
}
