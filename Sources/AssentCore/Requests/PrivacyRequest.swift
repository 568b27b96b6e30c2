import Crypto

/// What a requester asks for (CCPA §§7020–7027 and GDPR Arts. 15–21 in one list).
public enum RequestType: String, Sendable, CaseIterable {
    case optOutSaleSharing = "opt_out_sale_sharing"
    case optOutLists = "opt_out_lists"
    case limitSensitive = "limit_sensitive"
    case access
    case delete
    case correct

    /// Opt-outs and limiting sensitive data take effect at once and need nothing more than the request
    /// (CCPA §§7026(d), 7027(f)): asking for verification would be an unlawful hurdle.
    public var isOptOut: Bool { self == .optOutSaleSharing || self == .optOutLists || self == .limitSensitive }

    /// Access, deletion and correction reveal or change data: only for a verified requester (§§7060–7062).
    public var needsVerification: Bool { !isOptOut }
}

/// Where a request is in the publisher's queue.
public enum RequestStatus: String, Sendable, CaseIterable {
    case received
    case verified
    case inProgress = "in_progress"
    case completed
    case denied

    public var isFinal: Bool { self == .completed || self == .denied }

    /// `received → verified → in_progress → completed | denied`. A request that needs no verification may go
    /// from received straight to in progress; any open request may be denied, with a reason.
    public func canMove(to next: RequestStatus, type: RequestType) -> Bool {
        switch (self, next) {
        case (.received, .verified), (.verified, .inProgress), (.inProgress, .completed): true
        case (.received, .inProgress): !type.needsVerification
        case (.received, .denied), (.verified, .denied), (.inProgress, .denied): true
        default: false
        }
    }
}

/// Why a transition was refused, for a 409 or 422 answer.
public struct RequestTransitionError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum RequestTransition {
    /// Checks a status change the publisher asks for. A denial needs a reason; access, delete and correct
    /// can only be worked on once verified.
    public static func check(
        from current: RequestStatus, to next: RequestStatus, type: RequestType, reason: String?
    ) throws(RequestTransitionError) {
        if current.isFinal {
            throw RequestTransitionError("the request is already \(current.rawValue)")
        }
        guard current.canMove(to: next, type: type) else {
            if current == .received, next == .inProgress {
                throw RequestTransitionError(
                    "a \(type.rawValue) request must be verified before work on it starts")
            }
            throw RequestTransitionError("a request cannot move from \(current.rawValue) to \(next.rawValue)")
        }
        if next == .denied, (reason ?? "").allSatisfy(\.isWhitespace) {
            throw RequestTransitionError("a denial needs a reason the requester will read")
        }
    }

    /// An extension is allowed once, before the request is closed and before its deadline has passed, and
    /// needs a reason (CCPA §7021(b); GDPR Art. 12(3)).
    public static func checkExtension(
        status: RequestStatus, alreadyExtended: Bool, overdue: Bool, reason: String?
    ) throws(RequestTransitionError) {
        if status.isFinal { throw RequestTransitionError("the request is already \(status.rawValue)") }
        if alreadyExtended { throw RequestTransitionError("the request was already extended once") }
        if overdue { throw RequestTransitionError("the deadline has passed; it can no longer be extended") }
        if (reason ?? "").allSatisfy(\.isWhitespace) {
            throw RequestTransitionError("an extension needs a reason the requester will read")
        }
    }
}

/// An e-mail address as requests and the suppression list key it.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// Trimmed and lower-cased: the same person typing `Ana@Example.com ` finds the same suppression entry.
    public let normalized: String

    /// Nil unless the text looks like one deliverable address: one `@`, a local part of at most 64 and a
    /// domain of at most 253 characters with a dot, no spaces or control characters, 254 in all.
    public init?(_ text: String) {
        let value = text.trimmingWhitespace().lowercased()
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard value.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
            parts[1].utf8.count <= 253, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !parts[1].contains(".."),
            value.unicodeScalars.allSatisfy({
                $0.value > 0x20 && $0.value != 0x7F && !"<>()[],;:\\\"".unicodeScalars.contains($0)
            })
        else { return nil }
        normalized = value
    }

    public var description: String { normalized }

    /// The suppression-list key: HMAC-SHA256 of the normalized address under the property's secret, in hex.
    /// Marketing systems compute the same from their own lists and ask by hash; the address itself is never
    /// needed to answer them.
    public func suppressionHash(secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(normalized.utf8), using: SymmetricKey(data: secret))
        return Hex.encode(Array(mac))
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
