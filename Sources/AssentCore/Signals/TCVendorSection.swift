/// The TCF vendor section (vendor consents, vendor legitimate interests, disclosed vendors) and the
/// RangeEntry list it shares with publisher restrictions.
enum TCVendorSection {
    /// Which tie-break the encoder uses between bitfield and range encoding. Decoders accept both for any set;
    /// the rule only matters for byte-identical output with a given reference library.
    enum EncodingRule: Sendable {
        /// iabtcf-es: ranges only when the highest ID exceeds 45 and ranges are strictly shorter.
        case tcfReference
        /// iabgpp-es / iabgpp-java (tcfeuv2 inside GPP): ranges whenever they are not longer.
        case gppReference
    }

    /// Reads `MaxVendorId`, `IsRangeEncoding` and the bitfield or ranges; returns the sorted vendor IDs.
    ///
    /// The bitfield length is checked against the remaining bits before anything is allocated, and ranges are
    /// merged before expansion, so the result never exceeds 65 535 IDs however the entries overlap.
    static func decode(_ reader: inout BitReader, _ field: String) throws(SignalDecodingError) -> [Int] {
        let maxVendorId = try reader.int(16, "\(field).maxVendorId")
        if try reader.bool("\(field).isRangeEncoding") {
            return IDRuns.ids(of: IDRuns.normalized(try rangeEntries(&reader, field)))
        }
        return try reader.bitfieldIds(maxVendorId, "\(field).bitField")
    }

    /// `NumEntries` (12 bits) then `{IsARange, StartOrOnlyVendorId, [EndVendorId]}` per entry.
    static func rangeEntries(_ reader: inout BitReader, _ field: String) throws(SignalDecodingError)
        -> [ClosedRange<Int>]
    {
        let count = try reader.int(12, "\(field).numEntries")
        try reader.require(count * 17, "\(field).entries")
        var ranges: [ClosedRange<Int>] = []
        ranges.reserveCapacity(count)
        for _ in 0..<count {
            let isRange = try reader.bool("\(field).isARange")
            let startOffset = reader.offset
            let start = try reader.int(16, "\(field).startOrOnlyVendorId")
            let end = isRange ? try reader.int(16, "\(field).endVendorId") : start
            guard start >= 1, start <= end else {
                throw SignalDecodingError(
                    .invalidValue, field: "\(field).startOrOnlyVendorId", bitOffset: startOffset,
                    "vendor range \(start)…\(end) is empty or starts at 0")
            }
            ranges.append(start...end)
        }
        return ranges
    }

    static func writeRangeEntries(
        _ ranges: [ClosedRange<Int>], into writer: inout BitWriter, _ field: String
    ) throws(SignalEncodingError) {
        try writer.int(ranges.count, 12, "\(field).numEntries")
        for range in ranges {
            guard range.lowerBound >= 1 else { throw SignalEncodingError(field: field, "vendor ID 0") }
            writer.bool(range.count > 1)
            try writer.int(range.lowerBound, 16, "\(field).startOrOnlyVendorId")
            if range.count > 1 { try writer.int(range.upperBound, 16, "\(field).endVendorId") }
        }
    }

    /// Writes a sorted, distinct list of vendor IDs with `MaxVendorId` = the highest ID, choosing the encoding
    /// by `rule`.
    static func encode(
        _ ids: [Int], into writer: inout BitWriter, rule: EncodingRule, _ field: String
    ) throws(SignalEncodingError) {
        guard zip(ids, ids.dropFirst()).allSatisfy({ $0 < $1 }), ids.first.map({ $0 >= 1 }) ?? true else {
            throw SignalEncodingError(field: field, "vendor IDs must be positive, distinct and sorted")
        }
        let maxId = ids.last ?? 0
        try writer.int(maxId, 16, "\(field).maxVendorId")
        let runs = IDRuns.runs(of: ids)
        let rangeBits = 12 + runs.reduce(0) { $0 + ($1.count > 1 ? 33 : 17) }
        let useRanges =
            switch rule {
            case .tcfReference: maxId > 45 && rangeBits < maxId
            case .gppReference: rangeBits <= maxId
            }
        writer.bool(useRanges)
        if useRanges {
            try writeRangeEntries(runs, into: &writer, field)
        } else {
            try writer.bitfield(ids, count: maxId, "\(field).bitField")
        }
    }
}
