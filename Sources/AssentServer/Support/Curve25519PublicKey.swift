import Crypto

typealias Curve25519PublicKey = Curve25519.Signing.PublicKey
