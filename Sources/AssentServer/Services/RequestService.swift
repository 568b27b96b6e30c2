import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Logging

/// Sends the requester's mail: the code, the status link, notices. `AssentMail` transports sit behind it.
protocol RequestMailer: Sendable {
    /// `requestID`: the request the message is about, so that it can be erased with the request's data.
    func send(to address: String, subject: String, body: String, language: String, requestID: String) async throws
}

/// Privacy requests from filing to closing: the requester's side (file, verify, status) and the publisher's
/// (queue, transitions, extension, export, suppression lookups). Routes decode, call one method, encode.
final class RequestService: Sendable {
    let store: any AssentStorage
    /// Properties: the lookup and the visitor's region, shared with the consent service.
    let directory: PropertyDirectory
    var configuration: ServerConfiguration { directory.configuration }
    let mailer: any RequestMailer
    let logger: Logger
    /// Where status links point: the server's public origin.
    let publicBase: String
    let clock: @Sendable () -> Int64
    /// The words of the requester's mails (`RequestMails`) and pages.
    let texts: TextCatalogue
    /// Where every change of a request is announced; nil: nowhere.
    let webhook: WebhookConfiguration?
    /// Filing: 20 per client (many readers can share an address) and 3 per address every 10 minutes. Codes: 20 tries and 3 new codes per client
    /// every 10 minutes (each code allows 5 tries on its own; a request allows 10 checked tries and 5 codes over its
    /// life, whatever the clients, kept in the store). An opt-out is never refused: the same limits, counted apart,
    /// decide only whether it is mailed.
    let filingPerClient = RateLimiter(limit: 20, windowMilliseconds: 600_000)
    let filingPerAddress = RateLimiter(limit: 3, windowMilliseconds: 600_000)
    let optOutMailsPerClient = RateLimiter(limit: 20, windowMilliseconds: 600_000)
    let optOutMailsPerAddress = RateLimiter(limit: 3, windowMilliseconds: 600_000)
    let attemptsPerClient = RateLimiter(limit: 20, windowMilliseconds: 600_000)
    let resendsPerClient = RateLimiter(limit: 3, windowMilliseconds: 600_000)

    static let maxBulkHashes = 10_000
    static let suppressionSecretKind = "suppression"

    init(
        store: any AssentStorage, directory: PropertyDirectory, mailer: any RequestMailer, publicBase: String,
        logger: Logger, webhook: WebhookConfiguration? = nil,
        texts: TextCatalogue, clock: @escaping @Sendable () -> Int64 = { ConsentService.now() }
    ) {
        self.webhook = webhook
        self.store = store
        self.directory = directory
        self.mailer = mailer
        self.publicBase = publicBase
        self.logger = logger
        self.clock = clock
        self.texts = texts
    }

    // MARK: Filing

    struct Filing: Sendable {
        var propertyID: String
        var type: RequestType
        var email: String?
        var details: [String: String]
        var subject: String?
        var regionHeader: String?
        var demoRegion: String?
        var lang: String?
        /// Who is asking, for rate limits only (the client address); never stored.
        var client: String
    }

    struct Filed: Sendable {
        let request: PrivacyRequest
        /// The secret of the status link; shown once, mailed to the requester.
        let statusSecret: String
        var statusURL: String
    }

