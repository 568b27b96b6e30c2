import AssentCore
import AssentStore
import Crypto
import Foundation

/// CSRF tokens the server recognises as its own. A token is the time it was issued, 16 random bytes and an
/// HMAC of both under a server secret, so only a server of this deployment can make one (a value an attacker
/// planted in both the cookie and the form does not pass), and it ages out after a day. The secret lives in the
/// store, made by the first server that needs it, so every server behind one database accepts the others'
/// tokens. A form must also send the token back in the cookie it came with, and come from this origin.
final class CSRFTokens: Sendable {
    static let cookie = "assent_csrf"
    /// How long a token is accepted (and its cookie kept), in milliseconds: a form left open for a day expires.
    static let lifetime: Int64 = 86_400_000
    private static let domain = Array("assent-csrf-v1".utf8)
    private static let macBytes = 16

    private let key: SharedSecret

    init(store: any CredentialStore) { key = SharedSecret(kind: "csrf", store: store) }

    private func secret() async throws -> SymmetricKey { SymmetricKey(data: try await key.bytes()) }

    func issue(now: Int64) async throws -> String {
        let body = Self.bigEndian(now) + Secrets.randomBytes(16)
        return Base64URL.encode(body + Self.mac(body, key: try await secret()))
    }

    /// Whether the token is one this deployment issued less than `lifetime` ago.
    func isValid(_ token: String, now: Int64) async throws -> Bool {
        guard token.utf8.count <= 64, let bytes = Base64URL.decode(token), bytes.count == 24 + Self.macBytes else {
            return false
        }
        let body = Array(bytes[0..<24])
        let expected = Self.mac(body, key: try await secret())
        // Compared as digests of equal length, so the time taken says nothing about how much of a guess was right.
        guard SHA256.hash(data: Array(bytes[24...])) == SHA256.hash(data: expected) else { return false }
        let issued = body[0..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        return issued <= now + 60_000 && now - issued < Self.lifetime
    }

    private static func mac(_ body: [UInt8], key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: domain + body, using: key).prefix(macBytes))
    }

    private static func bigEndian(_ value: Int64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    /// Whether a form post came from a page of this server. Browsers send `Origin` on every cross-site post (and
    /// `null` from sandboxes and some redirects): it must name the host the request was sent to, or the public URL.
    /// Without `Origin`, a `Referer` is held to the same rule; a request with neither (a privacy extension strips
    /// both) relies on the token and the SameSite=Strict cookie alone.
    static func isSameOrigin(origin: String?, referer: String?, host: String?, publicURL: String?) -> Bool {
        var allowed: [String] = []
        if let host, !host.isEmpty { allowed += ["http://" + host.lowercased(), "https://" + host.lowercased()] }
        if let publicURL { allowed.append(originPart(publicURL).lowercased()) }
        if let origin { return allowed.contains(origin.lowercased()) }
        if let referer { return allowed.contains(originPart(referer).lowercased()) }
        return true
    }

    /// `scheme://host[:port]` of a URL: everything before the first `/` after the scheme.
    private static func originPart(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return String(url[..<end])
    }
}
