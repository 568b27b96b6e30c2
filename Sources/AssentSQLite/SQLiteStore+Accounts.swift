import AssentCore
import AssentStore
import Foundation
import GRDB

/// Console accounts, sessions, sign-in failures, set-up links, and the append-only audit log.
extension SQLiteStore {
    static func registerConsoleMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-console") { db in
            try db.execute(
                sql: """
                    CREATE TABLE accounts (
                        id TEXT PRIMARY KEY,
                        email TEXT NOT NULL UNIQUE,
                        display_name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        properties TEXT,
                        password_hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        disabled_at INTEGER
                    );
                    CREATE TABLE account_sessions (
                        id_hash TEXT PRIMARY KEY,
                        account TEXT NOT NULL REFERENCES accounts (id),
                        created_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL,
                        idle_expires_at INTEGER NOT NULL,
                        absolute_expires_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    ) WITHOUT ROWID;
                    CREATE INDEX account_sessions_by_account ON account_sessions (account);
                    CREATE TABLE sign_in_failures (
                        key TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);
                    CREATE INDEX sign_in_failures_by_time ON sign_in_failures (at);
                    CREATE TABLE setup_tokens (
                        hash TEXT PRIMARY KEY,
                        expires_at INTEGER NOT NULL,
                        used_at INTEGER
                    ) WITHOUT ROWID;
                    CREATE TABLE audit_log (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        time INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        actor_label TEXT NOT NULL,
                        action TEXT NOT NULL,
                        target TEXT NOT NULL,
                        property TEXT,
                        summary TEXT NOT NULL,
                        client TEXT
                    );
                    CREATE INDEX audit_log_by_time ON audit_log (time);
                    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
        }
    }

    // MARK: Accounts

    private static let accountColumns =
        "id, email, display_name, role, properties, password_hash, created_at, disabled_at"

    private static func decodeAccount(_ row: Row) throws -> Account {
        guard let role = AccountRole(rawValue: row["role"]) else {
            throw StoreError.corrupt("account \(row["id"] as String) has an unknown role")
        }
        let list: String? = row["properties"]
        return Account(
            id: row["id"], email: row["email"], displayName: row["display_name"], role: role,
            properties: list.map(AccountPropertyList.decode), passwordHash: row["password_hash"],
            createdAt: row["created_at"], disabledAt: row["disabled_at"])
    }

    public func createAccount(_ account: Account) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO accounts (\(Self.accountColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (email) DO NOTHING
                    """,
                arguments: [
                    account.id, account.email, account.displayName, account.role.rawValue,
                    account.properties.map(AccountPropertyList.encode), account.passwordHash, account.createdAt,
                    account.disabledAt,
                ])
            return db.changesCount == 1
        }
    }

    public func updateAccount(_ account: Account) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE accounts SET email = ?, display_name = ?, role = ?, properties = ?, password_hash = ?,
                    disabled_at = ? WHERE id = ?
                    """,
                arguments: [
                    account.email, account.displayName, account.role.rawValue,
                    account.properties.map(AccountPropertyList.encode), account.passwordHash, account.disabledAt,
                    account.id,
                ])
        }
    }

    public func account(id: String) async throws -> Account? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns) FROM accounts WHERE id = ?", arguments: [id])
                .map(Self.decodeAccount)
        }
    }

    public func account(email: String) async throws -> Account? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.accountColumns) FROM accounts WHERE email = ?", arguments: [email.lowercased()]
            ).map(Self.decodeAccount)
        }
    }

    public func accounts() async throws -> [Account] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.accountColumns) FROM accounts ORDER BY created_at, id")
                .map(Self.decodeAccount)
        }
    }

    // MARK: Sessions

    public func createSession(_ session: AccountSession) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO account_sessions (id_hash, account, created_at, last_seen_at, idle_expires_at,
                    absolute_expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.idHash, session.account, session.createdAt, session.lastSeenAt, session.idleExpiresAt,
                    session.absoluteExpiresAt, session.revokedAt,
                ])
        }
    }

    public func session(idHash: String) async throws -> AccountSession? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT id_hash, account, created_at, last_seen_at, idle_expires_at, absolute_expires_at, revoked_at
                    FROM account_sessions WHERE id_hash = ?
                    """, arguments: [idHash]
            ).map { row in
                AccountSession(
                    idHash: row["id_hash"], account: row["account"], createdAt: row["created_at"],
                    lastSeenAt: row["last_seen_at"], idleExpiresAt: row["idle_expires_at"],
                    absoluteExpiresAt: row["absolute_expires_at"], revokedAt: row["revoked_at"])
            }
        }
    }

    public func touchSession(idHash: String, at time: Int64, idleExpiresAt: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE account_sessions SET last_seen_at = ?, idle_expires_at = min(?, absolute_expires_at)
                    WHERE id_hash = ? AND revoked_at IS NULL
                    """, arguments: [time, idleExpiresAt, idHash])
        }
    }

    public func revokeSession(idHash: String, at time: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE account_sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL",
                arguments: [time, idHash])
        }
    }

    public func revokeSessions(account: String, at time: Int64) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE account_sessions SET revoked_at = ?
                    WHERE account = ? AND revoked_at IS NULL AND idle_expires_at > ? AND absolute_expires_at > ?
                    """, arguments: [time, account, time, time])
            return db.changesCount
        }
    }

    public func deleteSessions(endedBefore time: Int64) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM account_sessions
                    WHERE revoked_at < ? OR idle_expires_at < ? OR absolute_expires_at < ?
                    """, arguments: [time, time, time])
            return db.changesCount
        }
    }

    // MARK: Sign-in failures

    public func recordSignInFailure(key: String, at time: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO sign_in_failures (key, at) VALUES (?, ?)", arguments: [key, time])
        }
    }

    public func signInFailures(key: String, since: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM sign_in_failures WHERE key = ? AND at >= ?", arguments: [key, since])
                ?? 0
        }
    }

    public func clearSignInFailures(key: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sign_in_failures WHERE key = ?", arguments: [key])
        }
    }

    public func deleteSignInFailures(before time: Int64) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sign_in_failures WHERE at < ?", arguments: [time])
            return db.changesCount
        }
    }

    // MARK: Set-up links

    public func saveSetupToken(hash: String, expiresAt: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO setup_tokens (hash, expires_at) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
                arguments: [hash, expiresAt])
        }
    }

    public func setupTokenUsable(hash: String, at now: Int64) async throws -> Bool {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT 1 FROM setup_tokens WHERE hash = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [hash, now]) != nil
        }
    }

    public func useSetupToken(hash: String, at now: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE setup_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [now, hash, now])
            return db.changesCount == 1
        }
    }

    // MARK: Audit log

    public func appendAudit(_ event: AuditEvent) async throws -> AuditEvent {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO audit_log (time, actor, actor_label, action, target, property, summary, client)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.time, event.actor, event.actorLabel, event.action, event.target, event.property,
                    event.summary, event.client,
                ])
            var stored = event
            stored.sequence = db.lastInsertedRowID
            return stored
        }
    }

    public func auditEvents(_ filter: AuditFilter) async throws -> [AuditEvent] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(condition)
            arguments.append(value)
        }
        add("actor = ?", filter.actor)
        add("action = ?", filter.action)
        add("property = ?", filter.property)
        add("time >= ?", filter.from)
        add("time <= ?", filter.to)
        add("sequence < ?", filter.before)
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(max(0, filter.limit))
        let sql = """
            SELECT sequence, time, actor, actor_label, action, target, property, summary, client FROM audit_log
            \(condition) ORDER BY sequence DESC LIMIT ?
            """
        let statementArguments: StatementArguments = StatementArguments(arguments)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map { row in
                AuditEvent(
                    sequence: row["sequence"], time: row["time"], actor: row["actor"], actorLabel: row["actor_label"],
                    action: row["action"], target: row["target"], property: row["property"], summary: row["summary"],
                    client: row["client"])
            }
        }
    }
}