    func file(_ filing: Filing) async throws -> Filed {
        let entry = try await directory.property(filing.propertyID)
        let property = entry.current.property
        guard let email = filing.email.flatMap(EmailAddress.init) else {
            throw AssentError.badRequest(
                filing.email == nil || filing.email!.isEmpty
                    ? "email: an e-mail address is required to send the status link"
                    : "email: not an e-mail address", code: "invalid_request")
        }
        do throws(RequestDetailsError) {
            try property.requestSettings.check(filing.details, for: filing.type)
        } catch {
            throw AssentError.badRequest(error.description, code: "invalid_request")
        }
        let subject = try filing.subject.map(ConsentService.subject)
        let now = clock()
        let addressKey = "address:" + filing.propertyID + ":" + email.normalized
        if !filing.type.isOptOut,
            let wait = filingPerClient.hit("client:" + filing.client, now: now)
                ?? filingPerAddress.hit(addressKey, now: now)
        {
            throw AssentError.tooManyRequests("too many requests; try again later", retryAfter: wait)
        }
        let region = try directory.region(
            propertyID: filing.propertyID, header: filing.regionHeader, demoOverride: filing.demoRegion)
        let law = RequestLaw(regime: property.regimes.regime(for: region))
        let secret = try await suppressionSecret(filing.propertyID)
        // An opt-out is honoured whatever the limits (anyone could otherwise block a person's opt-out by filing with
        // their address): the limits only keep mail from flooding the mailbox, and an address already on the
        // suppression list is not mailed again. The answer is the same either way.
        let suppresses = filing.type == .optOutSaleSharing || filing.type == .optOutLists
        var withheld: String?
        if filing.type.isOptOut {
            let hash = email.suppressionHash(secret: secret)
            if suppresses, try await store.suppressed(property: filing.propertyID, hashes: [hash]).contains(hash) {
                withheld = "the address is already on the suppression list"
            } else if optOutMailsPerClient.hit("client:" + filing.client, now: now) != nil
                || optOutMailsPerAddress.hit(addressKey, now: now) != nil
            {
                withheld = "too many opt-outs mailed to this address or from this client lately"
            }
        }
        let statusSecret = Secrets.token()
        let id = RandomID.uuid(milliseconds: now)
        let request = PrivacyRequest(
            id: id, property: filing.propertyID, type: filing.type, law: law, region: region.code,
            lang: property.language(matching: filing.lang), email: email.normalized,
            emailHash: email.suppressionHash(secret: secret), details: filing.details, subject: subject,
            receivedAt: now,
            deadlines: RequestDeadlines(
                received: CivilDate(milliseconds: now), type: filing.type, law: law, calendar: BusinessCalendar()),
            statusTokenHash: Secrets.sha256Hex(statusSecret))
        var challenge: VerificationChallenge?
        var code: String?
        if filing.type.needsVerification {
            let c = Self.randomCode()
            code = c
            challenge = VerificationChallenge(requestID: id, code: c, salt: Secrets.token(), now: now)
        }
        // Opting out of sale, sharing or lists by address takes effect now: the address joins the list that
        // marketing systems check.
        let suppression =
            suppresses
            ? SuppressionEntry(property: filing.propertyID, hash: request.emailHash, addedAt: now, requestID: id) : nil
        try await store.createRequest(
            request,
            event: RequestEvent(requestID: id, at: now, actor: "requester", action: "created", to: .received),
            challenge: challenge, suppression: suppression,
            webhook: delivery(request, event: "request.created", now: now))
        let url = statusURL(propertyID: filing.propertyID, secret: statusSecret)
        if let withheld {
            try? await store.appendRequestEvent(
                RequestEvent(requestID: id, at: now, actor: "system", action: "mail_withheld", note: withheld))
        } else {
            await mail(
                request, subject: mails.subject(request), body: mails.filed(request, code: code, statusURL: url))
        }
        return Filed(request: request, statusSecret: statusSecret, statusURL: url)
    }

    // MARK: The requester's status page

    /// The request a status link names; the same 404 for a wrong secret and for none at all.
    func request(statusSecret: String) async throws -> PrivacyRequest {
        guard !statusSecret.isEmpty, statusSecret.count <= 100,
            let request = try await store.request(statusTokenHash: Secrets.sha256Hex(statusSecret))
        else { throw AssentError.notFound("no such request", code: "unknown_request") }
        return request
    }

    /// Checks a code. Wrong codes count; the sixth attempt at a code fails even when right; an expired code asks
    /// for a new one. The tenth wrong code over the request's life, from whatever clients, locks it.
    func verify(statusSecret: String, code: String, client: String) async throws -> PrivacyRequest {
        var request = try await request(statusSecret: statusSecret)
        let now = clock()
        if let wait = attemptsPerClient.hit("client:" + client, now: now) {
            throw AssentError.tooManyRequests("too many attempts; try again later", retryAfter: wait)
        }
        if request.lockedAt != nil { throw Self.locked }
        guard request.status == .received, request.type.needsVerification else {
            throw AssentError.conflict("this request needs no code now", code: "not_awaiting_code")
        }
        guard let challenge = try await store.countAttempt(requestID: request.id, at: now) else {
            throw AssentError.conflict("no code is waiting; ask for a new one", code: "no_code")
        }
        let maxTotal = VerificationChallenge.maxTotalAttempts
        if challenge.checks(at: now), challenge.totalAttempts >= maxTotal {
            // Another server counted the last allowed attempt first.
            await lock(request, now: now, reason: "\(maxTotal) wrong codes")
            throw Self.locked
        }
        switch challenge.check(code, now: now) {
        case .accepted:
            try await store.deleteChallenge(requestID: request.id)
            let from = request.status
            request.status = .verified
            request.verifiedAt = now
            request.revision += 1
            try await save(
                request,
                RequestEvent(
                    requestID: request.id, at: now, actor: "requester", action: "verified", from: from, to: .verified))
            return request
        case .wrong(let leftForCode):
            try? await store.appendRequestEvent(
                RequestEvent(requestID: request.id, at: now, actor: "requester", action: "code_failed"))
            let leftForRequest = maxTotal - challenge.totalAttempts - 1
            if leftForRequest <= 0 {
                await lock(request, now: now, reason: "\(maxTotal) wrong codes")
                var error = AssentError(
                    .unprocessableContent, "wrong_code",
                    "that code is not right; after \(maxTotal) wrong codes this request is locked: "
                        + Self.startAgain)
                error.values = ["locked": "true"]
                throw error
            }
            let left = min(leftForCode, leftForRequest)
            var error = AssentError(
                .unprocessableContent, "wrong_code",
                left > 0
                    ? "that code is not right; \(left) attempt(s) left" : "that code is not right; ask for a new one")
            error.values = ["left": String(left)]
            throw error
        case .expired:
            throw AssentError(.unprocessableContent, "code_expired", "the code has expired; ask for a new one")
        case .exhausted:
            throw AssentError(.unprocessableContent, "code_exhausted", "too many wrong codes; ask for a new one")
        }
    }

