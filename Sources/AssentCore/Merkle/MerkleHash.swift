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
        let utf8 = Array(hex.utf8)
        guard utf8.count == Self.byteCount * 2 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.byteCount)
        var index = 0
        while index < utf8.count {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.bytes = bytes
    }

    /// Wraps a SHA-256 digest (always 32 bytes).
    init(digest: SHA256.Digest) {
        self.bytes = Array(digest)
    }

    /// The 64 lowercase hexadecimal digits of the hash.
    public var hex: String {
        var out = [UInt8]()
        out.reserveCapacity(Self.byteCount * 2)
        writeHex(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the 64 lowercase hexadecimal digits to `out` (receipts write a proof's worth per answer).
    public func writeHex(into out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { digits in
            for byte in bytes {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
        }
    }

    public var description: String { hex }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
