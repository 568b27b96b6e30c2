/// Times as RFC 3339 UTC text, from integers (Core reads no clock and formats without Foundation).
public enum Timestamp {
    public static let millisecondsPerDay: Int64 = 86_400_000

    /// Milliseconds since the Unix epoch as "2026-11-29T16:00:00.000Z".
    public static func iso8601(milliseconds: Int64) -> String {
        let seconds = floorDivide(milliseconds, 1000)
        let ms = Int(milliseconds - seconds * 1000)
        let days = floorDivide(seconds, 86_400)
        let date = CivilDate(daysSinceEpoch: Int(days))
        guard (0...9999).contains(date.year) else {
            return dateAndTime(seconds: seconds) + "." + pad(ms, 3) + "Z"
        }
        // Every decision renders two of these per answer: written as digits into one buffer, not concatenated.
        let secondOfDay = Int(seconds - days * 86_400)
        return String(unsafeUninitializedCapacity: 24) { out in
            func digits(_ value: Int, _ width: Int, at start: Int) {
                var value = value
                for i in stride(from: start + width - 1, through: start, by: -1) {
                    out[i] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            digits(date.year, 4, at: 0)
            out[4] = UInt8(ascii: "-")
            digits(date.month, 2, at: 5)
            out[7] = UInt8(ascii: "-")
            digits(date.day, 2, at: 8)
            out[10] = UInt8(ascii: "T")
            digits(secondOfDay / 3600, 2, at: 11)
            out[13] = UInt8(ascii: ":")
            digits(secondOfDay / 60 % 60, 2, at: 14)
            out[16] = UInt8(ascii: ":")
            digits(secondOfDay % 60, 2, at: 17)
            out[19] = UInt8(ascii: ".")
            digits(ms, 3, at: 20)
            out[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Seconds since the Unix epoch as "2026-11-29T16:00:00", without fraction or zone.
    public static func dateAndTime(seconds: Int64) -> String {
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        return CivilDate(daysSinceEpoch: Int(days)).description + "T" + CivilDate.pad(secondOfDay / 3600, 2) + ":"
            + CivilDate.pad(secondOfDay / 60 % 60, 2) + ":" + CivilDate.pad(secondOfDay % 60, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String { CivilDate.pad(value, width) }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        CivilDate.floorDivide(value, divisor)
    }
}
