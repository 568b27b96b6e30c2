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

    /// Decodes `text`; trailing `=` characters are ignored (some libraries write them), any other character
    /// outside the alphabet throws `invalidCharacter` naming `field` and the bit offset of that character.
    public static func decode(_ text: some StringProtocol, field: String) throws(SignalDecodingError) -> BitReader {
        try UTF8Input.with(text) { input throws(SignalDecodingError) in try decode(input, 0..<input.count, field: field)
        }
    }

    /// Decodes the UTF-8 bytes `input[range]`, as `decode(_:field:)` does text: the decoders split a whole string's
    /// bytes into segments and decode each in place.
    static func decode(
        _ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, field: @autoclosure () -> String
    ) throws(SignalDecodingError) -> BitReader {
        var end = range.upperBound
        while end > range.lowerBound && input[end - 1] == UInt8(ascii: "=") { end -= 1 }
        let count = end - range.lowerBound
        guard count > 0 else {
            throw SignalDecodingError(.truncated, field: field(), bitOffset: 0, "empty string")
        }
        let bitCount = count * 6
        let first = range.lowerBound
        var invalid: UInt8 = 0
        if bitCount <= BitReader.inlineCapacity {
            // Short segments (GPP headers, US sections, GPC subsections) stay in two words: no allocation.
            var words: (UInt64, UInt64) = (0, 0)
            sextets.withUnsafeBufferPointer { table in
                var bit = 0
                for index in first..<end {
                    let value = table[Int(input[index])]
                    invalid |= value
                    let bits = UInt64(value & 63)
                    if bit <= 58 {
                        words.0 |= bits << UInt64(58 - bit)
                    } else if bit < 64 {
                        words.0 |= bits >> UInt64(bit - 58)
                        words.1 |= bits << UInt64(122 - bit)
                    } else {
                        words.1 |= bits << UInt64(122 - bit)
                    }
                    bit += 6
                }
            }
            if invalid & 0x80 != 0 { throw invalidCharacter(input, first..<end, field: field()) }
            return BitReader(inline: words, bitCount: bitCount)
        }
        var bytes = BitReader.zeros((bitCount + 7) / 8 + BitReader.padding, of: UInt8.self)
        bytes.withUnsafeMutableBytes { out in invalid = decodeBits(input, first..<end, into: out.baseAddress!) }
        if invalid & 0x80 != 0 { throw invalidCharacter(input, first..<end, field: field()) }
        return BitReader(padded: bytes, bitCount: bitCount)
    }

    /// Writes the bits of the characters `input[range]` to `out` and returns the OR of their 6-bit values, which
    /// has bit 7 set if a character is outside the alphabet (its 0xFF then spoils the output, which is not kept).
    ///
    /// Eight characters become six bytes, stored as one big-endian word whose two zero low bytes the next word (or
    /// what follows the data) covers: `out` needs two bytes of room past the data. The rest go bit by bit.
    private static func decodeBits(
        _ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: UnsafeMutableRawPointer
    ) -> UInt8 {
        var invalid: UInt8 = 0
        var invalidPairs: UInt16 = 0
        var written = 0
        var index = range.lowerBound
        let end = range.upperBound
        // Two characters at a time through a 65 536-entry table of their 12 bits (0xF000 for a pair that is not
        // two alphabet characters): a quarter of the lookups and shifts of one character at a time.
        if let base = text.baseAddress {
            pairs.withUnsafeBufferPointer { pairs in
                while index + 8 <= end {
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                    let a = pairs[Int(truncatingIfNeeded: word & 0xFFFF)]
                    let b = pairs[Int(truncatingIfNeeded: (word >> 16) & 0xFFFF)]
                    let c = pairs[Int(truncatingIfNeeded: (word >> 32) & 0xFFFF)]
                    let d = pairs[Int(truncatingIfNeeded: word >> 48)]
                    invalidPairs |= a | b | c | d
                    let bits = UInt64(a) << 52 | UInt64(b) << 40 | UInt64(c) << 28 | UInt64(d) << 16
                    (out + written).storeBytes(of: bits.bigEndian, as: UInt64.self)
                    written &+= 6
                    index &+= 8
                }
            }
        }
        if invalidPairs & 0xF000 != 0 { invalid = 0x80 }
        sextets.withUnsafeBufferPointer { table in
            var pending: UInt32 = 0
            var pendingBits = 0
            while index < end {
                let value = table[Int(text[index])]
                invalid |= value
                pending = pending << 6 | UInt32(value & 63)
                pendingBits += 6
                if pendingBits >= 8 {
                    pendingBits -= 8
                    out.storeBytes(
                        of: UInt8(truncatingIfNeeded: pending >> UInt32(pendingBits)), toByteOffset: written,
                        as: UInt8.self)
                    written += 1
                }
                index += 1
            }
            if pendingBits > 0 {
                out.storeBytes(
                    of: UInt8(truncatingIfNeeded: pending << UInt32(8 - pendingBits)), toByteOffset: written,
                    as: UInt8.self)
            }
        }
        return invalid
    }

    /// The `.`-separated segments of `input[range]` (at most `SharedSegments.capacity`) decoded into one buffer
    /// that their readers share: a TC string's core and other segments cost one allocation instead of one each.
    /// `nil` when there are more segments, an empty one or a character outside the alphabet: the caller then
    /// decodes segment by segment, which reports the problem where it belongs.
    static func decodeShared(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SharedSegments? {
        var shared = SharedSegments()
        var total = 0
        for segment in ByteSegments(input, range, separator: ".") {
            var end = segment.upperBound
            while end > segment.lowerBound && input[end - 1] == UInt8(ascii: "=") { end -= 1 }
            guard end > segment.lowerBound, shared.count < SharedSegments.capacity else { return nil }
            shared.set(shared.count, (segment.lowerBound..<end, total))
            shared.count += 1
            total += ((end - segment.lowerBound) * 6 + 7) / 8
        }
        var invalid: UInt8 = 0
        var bytes = BitReader.zeros(total + BitReader.padding, of: UInt8.self)
        bytes.withUnsafeMutableBytes { out in
            for index in 0..<shared.count {
                let (characters, base) = shared.get(index)
                invalid |= decodeBits(input, characters, into: out.baseAddress! + base)
            }
        }
        guard invalid & 0x80 == 0 else { return nil }
        shared.bytes = bytes
        return shared
    }

    /// The error for the first character of `input[range]` outside the alphabet (the caller knows there is one).
    private static func invalidCharacter(
        _ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, field: String
    ) -> SignalDecodingError {
        let index = range.first { sextets[Int(input[$0])] & 0x80 != 0 }! - range.lowerBound
        return SignalDecodingError(
            .invalidCharacter, field: field, bitOffset: index * 6, "character \(index) is not in the base64url alphabet"
        )
    }

    /// Indexed by two bytes as a little-endian `UInt16`: their 12 bits when both are base64url characters, else 0xF000.
    private static let pairs: [UInt16] = {
        var table = [UInt16](repeating: 0xF000, count: 1 << 16)
        for (first, a) in alphabet.enumerated() {
            for (second, b) in alphabet.enumerated() {
                table[Int(a) | Int(b) << 8] = UInt16(first << 6 | second)
            }
        }
        return table
    }()

    /// The 6-bit value of each byte that is a base64url character, 0xFF for the others.
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, char) in alphabet.enumerated() { table[Int(char)] = UInt8(value) }
        return table
    }()

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

