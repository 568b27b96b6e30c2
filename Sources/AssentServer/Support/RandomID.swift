import AssentStore

#if canImport(Glibc)
    import Glibc
#endif

/// Record and subject ids: UUID version 7 (RFC 9562), lowercase. The leading 48 bits are the time in
/// milliseconds, so new ids land at the right edge of the database indexes instead of on a random page each
/// (with random ids every decision rewrote two random index pages, and page writes were most of the cost of
/// a commit); the other 74 bits come from the system generator (getrandom), so ids stay unguessable.
/// Foundation's `UUID()` is not used: it opens /dev/urandom on every call on Linux.
enum RandomID {
    private static let pool = RandomPool()

    static func uuid(milliseconds: Int64) -> String {
        let (randomA, randomB) = pool.next2()
        let high = UInt64(truncatingIfNeeded: milliseconds) << 16 | 0x7000 | (randomA & 0x0FFF)
        let low = (randomB & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 9562 variant
        // Written straight into the string's own storage: one allocation per id.
        return String(unsafeUninitializedCapacity: 36) { out in
            var at = 0
            func write(_ word: UInt64, dashBefore first: Int, _ second: Int) {
                for i in 0..<16 {
                    if i == first || i == second {
                        out[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    let nibble = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * i)) & 0xF
                    out[at] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
                    at += 1
                }
            }
            write(high, dashBefore: 8, 12)
            write(low, dashBefore: 0, 4)
            return at
        }
    }
}

/// Random words from the system generator, drawn 4 KiB at a time: a recorded decision takes two ids, and
/// `SystemRandomNumberGenerator` makes one `getrandom` call per word, which was a visible share of a write.
/// The words are the system generator's own, only fetched ahead.
final class RandomPool: Sendable {
    private struct Buffer {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
    }

    private let buffer = Locked(Buffer())

    func next2() -> (UInt64, UInt64) {
        buffer.withLock { buffer in
            if buffer.next + 2 > buffer.words.count {
                var generator = SystemRandomNumberGenerator()
                buffer.words.withUnsafeMutableBytes { generator.fill($0) }
                buffer.next = 0
            }
            defer { buffer.next += 2 }
            return (buffer.words[buffer.next], buffer.words[buffer.next + 1])
        }
    }
}

extension SystemRandomNumberGenerator {
    /// Fills `bytes` from the system generator: in one call on Linux (glibc's `arc4random_buf`, which reads
    /// `getrandom`), a word at a time elsewhere.
    fileprivate mutating func fill(_ bytes: UnsafeMutableRawBufferPointer) {
        #if canImport(Glibc)
            arc4random_buf(bytes.baseAddress!, bytes.count)
        #else
            for offset in stride(from: 0, to: bytes.count, by: 8) {
                let word = next() as UInt64
                withUnsafeBytes(of: word) { word in
                    bytes.baseAddress!.advanced(by: offset).copyMemory(
                        from: word.baseAddress!, byteCount: min(8, bytes.count - offset))
                }
            }
        #endif
    }
}
