import AssentStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A progress line on standard error that rewrites itself (`\r`), shown only when standard error is a terminal
/// and at most a few times a second: records done, the rate, and the time left at that rate.
final class ProgressLine: Sendable {
    private struct State {
        var lastDrawn: ContinuousClock.Instant?
        var width = 0
    }

    let enabled: Bool
    private let started = ContinuousClock.now
    private let state = Locked(State())

    init(enabled: Bool = isatty(STDERR_FILENO) == 1) { self.enabled = enabled }

    var elapsed: Duration { started.duration(to: .now) }

    /// `note` is shown after the counts (a scan's pages and violations so far).
    func update(done: Int, total: Int, unit: String, note: String? = nil) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            if let last = state.lastDrawn, last.duration(to: now) < .milliseconds(250), done < total { return nil }
            state.lastDrawn = now
            let seconds = max(started.duration(to: now) / .seconds(1), 0.001)
            let rate = Double(done) / seconds
            let left = rate > 0 ? Double(max(total - done, 0)) / rate : 0
            let percent = total > 0 ? Double(done) * 100 / Double(total) : 100
            var text =
                "\(Self.count(done)) of \(Self.count(total)) \(unit) (\(String(format: "%.0f", percent))%), "
                + (note.map { $0 + ", " } ?? "")
                + "\(Self.count(Int(rate))) \(unit)/s, about \(Self.duration(left)) left"
            let padding = max(state.width - text.count, 0)
            state.width = text.count
            text += String(repeating: " ", count: padding)
            return "\r" + text
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Clears the line, so that what is printed next starts on a clean line.
    func finish() {
        guard enabled else { return }
        let width = state.withLock { $0.width }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: width) + "\r").utf8))
    }

    static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
    }
}
