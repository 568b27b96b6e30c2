/// A change committed to the store that a server's caches must learn of, whichever server (or command) made it.
public enum StoreChange: Sendable, Equatable {
    /// The property's current revision is `revision` now (a later one may follow).
    case property(id: String, revision: Int)
    /// Record `record` was committed as the subject's latest decision on the property.
    case decision(property: String, subject: String, record: String)
}

/// What a change feed tells its receivers, in the order it happened.
public enum ChangeFeedEvent: Sendable, Equatable {
    /// Every change committed from now on will be delivered (the feed has started, or reconnected): what was
    /// cached before may have changed unseen, so drop it, and trust the feed from here.
    case live
    /// The feed has stopped (its connection was lost): changes may be missed until the next `live`, so trust
    /// nothing cached until then.
    case lost
    case changed(StoreChange)
}

/// The changes a shared database tells every server of (PostgreSQL's NOTIFY, see PostgresChangeFeed.swift).
/// Receivers are called one event at a time, in order, on the feed's task: they must be quick and never wait.
/// Without a feed (the embedded SQLite store, one server), a server's caches see its own writes only.
public final class ChangeFeed: Sendable {
    private struct State {
        var receivers: [@Sendable (ChangeFeedEvent) -> Void] = []
        var live = false
    }
    private let state = Locked(State())

    public init() {}

    /// Whether changes are being delivered now.
    public var isLive: Bool { state.withLock { $0.live } }

    /// Adds a receiver; when the feed is live already it is told `live` at once.
    public func subscribe(_ receiver: @escaping @Sendable (ChangeFeedEvent) -> Void) {
        // Under the lock, so that an event published meanwhile comes after this `live`, never before it.
        state.withLock { state in
            state.receivers.append(receiver)
            if state.live { receiver(.live) }
        }
    }

    /// Tells every receiver (the feed's implementation calls this).
    public func publish(_ event: ChangeFeedEvent) {
        state.withLock { state in
            switch event {
            case .live: state.live = true
            case .lost: state.live = false
            case .changed: break
            }
            for receiver in state.receivers { receiver(event) }
        }
    }
}

/// Changes as the text of a notification: one per line, fields separated by tabs (ids, subjects and record ids
/// never hold either), `p` id revision or `d` property subject record. Payloads stay below `limit` bytes
/// (PostgreSQL refuses a NOTIFY payload of 8000 bytes or more), so a batch may take several.
public enum ChangePayload {
    public static let limit = 7900

    public static func encode(_ changes: [StoreChange], limit: Int = limit) -> [String] {
        var payloads: [String] = []
        var current = ""
        for change in changes {
            let line: String
            switch change {
            case .property(let id, let revision): line = "p\t\(id)\t\(revision)"
            case .decision(let property, let subject, let record): line = "d\t\(property)\t\(subject)\t\(record)"
            }
            if !current.isEmpty, current.utf8.count + 1 + line.utf8.count > limit {
                payloads.append(current)
                current = ""
            }
            current += current.isEmpty ? line : "\n" + line
        }
        if !current.isEmpty { payloads.append(current) }
        return payloads
    }

    /// The changes a payload names; a line this version does not know is skipped.
    public static func decode(_ payload: String) -> [StoreChange] {
        payload.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            switch (fields.first, fields.count) {
            case ("p", 3):
                guard let revision = Int(fields[2]) else { return nil }
                return .property(id: String(fields[1]), revision: revision)
            case ("d", 4):
                return .decision(property: String(fields[1]), subject: String(fields[2]), record: String(fields[3]))
            default:
                return nil
            }
        }
    }
}
