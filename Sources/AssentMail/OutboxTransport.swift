import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Delivers mail into a folder, one `.eml` file per message, when no SMTP server is configured: `assent serve`
/// then works out of the box and an operator can read what would have been sent.
///
/// Each file holds exactly the bytes SMTP would send, is written to a temporary name and renamed (so a reader never
/// sees half a message), has mode 0600 (mail carries one-time codes) and is named by the UTC time it was written,
/// so names sort in the order the messages were sent.
public struct OutboxTransport: MailTransport {
    public let directory: String

    /// - Parameter directory: the outbox folder itself, `<data-dir>/outbox`; made (mode 0700) when missing.
    public init(directory: String) {
        self.directory = directory
    }

    public func send(_ message: MailMessage, tag: String?) async throws {
        _ = try await write(message, tag: tag)
    }

    /// Writes the message and returns the path of its file.
    ///
    /// - Parameter tag: what the message is about (letters, digits and `-`, at most 64), put at the end of the
    ///   file's name so that `remove(tag:)` finds it: `<time>-<random>.<tag>.eml`. Anything else is left out.
    @discardableResult
    public func write(_ message: MailMessage, tag: String? = nil) async throws -> String {
        let directory = directory
        let bytes = message.rendered()
        let tag = tag.flatMap { Self.isTag($0) ? $0 : nil }
        return try await NIOThreadPool.singleton.runIfActive {
            try Self.write(bytes, into: directory, at: Date(), tag: tag)
        }
    }

    /// The tags of the messages in the folder (none when it does not exist).
    public func tags() throws -> Set<String> {
        Set(try messageNames().compactMap(Self.tag(ofFileName:)))
    }

    /// Deletes every message written with one of these tags; returns how many went.
    @discardableResult
    public func remove(tags: Set<String>) throws -> Int {
        var removed = 0
        for name in try messageNames() {
            guard let tag = Self.tag(ofFileName: name), tags.contains(tag) else { continue }
            let path = directory + "/" + name
            guard unlink(path) == 0 || errno == ENOENT else { throw OutboxError(path: path, errno: errno) }
            removed += 1
        }
        if removed > 0 {
            let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if folder >= 0 {
                _ = fsync(folder)
                close(folder)
            }
        }
        return removed
    }

    private func messageNames() throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".eml") }
        } catch {
            throw OutboxError(path: directory, reason: "cannot list the folder (\(error.localizedDescription))")
        }
    }

    static func isTag(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy {
                (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45
            }
    }

    /// `<time>-<random>.<tag>.eml` → the tag; nil for a message written without one.
    static func tag(ofFileName name: String) -> String? {
        guard name.hasSuffix(".eml"), !name.hasPrefix(".") else { return nil }
        let parts = name.dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        // `<date>T<time>.<microseconds>Z-<random>` has one dot of its own.
        guard parts.count == 3 else { return nil }
        let tag = String(parts[2])
        return isTag(tag) ? tag : nil
    }

    static func fileName(at date: Date, tag: String? = nil) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let microseconds = Int((date.timeIntervalSince1970 * 1_000_000).rounded(.down)) % 1_000_000
        func padded(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let stamp =
            padded(parts.year, 4) + padded(parts.month, 2) + padded(parts.day, 2) + "T" + padded(parts.hour, 2)
            + padded(parts.minute, 2) + padded(parts.second, 2) + "." + padded(microseconds, 6) + "Z"
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        return stamp + "-" + String(repeating: "0", count: 8 - random.count) + random + (tag.map { "." + $0 } ?? "")
            + ".eml"
    }

    private static func write(_ bytes: [UInt8], into directory: String, at date: Date, tag: String?) throws -> String {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw OutboxError(path: directory, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let name = fileName(at: date, tag: tag)
        let path = directory + "/" + name
        let temporary = directory + "/." + name + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw OutboxError(path: temporary, errno: errno) }
        var closed = false
        defer {
            if !closed {
                close(descriptor)
                unlink(temporary)
            }
        }
        guard fchmod(descriptor, 0o600) == 0 else { throw OutboxError(path: temporary, errno: errno) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw OutboxError(path: temporary, errno: errno)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else { throw OutboxError(path: temporary, errno: errno) }
        closed = true
        guard close(descriptor) == 0 else {
            let error = OutboxError(path: temporary, errno: errno)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = OutboxError(path: path, errno: errno)
            unlink(temporary)
            throw error
        }
        // The rename is durable once the folder itself is synced.
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
        return path
    }
}

/// `write(2)` under a name that does not clash with `OutboxTransport.write`.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

/// An outbox file that could not be written.
public struct OutboxError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)))
    }

    public var description: String { "outbox: \(path): \(reason)" }
}
