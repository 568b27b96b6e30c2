/// The web-safe base64 alphabet (RFC 4648 §5) as used by TCF and GPP: 6 bits per character, no byte framing.
///
/// Unlike byte-oriented base64, a signal string is a bit string whose last character may carry padding zeros;
/// the decoder therefore returns a `BitReader` over exactly `6 × characters` bits.
public enum Base64URLBits {
    /// How the encoder fills the last character(s).
    public enum Padding: Sendable {
        /// Zero bits to the next multiple of 6 only (the GPP specification's own examples).
        case sixBits
        /// Zero bits to a multiple of 8, then of 6: what the GPP reference libraries write for headers and
        /// US sections (`DBABMA` rather than `DBABM`).
        case bytesThenSixBits
        /// Zero bits to a multiple of 24, so the output is whole base64 quads: the TCF reference encoder.
        case quads
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, char) in alphabet.enumerated() { table[Int(char)] = Int8(value) }
        return table
    }()

    /// Decodes `text`; trailing `=` characters are ignored (some libraries write them), any other character
    /// outside the alphabet throws `invalidCharacter` naming `field` and the bit offset of that character.
    public static func decode(_ text: some StringProtocol, field: String) throws(SignalDecodingError) -> BitReader {
        var utf8 = Array(text.utf8)
        while utf8.last == UInt8(ascii: "=") { utf8.removeLast() }
        guard !utf8.isEmpty else {
            throw SignalDecodingError(.truncated, field: field, bitOffset: 0, "empty string")
        }
        var bytes = [UInt8](repeating: 0, count: (utf8.count * 6 + 7) / 8)
        var bit = 0
        for (index, char) in utf8.enumerated() {
            let value = values[Int(char)]
            guard value >= 0 else {
                throw SignalDecodingError(
                    .invalidCharacter, field: field, bitOffset: index * 6,
                    "character \(index) is not in the base64url alphabet")
            }
            for shift in stride(from: 5, through: 0, by: -1) where Int(value) >> shift & 1 == 1 {
                bytes[(bit + 5 - shift) >> 3] |= 0x80 >> UInt8((bit + 5 - shift) & 7)
            }
            bit += 6
        }
        return BitReader(bytes: bytes, bitCount: bit)
    }

    /// Encodes the bits written to `writer`, padded with zeros as `padding` says.
    public static func encode(_ writer: BitWriter, padding: Padding) -> String {
        var padded = writer
        switch padding {
        case .sixBits: padded.pad(toMultipleOf: 6)
        case .bytesThenSixBits:
            padded.pad(toMultipleOf: 8)
            padded.pad(toMultipleOf: 6)
        case .quads: padded.pad(toMultipleOf: 24)
        }
        let bytes = padded.bytes
        var out: [UInt8] = []
        out.reserveCapacity(padded.bitCount / 6)
        for start in stride(from: 0, to: padded.bitCount, by: 6) {
            var value = 0
            for index in start..<(start + 6) {
                value = value << 1 | Int(bytes[index >> 3] >> UInt8(7 - index & 7) & 1)
            }
            out.append(alphabet[value])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
