import Crypto

typealias Curve25519Key = Curve25519.Signing.PublicKey

extension Curve25519.Signing.PublicKey {
    init(_ raw: [UInt8]) throws { try self.init(rawRepresentation: raw) }
}
