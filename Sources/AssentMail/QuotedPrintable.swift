/// Quoted-printable (RFC 2045 §6.7) for a UTF-8 text body: the result is 7-bit ASCII with CRLF line ends and lines
/// of at most 76 characters, so it passes any SMTP server unchanged.
enum QuotedPrintable {
    static let maximumLineLength = 76

    /// Encodes `text` after normalising every line end (CRLF, CR or LF) to a hard CRLF line break.
    static func encode(_ text: String) -> String {
        var output: [UInt8] = []
        for (index, line) in lines(of: text).enumerated() {
            if index > 0 { output += [0x0D, 0x0A] }
            encodeLine(Array(Substring(line).utf8), into: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The lines of `text`, split at CRLF, lone CR and lone LF.
    static func lines(of text: String) -> [Substring.UnicodeScalarView] {
        var lines: [Substring.UnicodeScalarView] = []
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var index = start
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == "\r" || scalar == "\n" {
                lines.append(scalars[start..<index])
                var next = scalars.index(after: index)
                if scalar == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                index = next
            } else {
                index = scalars.index(after: index)
            }
        }
        lines.append(scalars[start..<scalars.endIndex])
        return lines
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    private static func encodeLine(_ bytes: [UInt8], into output: inout [UInt8]) {
        var column = 0
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let literal: Bool
            switch byte {
            case 0x20, 0x09: literal = !isLast  // whitespace at the end of a line would be stripped in transit
            case 0x3D: literal = false  // "="
            case 0x21...0x7E: literal = true
            default: literal = false
            }
            let width = literal ? 1 : 3
            // A soft break ("=" CRLF) keeps room for the "=" itself; the last character of the line needs none.
            let limit = isLast ? maximumLineLength : maximumLineLength - 1
            if column + width > limit {
                output += [0x3D, 0x0D, 0x0A]
                column = 0
            }
            if literal {
                output.append(byte)
            } else {
                output += [0x3D, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
            column += width
        }
    }
}
