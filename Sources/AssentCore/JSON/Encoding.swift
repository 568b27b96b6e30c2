import Crypto
import Foundation

public enum Hex {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        write(bytes, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the lowercase hexadecimal digits of `bytes` to `out`, without an intermediate string (a receipt
    /// writes a proof's worth of hashes per answer).
    public static func write(_ bytes: some Sequence<UInt8>, into out: inout [UInt8]) {
        let written: Void? = bytes.withContiguousStorageIfAvailable { write(UnsafeRawBufferPointer($0), into: &out) }
        if written == nil { write(Array(bytes), into: &out) }
    }

    /// Appends the digits of `bytes` to `out`: the room made once, then the digits written into it.
    public static func write(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bytes.count * 2))
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { digits in
            out.withUnsafeMutableBufferPointer { out in
                var at = start
                for b in bytes {
                    out[at] = digits[Int(b >> 4)]
                    out[at + 1] = digits[Int(b & 0xF)]
                    at += 2
                }
            }
        }
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = value(chars[i]), let lo = value(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5); decoding also accepts padding.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let rest = input.count - i
        if rest > 0 {
            let n = UInt32(input[i]) << 16 | (rest == 2 ? UInt32(input[i + 1]) << 8 : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if rest == 2 { out.append(alphabet[Int(n >> 6 & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map { Array($0) }
    }
}

public enum SHA256Digest {
    public static func of(_ bytes: some DataProtocol) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}

/// Indents compact JSON for people; strings are copied byte for byte.
public enum JSONPretty {
    public static func format(_ compact: [UInt8]) -> String {
        var out: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        var i = 0
        func newline() {
            out.append(10)
            out.append(contentsOf: repeatElement(32, count: depth * 2))
        }
        while i < compact.count {
            let c = compact[i]
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == 92 { escaped = true } else if c == 34 { inString = false }
                i += 1
                continue
            }
            switch c {
            case 34:
                inString = true
                out.append(c)
            case 123, 91:
                let close: UInt8 = c == 123 ? 125 : 93
                if i + 1 < compact.count && compact[i + 1] == close {
                    out.append(c)
                    out.append(close)
                    i += 1
                } else {
                    out.append(c)
                    depth += 1
                    newline()
                }
            case 125, 93:
                depth -= 1
                newline()
                out.append(c)
            case 44:
                out.append(c)
                newline()
            case 58:
                out.append(contentsOf: [58, 32])
            default: out.append(c)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self) + "\n"
    }
}
