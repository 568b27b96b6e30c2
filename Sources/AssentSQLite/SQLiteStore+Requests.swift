import AssentCore
import AssentStore
import Foundation
import GRDB

/// Privacy requests, their history and verification codes, and the schema of all that hangs on them (suppression,
/// exports, retention, webhooks, tokens and secrets are read and written in files of their own). The history table
/// refuses updates and deletes by trigger: it is append-only even for someone who edits the database with another
/// tool, short of dropping the trigger.
extension SQLiteStore {
    static func registerRequestMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-requests") { db in
            try db.execute(
                sql: """
                    CREATE TABLE requests (
                        id TEXT PRIMARY KEY,
                        property TEXT NOT NULL,
                        type TEXT NOT NULL,
                        law TEXT NOT NULL,
                        region TEXT NOT NULL,
                        lang TEXT NOT NULL,
                        status TEXT NOT NULL,
                        email TEXT,
                        email_hash TEXT NOT NULL,
                        details BLOB NOT NULL,
                        subject TEXT,
                        received_at INTEGER NOT NULL,
                        verified_at INTEGER,
                        closed_at INTEGER,
                        received_date TEXT NOT NULL,
                        acknowledge_by TEXT NOT NULL,
                        respond_by TEXT NOT NULL,
                        extended_respond_by TEXT NOT NULL,
                        due_end INTEGER NOT NULL,
                        extension_reason TEXT,
                        denial_reason TEXT,
                        status_token_hash TEXT NOT NULL UNIQUE,
                        revision INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX requests_by_property ON requests (property, id);
                    CREATE INDEX requests_by_email ON requests (property, email_hash);
                    CREATE INDEX requests_by_subject ON requests (property, subject) WHERE subject IS NOT NULL;
                    CREATE TABLE request_events (
                        request_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        from_status TEXT,
                        to_status TEXT,
                        note TEXT,
                        PRIMARY KEY (request_id, seq)
                    ) WITHOUT ROWID;
                    CREATE TRIGGER request_events_append_only_update BEFORE UPDATE ON request_events
                    BEGIN SELECT RAISE(ABORT, 'request history is append-only'); END;
                    CREATE TRIGGER request_events_append_only_delete BEFORE DELETE ON request_events
                    BEGIN SELECT RAISE(ABORT, 'request history is append-only'); END;
                    CREATE TABLE verification_challenges (
                        request_id TEXT PRIMARY KEY,
                        code_hash TEXT NOT NULL,
                        salt TEXT NOT NULL,
                        expires_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE suppression (
                        property TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        added_at INTEGER NOT NULL,
                        request_id TEXT,
                        PRIMARY KEY (property, hash)
                    ) WITHOUT ROWID;
                    CREATE TABLE webhook_deliveries (
                        id TEXT PRIMARY KEY,
                        property TEXT NOT NULL,
                        request_id TEXT NOT NULL,
                        url TEXT NOT NULL,
                        body BLOB NOT NULL,
                        attempts INTEGER NOT NULL,
                        next_attempt_at INTEGER NOT NULL,
                        delivered_at INTEGER,
                        last_error TEXT
                    ) WITHOUT ROWID;
                    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
                        WHERE delivered_at IS NULL;
                    CREATE TABLE api_tokens (
                        id TEXT PRIMARY KEY,
                        secret_hash TEXT NOT NULL UNIQUE,
                        scope TEXT NOT NULL,
                        property TEXT,
                        label TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    ) WITHOUT ROWID;
                    CREATE TABLE property_secrets (
                        property TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        secret BLOB NOT NULL,
                        PRIMARY KEY (property, kind)
                    ) WITHOUT ROWID;
                    """)
        }
    }

    /// The export attached to an access request: its summary on the request's row, its document in a table of
    /// its own (a rowid table: documents can be large).
    static func registerRequestExportMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-request-exports") { db in
            try db.execute(
                sql: """
                    ALTER TABLE requests ADD COLUMN export_attached_at INTEGER;
                    ALTER TABLE requests ADD COLUMN export_bytes INTEGER;
                    ALTER TABLE requests ADD COLUMN export_sha256 TEXT;
                    CREATE TABLE request_exports (
                        request_id TEXT PRIMARY KEY,
                        document BLOB NOT NULL
                    );
                    """)
        }
    }

    /// Per-request code limits (a request's lock, the codes made for it and the attempts over its life), and the
    /// webhook deliveries findable by request, for erasure; the deliveries of requests already erased go now.
    static func registerRequestLimitsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v-request-limits") { db in
            try db.execute(
                sql: """
                    ALTER TABLE requests ADD COLUMN locked_at INTEGER;
                    ALTER TABLE verification_challenges ADD COLUMN codes_sent INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE verification_challenges ADD COLUMN total_attempts INTEGER NOT NULL DEFAULT 0;
                    UPDATE verification_challenges SET total_attempts = attempts;
                    CREATE INDEX webhook_deliveries_by_request ON webhook_deliveries (request_id);
                    DELETE FROM webhook_deliveries WHERE request_id IN
                        (SELECT id FROM requests WHERE email IS NULL AND closed_at IS NOT NULL);
                    """)
        }
    }

    // MARK: Requests

    public func createRequest(
        _ request: PrivacyRequest, event: RequestEvent, challenge: VerificationChallenge?,
        suppression: SuppressionEntry?, webhook: WebhookDelivery?
    ) async throws {
        try await pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM requests WHERE id = ?", arguments: [request.id]) != nil {
                throw RequestStoreError.duplicateRequest(request.id)
            }
            try Self.insertRequest(db, request)
            try Self.appendEvent(db, event)
            if let challenge { try Self.upsertChallenge(db, challenge) }
            if let suppression { try Self.insertSuppression(db, suppression) }
            if let webhook { try Self.upsertWebhook(db, webhook) }
        }
    }

    public func request(id: String) async throws -> PrivacyRequest? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM requests WHERE id = ?", arguments: [id]).map(Self.decodeRequest)
        }
    }

    public func request(statusTokenHash: String) async throws -> PrivacyRequest? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM requests WHERE status_token_hash = ?", arguments: [statusTokenHash]
            )
            .map(Self.decodeRequest)
        }
    }

    public func requests(_ query: RequestQuery) async throws -> [PrivacyRequest] {
        var sql = "SELECT * FROM requests WHERE 1"
        var arguments: [DatabaseValue] = []
        if let properties = query.properties {
            if properties.isEmpty { return [] }
            sql += " AND property IN (" + properties.map { _ in "?" }.joined(separator: ",") + ")"
            arguments += properties.sorted().map(\.databaseValue)
        }
        if let statuses = query.statuses {
            sql += " AND status IN (" + statuses.map { _ in "?" }.joined(separator: ",") + ")"
            arguments += statuses.sorted { $0.rawValue < $1.rawValue }.map(\.rawValue.databaseValue)
        }
        if let types = query.types {
            sql += " AND type IN (" + types.map { _ in "?" }.joined(separator: ",") + ")"
            arguments += types.sorted { $0.rawValue < $1.rawValue }.map(\.rawValue.databaseValue)
        }
        if let since = query.receivedSince {
            sql += " AND received_at >= ?"
            arguments.append(since.databaseValue)
        }
        if let overdueAt = query.overdueAt {
            sql += " AND status NOT IN ('completed', 'denied') AND due_end <= ?"
            arguments.append(overdueAt.databaseValue)
        }
        if let after = query.after {
            sql += " AND id > ?"
            arguments.append(after.databaseValue)
        }
        sql += query.order == .deadline ? " ORDER BY due_end, id" : " ORDER BY id"
        sql += " LIMIT ? OFFSET ?"
        arguments.append(max(0, query.limit).databaseValue)
        arguments.append(max(0, query.offset).databaseValue)
        let statement = sql
        let bound = StatementArguments(arguments)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: statement, arguments: bound).map(Self.decodeRequest)
        }
    }

    public func requests(property: String, emailHash: String?, subject: String?) async throws -> [PrivacyRequest] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM requests
                    WHERE property = ? AND ((? IS NOT NULL AND email_hash = ?) OR (? IS NOT NULL AND subject = ?))
                    ORDER BY id
                    """,
                arguments: [property, emailHash, emailHash, subject, subject]
            ).map(Self.decodeRequest)
        }
    }

    public func updateRequest(
        _ request: PrivacyRequest, event: RequestEvent, suppression: SuppressionEntry?, webhook: WebhookDelivery?
    ) async throws {
        try await pool.write { db in
            try Self.replaceRequest(db, request, event: event, webhook: webhook)
            if let suppression { try Self.insertSuppression(db, suppression) }
        }
    }

    /// Replaces a request's row after checking its revision, with the history line and webhook delivery.
    static func replaceRequest(
        _ db: Database, _ request: PrivacyRequest, event: RequestEvent, webhook: WebhookDelivery?
    ) throws {
        guard
            let stored = try Int.fetchOne(
                db, sql: "SELECT revision FROM requests WHERE id = ?", arguments: [request.id])
        else { throw RequestStoreError.unknownRequest(request.id) }
        guard stored == request.revision - 1 else {
            throw RequestStoreError.conflict(id: request.id, expected: request.revision - 1, actual: stored)
        }
        try db.execute(sql: "DELETE FROM requests WHERE id = ?", arguments: [request.id])
        try insertRequest(db, request)
        try appendEvent(db, event)
        if let webhook { try upsertWebhook(db, webhook) }
    }

    public func requestEvents(requestID: String) async throws -> [RequestEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM request_events WHERE request_id = ? ORDER BY seq", arguments: [requestID]
            ).map { row in
                RequestEvent(
                    requestID: row["request_id"], at: row["at"], actor: row["actor"], action: row["action"],
                    from: (row["from_status"] as String?).flatMap(RequestStatus.init(rawValue:)),
                    to: (row["to_status"] as String?).flatMap(RequestStatus.init(rawValue:)), note: row["note"])
            }
        }
    }

    public func appendRequestEvent(_ event: RequestEvent) async throws {
        try await pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM requests WHERE id = ?", arguments: [event.requestID]) != nil
            else { throw RequestStoreError.unknownRequest(event.requestID) }
            try Self.appendEvent(db, event)
        }
    }

    // MARK: Verification

    public func saveChallenge(_ challenge: VerificationChallenge, maxCodes: Int) async throws -> Bool {
        try await pool.write { db in
            let sent = try Int.fetchOne(
                db, sql: "SELECT codes_sent FROM verification_challenges WHERE request_id = ?",
                arguments: [challenge.requestID])
            guard let sent else {
                guard maxCodes > 0 else { return false }
                var first = challenge
                first.attempts = 0
                first.codesSent = 1
                first.totalAttempts = 0
                try Self.upsertChallenge(db, first)
                return true
            }
            guard sent < maxCodes else { return false }
            try db.execute(
                sql: """
                    UPDATE verification_challenges SET code_hash = ?, salt = ?, expires_at = ?, attempts = 0,
                        codes_sent = codes_sent + 1
                    WHERE request_id = ?
                    """,
                arguments: [challenge.codeHash, challenge.salt, challenge.expiresAt, challenge.requestID])
            return true
        }
    }

    public func countAttempt(requestID: String, at now: Int64) async throws -> VerificationChallenge? {
        try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM verification_challenges WHERE request_id = ?", arguments: [requestID])
            else { return nil }
            let challenge = VerificationChallenge(
                requestID: row["request_id"], codeHash: row["code_hash"], salt: row["salt"],
                expiresAt: row["expires_at"], attempts: row["attempts"], codesSent: row["codes_sent"],
                totalAttempts: row["total_attempts"])
            try db.execute(
                sql: """
                    UPDATE verification_challenges SET attempts = attempts + 1, total_attempts = total_attempts + ?
                    WHERE request_id = ?
                    """,
                arguments: [challenge.checks(at: now) ? 1 : 0, requestID])
            return challenge
        }
    }

    public func deleteChallenge(requestID: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM verification_challenges WHERE request_id = ?", arguments: [requestID])
        }
    }

    // MARK: Rows

    static func insertRequest(_ db: Database, _ r: PrivacyRequest) throws {
        let details = CanonicalJSON.bytes(.object(r.details.map { ($0.key, .string($0.value)) }))
        try db.execute(
            sql: """
                INSERT INTO requests (id, property, type, law, region, lang, status, email, email_hash, details,
                    subject, received_at, verified_at, closed_at, received_date, acknowledge_by, respond_by,
                    extended_respond_by, due_end, extension_reason, denial_reason, status_token_hash, revision,
                    export_attached_at, export_bytes, export_sha256, locked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                r.id, r.property, r.type.rawValue, r.law.rawValue, r.region, r.lang, r.status.rawValue, r.email,
                r.emailHash, Data(details), r.subject, r.receivedAt, r.verifiedAt, r.closedAt,
                r.deadlines.received.description, r.deadlines.acknowledgeBy.description,
                r.deadlines.respondBy.description, r.deadlines.extendedRespondBy.description, r.due.endMilliseconds,
                r.extensionReason, r.denialReason, r.statusTokenHash, r.revision, r.export?.attachedAt,
                r.export?.bytes, r.export?.sha256, r.lockedAt,
            ])
    }

    static func decodeRequest(_ row: Row) throws -> PrivacyRequest {
        let id: String = row["id"]
        func field<T>(_ value: T?, _ name: String) throws -> T {
            guard let value else { throw StoreError.corrupt("request \(id): \(name)") }
            return value
        }
        let detailBytes: Data = row["details"]
        var details: [String: String] = [:]
        guard case .object(let members) = try JSONParser.parse(Array(detailBytes)) else {
            throw StoreError.corrupt("request \(id): details")
        }
        for (key, value) in members {
            guard case .string(let text) = value else { throw StoreError.corrupt("request \(id): details.\(key)") }
            details[key] = text
        }
        let received = try field(CivilDate(row["received_date"] as String), "received_date")
        let deadlines = RequestDeadlines(
            received: received, acknowledgeBy: try field(CivilDate(row["acknowledge_by"] as String), "acknowledge_by"),
            respondBy: try field(CivilDate(row["respond_by"] as String), "respond_by"),
            extendedRespondBy: try field(CivilDate(row["extended_respond_by"] as String), "extended_respond_by"))
        return PrivacyRequest(
            id: id, property: row["property"], type: try field(RequestType(rawValue: row["type"]), "type"),
            law: try field(RequestLaw(rawValue: row["law"]), "law"), region: row["region"], lang: row["lang"],
            status: try field(RequestStatus(rawValue: row["status"]), "status"), email: row["email"],
            emailHash: row["email_hash"], details: details, subject: row["subject"], receivedAt: row["received_at"],
            verifiedAt: row["verified_at"], closedAt: row["closed_at"], deadlines: deadlines,
            extensionReason: row["extension_reason"], denialReason: row["denial_reason"],
            statusTokenHash: row["status_token_hash"], revision: row["revision"], export: try exportSummary(row, id),
            lockedAt: row["locked_at"])
    }

    static func exportSummary(_ row: Row, _ id: String) throws -> RequestExportSummary? {
        let attachedAt: Int64? = row["export_attached_at"]
        let bytes: Int? = row["export_bytes"]
        let sha256: String? = row["export_sha256"]
        switch (attachedAt, bytes, sha256) {
        case (nil, nil, nil): return nil
        case (let attachedAt?, let bytes?, let sha256?):
            return RequestExportSummary(attachedAt: attachedAt, bytes: bytes, sha256: sha256)
        default: throw StoreError.corrupt("request \(id): export summary incomplete")
        }
    }

    static func appendEvent(_ db: Database, _ e: RequestEvent) throws {
        try db.execute(
            sql: """
                INSERT INTO request_events (request_id, seq, at, actor, action, from_status, to_status, note)
                VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM request_events WHERE request_id = ?), ?, ?, ?, ?, ?, ?)
                """,
            arguments: [e.requestID, e.requestID, e.at, e.actor, e.action, e.from?.rawValue, e.to?.rawValue, e.note])
    }

    static func upsertChallenge(_ db: Database, _ c: VerificationChallenge) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO verification_challenges
                    (request_id, code_hash, salt, expires_at, attempts, codes_sent, total_attempts)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [c.requestID, c.codeHash, c.salt, c.expiresAt, c.attempts, c.codesSent, c.totalAttempts])
    }

    static func insertSuppression(_ db: Database, _ s: SuppressionEntry) throws {
        try db.execute(
            sql:
                "INSERT INTO suppression (property, hash, added_at, request_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: [s.property, s.hash, s.addedAt, s.requestID])
    }

    static func upsertWebhook(_ db: Database, _ w: WebhookDelivery) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO webhook_deliveries
                    (id, property, request_id, url, body, attempts, next_attempt_at, delivered_at, last_error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                w.id, w.property, w.requestID, w.url, Data(w.body), w.attempts, w.nextAttemptAt, w.deliveredAt,
                w.lastError,
            ])
    }
}
