import AssentStore
import Metrics

/// How the store uses its connection pool. PostgresNIO reports nothing about its pool, but every lease the store
/// takes goes through `withPooledConnection`, which counts it here.
public struct PostgresPoolUsage: Sendable, Equatable {
    /// Connections the store's calls hold now (leased and not yet given back).
    public var connectionsInUse: Int
    /// The most connections the pool opens.
    public var maximumConnections: Int
    /// Leases taken since the store was made.
    public var leases: Int
    /// Calls that waited `leaseLimit` for a connection and got none.
    public var leaseTimeouts: Int

    public init(connectionsInUse: Int, maximumConnections: Int, leases: Int, leaseTimeouts: Int) {
        self.connectionsInUse = connectionsInUse
        self.maximumConnections = maximumConnections
        self.leases = leases
        self.leaseTimeouts = leaseTimeouts
    }
}

/// The counts behind `PostgresPoolUsage`, and the metrics `assent_db_pool_connections_in_use`,
/// `assent_db_pool_connections_max`, `assent_db_pool_lease_wait_seconds` and `assent_db_pool_lease_timeouts_total`.
/// Every query passes here, so the counts take a lock only to add (never while the metrics backend records), and
/// no actor.
final class PoolUsageCounts: Sendable {
    let maximumConnections: Int
    private let counts = Locked((inUse: 0, leases: 0, timeouts: 0))
    private let inUseMeter: Meter
    private let waitTimer: Timer
    private let timeoutCounter: Counter

    init(maximumConnections: Int, metrics: any MetricsFactory) {
        self.maximumConnections = maximumConnections
        inUseMeter = Meter(label: "assent_db_pool_connections_in_use", factory: metrics)
        waitTimer = Timer(label: "assent_db_pool_lease_wait_seconds", factory: metrics)
        timeoutCounter = Counter(label: "assent_db_pool_lease_timeouts_total", factory: metrics)
        Gauge(label: "assent_db_pool_connections_max", factory: metrics).record(maximumConnections)
    }

    /// A call got a connection after waiting `wait` for it; it calls `released()` when it gives it back.
    func leased(after wait: Duration) {
        counts.withLock {
            $0.inUse += 1
            $0.leases += 1
        }
        inUseMeter.increment()
        let (seconds, attoseconds) = wait.components
        waitTimer.recordNanoseconds(seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
    }

    func released() {
        counts.withLock { $0.inUse -= 1 }
        inUseMeter.decrement()
    }

    func leaseTimedOut() {
        counts.withLock { $0.timeouts += 1 }
        timeoutCounter.increment()
    }

    var usage: PostgresPoolUsage {
        let now = counts.withLock { $0 }
        return PostgresPoolUsage(
            connectionsInUse: now.inUse, maximumConnections: maximumConnections, leases: now.leases,
            leaseTimeouts: now.timeouts)
    }
}
