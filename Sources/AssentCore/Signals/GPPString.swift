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
        let parts = text.split(separator: "~", omittingEmptySubsequences: false)
        let header = try GPPHeader.decode(parts[0], maxSections: parts.count - 1)
        guard header.sectionIds.count == parts.count - 1 else {
            throw SignalDecodingError(
                .malformed, field: "header.sectionIds", bitOffset: 24,
                "declares \(header.sectionIds.count) sections, \(parts.count - 1) present")
        }
        guard zip(header.sectionIds, header.sectionIds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SignalDecodingError(.malformed, field: "header.sectionIds", bitOffset: 24, "IDs not ascending")
        }
        var sections: [GPPSection] = []
        sections.reserveCapacity(header.sectionIds.count)
        for (id, body) in zip(header.sectionIds, parts.dropFirst()) {
            guard !body.isEmpty else {
                throw SignalDecodingError(
                    .truncated, field: GPPSection.prefixes[id] ?? "section \(id)", bitOffset: 0, "empty section")
            }
            sections.append(try GPPSection.decode(id: id, body: body))
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
