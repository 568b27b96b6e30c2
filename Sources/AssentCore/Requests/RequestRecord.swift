import Crypto

/// One privacy request as the publisher's queue holds it.
public struct PrivacyRequest: Sendable, Equatable {
    public var id: String
    public var property: String
    public var type: RequestType
    public var law: RequestLaw
    /// The requester's region when the request was filed (it chose the law).
    public var region: String
    public var lang: String
    public var status: RequestStatus
    /// The address as typed and normalized; nil once erased (kept only while the request needs it).
    public var email: String?
    /// The address's suppression key (HMAC under the property's secret): kept after the address is erased.
    public var emailHash: String
    /// The data points the property asks for (name, account number, what to correct…), by field name.
    public var details: [String: String]
    /// The browser's consent subject, when the request was filed from a page that had one.
    public var subject: String?
    public var receivedAt: Int64
    public var verifiedAt: Int64?
    public var closedAt: Int64?
    public var deadlines: RequestDeadlines
    public var extensionReason: String?
    public var denialReason: String?
    /// SHA-256 (hex) of the secret in the requester's status link; the secret itself is never stored.
    public var statusTokenHash: String
    /// Bumped by every change: a change made from an older revision is refused.
    public var revision: Int
    /// The answer to an access request the publisher attached, for the requester to download; nil: none (or
    /// erased with the address).
    public var export: RequestExportSummary?
    /// When the request was locked after too many wrong codes or new codes (milliseconds since the epoch); nil:
    /// not locked. A locked request takes no more codes: the requester files a new one to start again.
    public var lockedAt: Int64?

    public init(
        id: String, property: String, type: RequestType, law: RequestLaw, region: String, lang: String,
        status: RequestStatus = .received, email: String?, emailHash: String, details: [String: String] = [:],
        subject: String? = nil, receivedAt: Int64, verifiedAt: Int64? = nil, closedAt: Int64? = nil,
        deadlines: RequestDeadlines, extensionReason: String? = nil, denialReason: String? = nil,
        statusTokenHash: String, revision: Int = 1, export: RequestExportSummary? = nil, lockedAt: Int64? = nil
    ) {
        self.id = id
        self.property = property
        self.type = type
        self.law = law
        self.region = region
        self.lang = lang
        self.status = status
        self.email = email
        self.emailHash = emailHash
        self.details = details
        self.subject = subject
        self.receivedAt = receivedAt
        self.verifiedAt = verifiedAt
        self.closedAt = closedAt
        self.deadlines = deadlines
        self.extensionReason = extensionReason
        self.denialReason = denialReason
        self.statusTokenHash = statusTokenHash
        self.revision = revision
        self.export = export
        self.lockedAt = lockedAt
    }

    public var isExtended: Bool { extensionReason != nil }

    /// Whether the requester can still confirm the address with a code.
    public var awaitingCode: Bool { status == .received && type.needsVerification && lockedAt == nil }
    public var due: CivilDate { deadlines.due(extended: isExtended) }

    /// Open and past the end of its deadline's day.
    public func isOverdue(at now: Int64) -> Bool { !status.isFinal && now >= due.endMilliseconds }

    /// Not yet acknowledged in time: still `received` after the acknowledgement day.
    public func isAcknowledgementOverdue(at now: Int64) -> Bool {
        status == .received && now >= deadlines.acknowledgeBy.endMilliseconds
    }

    /// Whether the requester may download the attached export: an access request whose address was confirmed
    /// and that was not denied.
    public var exportDownloadable: Bool {
        export != nil && type == .access && verifiedAt != nil && status != .denied
    }
}

/// What is known of an attached export without its document.
public struct RequestExportSummary: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    public var attachedAt: Int64
    public var bytes: Int
    /// SHA-256 (hex) of the document exactly as attached and served.
    public var sha256: String

    public init(attachedAt: Int64, bytes: Int, sha256: String) {
        self.attachedAt = attachedAt
        self.bytes = bytes
        self.sha256 = sha256
    }
}

