/// One field of a US state section's core segment, with where it lives in the section's type.
///
/// `@unchecked`: the key paths are literals to stored properties, immutable and capturing nothing.
public enum USField<Section>: @unchecked Sendable {
    /// A two-bit field (0 not applicable, 1 and 2 per the field's meaning).
    case int2(String, WritableKeyPath<Section, Int>)
    /// A fixed list of two-bit values.
    case int2List(String, WritableKeyPath<Section, [Int]>, count: Int)
    /// `MspaCoveredTransaction`: two bits, and an encoder accepts only 1 or 2.
    case mspaCoveredTransaction(WritableKeyPath<Section, Int>)

    var name: String {
        switch self {
        case .int2(let name, _), .int2List(let name, _, _): name
        case .mspaCoveredTransaction: "mspaCoveredTransaction"
        }
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
        self.init()
        let p = Self.prefix
        version = try r.int(6, "\(p).version")
        for field in Self.fields {
            switch field {
            case .int2(let name, let path): self[keyPath: path] = try r.int2(p, name)
            case .int2List(let name, let path, let count): self[keyPath: path] = try r.int2List(count, p, name)
            case .mspaCoveredTransaction(let path): self[keyPath: path] = try r.int2(p, "mspaCoveredTransaction")
            }
        }
        self.gpc = gpc
    }

    public func writeCore(_ w: inout BitWriter) throws(SignalEncodingError) {
        let p = Self.prefix
        guard version == 1 else { throw SignalEncodingError(field: "\(p).version", "version must be 1") }
        try w.int(version, 6, "\(p).version")
        for field in Self.fields {
            switch field {
            case .int2(let name, let path): try w.int2(self[keyPath: path], p, name)
            case .int2List(let name, let path, let count): try w.int2List(self[keyPath: path], count: count, p, name)
            case .mspaCoveredTransaction(let path): try w.mspaCoveredTransaction(self[keyPath: path], p)
            }
        }
    }

    /// The core fields as JSON members, `version` first, in bit order.
    public var coreJSON: [(String, JSONValue)] {
        [("version", .int(version))]
            + Self.fields.map { field in
                switch field {
                case .int2(let name, let path): (name, .int(self[keyPath: path]))
                case .int2List(let name, let path, _): (name, .array(self[keyPath: path].map(JSONValue.int)))
                case .mspaCoveredTransaction(let path): (field.name, .int(self[keyPath: path]))
                }
            }
    }
}
