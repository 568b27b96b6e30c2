/// The GPP header, the first `~`-separated part of every GPP string: `Type` 3, `Version` 1 and the section
/// IDs as a Fibonacci range.
public struct GPPHeader: Sendable, Equatable {
    /// Always 3: the header's own section ID.
    public static let type = 3
    public var version: Int
    /// Sorted, distinct section IDs; the sections follow in this order.
    public var sectionIds: [Int]

    public init(version: Int = 1, sectionIds: [Int]) {
        self.version = version
        self.sectionIds = sectionIds
    }

    /// Decodes a header. `maxSections` bounds how many IDs it may declare (a GPP string passes the number of
    /// sections that actually follow), checked before any ID list is built.
    public static func decode(
        _ text: some StringProtocol, maxSections: Int = 0xFFFF
    ) throws(SignalDecodingError) -> GPPHeader {
        try UTF8Input.with(text) { input throws(SignalDecodingError) in
            try decode(input, 0..<input.count, maxSections: maxSections)
        }
    }

    /// Decodes the header in the UTF-8 bytes `input[range]`.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, maxSections: Int)
        throws(SignalDecodingError) -> GPPHeader
    {
        var (r, total) = try sectionIds(input, range, maxSections: maxSections)
        return GPPHeader(version: 1, sectionIds: try r.fibonacciRangeIds("header.sectionIds", total: total))
    }

    /// Checks the header in `input[range]` and returns a reader at its section IDs and how many there are (at most
    /// `maxSections`), for a caller that goes through them without building the list.
    static func sectionIds(
        _ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, maxSections: Int
    ) throws(SignalDecodingError) -> (reader: BitReader, total: Int) {
        var r = try Base64URLBits.decode(input, range, field: "header")
        let type = try r.int(6, "header.type")
        guard type == Self.type else {
            throw SignalDecodingError(.invalidValue, field: "header.type", bitOffset: 0, "type \(type), not 3")
        }
        let version = try r.int(6, "header.version")
        guard version == 1 else {
            throw SignalDecodingError(.invalidValue, field: "header.version", bitOffset: 6, "version \(version), not 1")
        }
        let rangeOffset = r.offset
        let total = try r.fibonacciRangeIdCount("header.sectionIds")
        guard total <= maxSections else {
            throw SignalDecodingError(
                .malformed, field: "header.sectionIds", bitOffset: rangeOffset,
                "declares \(total) sections, \(maxSections) present")
        }
        return (r, total)
    }

    /// The header with the reference libraries' padding (zeros to a byte, then to a character).
    public func encode() throws(SignalEncodingError) -> String {
        guard version == 1 else { throw SignalEncodingError(field: "header.version", "version must be 1") }
        var w = BitWriter()
        try w.int(Self.type, 6, "header.type")
        try w.int(version, 6, "header.version")
        try w.fibonacciRanges(sectionIds, "header.sectionIds")
        return Base64URLBits.encode(w, padding: .bytesThenSixBits)
    }
}
