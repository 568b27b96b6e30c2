/// Times as RFC 3339 UTC text, from integers (Core reads no clock and formats without Foundation).
public enum Timestamp {
    public static let millisecondsPerDay: Int64 = 86_400_000

    /// Milliseconds since the Unix epoch as "2026-11-29T16:00:00.000Z".
    public static func iso8601(milliseconds: Int64) -> String {
        let seconds = floorDivide(milliseconds, 1000)
        let ms = Int(milliseconds - seconds * 1000)
        return dateAndTime(seconds: seconds) + "." + pad(ms, 3) + "Z"
    }

    /// Seconds since the Unix epoch as "2026-11-29T16:00:00", without fraction or zone.
    public static func dateAndTime(seconds: Int64) -> String {
        let days = Int(floorDivide(seconds, 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        // Days to a proleptic Gregorian date (Howard Hinnant's civil-from-days algorithm, restated).
        let z = days + 719_468
        let era = Int(floorDivide(Int64(z), 146_097))
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor != 0 && (value < 0) != (divisor < 0) ? quotient - 1 : quotient
    }
}
