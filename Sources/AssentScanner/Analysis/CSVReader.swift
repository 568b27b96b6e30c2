/// A reader for comma-separated values as RFC 4180 writes them: fields in double quotes may hold commas, line
/// breaks and doubled quotes (`""`); records end with LF or CRLF. Written here because the one file it reads is
/// small and the project takes no dependency for it.
enum CSVReader {
    struct Malformed: Error, CustomStringConvertible {
        var line: Int
        var description: String { "unterminated quoted field starting on line \(line)" }
    }

    /// Every record, each a list of fields; a final line break does not start an empty record.
    static func records(_ text: String) throws(Malformed) -> [[String]] {
        let bytes = Array(text.utf8)
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var i = 0
        var line = 1
        var fieldStarted = false
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") && field.isEmpty && !fieldStarted {
                // A quoted field: read to the closing quote, "" standing for one quote.
                let startLine = line
                i += 1
                var closed = false
                while i < bytes.count {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\"") {
                        if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                            field.append(c)
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    if c == UInt8(ascii: "\n") { line += 1 }
                    field.append(c)
                    i += 1
                }
                guard closed else { throw Malformed(line: startLine) }
                fieldStarted = true
                continue
            }
            switch b {
            case UInt8(ascii: ","):
                endField()
                fieldStarted = false
            case UInt8(ascii: "\r") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n"):
                break
            case UInt8(ascii: "\n"):
                endField()
                records.append(record)
                record = []
                fieldStarted = false
                line += 1
            default:
                field.append(b)
                fieldStarted = true
            }
            i += 1
        }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }
}