    /// Sends a fresh code (the old one stops working), for a request still waiting for one. A request gets at
    /// most `VerificationChallenge.maxCodes` codes, whatever the clients: asking for one more locks it.
    func resendCode(statusSecret: String, client: String) async throws {
        let request = try await request(statusSecret: statusSecret)
        let now = clock()
        if let wait = resendsPerClient.hit("client:" + client, now: now) {
            throw AssentError.tooManyRequests("too many requests; try again later", retryAfter: wait)
        }
        if request.lockedAt != nil { throw Self.locked }
        guard request.status == .received, request.type.needsVerification, let email = request.email else {
            throw AssentError.conflict("this request needs no code now", code: "not_awaiting_code")
        }
        let code = Self.randomCode()
        guard
            try await store.saveChallenge(
                VerificationChallenge(requestID: request.id, code: code, salt: Secrets.token(), now: now),
                maxCodes: VerificationChallenge.maxCodes)
        else {
            await lock(request, now: now, reason: "\(VerificationChallenge.maxCodes) codes sent")
            throw Self.locked
        }
        let url = statusURL(propertyID: request.property, secret: statusSecret)
        await send(
            to: email, request: request, subject: mails.subject(request),
            body: mails.newCode(request, code: code, statusURL: url))
    }

    // MARK: The publisher's queue

    func list(_ query: RequestQuery) async throws -> [PrivacyRequest] {
        guard (1...500).contains(query.limit) else {
            throw AssentError.badRequest("limit: between 1 and 500", code: "invalid_query")
        }
        return try await store.requests(query)
    }

    func request(id: String) async throws -> (PrivacyRequest, [RequestEvent]) {
        guard let request = try await store.request(id: id) else {
            throw AssentError.notFound("no request \(id)", code: "unknown_request")
        }
        return (request, try await store.requestEvents(requestID: id))
    }

    func transition(id: String, to next: RequestStatus, reason: String?, actor: String) async throws -> PrivacyRequest {
        try Self.checkReasonLength(reason)
        var (request, _) = try await request(id: id)
        do {
            try RequestTransition.check(from: request.status, to: next, type: request.type, reason: reason)
        } catch {
            throw AssentError.conflict(error.description, code: "invalid_transition")
        }
        let now = clock()
        let from = request.status
        request.status = next
        if next == .verified { request.verifiedAt = now }
        if next.isFinal { request.closedAt = now }
        if next == .denied { request.denialReason = reason }
        request.revision += 1
        try await save(
            request,
            RequestEvent(
                requestID: id, at: now, actor: actor, action: "status", from: from, to: next,
                note: reason.flatMap { $0.isEmpty ? nil : $0 }))
        if next.isFinal {
            await mail(request, subject: mails.subject(request), body: mails.closed(request))
        }
        return request
    }

    func extend(id: String, reason: String?, actor: String) async throws -> PrivacyRequest {
        try Self.checkReasonLength(reason)
        var (request, _) = try await request(id: id)
        let now = clock()
        do {
            try RequestTransition.checkExtension(
                status: request.status, alreadyExtended: request.isExtended, overdue: request.isOverdue(at: now),
                reason: reason)
        } catch {
            throw AssentError.conflict(error.description, code: "invalid_extension")
        }
        guard request.deadlines.extendedRespondBy > request.deadlines.respondBy else {
            throw AssentError.conflict(
                "a \(request.type.rawValue) request cannot be extended", code: "invalid_extension")
        }
        request.extensionReason = reason
        request.revision += 1
        try await save(request, RequestEvent(requestID: id, at: now, actor: actor, action: "extended", note: reason))
        await mail(request, subject: mails.subject(request), body: mails.extended(request))
        return request
    }

