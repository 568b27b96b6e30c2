/// Milliseconds since the Unix epoch, formatted as RFC 3339 UTC with milliseconds ("2026-11-29T16:00:00.000Z").
public enum Timestamp {
    public static func iso8601(milliseconds: Int64) -> String {
        let ms = Int(milliseconds.quotientAndRemainder(dividingBy: 1000).remainder + 1000) % 1000
        let seconds = (milliseconds - Int64(ms)) / 1000
        var days = Int(seconds / 86_400)
        var secondsOfDay = Int(seconds % 86_400)
        if secondsOfDay < 0 {
            secondsOfDay += 86_400
            days -= 1
        }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm, restated).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondsOfDay / 3600, 2)):"
            + "\(pad(secondsOfDay / 60 % 60, 2)):\(pad(secondsOfDay % 60, 2)).\(pad(ms, 3))Z"
    }

    public static let millisecondsPerDay: Int64 = 86_400_000
}
