/// Reads a big-endian bit string field by field: bit 0 is the most significant bit of the first byte.
///
/// Every read checks that the bits are there first and throws `SignalDecodingError` naming the field and
/// its offset, so hostile input can never make a decoder trap or read past the end. Field names are autoclosures:
/// decoders name every field, and building those names (`usnat.saleOptOut`) only when one is reported keeps a
/// decode free of string work.
public struct BitReader: Sendable {
    /// The bytes followed by `padding` zero bytes, so that a 64-bit window can be loaded at any byte holding a bit;
    /// empty when the bits are held in `inline`.
    private let bytes: [UInt8]
    /// Up to `inlineCapacity` bits kept without an allocation (GPP headers, US sections, GPC subsections), most
    /// significant first, followed by a zero word.
    private let inline: (UInt64, UInt64)
    /// Where this string's bits start in `bytes`, which may hold other segments' bits before and after them.
    private let base: Int
    /// How many bits the string holds (the bytes may carry a few more, unused).
    public let bitCount: Int
    /// The offset of the next bit to read.
    public private(set) var offset: Int = 0

    /// The widest integer field the IAB formats use (timestamps are 36 bits).
    public static let maxIntegerWidth = 36

    /// The longest Fibonacci code accepted, terminator included: 25 bits reach past 65 535, the largest ID
    /// any of the formats can name; longer codes are rejected instead of overflowing.
    public static let maxFibonacciCodeLength = 25

    /// Zero bytes kept after the data (see `bytes`).
    static let padding = 8

    /// Reads `bitCount` bits from `bytes` (all of them when `nil`).
    public init(bytes: [UInt8], bitCount: Int? = nil) {
        self.init(padded: bytes + repeatElement(0, count: Self.padding), bitCount: bitCount ?? bytes.count * 8)
    }

    /// `padded` already ends with `padding` zero bytes after the data; `bitCount` is clamped to the data.
    init(padded: [UInt8], bitCount: Int) {
        bytes = padded
        inline = (0, 0)
        base = 0
        self.bitCount = min(max(bitCount, 0), (padded.count - Self.padding) * 8)
    }

    /// The `bitCount` bits from byte `base` of `bytes`, which ends with `padding` zero bytes after the last segment.
    init(shared bytes: [UInt8], base: Int, bitCount: Int) {
        self.bytes = bytes
        inline = (0, 0)
        self.base = base
        self.bitCount = min(max(bitCount, 0), (bytes.count - Self.padding - base) * 8)
    }

    /// The most bits `init(inline:bitCount:)` holds.
    static let inlineCapacity = 128

    /// Bits held in two words, most significant first; the bits past `bitCount` must be zero.
    init(inline words: (UInt64, UInt64), bitCount: Int) {
        bytes = []
        inline = words
        base = 0
        self.bitCount = min(max(bitCount, 0), Self.inlineCapacity)
    }

    /// Bits left to read.
    public var remaining: Int { bitCount - offset }

    /// Throws `truncated` unless `count` more bits are available, without consuming them; decoders call it
    /// before allocating anything whose size a field declared.
    @inline(__always)
    public func require(_ count: Int, _ field: @autoclosure () -> String) throws(SignalDecodingError) {
        guard count >= 0, count <= remaining else {
            throw SignalDecodingError(
                .truncated, field: field(), bitOffset: offset,
                "needs \(count) bits, \(max(remaining, 0)) left")
        }
    }

