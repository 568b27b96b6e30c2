import Foundation
import Hummingbird

/// A `multipart/form-data` body (RFC 7578), read strictly: the boundary from the Content-Type, every part with a
/// `Content-Disposition: form-data; name="…"` header, at most `maxParts` parts, headers of at most 2 KB each,
/// and nothing but the closing delimiter after the last part. Anything else is a 400 `invalid_form`, never a
/// guess. Used for the one file the console takes: an export attached to a request.
struct MultipartForm: Sendable {
    struct Part: Sendable, Equatable {
        let name: String
        /// Set for a file input's part.
        let filename: String?
        let body: [UInt8]
    }

    static let maxParts = 8
    static let maxHeaderBytes = 2048

    let parts: [Part]

    /// The text of the first part with this name.
    subscript(name: String) -> String? {
        parts.first { $0.name == name }.map { String(decoding: $0.body, as: UTF8.self) }
    }

    func file(_ name: String) -> Part? { parts.first { $0.name == name } }

    static func invalid(_ why: String) -> AssentError {
        AssentError.badRequest("the form is not valid multipart/form-data: \(why)", code: "invalid_form")
    }

    static func read(_ request: Request, limit: Int) async throws -> MultipartForm {
        let bytes = try await Body.bytes(request, limit: limit, types: ["multipart/form-data"])
        guard let boundary = boundary(contentType: request.headers.value(.contentType) ?? "") else {
            throw invalid("no boundary in the Content-Type")
        }
        return try parse(bytes, boundary: boundary)
    }

    /// The `boundary` parameter of a Content-Type value, quoted or not: 1 to 70 characters (RFC 2046 §5.1.1).
    static func boundary(contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else {
                continue
            }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            guard (1...70).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return nil
            }
            return value
        }
        return nil
    }

    static func parse(_ bytes: [UInt8], boundary: String) throws -> MultipartForm {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        // The body opens with the first delimiter (no preamble accepted).
        guard bytes.starts(with: delimiter) else { throw invalid("the body does not start with the boundary") }
        var position = delimiter.count
        var parts: [Part] = []
        let next = crlf + delimiter
        while true {
            // After a delimiter: "--" closes the body, CRLF opens a part.
            if bytes[position...].starts(with: [45, 45]) {
                let rest = bytes[(position + 2)...]
                guard rest.isEmpty || Array(rest) == crlf else { throw invalid("data after the closing boundary") }
                break
            }
            guard bytes[position...].starts(with: crlf) else { throw invalid("a boundary is not followed by CRLF") }
            position += 2
            guard parts.count < maxParts else { throw invalid("more than \(maxParts) parts") }
            guard let headerEnd = find(crlf + crlf, in: bytes, from: position, within: maxHeaderBytes) else {
                throw invalid("a part's headers do not end, or are longer than \(maxHeaderBytes) bytes")
            }
            let headers = String(decoding: bytes[position..<headerEnd], as: UTF8.self)
            let (name, filename) = try disposition(headers)
            let bodyStart = headerEnd + 4
            guard let bodyEnd = find(next, in: bytes, from: bodyStart, within: nil) else {
                throw invalid("a part does not end with the boundary")
            }
            parts.append(Part(name: name, filename: filename, body: Array(bytes[bodyStart..<bodyEnd])))
            position = bodyEnd + next.count
        }
        return MultipartForm(parts: parts)
    }

    /// The part's field name and file name, from its one Content-Disposition header.
    static func disposition(_ headers: String) throws -> (name: String, filename: String?) {
        var found: (String, String?)?
        for line in headers.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw invalid("a part's header has no colon") }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            guard field == "content-disposition" else { continue }
            guard found == nil else { throw invalid("a part has two Content-Disposition headers") }
            let items = line[line.index(after: colon)...].split(separator: ";").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard items.first?.lowercased() == "form-data" else { throw invalid("a part is not form-data") }
            var name: String?
            var filename: String?
            for item in items.dropFirst() {
                let pair = item.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                var value = String(pair[1])
                guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else {
                    throw invalid("a Content-Disposition parameter is not quoted")
                }
                value = String(value.dropFirst().dropLast())
                switch pair[0].lowercased() {
                case "name": name = value
                case "filename": filename = value
                default: break
                }
            }
            guard let name, !name.isEmpty else { throw invalid("a part has no name") }
            found = (name, filename)
        }
        guard let found else { throw invalid("a part has no Content-Disposition header") }
        return found
    }

    /// The index of the first occurrence of `needle` in `bytes` at or after `start`, looking at most `within` bytes
    /// past it.
    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int, within: Int?) -> Int? {
        guard !needle.isEmpty, start <= bytes.count else { return nil }
        let last = bytes.count - needle.count
        let stop = within.map { min(last, start + $0) } ?? last
        guard start <= stop else { return nil }
        var index = start
        let first = needle[0]
        while index <= stop {
            if bytes[index] == first, bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
