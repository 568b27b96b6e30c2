import AssentCore
import AssentStore
import PostgresNIO

/// Privacy requests, their history and verification codes (suppression, exports, retention, webhooks, tokens
/// and secrets live in files of their own). The history table refuses updates, deletes and truncation by
/// trigger; a request's row is locked while it changes, so of two servers changing it at once one wins and the
/// other gets `RequestStoreError.conflict`.
extension PostgresStore {
    // MARK: Requests

    public func createRequest(
        _ request: PrivacyRequest, event: RequestEvent, challenge: VerificationChallenge?,
        suppression: SuppressionEntry?, webhook: WebhookDelivery?
    ) async throws {
        try await transaction { connection in
            let r = request
            let inserted = try await rows(
                """
                INSERT INTO requests (id, property, type, law, region, lang, status, email, email_hash, details,
                    subject, received_at, verified_at, closed_at, received_date, acknowledge_by, respond_by,
                    extended_respond_by, due_end, extension_reason, denial_reason, status_token_hash, revision,
                    export_attached_at, export_bytes, export_sha256, locked_at)
                VALUES (\(r.id), \(r.property), \(r.type.rawValue), \(r.law.rawValue), \(r.region), \(r.lang),
                    \(r.status.rawValue), \(r.email), \(r.emailHash), \(Self.details(r)), \(r.subject), \(r.receivedAt),
                    \(r.verifiedAt), \(r.closedAt), \(r.deadlines.received.description),
                    \(r.deadlines.acknowledgeBy.description), \(r.deadlines.respondBy.description),
                    \(r.deadlines.extendedRespondBy.description), \(r.due.endMilliseconds), \(r.extensionReason),
                    \(r.denialReason), \(r.statusTokenHash), \(r.revision), \(r.export?.attachedAt),
                    \(r.export?.bytes), \(r.export?.sha256), \(r.lockedAt))
                ON CONFLICT (id) DO NOTHING
                RETURNING id
                """, on: connection)
            guard !inserted.isEmpty else { throw RequestStoreError.duplicateRequest(request.id) }
            try await appendEvent(event, on: connection)
            if let challenge { try await upsertChallenge(challenge, on: connection) }
            if let suppression { try await insertSuppression(suppression, on: connection) }
            if let webhook { try await upsertWebhook(webhook, on: connection) }
        }
    }

    public func request(id: String) async throws -> PrivacyRequest? {
        try await rows("SELECT \(unescaped: Self.requestColumns) FROM requests WHERE id = \(id)")
            .first.map(Self.decodeRequest)
    }

    public func request(statusTokenHash: String) async throws -> PrivacyRequest? {
        try await rows(
            "SELECT \(unescaped: Self.requestColumns) FROM requests WHERE status_token_hash = \(statusTokenHash)"
        ).first.map(Self.decodeRequest)
    }

    public func requests(_ query: RequestQuery) async throws -> [PrivacyRequest] {
        let statuses = query.statuses.map { $0.map(\.rawValue).sorted() }
        let types = query.types.map { $0.map(\.rawValue).sorted() }
        let final = RequestStatus.allCases.filter(\.isFinal).map(\.rawValue).sorted()
        let properties = query.properties.map { $0.sorted() }
        if properties?.isEmpty == true { return [] }
        let order = query.order == .deadline ? "due_end, id" : "id"
        return try await rows(
            """
            SELECT \(unescaped: Self.requestColumns) FROM requests
            WHERE (\(properties)::text[] IS NULL OR property = ANY(\(properties)::text[]))
                AND (\(statuses)::text[] IS NULL OR status = ANY(\(statuses)::text[]))
                AND (\(types)::text[] IS NULL OR type = ANY(\(types)::text[]))
                AND (\(query.receivedSince)::bigint IS NULL OR received_at >= \(query.receivedSince))
                AND (\(query.overdueAt)::bigint IS NULL
                    OR (status <> ALL(\(final)::text[]) AND due_end <= \(query.overdueAt)))
                AND (\(query.after)::text IS NULL OR id > \(query.after))
            ORDER BY \(unescaped: order) LIMIT \(max(0, query.limit)) OFFSET \(max(0, query.offset))
            """
        ).map(Self.decodeRequest)
    }

