/// Why a privacy-signal string (TC string, GPP string, US Privacy string) could not be decoded.
///
/// Names the field being read and where: strings arrive from third parties and the message has to tell a
/// publisher which part of their CMP's output is wrong.
public struct SignalDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad class of failure, for callers that branch on it.
    public enum Kind: Sendable, Equatable {
        /// The bits ran out before the field was complete.
        case truncated
        /// A character outside the string's alphabet.
        case invalidCharacter
        /// The bits are there but the value is not allowed (wrong version, bad letter, inverted range, …).
        case invalidValue
        /// The structure is wrong: missing or repeated segments, section count mismatch, …
        case malformed
    }

    public let kind: Kind
    /// The field in lowerCamelCase, prefixed by its segment or section (`core.cmpId`, `usnat.saleOptOut`).
    public let field: String
    /// The bit offset inside the segment being decoded; for the plain-text US Privacy string, 8 × character index.
    public let bitOffset: Int
    public let message: String

    public init(_ kind: Kind, field: String, bitOffset: Int, _ message: String) {
        self.kind = kind
        self.field = field
        self.bitOffset = bitOffset
        self.message = message
    }

    public var description: String { "\(field) at bit \(bitOffset): \(message)" }

    /// The same error with `prefix.` in front of the field, when a codec is nested in another (GPP's tcfeuv2).
    func prefixed(_ prefix: String) -> SignalDecodingError {
        SignalDecodingError(kind, field: "\(prefix).\(field)", bitOffset: bitOffset, message)
    }
}

/// Why a value cannot be written as a signal string: a field does not fit its bits or breaks a rule the
/// specification gives encoders (for example `mspaCoveredTransaction` must be 1 or 2).
public struct SignalEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
