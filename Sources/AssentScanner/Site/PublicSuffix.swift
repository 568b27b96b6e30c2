import Foundation

/// The public suffix list (publicsuffix.org, as Debian's `publicsuffix` package ships it): which part of a host name
/// is a registry suffix, and so which registrable domain ("site") a host belongs to. Both the ICANN and the private
/// sections count, as they do for browsers' notion of a site.
public struct PublicSuffixList: Sendable {
    /// Where Debian's `publicsuffix` package installs the list.
    public static let debianPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    // Rules by their number of labels would not help lookups; a set per kind keeps each check one hash.
    private var exact: Set<String> = []
    private var wildcard: Set<String> = []  // "*.ck" stored as "ck"
    private var exception: Set<String> = []  // "!www.ck" stored as "www.ck"

    /// Parses the list's text: one rule per line, `//` comments, blank lines, `*.` wildcards and `!` exceptions.
    public init(text: String) {
        for raw in text.split(whereSeparator: \.isNewline) {
            // A rule ends at the first whitespace; anything after it is ignored, as the format says.
            guard let token = raw.split(whereSeparator: \.isWhitespace).first, !token.hasPrefix("//") else { continue }
            let rule = Self.normalise(String(token))
            if rule.hasPrefix("!") {
                exception.insert(String(rule.dropFirst()))
            } else if rule.hasPrefix("*.") {
                wildcard.insert(String(rule.dropFirst(2)))
            } else {
                exact.insert(rule)
            }
        }
    }

    /// The list Debian installs, or nil when the package is not installed.
    public static func debian() -> PublicSuffixList? {
        guard let text = try? String(contentsOfFile: debianPath, encoding: .utf8) else { return nil }
        return PublicSuffixList(text: text)
    }

    /// The installed list read once; without the package, only the default rule (`*`: the last label is the suffix).
    public static let shared: PublicSuffixList = debian() ?? PublicSuffixList(text: "")

    /// The public suffix of `host` ("co.uk" for "www.example.co.uk"); the last label when no rule matches.
    public func publicSuffix(of host: String) -> String? {
        let name = Self.normalise(host)
        guard !name.isEmpty, !Self.isIPAddress(name) else { return nil }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !labels.contains(where: \.isEmpty) else { return nil }
        // Walk from the whole name down to its last label: the first (longest) match is the prevailing rule,
        // except that an exception rule always wins and makes its parent the suffix.
        for start in labels.indices {
            let candidate = labels[start...].joined(separator: ".")
            if exception.contains(candidate) {
                return labels[(start + 1)...].joined(separator: ".")
            }
            if exact.contains(candidate) { return candidate }
            if start + 1 < labels.count, wildcard.contains(labels[(start + 1)...].joined(separator: ".")) {
                return candidate
            }
        }
        return labels.last
    }

    /// The registrable domain of `host`: its public suffix and one more label ("example.co.uk"). Nil for an IP
    /// address, or a host that is itself a public suffix.
    public func registrableDomain(of host: String) -> String? {
        let name = Self.normalise(host)
        guard let suffix = publicSuffix(of: name), name != suffix else { return nil }
        let head = name.dropLast(suffix.count + 1)
        let label = head.split(separator: ".").last.map(String.init) ?? String(head)
        return label + "." + suffix
    }

    /// What decides first or third party: the registrable domain, or the host itself when it has none (an IP
    /// address, `localhost`, a bare suffix).
    public func site(of host: String) -> String {
        registrableDomain(of: host) ?? Self.normalise(host)
    }

    /// The site of a URL's host ("https://a.b.example.com/x" → "example.com"); nil when the URL has no host.
    public func site(ofURL url: String) -> String? {
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else { return nil }
        return site(of: host)
    }

    static func normalise(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasPrefix(".") { name.removeFirst() }
        if name.hasSuffix(".") { name.removeLast() }
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        return name
    }

    static func isIPAddress(_ name: String) -> Bool {
        if name.contains(":") { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }
    }
}