    public func requests(property: String, emailHash: String?, subject: String?) async throws -> [PrivacyRequest] {
        try await rows(
            """
            SELECT \(unescaped: Self.requestColumns) FROM requests
            WHERE property = \(property)
                AND ((\(emailHash)::text IS NOT NULL AND email_hash = \(emailHash))
                    OR (\(subject)::text IS NOT NULL AND subject = \(subject)))
            ORDER BY id
            """
        ).map(Self.decodeRequest)
    }

    public func updateRequest(
        _ request: PrivacyRequest, event: RequestEvent, suppression: SuppressionEntry?, webhook: WebhookDelivery?
    ) async throws {
        try await transaction { connection in
            try await replaceRequest(request, event: event, webhook: webhook, on: connection)
            if let suppression { try await insertSuppression(suppression, on: connection) }
        }
    }

    /// Saves a changed request after checking (with its row locked) that it is one revision on from the stored
    /// one, with its history line and webhook delivery.
    func replaceRequest(
        _ request: PrivacyRequest, event: RequestEvent, webhook: WebhookDelivery?, on connection: PostgresConnection
    ) async throws {
        guard
            let stored = try await rows(
                "SELECT revision FROM requests WHERE id = \(request.id) FOR UPDATE", on: connection
            ).first?.decode(Int.self)
        else { throw RequestStoreError.unknownRequest(request.id) }
        guard stored == request.revision - 1 else {
            throw RequestStoreError.conflict(id: request.id, expected: request.revision - 1, actual: stored)
        }
        let r = request
        try await rows(
            """
            UPDATE requests SET property = \(r.property), type = \(r.type.rawValue), law = \(r.law.rawValue),
                region = \(r.region), lang = \(r.lang), status = \(r.status.rawValue), email = \(r.email),
                email_hash = \(r.emailHash), details = \(Self.details(r)), subject = \(r.subject),
                received_at = \(r.receivedAt), verified_at = \(r.verifiedAt), closed_at = \(r.closedAt),
                received_date = \(r.deadlines.received.description),
                acknowledge_by = \(r.deadlines.acknowledgeBy.description),
                respond_by = \(r.deadlines.respondBy.description),
                extended_respond_by = \(r.deadlines.extendedRespondBy.description),
                due_end = \(r.due.endMilliseconds), extension_reason = \(r.extensionReason),
                denial_reason = \(r.denialReason), status_token_hash = \(r.statusTokenHash),
                revision = \(r.revision), export_attached_at = \(r.export?.attachedAt),
                export_bytes = \(r.export?.bytes), export_sha256 = \(r.export?.sha256), locked_at = \(r.lockedAt)
            WHERE id = \(r.id)
            """, on: connection)
        try await appendEvent(event, on: connection)
        if let webhook { try await upsertWebhook(webhook, on: connection) }
    }

    public func requestEvents(requestID: String) async throws -> [RequestEvent] {
        try await rows(
            """
            SELECT request_id, at, actor, action, from_status, to_status, note FROM request_events
            WHERE request_id = \(requestID) ORDER BY seq
            """
        ).map { row in
            let (requestID, at, actor, action, from, to, note) = try row.decode(
                (String, Int64, String, String, String?, String?, String?).self)
            return RequestEvent(
                requestID: requestID, at: at, actor: actor, action: action,
                from: from.flatMap(RequestStatus.init(rawValue:)), to: to.flatMap(RequestStatus.init(rawValue:)),
                note: note)
        }
    }

    public func appendRequestEvent(_ event: RequestEvent) async throws {
        let e = event
        let inserted = try await rows(
            """
            INSERT INTO request_events (request_id, at, actor, action, from_status, to_status, note)
            SELECT \(e.requestID), \(e.at), \(e.actor), \(e.action), \(e.from?.rawValue), \(e.to?.rawValue), \(e.note)
            WHERE EXISTS (SELECT 1 FROM requests WHERE id = \(e.requestID))
            RETURNING seq
            """)
        guard !inserted.isEmpty else { throw RequestStoreError.unknownRequest(event.requestID) }
    }

