/// The `Accept-Language` request header (RFC 9110 §12.5.4): language ranges with optional weights, and the one
/// of a property's languages the reader prefers most (RFC 4647 lookup, by weight).
///
/// Anything a client sends is accepted without trapping: members that are not a well-formed range with a
/// well-formed weight are skipped, as if they were not there.
public enum AcceptLanguage {
    /// One language range of the header.
    public struct Range: Equatable, Sendable {
        /// The range, lowercased, with `_` read as `-`: `es-mx`, `en`, or `*`.
        public var tag: String
        /// The weight in thousandths, 0…1000 (`q=0.8` is 800; no weight is 1000).
        public var weight: Int

        public init(tag: String, weight: Int) {
            self.tag = tag
            self.weight = weight
        }
    }

    /// Ranges longer than this are skipped: real tags are far shorter (RFC 4647 §4.4.1 asks for 35 characters),
    /// and lookup's truncation must stay cheap whatever a client sends.
    public static let maxRangeLength = 64

    /// The well-formed ranges of a header value, in the order given.
    public static func ranges(_ header: some StringProtocol) -> [Range] {
        var result: [Range] = []
        for member in Array(header.utf8).split(separator: UInt8(ascii: ",")) {
            let parts = member.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
            guard let first = parts.first, let tag = languageRange(trimmed(first)) else { continue }
            var weight = 1000
            var valid = true
            for parameter in parts.dropFirst() {
                let parameter = trimmed(parameter)
                // Other parameters carry no meaning here.
                guard parameter.starts(with: "q=".utf8) || parameter.starts(with: "Q=".utf8) else { continue }
                guard let parsed = quality(parameter.dropFirst(2)) else {
                    valid = false
                    break
                }
                weight = parsed
            }
            if valid { result.append(Range(tag: tag, weight: weight)) }
        }
        return result
    }

    /// The supported language the header prefers most, spelled as in `supported`; nil when the header names
    /// none of them (nor `*`), or only with weight 0.
    ///
    /// Ranges are tried by weight, the earlier first among equals. A range matches the language it names, else
    /// the language of its truncations (`es-mx` → `es`), else a supported language it is a prefix of (`pt` →
    /// `pt-BR`); `*` matches the first supported language. A language named with weight 0 is never chosen.
    public static func best(_ header: some StringProtocol, among supported: [String]) -> String? {
        let parsed = ranges(header)
        guard !parsed.isEmpty else { return nil }
        func within(_ language: String, _ range: String) -> Bool {
            language == range || language.hasPrefix(range + "-")
        }
        let refused = parsed.filter { $0.weight == 0 && $0.tag != "*" }.map(\.tag)
        let candidates: [(spelled: String, lower: String)] = supported.compactMap { language in
            let lower = String(language.lowercased().map { $0 == "_" ? "-" : $0 })
            return refused.contains { within(lower, $0) } ? nil : (language, lower)
        }
        guard !candidates.isEmpty else { return nil }
        let ordered = parsed.enumerated().filter { $0.element.weight > 0 }
            .sorted {
                $0.element.weight != $1.element.weight ? $0.element.weight > $1.element.weight : $0.offset < $1.offset
            }
        for (_, range) in ordered {
            if range.tag == "*" { return candidates[0].spelled }
            var tag = Substring(range.tag)
            while true {
                if let match = candidates.first(where: { $0.lower == tag }) { return match.spelled }
                guard let dash = tag.lastIndex(of: "-") else { break }
                tag = tag[..<dash]
            }
            if let match = candidates.first(where: { within($0.lower, range.tag) }) { return match.spelled }
        }
        return nil
    }

    // MARK: Grammar

    private static func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }

    /// `*`, or 1–8 letters followed by any number of `-` and 1–8 letters or digits (`_` read as `-`),
    /// lowercased; nil when malformed or longer than `maxRangeLength`.
    private static func languageRange(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.count == 1, bytes.first == UInt8(ascii: "*") { return "*" }
        guard !bytes.isEmpty, bytes.count <= maxRangeLength else { return nil }
        var lowered: [UInt8] = []
        lowered.reserveCapacity(bytes.count)
        var subtagLength = 0
        var firstSubtag = true
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "_"):
                guard subtagLength > 0 else { return nil }
                subtagLength = 0
                firstSubtag = false
                lowered.append(UInt8(ascii: "-"))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                let isDigit = byte <= UInt8(ascii: "9")
                guard !(firstSubtag && isDigit), subtagLength < 8 else { return nil }
                subtagLength += 1
                lowered.append(isDigit ? byte : byte | 0x20)
            default:
                return nil
            }
        }
        guard subtagLength > 0 else { return nil }
        return String(decoding: lowered, as: UTF8.self)
    }

    /// A qvalue (`0`, `0.5`, `0.123`, `1`, `1.000`) in thousandths; nil when malformed.
    private static func quality(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard let whole = bytes.first, whole == UInt8(ascii: "0") || whole == UInt8(ascii: "1") else { return nil }
        let rest = bytes.dropFirst()
        var thousandths = whole == UInt8(ascii: "1") ? 1000 : 0
        guard let dot = rest.first else { return thousandths }
        let digits = rest.dropFirst()
        guard dot == UInt8(ascii: "."), digits.count <= 3 else { return nil }
        var scale = 100
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            if whole == UInt8(ascii: "1") && digit != UInt8(ascii: "0") { return nil }
            thousandths += Int(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return thousandths
    }
}
