import Foundation

/// A value behind a lock: the shared state of the server, the stores and the command line. Synchronization's
/// `Mutex` would serve as well but exists only from macOS 15 and iOS 18, and the package's platforms must stay
/// where AssentKit's apps are (macOS 13, iOS 16). Uncontended, taking it costs about as much as a `Mutex`.
public final class Locked<Value>: @unchecked Sendable {
    @usableFromInline let lock = NSLock()
    @usableFromInline var value: Value

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, alone: no other caller holds it meanwhile.
    @inlinable
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
