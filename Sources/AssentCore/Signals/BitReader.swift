/// Reads a big-endian bit string field by field: bit 0 is the most significant bit of the first byte.
///
/// Every read checks that the bits are there first and throws `SignalDecodingError` naming the field and
/// its offset, so hostile input can never make a decoder trap or read past the end.
public struct BitReader: Sendable {
    private let bytes: [UInt8]
    /// How many bits the string holds (the bytes may carry a few more, unused).
    public let bitCount: Int
    /// The offset of the next bit to read.
    public private(set) var offset: Int = 0

    /// The widest integer field the IAB formats use (timestamps are 36 bits).
    public static let maxIntegerWidth = 36

    /// The longest Fibonacci code accepted, terminator included: 25 bits reach past 65 535, the largest ID
    /// any of the formats can name; longer codes are rejected instead of overflowing.
    public static let maxFibonacciCodeLength = 25

    /// Reads `bitCount` bits from `bytes` (all of them when `nil`).
    public init(bytes: [UInt8], bitCount: Int? = nil) {
        self.bytes = bytes
        self.bitCount = min(max(bitCount ?? bytes.count * 8, 0), bytes.count * 8)
    }

    /// Bits left to read.
    public var remaining: Int { bitCount - offset }

    /// Throws `truncated` unless `count` more bits are available, without consuming them; decoders call it
    /// before allocating anything whose size a field declared.
    public func require(_ count: Int, _ field: String) throws(SignalDecodingError) {
        guard count >= 0, count <= remaining else {
            throw SignalDecodingError(
                .truncated, field: field, bitOffset: offset,
                "needs \(count) bits, \(max(remaining, 0)) left")
        }
    }

    private func bit(at index: Int) -> Bool {
        bytes[index >> 3] & (0x80 >> UInt8(index & 7)) != 0
    }

    /// An unsigned integer of `width` bits (0…36).
    public mutating func int(_ width: Int, _ field: String) throws(SignalDecodingError) -> Int {
        guard (0...Self.maxIntegerWidth).contains(width) else {
            throw SignalDecodingError(.invalidValue, field: field, bitOffset: offset, "unsupported width \(width)")
        }
        try require(width, field)
        var value = 0
        for index in offset..<(offset + width) {
            value = value << 1 | (bit(at: index) ? 1 : 0)
        }
        offset += width
        return value
    }

    /// One bit, 1 = true.
    public mutating func bool(_ field: String) throws(SignalDecodingError) -> Bool {
        try require(1, field)
        defer { offset += 1 }
        return bit(at: offset)
    }

    /// A fixed bitfield of `count` bits as the sorted 1-based IDs of the bits that are set.
    public mutating func bitfieldIds(_ count: Int, _ field: String) throws(SignalDecodingError) -> [Int] {
        try require(count, field)
        var ids: [Int] = []
        for index in 0..<count where bit(at: offset + index) {
            ids.append(index + 1)
        }
        offset += count
        return ids
    }

    /// `count` integers of `width` bits each (GPP's fixed "N-Bitfield(2, n)" lists).
    public mutating func intList(_ count: Int, width: Int, _ field: String) throws(SignalDecodingError) -> [Int] {
        try require(count * width, field)
        var values: [Int] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try int(width, field))
        }
        return values
    }

    /// `count` letters of 6 bits, 0 = `A` … 25 = `Z` (TCF language and country codes).
    public mutating func letters(_ count: Int, _ field: String) throws(SignalDecodingError) -> String {
        try require(count * 6, field)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<count {
            let start = offset
            let value = try int(6, field)
            guard value < 26 else {
                throw SignalDecodingError(.invalidValue, field: field, bitOffset: start, "letter value \(value) > 25")
            }
            scalars.append(Unicode.Scalar(UInt8(65 + value)))
        }
        return String(scalars)
    }

    /// A Fibonacci-coded positive integer (Zeckendorf bits for 1, 2, 3, 5, 8, … ending with an extra 1).
    public mutating func fibonacci(_ field: String) throws(SignalDecodingError) -> Int {
        let start = offset
        var value = 0
        var (current, next) = (1, 2)
        var previousWasOne = false
        for _ in 1...Self.maxFibonacciCodeLength {
            guard offset < bitCount else {
                throw SignalDecodingError(.truncated, field: field, bitOffset: start, "unterminated Fibonacci code")
            }
            let isOne = bit(at: offset)
            offset += 1
            if isOne && previousWasOne { return value }
            if isOne { value += current }
            previousWasOne = isOne
            (current, next) = (next, current + next)
        }
        throw SignalDecodingError(
            .invalidValue, field: field, bitOffset: start,
            "Fibonacci code longer than \(Self.maxFibonacciCodeLength) bits")
    }

    /// GPP's Range(Fibonacci): a 12-bit count, then entries `{isGroup, offset from the previous end, [length]}`.
    ///
    /// Returns the ranges rather than the IDs so that a caller can check what a few bits declare (a group can
    /// name thousands of IDs) against what the rest of the input can hold before expanding anything.
    public mutating func fibonacciRanges(_ field: String) throws(SignalDecodingError) -> [ClosedRange<Int>] {
        let count = try int(12, field)
        // Each entry takes at least three bits (flag + shortest code `11`).
        try require(count * 3, field)
        var ranges: [ClosedRange<Int>] = []
        ranges.reserveCapacity(count)
        var previousEnd = 0
        for _ in 0..<count {
            let isGroup = try bool(field)
            let start = previousEnd + (try fibonacci(field))
            let end = isGroup ? start + (try fibonacci(field)) : start
            guard end <= 0xFFFF else {
                throw SignalDecodingError(.invalidValue, field: field, bitOffset: offset, "ID \(end) > 65535")
            }
            ranges.append(start...end)
            previousEnd = end
        }
        return ranges
    }
}
