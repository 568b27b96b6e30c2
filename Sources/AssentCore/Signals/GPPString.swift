/// A GPP string: the header, then one `~`-separated body per section in the header's (ascending) ID order.
public struct GPPString: Sendable, Equatable {
    /// The sections in ascending ID order, one per ID.
    public var sections: [GPPSection]

    public init(sections: [GPPSection]) {
        self.sections = sections
    }

    /// The section IDs, as the header lists them (and as `gpp_sid` uses them).
    public var sectionIds: [Int] { sections.map(\.id) }

    /// The section with `id`, if present.
    public func section(_ id: Int) -> GPPSection? { sections.first { $0.id == id } }

    /// Decodes a GPP string. The header must declare exactly as many IDs as there are sections, in strictly
    /// ascending order; that count is checked before the header's ID list is expanded.
    public static func decode(_ text: some StringProtocol) throws(SignalDecodingError) -> GPPString {
        try UTF8Input.with(text) { input throws(SignalDecodingError) in try decode(input) }
    }

    /// `decode(_:)` for a `String`: not generic, so that a caller in another module does not run the generic
    /// version's unspecialized code.
    public static func decode(_ text: String) throws(SignalDecodingError) -> GPPString {
        try UTF8Input.with(text) { input throws(SignalDecodingError) in try decode(input) }
    }

    static func decode(_ input: UnsafeBufferPointer<UInt8>) throws(SignalDecodingError) -> GPPString {
        let present = input.reduce(0) { $0 + ($1 == UInt8(ascii: "~") ? 1 : 0) }
        var parts = ByteSegments(input, 0..<input.count, separator: "~")
        // The header's IDs are walked as the sections are decoded, not collected first (one allocation less).
        // A Range(Fibonacci) is ascending by construction: every offset is at least 1.
        var (ids, total) = try GPPHeader.sectionIds(input, parts.next()!, maxSections: present)
        guard total == present else {
            throw SignalDecodingError(
                .malformed, field: "header.sectionIds", bitOffset: 24, "declares \(total) sections, \(present) present")
        }
        var sections: [GPPSection] = []
        sections.reserveCapacity(present)
        try ids.forEachFibonacciRangeId("header.sectionIds") { id throws(SignalDecodingError) in
            let body = parts.next()!
            guard !body.isEmpty else {
                throw SignalDecodingError(
                    .truncated, field: GPPSection.prefixes[id] ?? "section \(id)", bitOffset: 0, "empty section")
            }
            sections.append(try GPPSection.decode(id: id, input, body))
        }
        return GPPString(sections: sections)
    }

    /// Encodes the header and sections; sections are written in ascending ID order whatever order they are
    /// held in, and an ID may appear only once.
    public func encode() throws(SignalEncodingError) -> String {
        let ordered = sections.sorted { $0.id < $1.id }
        let ids = ordered.map(\.id)
        guard zip(ids, ids.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SignalEncodingError(field: "header.sectionIds", "section IDs must be distinct")
        }
        var parts = [try GPPHeader(sectionIds: ids).encode()]
        for section in ordered { parts.append(try section.encode()) }
        return parts.joined(separator: "~")
    }
}