    // MARK: Verification

    public func saveChallenge(_ challenge: VerificationChallenge, maxCodes: Int) async throws -> Bool {
        guard maxCodes > 0 else { return false }
        let c = challenge
        // One statement: a first code is inserted; a later one replaces the code only while fewer than
        // `maxCodes` were made (the row is locked while it changes, so servers asking at once each see the other's
        // count).
        return
            !(try await rows(
                """
                INSERT INTO verification_challenges
                    (request_id, code_hash, salt, expires_at, attempts, codes_sent, total_attempts)
                VALUES (\(c.requestID), \(c.codeHash), \(c.salt), \(c.expiresAt), 0, 1, 0)
                ON CONFLICT (request_id) DO UPDATE SET code_hash = excluded.code_hash, salt = excluded.salt,
                    expires_at = excluded.expires_at, attempts = 0,
                    codes_sent = verification_challenges.codes_sent + 1
                WHERE verification_challenges.codes_sent < \(maxCodes)
                RETURNING request_id
                """
            ).isEmpty)
    }

    public func countAttempt(requestID: String, at now: Int64) async throws -> VerificationChallenge? {
        // One statement: the row is locked while it counts, so attempts made at once each see another count.
        try await rows(
            """
            UPDATE verification_challenges SET attempts = attempts + 1,
                total_attempts = total_attempts
                    + CASE WHEN \(now) < expires_at AND attempts < \(VerificationChallenge.maxAttempts) THEN 1 ELSE 0 END
            WHERE request_id = \(requestID)
            RETURNING request_id, code_hash, salt, expires_at, attempts - 1, codes_sent,
                total_attempts - CASE WHEN \(now) < expires_at AND attempts - 1 < \(VerificationChallenge.maxAttempts)
                    THEN 1 ELSE 0 END
            """
        ).first.map { row in
            let (requestID, codeHash, salt, expiresAt, attempts, codesSent, totalAttempts) = try row.decode(
                (String, String, String, Int64, Int, Int, Int).self)
            return VerificationChallenge(
                requestID: requestID, codeHash: codeHash, salt: salt, expiresAt: expiresAt, attempts: attempts,
                codesSent: codesSent, totalAttempts: totalAttempts)
        }
    }

    public func deleteChallenge(requestID: String) async throws {
        try await rows("DELETE FROM verification_challenges WHERE request_id = \(requestID)")
    }

    // MARK: Rows

    static let requestColumns = """
        id, property, type, law, region, lang, status, email, email_hash, details, subject, received_at, \
        verified_at, closed_at, received_date, acknowledge_by, respond_by, extended_respond_by, extension_reason, \
        denial_reason, status_token_hash, revision, export_attached_at, export_bytes, export_sha256, locked_at
        """

    static func details(_ request: PrivacyRequest) -> ByteBuffer {
        ByteBuffer(bytes: CanonicalJSON.bytes(.object(request.details.map { ($0.key, .string($0.value)) })))
    }

