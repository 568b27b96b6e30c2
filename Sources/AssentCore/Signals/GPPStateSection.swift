/// One field of a US state section's core segment, with where it lives in the section's type.
///
/// Made with `.int2("saleOptOut", \.saleOptOut)`, `.int2List(…, count:)` or `.mspaCoveredTransaction(…)`.
/// `@unchecked`: the key paths are literals to stored properties, immutable and capturing nothing.
public struct USField<Section>: @unchecked Sendable {
    public enum Kind: Sendable, Equatable {
        /// A two-bit field (0 not applicable, 1 and 2 per the field's meaning).
        case int2
        /// A fixed list of `count` two-bit values.
        case int2List(count: Int)
        /// `MspaCoveredTransaction`: two bits, and an encoder accepts only 1 or 2.
        case mspaCoveredTransaction
    }

    public let name: String
    public let kind: Kind
    /// The property of an `int2` or `mspaCoveredTransaction` field.
    public let value: WritableKeyPath<Section, Int>?
    /// The property of an `int2List` field.
    public let list: WritableKeyPath<Section, [Int]>?
    /// The property's byte offset in `Section` (`nil` if it were not stored): decoding writes there directly,
    /// as a key-path write costs more than reading the field's bits.
    let offset: Int?

    private init(
        _ name: String, _ kind: Kind, value: WritableKeyPath<Section, Int>?, list: WritableKeyPath<Section, [Int]>?
    ) {
        self.name = name
        self.kind = kind
        self.value = value
        self.list = list
        offset = value.flatMap { MemoryLayout<Section>.offset(of: $0) } ?? list.flatMap { MemoryLayout.offset(of: $0) }
    }

    public static func int2(_ name: String, _ path: WritableKeyPath<Section, Int>) -> USField {
        USField(name, .int2, value: path, list: nil)
    }

    public static func int2List(_ name: String, _ path: WritableKeyPath<Section, [Int]>, count: Int) -> USField {
        USField(name, .int2List(count: count), value: nil, list: path)
    }

    public static func mspaCoveredTransaction(_ path: WritableKeyPath<Section, Int>) -> USField {
        USField("mspaCoveredTransaction", .mspaCoveredTransaction, value: path, list: nil)
    }
}

/// A GPP US state section whose core segment is `Version` (6 bits, always 1) followed by a fixed list of
/// fields. The list, `fields`, is the one description of the layout: decoding, encoding and the JSON form are
/// all derived from it, so a section is its field table and nothing else.
public protocol GPPStateSection: GPPUSSection {
    static var fields: [USField<Self>] { get }
    /// All fields at their defaults.
    init()
    var version: Int { get set }
    var gpc: Bool? { get set }
}

extension GPPStateSection {
    public init(core r: inout BitReader, gpc: Bool?) throws(SignalDecodingError) {
        try self.init(stateCore: &r, gpc: gpc)
    }

    /// Decodes the section body in the UTF-8 bytes `input[range]`. `GPPSection` calls this on the concrete type, so
    /// that the loop over the field table is compiled for that section instead of going through the protocol's
    /// witness, which looks up generic metadata at run time for every field. (Inlined into each case: the optimizer
    /// does not specialize it on its own.)
    @inline(__always)
    static func decodeState(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(SignalDecodingError)
        -> Self
    {
        var (core, gpc) = try segments(input, range)
        return try Self(stateCore: &core, gpc: gpc)
    }

    @inline(__always)
    init(stateCore r: inout BitReader, gpc: Bool?) throws(SignalDecodingError) {
        self.init()
        let p = Self.prefix
        version = try r.int(6, "\(p).version")
        let fields = Self.fields
        for index in fields.indices {
            let name = fields[index].name
            switch fields[index].kind {
            case .int2, .mspaCoveredTransaction: set(try r.int2(p, name), fields[index])
            case .int2List(let count): set(try r.int2List(count, p, name), fields[index])
            }
        }
        self.gpc = gpc
    }

    /// Stores a decoded value in the field's property: at its offset when known (the layout of a stored property
    /// is what `MemoryLayout.offset(of:)` documents for exactly this use), else through the key path.
    @inline(__always)
    private mutating func set(_ value: Int, _ field: USField<Self>) {
        if let offset = field.offset {
            withUnsafeMutableBytes(of: &self) { $0.storeBytes(of: value, toByteOffset: offset, as: Int.self) }
        } else if let path = field.value {
            self[keyPath: path] = value
        }
    }

    @inline(__always)
    private mutating func set(_ list: [Int], _ field: USField<Self>) {
        if let offset = field.offset {
            withUnsafeMutablePointer(to: &self) {
                UnsafeMutableRawPointer($0).advanced(by: offset).assumingMemoryBound(to: [Int].self).pointee = list
            }
        } else if let path = field.list {
            self[keyPath: path] = list
        }
    }

    public func writeCore(_ w: inout BitWriter) throws(SignalEncodingError) {
        let p = Self.prefix
        guard version == 1 else { throw SignalEncodingError(field: "\(p).version", "version must be 1") }
        try w.int(version, 6, "\(p).version")
        for field in Self.fields {
            switch field.kind {
            case .int2: try w.int2(self[keyPath: field.value!], p, field.name)
            case .int2List(let count): try w.int2List(self[keyPath: field.list!], count: count, p, field.name)
            case .mspaCoveredTransaction: try w.mspaCoveredTransaction(self[keyPath: field.value!], p)
            }
        }
    }

    /// The core fields as JSON members, `version` first, in bit order.
    public var coreJSON: [(String, JSONValue)] {
        [("version", .int(version))]
            + Self.fields.map { field in
                switch field.kind {
                case .int2, .mspaCoveredTransaction: (field.name, .int(self[keyPath: field.value!]))
                case .int2List: (field.name, .array(self[keyPath: field.list!].map(JSONValue.int)))
                }
            }
    }
}
