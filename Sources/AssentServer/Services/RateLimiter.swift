import AssentStore

/// Fixed-window counters per key, in memory: at most `limit` events per key in each `window`. Enough for one
/// server; with several, each enforces its own share. Old windows are dropped as keys come back or when the
/// table grows past `maxKeys`.
final class RateLimiter: Sendable {
    let limit: Int
    let window: Int64
    private let maxKeys: Int
    private let counters = Locked([String: (start: Int64, count: Int)]())

    init(limit: Int, windowMilliseconds: Int64, maxKeys: Int = 100_000) {
        self.limit = limit
        self.window = windowMilliseconds
        self.maxKeys = maxKeys
    }

    /// Counts one event for `key` at `now`; nil when allowed, else the seconds until the window ends.
    func hit(_ key: String, now: Int64) -> Int? {
        counters.withLock { table in
            if table.count >= maxKeys { table = table.filter { now - $0.value.start < window } }
            var entry = table[key] ?? (start: now, count: 0)
            if now - entry.start >= window { entry = (start: now, count: 0) }
            guard entry.count < limit else {
                return Int((entry.start + window - now + 999) / 1000)
            }
            entry.count += 1
            table[key] = entry
            return nil
        }
    }
}