    /// The 64 bits starting at byte `index` (which must hold a bit of the string), most significant first.
    @inline(__always)
    private func window(at index: Int) -> UInt64 {
        if bytes.isEmpty {
            // index ≤ 16: the word holding the byte, topped up from the next one (zero after the second).
            let shift = UInt64(index & 7) * 8
            let (high, low) = index < 8 ? inline : (inline.1, 0)
            return index >= 16 ? 0 : high << shift | low >> (64 - shift)
        }
        return bytes.withUnsafeBytes {
            UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: base &+ index, as: UInt64.self))
        }
    }

    /// The bit at `position`, already checked to be inside the string.
    @inline(__always)
    private func bit(at position: Int) -> Bool {
        (window(at: position >> 3) << UInt64(position & 7)) >> 63 == 1
    }

    /// `width` (0…56) bits at bit `position`, already checked to be inside the string.
    @inline(__always)
    private func bits(at position: Int, width: Int) -> UInt64 {
        width == 0 ? 0 : (window(at: position >> 3) << UInt64(position & 7)) >> UInt64(64 - width)
    }

    /// An unsigned integer of `width` bits (0…36). Inlined, so that a caller's field name is only put together on
    /// the error path.
    @inline(__always)
    public mutating func int(_ width: Int, _ field: @autoclosure () -> String) throws(SignalDecodingError) -> Int {
        guard (0...Self.maxIntegerWidth).contains(width) else {
            throw SignalDecodingError(.invalidValue, field: field(), bitOffset: offset, "unsupported width \(width)")
        }
        try require(width, field())
        defer { offset += width }
        return Int(bits(at: offset, width: width))
    }

    /// One bit, 1 = true.
    @inline(__always)
    public mutating func bool(_ field: @autoclosure () -> String) throws(SignalDecodingError) -> Bool {
        try require(1, field())
        defer { offset += 1 }
        return bit(at: offset)
    }

    /// A fixed bitfield of `count` bits as the sorted 1-based IDs of the bits that are set.
    public mutating func bitfieldIds(_ count: Int, _ field: @autoclosure () -> String) throws(SignalDecodingError)
        -> [Int]
    {
        try require(count, field())
        // 56-bit chunks: a window loaded at the chunk's byte still holds all of them after the in-byte shift.
        let chunk = 56
        if count <= chunk {
            // One chunk (purposes, special features, custom purposes): counted and walked from one window.
            var value = bits(at: offset, width: count)
            var slot = Self.sumOfBytes(Self.countsPerByte(value))
            var ids = Self.zeros(slot, of: Int.self)
            ids.withUnsafeMutableBufferPointer { ids in
                while value != 0 {
                    slot &-= 1
                    ids[slot] = count &- value.trailingZeroBitCount
                    value &= value &- 1
                }
            }
            offset += count
            return ids
        }
        let set = setBits(from: offset, count: count)
        // Filled in place from the back: `set` is exact, so every slot is written. Chunks are taken last to first,
        // and within a chunk (where bit 0 is its last ID) the lowest set bit first, so each ID goes just before
        // the previous one and no chunk needs counting again.
        var ids = Self.zeros(set, of: Int.self)
        ids.withUnsafeMutableBufferPointer { ids in
            var slot = set
            var start = (count - 1) / chunk * chunk
            while start >= 0 {
                let width = min(chunk, count - start)
                var value = bits(at: offset + start, width: width)
                let lastId = start &+ width
                if slot >= width {
                    // At most `width` bits are set: the slots cannot run out.
                    while value != 0 {
                        slot &-= 1
                        ids[slot] = lastId &- value.trailingZeroBitCount
                        value &= value &- 1
                    }
                } else {
                    while value != 0 {
                        // `set` counted these very bits; were it ever wrong, stop rather than write outside `ids`.
                        precondition(slot > 0, "bitfield count mismatch")
                        slot &-= 1
                        ids[slot] = lastId &- value.trailingZeroBitCount
                        value &= value &- 1
                    }
                }
                start -= chunk
            }
        }
        offset += count
        return ids
    }

    /// How many of the `count` bits from `position` are set (Swift targets processors without a population-count
    /// instruction, so bytes are counted in parallel within words, see `countsPerByte`).
    private func setBits(from position: Int, count: Int) -> Int {
        guard count > 0 else { return 0 }
        let end = position + count
        guard !bytes.isEmpty else { return windowSetBits(from: position, end: end) }
        return bytes.withUnsafeBytes { raw in
            // The bytes holding the first and the last bit, masked; whole 64-bit words between them, in any byte
            // order (a count does not care), then the few bytes left.
            let first = base + position >> 3
            let last = base + (end - 1) >> 3
            let head = raw[first] & 0xFF >> UInt8(position & 7)
            let tailMask: UInt8 = 0xFF << UInt8(7 - (end - 1) & 7)
            if first == last { return Int(Self.countsPerByte(UInt64(head & tailMask))) }
            var total = Self.sumOfBytes(Self.countsPerByte(UInt64(head) | UInt64(raw[last] & tailMask) << 8))
            var perByte: UInt64 = 0
            var words = 0
            var index = first + 1
            while index + 8 <= last {
                perByte &+= Self.countsPerByte(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                words &+= 1
                if words == 31 {
                    total += Self.sumOfBytes(perByte)
                    perByte = 0
                    words = 0
                }
                index += 8
            }
            var rest: UInt64 = 0
            while index < last {
                rest = rest << 8 | UInt64(raw[index])
                index += 1
            }
            return total + Self.sumOfBytes(perByte &+ Self.countsPerByte(rest))
        }
    }

    /// `setBits` for bits held inline: window by window, the ends masked.
    private func windowSetBits(from position: Int, end: Int) -> Int {
        var byte = position >> 3
        var word = window(at: byte) & (UInt64.max >> UInt64(position & 7))  // without the bits before `position`
        var perByte: UInt64 = 0
        while end - byte << 3 > 64 {  // at most two words: no per-byte count can overflow
            perByte &+= Self.countsPerByte(word)
            byte += 8
            word = window(at: byte)
        }
        word &= ~(UInt64.max >> UInt64(end - byte << 3))  // without the bits from `end` on
        return Self.sumOfBytes(perByte &+ Self.countsPerByte(word))
    }

    /// The number of set bits of each byte of `word`, in that byte.
    @inline(__always)
    private static func countsPerByte(_ word: UInt64) -> UInt64 {
        let pairs = word &- ((word >> 1) & 0x5555_5555_5555_5555)
        let nibbles = (pairs & 0x3333_3333_3333_3333) &+ ((pairs >> 2) & 0x3333_3333_3333_3333)
        return (nibbles &+ (nibbles >> 4)) & 0x0F0F_0F0F_0F0F_0F0F
    }

    /// `count` zeros. Same as `Array(repeating:count:)`, but that calls the standard library's unspecialized
    /// buffer allocation, which looks up the array storage's generic metadata on every call; `reserveCapacity`
    /// is specialized here and does not.
    @inline(__always)
    static func zeros<Element: FixedWidthInteger>(_ count: Int, of: Element.Type) -> [Element] {
        var array: [Element] = []
        array.reserveCapacity(count)
        array.append(contentsOf: repeatElement(0, count: count))
        return array
    }

    @inline(__always)
    private static func sumOfBytes(_ word: UInt64) -> Int {
        let lanes = (word & 0x00FF_00FF_00FF_00FF) &+ ((word >> 8) & 0x00FF_00FF_00FF_00FF)
        return Int((lanes &* 0x0001_0001_0001_0001) >> 48)
    }

    /// `count` integers of `width` bits each (GPP's fixed "N-Bitfield(2, n)" lists).
    public mutating func intList(_ count: Int, width: Int, _ field: @autoclosure () -> String)
        throws(SignalDecodingError) -> [Int]
    {
        guard (0...Self.maxIntegerWidth).contains(width) else {
            throw SignalDecodingError(.invalidValue, field: field(), bitOffset: offset, "unsupported width \(width)")
        }
        try require(count * width, field())
        // As many values as fit in 56 bits come from one window (a GPP list of 16 two-bit values from one).
        var values = Self.zeros(count, of: Int.self)
        let perWindow = width == 0 ? count : 56 / width
        values.withUnsafeMutableBufferPointer { values in
            var index = 0
            while index < count {
                let take = min(perWindow, count - index)
                var window = bits(at: offset, width: take * width)
                for slot in stride(from: index + take - 1, through: index, by: -1) {
                    values[slot] = Int(window & (1 << UInt64(width) - 1))
                    window >>= UInt64(width)
                }
                offset += take * width
                index += take
            }
        }
        return values
    }

    /// `count` letters of 6 bits, 0 = `A` … 25 = `Z` (TCF language and country codes).
    public mutating func letters(_ count: Int, _ field: @autoclosure () -> String) throws(SignalDecodingError)
        -> String
    {
        try require(count * 6, field())
        // Up to eight ASCII letters gathered in a word and made a string in one go (appending scalars one by one
        // cost more than the rest of a TC string's fixed fields).
        var letters: UInt64 = 0
        var scalars = String.UnicodeScalarView()
        for index in 0..<count {
            let start = offset
            let value = try int(6, field())
            guard value < 26 else {
                throw SignalDecodingError(.invalidValue, field: field(), bitOffset: start, "letter value \(value) > 25")
            }
            if count <= 8 {
                letters |= UInt64(65 + value) << UInt64(8 * index)
            } else {
                scalars.append(Unicode.Scalar(UInt8(65 + value)))
            }
        }
        guard count <= 8 else { return String(scalars) }
        return withUnsafeBytes(of: letters.littleEndian) { String(decoding: $0.prefix(count), as: UTF8.self) }
    }

    /// A Fibonacci-coded positive integer (Zeckendorf bits for 1, 2, 3, 5, 8, … ending with an extra 1).
    ///
    /// The code ends at its first two consecutive 1 bits (a Zeckendorf representation has none), found in one
    /// window with `w & (w << 1)`.
    public mutating func fibonacci(_ field: @autoclosure () -> String) throws(SignalDecodingError) -> Int {
        let available = min(max(remaining, 0), Self.maxFibonacciCodeLength)
        let window = bits(at: offset, width: available) << UInt64(64 - available)
        let pairs = window & (window << 1)
        guard pairs != 0 else {
            if available < Self.maxFibonacciCodeLength {
                throw SignalDecodingError(.truncated, field: field(), bitOffset: offset, "unterminated Fibonacci code")
            }
            throw SignalDecodingError(
                .invalidValue, field: field(), bitOffset: offset,
                "Fibonacci code longer than \(Self.maxFibonacciCodeLength) bits")
        }
        let last = pairs.leadingZeroBitCount  // the last value bit; the terminating 1 follows it
        var rest = window & ~(UInt64.max >> UInt64(last + 1))
        var value = 0
        while rest != 0 {
            let index = rest.leadingZeroBitCount
            value += Self.fibonacciWeights[index]
            rest &= ~(0x8000_0000_0000_0000 >> UInt64(index))
        }
        offset += last + 2
        return value
    }

    /// The value of each bit of a Fibonacci code: 1, 2, 3, 5, 8, …
    private static let fibonacciWeights: [Int] = {
        var weights = [1, 2]
        while weights.count < maxFibonacciCodeLength {
            weights.append(weights[weights.count - 1] + weights[weights.count - 2])
        }
        return weights
    }()

    /// GPP's Range(Fibonacci): a 12-bit count, then entries `{isGroup, offset from the previous end, [length]}`.
    ///
    /// Returns the ranges rather than the IDs so that a caller can check what a few bits declare (a group can
    /// name thousands of IDs) against what the rest of the input can hold before expanding anything.
    public mutating func fibonacciRanges(_ field: @autoclosure () -> String) throws(SignalDecodingError)
        -> [ClosedRange<Int>]
    {
        var ranges: [ClosedRange<Int>] = []
        try readFibonacciRanges(field()) { count in
            ranges.reserveCapacity(count)
        } each: {
            ranges.append($0)
        }
        return ranges
    }

    /// How many IDs the Range(Fibonacci) here names, without moving on or allocating (a caller checks it first).
    func fibonacciRangeIdCount(_ field: @autoclosure () -> String) throws(SignalDecodingError) -> Int {
        var copy = self
        var total = 0
        try copy.readFibonacciRanges(field()) { _ in
        } each: {
            total += $0.count
        }
        return total
    }

    /// The IDs of the Range(Fibonacci) here, `total` of them as `fibonacciRangeIdCount` said.
    mutating func fibonacciRangeIds(_ field: @autoclosure () -> String, total: Int) throws(SignalDecodingError)
        -> [Int]
    {
        var ids: [Int] = []
        ids.reserveCapacity(total)
        try readFibonacciRanges(field()) { _ in
        } each: {
            ids.append(contentsOf: $0)
        }
        return ids
    }

    /// Calls `body` with each ID of the Range(Fibonacci) here, in ascending order (every offset is at least 1).
    mutating func forEachFibonacciRangeId(
        _ field: @autoclosure () -> String, _ body: (Int) throws(SignalDecodingError) -> Void
    ) throws(SignalDecodingError) {
        try readFibonacciRanges(field()) { _ in
        } each: { range throws(SignalDecodingError) in
            for id in range { try body(id) }
        }
    }

    /// Reads a Range(Fibonacci), calling `start` with its entry count (checked against the bits left) and then
    /// `each` with every range.
    private mutating func readFibonacciRanges(
        _ field: @autoclosure () -> String, start: (Int) -> Void,
        each: (ClosedRange<Int>) throws(SignalDecodingError) -> Void
    ) throws(SignalDecodingError) {
        let count = try int(12, field())
        // Each entry takes at least three bits (flag + shortest code `11`).
        try require(count * 3, field())
        start(count)
        var previousEnd = 0
        for _ in 0..<count {
            let isGroup = try bool(field())
            let start = previousEnd + (try fibonacci(field()))
            let end = isGroup ? start + (try fibonacci(field())) : start
            guard end <= 0xFFFF else {
                throw SignalDecodingError(.invalidValue, field: field(), bitOffset: offset, "ID \(end) > 65535")
            }
            try each(start...end)
            previousEnd = end
        }
    }
}