extension RequestTransition {
    /// An export answers an access request, and is attached while the request is worked on: once the address is
    /// confirmed (verified or in progress), before it is closed. Attaching again replaces it.
    public static func checkExport(status: RequestStatus, type: RequestType) throws(RequestTransitionError) {
        guard type == .access else {
            throw RequestTransitionError("an export answers an access request; this is a \(type.rawValue) request")
        }
        guard status == .verified || status == .inProgress else {
            throw RequestTransitionError(
                status.isFinal
                    ? "the request is already \(status.rawValue); attach the export before closing it"
                    : "the requester has not confirmed the address yet")
        }
    }
}

/// One line of a request's append-only history.
public struct RequestEvent: Sendable, Equatable {
    public var requestID: String
    public var at: Int64
    /// `requester`, `system`, or `admin:<token id>`.
    public var actor: String
    /// `created`, `verified`, `status`, `extended`, `export_attached`, `code_sent`, `code_failed`, `mail_failed`,
    /// `mail_withheld`, `locked`, `email_erased`, `details_erased`, `export_erased`.
    public var action: String
    public var from: RequestStatus?
    public var to: RequestStatus?
    public var note: String?

    public init(
        requestID: String, at: Int64, actor: String, action: String, from: RequestStatus? = nil,
        to: RequestStatus? = nil, note: String? = nil
    ) {
        self.requestID = requestID
        self.at = at
        self.actor = actor
        self.action = action
        self.from = from
        self.to = to
        self.note = note
    }
}

/// A one-time e-mail code, as stored: only its salted hash.
public struct VerificationChallenge: Sendable, Equatable {
    public var requestID: String
    public var codeHash: String
    public var salt: String
    public var expiresAt: Int64
    /// Attempts at this code.
    public var attempts: Int
    /// Codes made for the request so far, this one included.
    public var codesSent: Int
    /// Attempts checked against any of the request's codes over its whole life (an attempt at an expired or used-up
    /// code is not checked and does not count).
    public var totalAttempts: Int

    public static let lifetime: Int64 = 15 * 60 * 1000
    public static let maxAttempts = 5
    /// At most this many codes are mailed for one request, whatever the clients asking.
    public static let maxCodes = 5
    /// At most this many codes are checked for one request over its life, whatever the clients: the last one
    /// wrong locks the request.
    public static let maxTotalAttempts = 10

    public init(
        requestID: String, codeHash: String, salt: String, expiresAt: Int64, attempts: Int = 0, codesSent: Int = 1,
        totalAttempts: Int = 0
    ) {
        self.requestID = requestID
        self.codeHash = codeHash
        self.salt = salt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.codesSent = codesSent
        self.totalAttempts = totalAttempts
    }

    /// Whether an attempt now is checked against the code (and so counts towards `maxTotalAttempts`).
    public func checks(at now: Int64) -> Bool { now < expiresAt && attempts < Self.maxAttempts }

    /// A challenge for `code` (random digits from the caller), valid for 15 minutes from `now`.
    public init(requestID: String, code: String, salt: String, now: Int64) {
        self.init(
            requestID: requestID, codeHash: Self.hash(code: code, salt: salt), salt: salt,
            expiresAt: now + Self.lifetime)
    }

    public static func hash(code: String, salt: String) -> String {
        Hex.encode(SHA256.hash(data: Array((salt + ":" + code).utf8)))
    }

    public enum Outcome: Sendable, Equatable {
        case accepted
        case wrong(attemptsLeft: Int)
        case expired
        case exhausted
    }

    /// Checks a code typed by the requester. The attempt counts before the comparison, so a sixth try is
    /// refused even when right; the comparison takes the same time whatever the code.
    public func check(_ code: String, now: Int64) -> Outcome {
        if now >= expiresAt { return .expired }
        if attempts >= Self.maxAttempts { return .exhausted }
        let typed = Array(Self.hash(code: code.trimmingWhitespace(), salt: salt).utf8)
        let stored = Array(codeHash.utf8)
        var difference: UInt8 = typed.count == stored.count ? 0 : 1
        for (a, b) in zip(typed, stored) { difference |= a ^ b }
        if difference == 0 { return .accepted }
        return .wrong(attemptsLeft: max(0, Self.maxAttempts - attempts - 1))
    }
}