    static func decodeRequest(_ row: PostgresRow) throws -> PrivacyRequest {
        let (
            id, property, type, law, region, lang, status, email, emailHash, detailBytes, subject, receivedAt,
            verifiedAt, closedAt, receivedDate, acknowledgeBy, respondBy, extendedRespondBy, extensionReason,
            denialReason, statusTokenHash, revision, exportAttachedAt, exportBytes, exportSHA256, lockedAt
        ) = try row.decode(
            (
                String, String, String, String, String, String, String, String?, String, ByteBuffer, String?, Int64,
                Int64?, Int64?, String, String, String, String, String?, String?, String, Int, Int64?, Int?, String?,
                Int64?
            ).self)
        func field<T>(_ value: T?, _ name: String) throws -> T {
            guard let value else { throw StoreError.corrupt("request \(id): \(name)") }
            return value
        }
        guard case .object(let members) = try JSONParser.parse(Self.bytes(detailBytes)) else {
            throw StoreError.corrupt("request \(id): details")
        }
        var details: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let text) = value else { throw StoreError.corrupt("request \(id): details.\(key)") }
            details[key] = text
        }
        var export: RequestExportSummary?
        switch (exportAttachedAt, exportBytes, exportSHA256) {
        case (nil, nil, nil): export = nil
        case (let attachedAt?, let bytes?, let sha256?):
            export = RequestExportSummary(attachedAt: attachedAt, bytes: bytes, sha256: sha256)
        default: throw StoreError.corrupt("request \(id): export summary incomplete")
        }
        let deadlines = RequestDeadlines(
            received: try field(CivilDate(receivedDate), "received_date"),
            acknowledgeBy: try field(CivilDate(acknowledgeBy), "acknowledge_by"),
            respondBy: try field(CivilDate(respondBy), "respond_by"),
            extendedRespondBy: try field(CivilDate(extendedRespondBy), "extended_respond_by"))
        return PrivacyRequest(
            id: id, property: property, type: try field(RequestType(rawValue: type), "type"),
            law: try field(RequestLaw(rawValue: law), "law"), region: region, lang: lang,
            status: try field(RequestStatus(rawValue: status), "status"), email: email, emailHash: emailHash,
            details: details, subject: subject, receivedAt: receivedAt, verifiedAt: verifiedAt, closedAt: closedAt,
            deadlines: deadlines, extensionReason: extensionReason, denialReason: denialReason,
            statusTokenHash: statusTokenHash, revision: revision, export: export, lockedAt: lockedAt)
    }

    func appendEvent(_ e: RequestEvent, on connection: PostgresConnection) async throws {
        try await rows(
            """
            INSERT INTO request_events (request_id, at, actor, action, from_status, to_status, note)
            VALUES (\(e.requestID), \(e.at), \(e.actor), \(e.action), \(e.from?.rawValue), \(e.to?.rawValue), \(e.note))
            """, on: connection)
    }

    func upsertChallenge(_ c: VerificationChallenge, on connection: PostgresConnection) async throws {
        try await rows(
            """
            INSERT INTO verification_challenges
                (request_id, code_hash, salt, expires_at, attempts, codes_sent, total_attempts)
            VALUES (\(c.requestID), \(c.codeHash), \(c.salt), \(c.expiresAt), \(c.attempts), \(c.codesSent),
                \(c.totalAttempts))
            ON CONFLICT (request_id) DO UPDATE SET code_hash = excluded.code_hash, salt = excluded.salt,
                expires_at = excluded.expires_at, attempts = excluded.attempts, codes_sent = excluded.codes_sent,
                total_attempts = excluded.total_attempts
            """, on: connection)
    }

    func insertSuppression(_ s: SuppressionEntry, on connection: PostgresConnection) async throws {
        try await rows(
            """
            INSERT INTO suppression (property, hash, added_at, request_id)
            VALUES (\(s.property), \(s.hash), \(s.addedAt), \(s.requestID))
            ON CONFLICT DO NOTHING
            """, on: connection)
    }

    func upsertWebhook(_ w: WebhookDelivery, on connection: PostgresConnection) async throws {
        try await rows(
            """
            INSERT INTO webhook_deliveries
                (id, property, request_id, url, body, attempts, next_attempt_at, delivered_at, last_error)
            VALUES (\(w.id), \(w.property), \(w.requestID), \(w.url), \(ByteBuffer(bytes: w.body)), \(w.attempts),
                \(w.nextAttemptAt), \(w.deliveredAt), \(w.lastError))
            ON CONFLICT (id) DO UPDATE SET property = excluded.property, request_id = excluded.request_id,
                url = excluded.url, body = excluded.body, attempts = excluded.attempts,
                next_attempt_at = excluded.next_attempt_at, delivered_at = excluded.delivered_at,
                last_error = excluded.last_error
            """, on: connection)
    }
}
