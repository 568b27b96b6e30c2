import AssentCore
import AssentStore
import PostgresNIO

/// Console accounts, sessions, sign-in failures (counted here so that every server behind the database counts the
/// same), set-up links, and the audit log, which refuses updates, deletes and truncation by trigger.
extension PostgresStore {
    static let consoleMigration = PostgresMigration(
        version: 9, name: "console",
        statements: [
            """
            CREATE TABLE accounts (
                id text COLLATE "C" PRIMARY KEY,
                email text COLLATE "C" NOT NULL UNIQUE,
                display_name text NOT NULL,
                role text COLLATE "C" NOT NULL,
                properties text[],
                password_hash text NOT NULL,
                created_at bigint NOT NULL,
                disabled_at bigint
            )
            """,
            """
            CREATE TABLE account_sessions (
                id_hash text COLLATE "C" PRIMARY KEY,
                account text COLLATE "C" NOT NULL REFERENCES accounts (id),
                created_at bigint NOT NULL,
                last_seen_at bigint NOT NULL,
                idle_expires_at bigint NOT NULL,
                absolute_expires_at bigint NOT NULL,
                revoked_at bigint
            )
            """,
            "CREATE INDEX account_sessions_by_account ON account_sessions (account)",
            """
            CREATE TABLE sign_in_failures (
                key text COLLATE "C" NOT NULL,
                at bigint NOT NULL
            )
            """,
            "CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at)",
            "CREATE INDEX sign_in_failures_by_time ON sign_in_failures (at)",
            """
            CREATE TABLE setup_tokens (
                hash text COLLATE "C" PRIMARY KEY,
                expires_at bigint NOT NULL,
                used_at bigint
            )
            """,
            """
            CREATE TABLE audit_log (
                sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time bigint NOT NULL,
                actor text COLLATE "C" NOT NULL,
                actor_label text NOT NULL,
                action text COLLATE "C" NOT NULL,
                target text NOT NULL,
                property text COLLATE "C",
                summary text NOT NULL,
                client text
            )
            """,
            "CREATE INDEX audit_log_by_time ON audit_log (time)",
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END
            $$
            """,
            """
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
            """,
            """
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
            """,
        ])

    // MARK: Accounts

    private static let accountColumns =
        "id, email, display_name, role, properties, password_hash, created_at, disabled_at"

    private static func decodeAccount(_ row: PostgresRow) throws -> Account {
        let (id, email, name, role, properties, hash, created, disabled) = try row.decode(
            (String, String, String, String, [String]?, String, Int64, Int64?).self)
        guard let role = AccountRole(rawValue: role) else {
            throw StoreError.corrupt("account \(id) has an unknown role")
        }
        return Account(
            id: id, email: email, displayName: name, role: role, properties: properties, passwordHash: hash,
            createdAt: created, disabledAt: disabled)
    }

    public func createAccount(_ account: Account) async throws -> Bool {
        let a = account
        return try await !rows(
            """
            INSERT INTO accounts (id, email, display_name, role, properties, password_hash, created_at, disabled_at)
            VALUES (\(a.id), \(a.email), \(a.displayName), \(a.role.rawValue), \(a.properties), \(a.passwordHash),
                \(a.createdAt), \(a.disabledAt))
            ON CONFLICT (email) DO NOTHING
            RETURNING id
            """
        ).isEmpty
    }

    public func updateAccount(_ account: Account) async throws {
        let a = account
        _ = try await rows(
            """
            UPDATE accounts SET email = \(a.email), display_name = \(a.displayName), role = \(a.role.rawValue),
                properties = \(a.properties), password_hash = \(a.passwordHash), disabled_at = \(a.disabledAt)
            WHERE id = \(a.id)
            """)
    }

    public func account(id: String) async throws -> Account? {
        try await rows("SELECT \(unescaped: Self.accountColumns) FROM accounts WHERE id = \(id)").first.map(
            Self.decodeAccount)
    }

    public func account(email: String) async throws -> Account? {
        try await rows("SELECT \(unescaped: Self.accountColumns) FROM accounts WHERE email = \(email.lowercased())")
            .first.map(Self.decodeAccount)
    }

    public func accounts() async throws -> [Account] {
        try await rows("SELECT \(unescaped: Self.accountColumns) FROM accounts ORDER BY created_at, id").map(
            Self.decodeAccount)
    }

    // MARK: Sessions

    public func createSession(_ session: AccountSession) async throws {
        let s = session
        _ = try await rows(
            """
            INSERT INTO account_sessions (id_hash, account, created_at, last_seen_at, idle_expires_at,
                absolute_expires_at, revoked_at)
            VALUES (\(s.idHash), \(s.account), \(s.createdAt), \(s.lastSeenAt), \(s.idleExpiresAt),
                \(s.absoluteExpiresAt), \(s.revokedAt))
            """)
    }

    public func session(idHash: String) async throws -> AccountSession? {
        try await rows(
            """
            SELECT id_hash, account, created_at, last_seen_at, idle_expires_at, absolute_expires_at, revoked_at
            FROM account_sessions WHERE id_hash = \(idHash)
            """
        ).first.map { row in
            let (hash, account, created, seen, idle, absolute, revoked) = try row.decode(
                (String, String, Int64, Int64, Int64, Int64, Int64?).self)
            return AccountSession(
                idHash: hash, account: account, createdAt: created, lastSeenAt: seen, idleExpiresAt: idle,
                absoluteExpiresAt: absolute, revokedAt: revoked)
        }
    }

    public func touchSession(idHash: String, at time: Int64, idleExpiresAt: Int64) async throws {
        _ = try await rows(
            """
            UPDATE account_sessions SET last_seen_at = \(time),
                idle_expires_at = least(\(idleExpiresAt), absolute_expires_at)
            WHERE id_hash = \(idHash) AND revoked_at IS NULL
            """)
    }

    public func revokeSession(idHash: String, at time: Int64) async throws {
        _ = try await rows(
            "UPDATE account_sessions SET revoked_at = \(time) WHERE id_hash = \(idHash) AND revoked_at IS NULL")
    }

    public func revokeSessions(account: String, at time: Int64) async throws -> Int {
        try await rows(
            """
            UPDATE account_sessions SET revoked_at = \(time)
            WHERE account = \(account) AND revoked_at IS NULL AND idle_expires_at > \(time)
                AND absolute_expires_at > \(time)
            RETURNING 1
            """
        ).count
    }

    public func deleteSessions(endedBefore time: Int64) async throws -> Int {
        try await rows(
            """
            DELETE FROM account_sessions
            WHERE revoked_at < \(time) OR idle_expires_at < \(time) OR absolute_expires_at < \(time)
            RETURNING 1
            """
        ).count
    }

    // MARK: Sign-in failures

    public func recordSignInFailure(key: String, at time: Int64) async throws {
        _ = try await rows("INSERT INTO sign_in_failures (key, at) VALUES (\(key), \(time))")
    }

    public func signInFailures(key: String, since: Int64) async throws -> Int {
        let count = try await rows("SELECT count(*) FROM sign_in_failures WHERE key = \(key) AND at >= \(since)")
            .first?.decode(Int64.self)
        return Int(count ?? 0)
    }

    public func clearSignInFailures(key: String) async throws {
        _ = try await rows("DELETE FROM sign_in_failures WHERE key = \(key)")
    }

    public func deleteSignInFailures(before time: Int64) async throws -> Int {
        try await rows("DELETE FROM sign_in_failures WHERE at < \(time) RETURNING 1").count
    }

    // MARK: Set-up links

    public func saveSetupToken(hash: String, expiresAt: Int64) async throws {
        _ = try await rows(
            "INSERT INTO setup_tokens (hash, expires_at) VALUES (\(hash), \(expiresAt)) ON CONFLICT (hash) DO NOTHING")
    }

    public func setupTokenUsable(hash: String, at now: Int64) async throws -> Bool {
        try await !rows(
            "SELECT 1 FROM setup_tokens WHERE hash = \(hash) AND used_at IS NULL AND expires_at > \(now)"
        ).isEmpty
    }

    public func useSetupToken(hash: String, at now: Int64) async throws -> Bool {
        try await !rows(
            """
            UPDATE setup_tokens SET used_at = \(now)
            WHERE hash = \(hash) AND used_at IS NULL AND expires_at > \(now)
            RETURNING 1
            """
        ).isEmpty
    }

    // MARK: Audit log

    public func appendAudit(_ event: AuditEvent) async throws -> AuditEvent {
        let e = event
        let sequence = try await rows(
            """
            INSERT INTO audit_log (time, actor, actor_label, action, target, property, summary, client)
            VALUES (\(e.time), \(e.actor), \(e.actorLabel), \(e.action), \(e.target), \(e.property), \(e.summary),
                \(e.client))
            RETURNING sequence
            """
        ).first?.decode(Int64.self)
        var stored = event
        stored.sequence = sequence ?? 0
        return stored
    }

    public func auditEvents(_ filter: AuditFilter) async throws -> [AuditEvent] {
        let f = filter
        return try await rows(
            """
            SELECT sequence, time, actor, actor_label, action, target, property, summary, client FROM audit_log
            WHERE (\(f.actor)::text IS NULL OR actor = \(f.actor))
                AND (\(f.action)::text IS NULL OR action = \(f.action))
                AND (\(f.property)::text IS NULL OR property = \(f.property))
                AND (\(f.from)::bigint IS NULL OR time >= \(f.from))
                AND (\(f.to)::bigint IS NULL OR time <= \(f.to))
                AND (\(f.before)::bigint IS NULL OR sequence < \(f.before))
            ORDER BY sequence DESC LIMIT \(Int64(max(0, f.limit)))
            """
        ).map { row in
            let (sequence, time, actor, label, action, target, property, summary, client) = try row.decode(
                (Int64, Int64, String, String, String, String, String?, String, String?).self)
            return AuditEvent(
                sequence: sequence, time: time, actor: actor, actorLabel: label, action: action, target: target,
                property: property, summary: summary, client: client)
        }
    }
}
