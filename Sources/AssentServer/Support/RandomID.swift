/// Record and subject ids: UUID version 7 (RFC 9562), lowercase. The leading 48 bits are the time in
/// milliseconds, so new ids land at the right edge of the database indexes instead of on a random page each
/// (with random ids every decision rewrote two random index pages, and page writes were most of the cost of
/// a commit); the other 74 bits come from the system generator (getrandom), so ids stay unguessable.
/// Foundation's `UUID()` is not used: it opens /dev/urandom on every call on Linux.
enum RandomID {
    private static let digits = Array("0123456789abcdef".utf8)

    static func uuid(milliseconds: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        let randomA = generator.next() as UInt64
        let randomB = generator.next() as UInt64
        let high = UInt64(truncatingIfNeeded: milliseconds) << 16 | 0x7000 | (randomA & 0x0FFF)
        let low = (randomB & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 9562 variant
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, shift) in stride(from: 60, through: 0, by: -4).enumerated() {
            if i == 8 || i == 12 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int((high >> UInt64(shift)) & 0xF)])
        }
        for (i, shift) in stride(from: 60, through: 0, by: -4).enumerated() {
            if i == 0 || i == 4 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int((low >> UInt64(shift)) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
