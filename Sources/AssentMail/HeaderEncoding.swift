import Foundation

/// Header field rendering per RFC 5322 (folding, dates) and RFC 2047 (encoded-words for text that is not ASCII).
enum HeaderEncoding {
    /// The line length RFC 5322 asks for; 998 is the hard limit and is never exceeded.
    static let preferredLineLength = 78
    static let maximumLineLength = 998
    /// UTF-8 bytes per encoded-word: 39 bytes are 52 base64 characters, a 64-character word.
    static let encodedWordBytes = 39

    /// Header injection is impossible because no header value may hold a line break (or a NUL).
    static func checkNoLineBreak(_ value: String, field: String) throws(MailMessageError) {
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw .lineBreakInHeader(field: field)
        }
    }

    /// `Name: value` for an unstructured field such as Subject, folded at spaces, or as encoded-words.
    static func unstructured(_ name: String, _ value: String) -> String {
        let prefix = name + ": "
        if isPlainText(value), let folded = fold(value, firstLineUsed: prefix.utf8.count) {
            return prefix + folded
        }
        return prefix + encodedWords(value)
    }

    /// A display name: atoms as they are, other ASCII as a quoted string, anything else as encoded-words.
    static func phrase(_ value: String, firstLineUsed: Int) -> String {
        if isPlainText(value), value.unicodeScalars.allSatisfy({ $0 == " " || atomText.contains($0) }),
            let folded = fold(value, firstLineUsed: firstLineUsed)
        {
            return folded
        }
        if isPlainText(value) {
            var quoted = "\""
            for scalar in value.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(scalar)
            }
            quoted += "\""
            if let folded = fold(quoted, firstLineUsed: firstLineUsed) { return folded }
        }
        return encodedWords(value)
    }

    /// RFC 2047 `=?utf-8?B?…?=` words of whole Unicode scalars, one per folded line.
    static func encodedWords(_ value: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk.removeAll(keepingCapacity: true)
        }
        for scalar in value.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > encodedWordBytes { flush() }
            chunk += bytes
        }
        flush()
        return words.joined(separator: "\r\n ")
    }

    /// RFC 5322 date-time in UTC: `Sun, 29 Nov 2026 16:19:45 +0000`.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(weekdays[(parts.weekday ?? 1) - 1]), \(parts.day ?? 1) \(months[(parts.month ?? 1) - 1]) "
            + "\(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    private static let atomText = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".unicodeScalars)

    /// Printable ASCII that a reader would not mistake for an encoded-word.
    private static func isPlainText(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) } && !value.contains("=?")
    }

    /// Folds before a space wherever a line would pass 78 characters; nil when a single word is too long for 998.
    private static func fold(_ value: String, firstLineUsed: Int) -> String? {
        var lines: [String] = []
        var line = ""
        var used = firstLineUsed
        for (index, word) in value.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index == 0 {
                line = String(word)
            } else if word.isEmpty || used + line.utf8.count + 1 + word.utf8.count <= preferredLineLength {
                line += " " + word
            } else {
                lines.append(line)
                used = 0
                line = " " + word
            }
        }
        lines.append(line)
        if firstLineUsed + lines[0].utf8.count > maximumLineLength { return nil }
        if lines.dropFirst().contains(where: { $0.utf8.count > maximumLineLength }) { return nil }
        return lines.joined(separator: "\r\n")
    }
}
