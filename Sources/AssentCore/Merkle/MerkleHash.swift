import Crypto

/// A SHA-256 value inside the RFC 9162 Merkle tree: a leaf hash, an interior node hash or a tree root.
///
/// Always exactly 32 bytes; the failable initialisers are the only way to build one from outside input. The bytes
/// are held in the value itself, not in an array of their own: a receipt's proof of 20 hashes is one allocation,
/// and copying a hash costs no reference counting.
public struct MerkleHash: Hashable, Sendable, CustomStringConvertible {
    /// The number of bytes in every `MerkleHash`.
    public static let byteCount = 32

    /// The 32 bytes, in order, as they lie in memory.
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// The raw 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 32 bytes, without copying them into an array.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    /// `raw` must hold exactly 32 bytes.
    private init(raw: UnsafeRawBufferPointer) {
        func word(_ offset: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        words = (word(0), word(8), word(16), word(24))
    }

    /// Wraps 32 raw bytes; `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self = bytes.withUnsafeBytes { MerkleHash(raw: $0) }
    }

    /// Parses 64 hexadecimal digits (either case); `nil` for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == Self.byteCount * 2, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// Wraps a SHA-256 digest (always 32 bytes).
    init(digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { MerkleHash(raw: $0) }
    }

    public static func == (a: MerkleHash, b: MerkleHash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// The 64 lowercase hexadecimal digits of the hash.
    public var hex: String { withUnsafeBytes { Hex.encode($0) } }

    public var description: String { hex }
}
