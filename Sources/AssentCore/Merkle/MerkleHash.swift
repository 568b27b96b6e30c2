import Crypto

/// A SHA-256 value inside the RFC 9162 Merkle tree: a leaf hash, an interior node hash or a tree root.
///
/// Always exactly 32 bytes; the failable initialisers are the only way to build one from outside input.
public struct MerkleHash: Hashable, Sendable, CustomStringConvertible {
    /// The number of bytes in every `MerkleHash`.
    public static let byteCount = 32

    /// The raw 32 bytes.
    public let bytes: [UInt8]

    /// Wraps 32 raw bytes; `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Parses 64 hexadecimal digits (either case); `nil` for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == Self.byteCount * 2, let bytes = Hex.decode(hex) else { return nil }
        self.bytes = bytes
    }

    /// Wraps a SHA-256 digest (always 32 bytes).
    init(digest: SHA256.Digest) {
        self.bytes = Array(digest)
    }

    /// The 64 lowercase hexadecimal digits of the hash.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}
