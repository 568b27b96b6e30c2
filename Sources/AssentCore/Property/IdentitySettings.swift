import Foundation

/// Signed-in readers: how a property checks the reader identities its publisher signs. Properties whose settings
/// are equal (the same issuer and the same key) form a group, across which a reader's choices follow them.
public struct IdentitySettings: Sendable, Equatable {
    public enum Key: Sendable, Equatable {
        /// HMAC-SHA256 under a secret the publisher and Assent share (at least 32 bytes).
        case hmacSHA256(secret: [UInt8])
        /// Ed25519: the publisher signs with its private key; the property holds the 32-byte public key.
        case ed25519(publicKey: [UInt8])
    }

    /// What the tokens' `iss` must say.
    public var issuer: String
    public var key: Key

    public static let minimumSecretBytes = 32
    public static let maximumIssuerLength = 100

    public init(issuer: String, key: Key) {
        self.issuer = issuer
        self.key = key
    }

    /// The document form. The key is written out too: `property export` must give back what `import` needs, so
    /// an exported document holding an HMAC secret is as secret as the secret.
    public var jsonValue: JSONValue {
        switch key {
        case .hmacSHA256(let secret):
            .object([("issuer", .string(issuer)), ("hmacSecret", .string(Data(secret).base64EncodedString()))])
        case .ed25519(let publicKey):
            .object([
                ("issuer", .string(issuer)), ("ed25519PublicKey", .string(Data(publicKey).base64EncodedString())),
            ])
        }
    }
}

extension DocumentReader {
    mutating func identitySettings(_ value: JSONValue?) -> IdentitySettings? {
        if value == .null { return nil }
        let path = "$.identity"
        guard
            let o = object(
                value, path, allowed: ["issuer", "hmacSecret", "ed25519PublicKey"], required: ["issuer"])
        else { return nil }
        var issuer = string(o["issuer"], "\(path).issuer")
        if let text = issuer,
            text.count > IdentitySettings.maximumIssuerLength
                || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            fail(
                "\(path).issuer",
                "at most \(IdentitySettings.maximumIssuerLength) characters, without control characters")
            issuer = nil
        }
        func base64(_ name: String) -> [UInt8]? {
            guard let text = string(o[name], "\(path).\(name)") else { return nil }
            guard text.utf8.allSatisfy(Self.isBase64Character), let bytes = Base64URL.decode(text) else {
                fail("\(path).\(name)", "not base64")
                return nil
            }
            return bytes
        }
        var key: IdentitySettings.Key?
        switch (o["hmacSecret"], o["ed25519PublicKey"]) {
        case (nil, nil):
            fail(path, "give the key tokens are checked with: hmacSecret or ed25519PublicKey")
        case (.some, .some):
            fail("\(path).ed25519PublicKey", "give either hmacSecret or ed25519PublicKey, not both")
        case (.some, nil):
            if let secret = base64("hmacSecret") {
                if secret.count < IdentitySettings.minimumSecretBytes {
                    fail(
                        "\(path).hmacSecret",
                        "must be at least \(IdentitySettings.minimumSecretBytes) random bytes, is \(secret.count)")
                } else {
                    key = .hmacSHA256(secret: secret)
                }
            }
        case (nil, .some):
            if let publicKey = base64("ed25519PublicKey") {
                if publicKey.count != 32 {
                    fail("\(path).ed25519PublicKey", "an Ed25519 public key is 32 bytes, this is \(publicKey.count)")
                } else {
                    key = .ed25519(publicKey: publicKey)
                }
            }
        }
        guard let issuer, let key else { return nil }
        return IdentitySettings(issuer: issuer, key: key)
    }

    /// Base64 in either alphabet, with or without padding.
    private static func isBase64Character(_ c: UInt8) -> Bool {
        (65...90).contains(c) || (97...122).contains(c) || (48...57).contains(c) || c == 43 || c == 47 || c == 45
            || c == 95 || c == 61
    }
}