/// The ranges of `input[range]` between `separator` bytes, empty ones included: the byte form of
/// `split(separator:omittingEmptySubsequences: false)`, without substrings. Signal strings are ASCII, and an
/// ASCII separator byte never occurs inside a multi-byte UTF-8 sequence.
struct ByteSegments: Sequence, IteratorProtocol {
    private let input: UnsafeBufferPointer<UInt8>
    private let separator: UInt8
    private let end: Int
    private var start: Int?

    init(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, separator: Unicode.Scalar) {
        self.input = input
        self.separator = UInt8(ascii: separator)
        end = range.upperBound
        start = range.lowerBound
    }

    mutating func next() -> Range<Int>? {
        guard let first = start else { return nil }
        var index = first
        // Eight bytes at a time: a TC string is hundreds of characters between separators. The lowest byte flagged
        // by the zero-byte test of `word ^ pattern` is exactly the first separator (false flags only follow it).
        if let base = input.baseAddress {
            let pattern = UInt64(separator) &* 0x0101_0101_0101_0101
            while index + 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) ^ pattern
                let found = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
                if found != 0 {
                    index += found.trailingZeroBitCount >> 3
                    break
                }
                index += 8
            }
        }
        while index < end && input[index] != separator { index += 1 }
        start = index < end ? index + 1 : nil
        return first..<index
    }
}

/// The UTF-8 bytes of a signal string, for the decoders that work on bytes.
enum UTF8Input {
    /// Calls `body` with the UTF-8 bytes of `text`: in place when the string stores them contiguously (native
    /// strings do), otherwise from a copy.
    static func with<Result>(
        _ text: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) throws(SignalDecodingError) -> Result
    ) throws(SignalDecodingError) -> Result {
        // The closures return Void and leave the value or the error here: a generic result type would make every
        // call look up the metadata of `Optional<…>` at run time, which costs more than a short section's decoding,
        // and the closures of the standard library cannot throw a typed error.
        var value: Result?
        var failure: SignalDecodingError?
        func run(_ bytes: UnsafeBufferPointer<UInt8>) {
            do { value = try body(bytes) } catch { failure = error }
        }
        if text.utf8.withContiguousStorageIfAvailable(run) == nil {
            Array(text.utf8).withUnsafeBufferPointer(run)
        }
        if let failure { throw failure }
        return value.take()!  // moved out: a copy would retain and release every array of a decoded TC string
    }
}

/// Segments decoded into one buffer by `Base64URLBits.decodeShared`.
struct SharedSegments {
    /// TC strings have a core and at most three other segment types.
    static let capacity = 4
    var count = 0
    var bytes: [UInt8] = []
    /// Per segment: its characters in the input and the offset of its bits in `bytes`.
    private var layout: (Entry, Entry, Entry, Entry) = ((0..<0, 0), (0..<0, 0), (0..<0, 0), (0..<0, 0))
    typealias Entry = (characters: Range<Int>, base: Int)

    func get(_ index: Int) -> Entry {
        switch index {
        case 0: layout.0
        case 1: layout.1
        case 2: layout.2
        default: layout.3
        }
    }

    mutating func set(_ index: Int, _ entry: Entry) {
        switch index {
        case 0: layout.0 = entry
        case 1: layout.1 = entry
        case 2: layout.2 = entry
        default: layout.3 = entry
        }
    }

    /// The reader of segment `index`; the bits after it in `bytes` belong to the next segment, which no read
    /// sees: every read is bounded by the segment's own bit count.
    func reader(_ index: Int) -> BitReader {
        let (characters, base) = get(index)
        return BitReader(shared: bytes, base: base, bitCount: characters.count * 6)
    }
}
