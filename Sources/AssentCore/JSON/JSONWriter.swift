/// Writes JSON straight into bytes, one value after another: `object { member … }`, arrays, strings, numbers,
/// booleans, null, and bytes already rendered (a decision's signals, a receipt). Output has no insignificant
/// whitespace and the minimal string escaping of `CanonicalJSON`, so an object whose members are written in
/// UTF-16 order of their names is canonical: the ledger's entries are written with it, and so are the answers.
///
/// A `canonical` writer checks (in debug builds) that every object's members come in that order.
public struct JSONWriter {
    /// What has been written.
    public var bytes: [UInt8] { out }
    @usableFromInline var out: [UInt8]
    /// Whether the next value written needs a comma before it (it follows another in the same container).
    @usableFromInline var needsComma = false
    @usableFromInline let canonical: Bool
    /// The containers open, innermost in the lowest bit (1: an object, 0: an array), and how many there are.
    @usableFromInline var openObjects: UInt64 = 0
    @usableFromInline var depth = 0
    #if DEBUG
        /// The last member name of each open object, to check canonical order.
        @usableFromInline var lastNames: [String?] = []
    #endif

    public init(capacity: Int = 256, canonical: Bool = false) {
        out = []
        out.reserveCapacity(capacity)
        self.canonical = canonical
    }

    @inlinable mutating func separate() {
        if needsComma { out.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    // MARK: Containers

    /// `{ … }`: `body` writes the members.
    @inlinable public mutating func object(_ body: (inout JSONWriter) throws -> Void) rethrows {
        separate()
        out.append(UInt8(ascii: "{"))
        open(object: true)
        #if DEBUG
            lastNames.append(nil)
        #endif
        try body(&self)
        #if DEBUG
            lastNames.removeLast()
        #endif
        close()
        out.append(UInt8(ascii: "}"))
    }

    /// `[ … ]`: `body` writes the elements.
    @inlinable public mutating func array(_ body: (inout JSONWriter) throws -> Void) rethrows {
        separate()
        out.append(UInt8(ascii: "["))
        open(object: false)
        try body(&self)
        close()
        out.append(UInt8(ascii: "]"))
    }

    /// An array of `elements`, each written by `element`.
    @inlinable public mutating func array<S: Sequence>(_ elements: S, _ element: (inout JSONWriter, S.Element) -> Void)
    {
        array { writer in
            for e in elements { element(&writer, e) }
        }
    }

    @inlinable mutating func open(object: Bool) {
        precondition(depth < 64, "JSONWriter: nesting deeper than 64")
        openObjects = openObjects << 1 | (object ? 1 : 0)
        depth += 1
        needsComma = false
    }

    @inlinable mutating func close() {
        openObjects >>= 1
        depth -= 1
        needsComma = true
    }

    /// The document written so far with every open container closed: a complete document that the rest of the
    /// writing extends (the cached decision is the 201 answer up to its receipt).
    public func closedCopy() -> [UInt8] {
        var copy = [UInt8]()
        copy.reserveCapacity(out.count + depth)
        copy.append(contentsOf: out)
        var kinds = openObjects
        for _ in 0..<depth {
            copy.append(kinds & 1 == 1 ? UInt8(ascii: "}") : UInt8(ascii: "]"))
            kinds >>= 1
        }
        return copy
    }

    // MARK: Members

    /// A member's name; the value written next is its value. A literal name is written as it is: it must need
    /// no escaping.
    @inlinable public mutating func member(_ name: StaticString) {
        checkOrder(name.description)
        separate()
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A member's name taken from data (a category key), escaped as needed.
    @inlinable public mutating func member(name: String) {
        checkOrder(name)
        separate()
        CanonicalJSON.writeString(name, into: &out)
        out.append(UInt8(ascii: ":"))
        needsComma = false
    }

    @inlinable public mutating func member(_ name: StaticString, _ value: String) {
        member(name)
        string(value)
    }

    @inlinable public mutating func member(_ name: StaticString, _ value: Bool) {
        member(name)
        bool(value)
    }

    @inlinable public mutating func member(_ name: StaticString, _ value: Int) {
        member(name)
        int(Int64(value))
    }

    @inlinable public mutating func member(_ name: StaticString, _ value: Int64) {
        member(name)
        int(value)
    }

    @inlinable public mutating func member(_ name: StaticString, _ body: (inout JSONWriter) throws -> Void) rethrows {
        member(name)
        try body(&self)
    }

    @inlinable mutating func checkOrder(_ name: @autoclosure () -> String) {
        #if DEBUG
            guard canonical else { return }
            let name = name()
            if let last = lastNames[lastNames.count - 1] {
                assert(
                    last.utf16.lexicographicallyPrecedes(name.utf16),
                    "canonical JSON: member \"\(name)\" written after \"\(last)\"")
            }
            lastNames[lastNames.count - 1] = name
        #endif
    }

    // MARK: Values

    @inlinable public mutating func string(_ value: String) {
        separate()
        CanonicalJSON.writeString(value, into: &out)
    }

    @inlinable public mutating func bool(_ value: Bool) {
        separate()
        let literal: StaticString = value ? "true" : "false"
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    @inlinable public mutating func null() {
        separate()
        let literal: StaticString = "null"
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    @inlinable public mutating func int(_ value: Int) { int(Int64(value)) }

    /// An integer in decimal, written digit by digit (no intermediate string).
    @inlinable public mutating func int(_ value: Int64) {
        separate()
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            out.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        // At most 20 digits for a UInt64.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &digits) { buffer in
            var end = buffer.count
            while magnitude > 0 {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            return buffer.count - end
        }
        withUnsafeBytes(of: &digits) { out.append(contentsOf: $0[($0.count - count)...]) }
    }

    /// A string of the lowercase hexadecimal digits of `bytes` (a hash), written without an intermediate string.
    public mutating func hexString(_ bytes: some Sequence<UInt8>) {
        separate()
        out.append(UInt8(ascii: "\""))
        Hex.write(bytes, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A number as `CanonicalJSON` writes it: integers in decimal, others in Swift's shortest round-trip form,
    /// non-finite ones as null.
    public mutating func number(_ double: Double, integer: Int64? = nil) {
        if let integer {
            int(integer)
        } else if double.isFinite {
            separate()
            out.append(contentsOf: "\(double)".utf8)
        } else {
            null()
        }
    }

    /// A value already rendered as JSON (by this writer or `CanonicalJSON`), copied as it is.
    @inlinable public mutating func raw(_ json: some Collection<UInt8>) {
        separate()
        out.append(contentsOf: json)
    }

    /// A parsed value: members in canonical order when `sorted`, else in the order they have.
    public mutating func value(_ value: JSONValue, sorted: Bool) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let double, let integer): number(double, integer: integer)
        case .string(let s): string(s)
        case .array(let elements):
            array { writer in
                for element in elements { writer.value(element, sorted: sorted) }
            }
        case .object(let members):
            let ordered = sorted ? members.sorted { $0.0.utf16.lexicographicallyPrecedes($1.0.utf16) } : members
            object { writer in
                for (name, member) in ordered {
                    writer.member(name: name)
                    writer.value(member, sorted: sorted)
                }
            }
        }
    }
}
