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
