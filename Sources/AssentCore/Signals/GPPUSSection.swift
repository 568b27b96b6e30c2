/// What the US sections of GPP share: a base64url core segment, optionally followed by `.` and the GPC
/// subsection (`SubsectionType` 1, then the `Gpc` bit) in the sections that define one.
public protocol GPPUSSection: Sendable, Equatable {
    /// The API prefix (`usnat`, `usca`, …), also used to name fields in errors.
    static var prefix: String { get }
    /// Whether the section's specification defines a GPC subsection.
    static var definesGPC: Bool { get }
    /// `nil` when the string carries no GPC subsection (GPC not signalled).
    var gpc: Bool? { get }

    /// Reads the core segment's fields; `gpc` comes from the subsection, already parsed.
    init(core: inout BitReader, gpc: Bool?) throws(SignalDecodingError)
    /// Writes the core segment's fields, validating them as the reference encoders do.
    func writeCore(_ writer: inout BitWriter) throws(SignalEncodingError)
}

extension GPPUSSection {
    /// Decodes the section body (without header or `~`).
    public static func decode(_ body: some StringProtocol) throws(SignalDecodingError) -> Self {
        try UTF8Input.with(body) { input throws(SignalDecodingError) in try decode(input, 0..<input.count) }
    }

    /// Decodes the section body in the UTF-8 bytes `input[range]`.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(SignalDecodingError) -> Self {
        var (core, gpc) = try segments(input, range)
        return try Self(core: &core, gpc: gpc)
    }

    /// The core segment's bits and the GPC subsection's value (`nil` without one) of the body in `input[range]`.
    static func segments(
        _ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>
    ) throws(SignalDecodingError) -> (core: BitReader, gpc: Bool?) {
        var parts = ByteSegments(input, range, separator: ".")
        let core = try Base64URLBits.decode(input, parts.next()!, field: prefix)
        var gpc: Bool?
        while let part = parts.next() {
            var r = try Base64URLBits.decode(input, part, field: "\(prefix).subsection")
            let type = try r.int(2, "\(prefix).subsectionType")
            guard type == 1, definesGPC, gpc == nil else {
                throw SignalDecodingError(
                    .malformed, field: "\(prefix).subsectionType", bitOffset: 0,
                    "unexpected subsection type \(type) in \(prefix)")
            }
            gpc = try r.bool("\(prefix).gpc")
        }
        return (core, gpc)
    }

    /// The section body with the reference libraries' padding; the GPC subsection only when `gpc` is set.
    public func encode() throws(SignalEncodingError) -> String {
        var w = BitWriter()
        try writeCore(&w)
        var text = Base64URLBits.encode(w, padding: .bytesThenSixBits)
        if let gpc {
            guard Self.definesGPC else {
                throw SignalEncodingError(field: "\(Self.prefix).gpc", "\(Self.prefix) has no GPC subsection")
            }
            var g = BitWriter()
            try g.int(1, 2, "\(Self.prefix).subsectionType")
            g.bool(gpc)
            text += "." + Base64URLBits.encode(g, padding: .bytesThenSixBits)
        }
        return text
    }
}

extension BitReader {
    /// A GPP two-bit field (0 = not applicable, 1/2 per field, 3 undefined but readable).
    @inline(__always)
    mutating func int2(_ prefix: String, _ field: String) throws(SignalDecodingError) -> Int {
        try int(2, "\(prefix).\(field)")  // the name is built only if the read fails
    }

    /// GPP's fixed list of `count` two-bit values ("N-Bitfield(2, count)" in the section specifications).
    @inline(__always)
    mutating func int2List(_ count: Int, _ prefix: String, _ field: String) throws(SignalDecodingError) -> [Int] {
        try intList(count, width: 2, "\(prefix).\(field)")
    }
}

extension BitWriter {
    /// A GPP two-bit field; encoders accept only 0, 1 and 2, as the reference encoders do.
    mutating func int2(_ value: Int, _ prefix: String, _ field: String) throws(SignalEncodingError) {
        guard (0...2).contains(value) else {
            throw SignalEncodingError(field: "\(prefix).\(field)", "must be 0, 1 or 2, is \(value)")
        }
        try int(value, 2, "\(prefix).\(field)")
    }

    /// `MspaCoveredTransaction`: 1 (yes) or 2 (no); 0 is invalid for this field.
    mutating func mspaCoveredTransaction(_ value: Int, _ prefix: String) throws(SignalEncodingError) {
        guard value == 1 || value == 2 else {
            throw SignalEncodingError(field: "\(prefix).mspaCoveredTransaction", "must be 1 or 2, is \(value)")
        }
        try int(value, 2, "\(prefix).mspaCoveredTransaction")
    }

    /// A fixed list of exactly `count` two-bit values, each 0, 1 or 2.
    mutating func int2List(_ values: [Int], count: Int, _ prefix: String, _ field: String) throws(SignalEncodingError) {
        guard values.count == count else {
            throw SignalEncodingError(field: "\(prefix).\(field)", "needs \(count) entries, has \(values.count)")
        }
        for value in values { try int2(value, prefix, field) }
    }
}
