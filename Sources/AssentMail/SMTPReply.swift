/// A server reply: a three-digit code and one or more lines of text (RFC 5321 §4.2).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public let code: Int
    public let lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// The code and the text of every line, as one line.
    public var description: String {
        let text = lines.filter { !$0.isEmpty }.joined(separator: " ")
        return text.isEmpty ? "\(code)" : "\(code) \(text)"
    }
}

/// Reads replies from the bytes a server sends, multi-line replies (`250-…` lines up to a `250 …` line) included.
/// Lines end in CRLF (a bare LF is accepted too); lines and replies have bounds, so a hostile server cannot make
/// the client hold an unbounded amount of text.
struct SMTPReplyParser {
    static let maximumLineLength = 4096
    static let maximumLines = 256

    struct Malformed: Error, Equatable, CustomStringConvertible {
        let reason: String
        var description: String { "malformed reply from the server: \(reason)" }
    }

    private var pending: [UInt8] = []
    private var lines: [String] = []
    private var code: Int?

    /// Whether bytes of a reply that is not complete yet are held.
    var holdsPartialReply: Bool { !pending.isEmpty || !lines.isEmpty }

    mutating func parse(_ bytes: some Sequence<UInt8>) throws(Malformed) -> [SMTPReply] {
        pending.append(contentsOf: bytes)
        var replies: [SMTPReply] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            var end = newline
            if end > start, pending[end - 1] == 0x0D { end -= 1 }
            let line = pending[start..<end]
            start = newline + 1
            if let reply = try take(line) { replies.append(reply) }
        }
        pending.removeFirst(start)
        if pending.count > Self.maximumLineLength { throw Malformed(reason: "a line longer than 4096 bytes") }
        return replies
    }

    private mutating func take(_ line: ArraySlice<UInt8>) throws(Malformed) -> SMTPReply? {
        guard line.count <= Self.maximumLineLength else { throw Malformed(reason: "a line longer than 4096 bytes") }
        let digits = line.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (0x30...0x39).contains($0) }), (0x31...0x35).contains(line.first!)
        else {
            throw Malformed(reason: "a line that does not start with a reply code: \(printable(line.prefix(40)))")
        }
        let lineCode = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let separator = line.dropFirst(3).first
        guard separator == nil || separator == 0x20 || separator == 0x2D else {
            throw Malformed(reason: "no space or hyphen after the code: \(printable(line.prefix(40)))")
        }
        if let code, code != lineCode {
            throw Malformed(reason: "the lines of one reply have different codes (\(code), \(lineCode))")
        }
        code = lineCode
        lines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
        guard lines.count <= Self.maximumLines else { throw Malformed(reason: "a reply of more than 256 lines") }
        guard separator != 0x2D else { return nil }
        defer {
            code = nil
            lines = []
        }
        return SMTPReply(code: lineCode, lines: lines)
    }

    private func printable(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
    }
}

/// The service extensions a server lists in its EHLO reply (RFC 5321 §4.1.1.1), keywords upper-cased.
struct SMTPExtensions: Equatable {
    private(set) var parameters: [String: [String]] = [:]

    init() {}

    init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = words.first?.uppercased() else { continue }
            // Some servers still write the pre-standard "AUTH=PLAIN LOGIN" form.
            if keyword.hasPrefix("AUTH=") {
                parameters["AUTH", default: []] += [String(keyword.dropFirst(5))] + words.dropFirst()
            } else {
                parameters[keyword, default: []] += words.dropFirst()
            }
        }
    }

    func contains(_ keyword: String) -> Bool { parameters[keyword] != nil }

    var authMechanisms: Set<String> { Set((parameters["AUTH"] ?? []).map { $0.uppercased() }) }
}
