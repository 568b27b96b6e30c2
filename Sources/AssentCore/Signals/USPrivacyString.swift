/// The legacy IAB US Privacy (CCPA) string, four characters such as `1YNN`.
///
/// Deprecated by the IAB in favour of GPP but still read by Google and others, so Assent keeps writing it.
public struct USPrivacyString: Sendable, Equatable, CustomStringConvertible {
    /// One of the three flags: `Y`, `N` or `-` (not applicable).
    public enum Flag: Character, Sendable, Equatable, CaseIterable {
        case yes = "Y"
        case no = "N"
        case notApplicable = "-"
    }

    /// Always 1; the only version the specification defines.
    public var version: Int
    /// Whether explicit notice and the opportunity to opt out of sale was given.
    public var notice: Flag
    /// Whether the user opted out of the sale of their personal information.
    public var optOutSale: Flag
    /// Whether the publisher is a signatory of the IAB Limited Service Provider Agreement.
    public var lspaCovered: Flag

    public init(version: Int = 1, notice: Flag, optOutSale: Flag, lspaCovered: Flag) {
        self.version = version
        self.notice = notice
        self.optOutSale = optOutSale
        self.lspaCovered = lspaCovered
    }

    /// `1---`: CCPA does not apply.
    public static let notApplicable = USPrivacyString(
        notice: .notApplicable, optOutSale: .notApplicable, lspaCovered: .notApplicable)

    /// Decodes a US Privacy string; flags must be upper-case `Y`/`N` or `-`. Error offsets are 8 × character index.
    public static func decode(_ text: some StringProtocol) throws(SignalDecodingError) -> USPrivacyString {
        var utf8 = text.utf8.makeIterator()
        if text.utf8.count == 4, let valid = valid(next: { utf8.next() }) { return valid }
        return try decodeCharacters(text)
    }

    /// `decode(_:)` for a `String`: not generic, so that a caller in another module does not run the generic
    /// version's unspecialized code.
    public static func decode(_ text: String) throws(SignalDecodingError) -> USPrivacyString {
        var utf8 = text.utf8.makeIterator()
        if text.utf8.count == 4, let valid = valid(next: { utf8.next() }) { return valid }
        return try decodeCharacters(text)
    }

    /// Decodes the UTF-8 bytes `input[range]` (GPP's `uspv1` section).
    static func decode(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(SignalDecodingError)
        -> USPrivacyString
    {
        var bytes = input[range].makeIterator()
        if range.count == 4, let valid = valid(next: { bytes.next() }) { return valid }
        return try decodeCharacters(String(decoding: UnsafeBufferPointer(rebasing: input[range]), as: UTF8.self))
    }

    /// The string of four ASCII bytes `next` yields when it is valid; `nil` sends the caller to the character-wise
    /// decoder, which words the error (a valid string is always four ASCII characters).
    private static func valid(next: () -> UInt8?) -> USPrivacyString? {
        func flag(_ byte: UInt8?) -> Flag? {
            switch byte {
            case UInt8(ascii: "Y"): .yes
            case UInt8(ascii: "N"): .no
            case UInt8(ascii: "-"): .notApplicable
            default: nil
            }
        }
        guard next() == UInt8(ascii: "1"), let notice = flag(next()), let optOutSale = flag(next()),
            let lspaCovered = flag(next())
        else { return nil }
        return USPrivacyString(notice: notice, optOutSale: optOutSale, lspaCovered: lspaCovered)
    }

    private static func decodeCharacters(_ text: some StringProtocol) throws(SignalDecodingError) -> USPrivacyString {
        let chars = Array(text)
        guard chars.count == 4 else {
            throw SignalDecodingError(
                chars.count < 4 ? .truncated : .malformed, field: "usPrivacy", bitOffset: min(chars.count, 4) * 8,
                "must be exactly 4 characters, has \(chars.count)")
        }
        guard chars[0] == "1" else {
            throw SignalDecodingError(.invalidValue, field: "version", bitOffset: 0, "version must be 1")
        }
        func flag(_ index: Int, _ field: String) throws(SignalDecodingError) -> Flag {
            guard let flag = Flag(rawValue: chars[index]) else {
                throw SignalDecodingError(
                    .invalidCharacter, field: field, bitOffset: index * 8, "must be Y, N or -, is \"\(chars[index])\"")
            }
            return flag
        }
        return USPrivacyString(
            notice: try flag(1, "notice"), optOutSale: try flag(2, "optOutSale"),
            lspaCovered: try flag(3, "lspaCovered"))
    }

    /// The four-character string; throws if `version` is not 1.
    public func encode() throws(SignalEncodingError) -> String {
        guard version == 1 else { throw SignalEncodingError(field: "version", "version must be 1, is \(version)") }
        return "1\(notice.rawValue)\(optOutSale.rawValue)\(lspaCovered.rawValue)"
    }

    public var description: String { "1\(notice.rawValue)\(optOutSale.rawValue)\(lspaCovered.rawValue)" }
}