    // MARK: Suppression

    func suppressed(propertyID: String, hashes: [String]) async throws -> Set<String> {
        _ = try await directory.property(propertyID)
        guard hashes.count <= Self.maxBulkHashes else {
            throw AssentError.badRequest(
                "hashes: at most \(Self.maxBulkHashes) per call, got \(hashes.count)", code: "invalid_query")
        }
        for (i, hash) in hashes.enumerated()
        where hash.count != 64 || !hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
            throw AssentError.badRequest(
                "hashes[\(i)]: not a lowercase hex HMAC-SHA256", code: "invalid_query")
        }
        return try await store.suppressed(property: propertyID, hashes: hashes)
    }

    /// The property's HMAC key for address hashes, made on first use and the same on every server after.
    func suppressionSecret(_ propertyID: String) async throws -> [UInt8] {
        try await store.secret(property: propertyID, kind: Self.suppressionSecretKind, candidate: Secrets.randomBytes())
    }

    // MARK: Locking

    static let startAgain = "to start again, file a new request"

    /// The answer for a locked request, on every route that would take or send a code.
    static var locked: AssentError {
        AssentError.conflict(
            "this request is locked after too many wrong codes or new codes; " + startAgain, code: "request_locked")
    }

    /// Locks a request (a stored state: it holds after a restart and on every server), with a history line and a
    /// webhook. Someone else's change in between is read again and locking tried once more; failures are logged,
    /// since the counts in the store refuse further codes anyway.
    private func lock(_ request: PrivacyRequest, now: Int64, reason: String) async {
        var current = request
        for _ in 0..<3 {
            if current.lockedAt != nil { return }
            var locked = current
            locked.lockedAt = now
            locked.revision += 1
            do {
                try await store.updateRequest(
                    locked,
                    event: RequestEvent(requestID: locked.id, at: now, actor: "system", action: "locked", note: reason),
                    suppression: nil, webhook: delivery(locked, event: "request.locked", now: now))
                try? await store.deleteChallenge(requestID: locked.id)
                return
            } catch RequestStoreError.conflict {
                guard let fresh = try? await store.request(id: request.id) else { return }
                current = fresh
            } catch {
                logger.error("cannot lock request", metadata: ["request": "\(request.id)", "error": "\(error)"])
                return
            }
        }
    }

    // MARK: Helpers

    private func save(_ request: PrivacyRequest, _ event: RequestEvent) async throws {
        do {
            try await store.updateRequest(
                request, event: event, suppression: nil,
                webhook: delivery(request, event: "request." + event.action, now: event.at))
        } catch let error as RequestStoreError {
            throw AssentError.conflict(error.description, code: "request_changed")
        }
    }

    /// The webhook call announcing a change, written with the change itself; nil without a webhook.
    func delivery(_ request: PrivacyRequest, event: String, now: Int64) -> WebhookDelivery? {
        guard let webhook else { return nil }
        let id = RandomID.uuid(milliseconds: now)
        let body = CanonicalJSON.orderedBytes(
            .object([
                ("id", .string(id)), ("event", .string(event)),
                ("at", .string(Timestamp.iso8601(milliseconds: now))),
                ("request", .object(RequestViews.admin(request, now: now))),
            ]))
        return WebhookDelivery(
            id: id, property: request.property, requestID: request.id, url: webhook.url, body: body,
            nextAttemptAt: now)
    }

    private func statusURL(propertyID: String, secret: String) -> String {
        publicBase + "/privacy/" + propertyID + "/status/" + secret
    }

    private func mail(_ request: PrivacyRequest, subject: String, body: String) async {
        guard let email = request.email else { return }
        await send(to: email, request: request, subject: subject, body: body)
    }

    /// Mail failures never undo a recorded request: they are logged and noted in its history.
    private func send(to email: String, request: PrivacyRequest, subject: String, body: String) async {
        do {
            try await mailer.send(
                to: email, subject: subject, body: body, language: request.lang, requestID: request.id)
        } catch {
            logger.error("mail not sent", metadata: ["request": "\(request.id)", "error": "\(error)"])
            // The history outlives the address: the note never repeats it.
            let note = "\(error)".replacingOccurrences(of: email, with: "<address>")
            try? await store.appendRequestEvent(
                RequestEvent(requestID: request.id, at: clock(), actor: "system", action: "mail_failed", note: note))
        }
    }

    /// Six digits, uniformly drawn.
    static func randomCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = Int.random(in: 0..<1_000_000, using: &generator)
        let digits = String(value)
        return String(repeating: "0", count: 6 - digits.count) + digits
    }
}
