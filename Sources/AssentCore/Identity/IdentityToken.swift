import Crypto

/// A reader's identity as the publisher asserts it: `base64url(payload) "." base64url(signature)`, without
/// padding, where the payload is a JSON object with at least `iss` (the issuer), `sub` (the publisher's id for
/// the reader) and `exp` (seconds since the Unix epoch), and the signature covers the first part's ASCII
/// characters. There is no algorithm field: the property's settings say how tokens are signed, so a token can
/// never choose a weaker check for itself.
public struct IdentityToken: Sendable, Equatable {
    public var issuer: String
    /// The reader's id at the publisher. Never stored: the ledger keys the reader by an HMAC of it.
    public var subject: String
    /// Seconds since the Unix epoch.
    public var expiresAt: Int64

    public static let maximumLength = 4096
    public static let maximumSubjectLength = 256

    public init(issuer: String, subject: String, expiresAt: Int64) {
        self.issuer = issuer
        self.subject = subject
        self.expiresAt = expiresAt
    }

    /// Why a token is refused. `malformed` is a request the client got wrong (400); the others are a well-formed
    /// token that does not prove an identity here (401).
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed(String)
        case badSignature
        case wrongIssuer(expected: String, found: String)
        /// Seconds since the epoch.
        case expired(at: Int64)

        public var description: String {
            switch self {
            case .malformed(let why): "the identity token is malformed: \(why)"
            case .badSignature: "the identity token's signature does not verify with this property's key"
            case .wrongIssuer(let expected, let found):
                "the identity token was issued by \"\(found)\"; this property accepts tokens of \"\(expected)\""
            case .expired(let at):
                "the identity token expired at \(Timestamp.iso8601(milliseconds: at * 1000))"
            }
        }
    }

    /// Checks a token against a property's settings at `now` (milliseconds): the shape, then the signature, then
    /// the issuer and the expiry. The HMAC is compared in constant time.
    public static func verify(_ token: String, settings: IdentitySettings, now: Int64) throws(Failure) -> IdentityToken
    {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty else { throw .malformed("it is empty") }
        guard bytes.count <= maximumLength else { throw .malformed("longer than \(maximumLength) characters") }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .malformed("expected two base64url parts separated by one \".\"")
        }
        guard let payload = base64URL(parts[0]) else { throw .malformed("the payload is not base64url") }
        guard let signature = base64URL(parts[1]) else { throw .malformed("the signature is not base64url") }
        let signed = Array(parts[0])
        switch settings.key {
        case .hmacSHA256(let secret):
            guard signature.count == SHA256.byteCount,
                HMAC<SHA256>.isValidAuthenticationCode(
                    signature, authenticating: signed, using: SymmetricKey(data: secret))
            else { throw .badSignature }
        case .ed25519(let publicKey):
            guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
                key.isValidSignature(signature, for: signed)
            else { throw .badSignature }
        }
        let claims = try Self.claims(payload)
        guard claims.issuer == settings.issuer else {
            throw .wrongIssuer(expected: settings.issuer, found: claims.issuer)
        }
        guard now / 1000 < claims.expiresAt else { throw .expired(at: claims.expiresAt) }
        return claims
    }

    /// The claims of a payload, without checking anything but their shape.
    static func claims(_ payload: [UInt8]) throws(Failure) -> IdentityToken {
        let json: JSONValue
        do {
            json = try JSONParser.parse(payload)
        } catch {
            throw .malformed("the payload is not JSON: \(error)")
        }
        guard json.objectValue != nil else { throw .malformed("the payload is not a JSON object") }
        guard let issuer = json["iss"]?.stringValue else { throw .malformed("iss: a string is required") }
        guard let subject = json["sub"]?.stringValue, !subject.isEmpty, subject.count <= maximumSubjectLength else {
            throw .malformed("sub: a string of 1 to \(maximumSubjectLength) characters is required")
        }
        guard let exp = json["exp"]?.int64Value, exp > 0 else {
            throw .malformed("exp: an integer time in seconds since the epoch is required")
        }
        return IdentityToken(issuer: issuer, subject: subject, expiresAt: exp)
    }

    /// Strict base64url: its own alphabet only, no padding.
    private static func base64URL(_ part: ArraySlice<UInt8>) -> [UInt8]? {
        guard part.count % 4 != 1,
            part.allSatisfy({
                (65...90).contains($0) || (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95
            })
        else { return nil }
        return Base64URL.decode(String(decoding: part, as: UTF8.self))
    }

    /// A token as a publisher makes one, signed with an HMAC secret: for `assent` tooling and tests. Publishers
    /// sign on their own servers.
    public static func sign(_ claims: IdentityToken, hmacSecret: [UInt8]) -> String {
        let payload = Base64URL.encode(
            CanonicalJSON.orderedBytes(
                .object([
                    ("iss", .string(claims.issuer)), ("sub", .string(claims.subject)),
                    ("exp", .int64(claims.expiresAt)),
                ])))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: SymmetricKey(data: hmacSecret))
        return payload + "." + Base64URL.encode(Array(mac))
    }
}

/// The ledger subject of a signed-in reader: `u-` and 22 base64url characters, the first 16 bytes of
/// HMAC-SHA256(server secret, issuer ‖ 0x00 ‖ sub). The same reader of the same issuer gets the same subject on
/// every property and device; the publisher's id for them is never stored, and cannot be recovered from the
/// subject without the server's secret.
public enum IdentitySubject {
    public static let prefix = "u-"

    public static func derive(secret: [UInt8], issuer: String, subject: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array(issuer.utf8) + [0] + Array(subject.utf8), using: SymmetricKey(data: secret))
        return prefix + Base64URL.encode(Array(mac).prefix(16))
    }

    /// Whether `text` has the form of a derived subject.
    public static func isValid(_ text: some StringProtocol) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 24, bytes.starts(with: prefix.utf8) else { return false }
        return bytes.dropFirst(2).allSatisfy {
            (65...90).contains($0) || (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95
        }
    }
}

/// A subject as requests name it: a browser's UUID (lowercased) or a signed-in reader's derived subject; nil for
/// anything else.
public func normalizedSubject(_ text: String) -> String? {
    normalizedUUID(text) ?? (IdentitySubject.isValid(text) ? text : nil)
}
