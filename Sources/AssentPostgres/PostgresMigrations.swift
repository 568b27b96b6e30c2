import Logging
import PostgresNIO

/// One numbered schema change. Frozen once shipped: a later change is a new migration.
struct PostgresMigration: Sendable {
    let version: Int
    let name: String
    /// Run in order, in the migration's transaction (one statement each: the extended protocol takes no more).
    let statements: [String]
}

extension PostgresStore {
    /// Applies every migration the database lacks. Each runs in its own transaction holding a transaction-level
    /// advisory lock, so servers starting together apply each migration once: the others wait for the lock, then
    /// find it applied.
    public func migrate() async throws {
        for migration in Self.migrations {
            let applied = try await transaction { connection in
                try await rows("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", on: connection)
                try await rows(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, on: connection)
                let done = try await rows(
                    "SELECT 1 FROM schema_migrations WHERE version = \(migration.version)", on: connection)
                if !done.isEmpty { return false }
                for statement in migration.statements {
                    try await rows(PostgresQuery(unsafeSQL: statement), on: connection)
                }
                try await rows(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    on: connection)
                return true
            }
            if applied {
                logger.info(
                    "applied schema migration",
                    metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
        if let newest = try await schemaVersion(), newest > Self.schemaVersionKnown {
            logger.warning(
                "the database schema is newer than this server knows",
                metadata: ["database": "\(newest)", "known": "\(Self.schemaVersionKnown)"])
        }
    }

    /// The schema version this code migrates to: the highest migration's (versions may leave gaps while features
    /// land in parallel).
    public static var schemaVersionKnown: Int { migrations.map(\.version).max() ?? 0 }

    /// The highest applied migration; nil when the database has no Assent schema at all.
    public func schemaVersion() async throws -> Int? {
        let present = try await rows("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.decode(Bool.self)
        guard present == true else { return nil }
        return try await rows("SELECT max(version) FROM schema_migrations").first?.decode(Int?.self) ?? nil
    }

    /// The advisory lock migrations run under ("assent" in ASCII); property saves use the two-key form, a separate
    /// key space.
    static let migrationLockKey: Int64 = 0x61_73_73_65_6E_74

    static let migrations: [PostgresMigration] = [
        PostgresMigration(
            version: 1, name: "properties and ledger",
            statements: [
                """
                CREATE TABLE properties (
                    id text COLLATE "C" NOT NULL,
                    revision bigint NOT NULL,
                    policy_version bigint NOT NULL,
                    document bytea NOT NULL,
                    created_at bigint NOT NULL,
                    PRIMARY KEY (id, revision)
                )
                """,
                "CREATE INDEX properties_by_policy_version ON properties (id, policy_version, revision)",
                // One row per log: its size, locked FOR UPDATE by each batch, so writers on several servers take
                // turns and a writer whose idea of the size is stale learns it before writing anything.
                """
                CREATE TABLE ledger_logs (
                    log bigint PRIMARY KEY,
                    size bigint NOT NULL CHECK (size >= 0)
                )
                """,
                """
                CREATE TABLE ledger_records (
                    log bigint NOT NULL,
                    leaf_index bigint NOT NULL,
                    id text COLLATE "C" NOT NULL,
                    property text COLLATE "C" NOT NULL,
                    subject text COLLATE "C" NOT NULL,
                    entry bytea NOT NULL,
                    leaf_hash bytea NOT NULL,
                    PRIMARY KEY (log, leaf_index),
                    CONSTRAINT ledger_records_id_key UNIQUE (id)
                )
                """,
                "CREATE INDEX ledger_records_by_subject ON ledger_records (property, subject, leaf_index)",
                """
                CREATE TABLE ledger_nodes (
                    log bigint NOT NULL,
                    level bigint NOT NULL,
                    idx bigint NOT NULL,
                    hash bytea NOT NULL,
                    PRIMARY KEY (log, level, idx)
                )
                """,
                """
                CREATE TABLE ledger_heads (
                    log bigint NOT NULL,
                    size bigint NOT NULL,
                    root bytea NOT NULL,
                    timestamp bigint NOT NULL,
                    key_id text NOT NULL,
                    signature bytea NOT NULL,
                    PRIMARY KEY (log, size)
                )
                """,
            ]),
        PostgresMigration(
            version: 2, name: "vendor lists",
            statements: [
                """
                CREATE TABLE vendor_lists (
                    version bigint PRIMARY KEY,
                    tcf_policy_version bigint NOT NULL,
                    last_updated text NOT NULL,
                    vendor_count bigint NOT NULL,
                    sha256 text NOT NULL,
                    document bytea NOT NULL,
                    imported_at bigint NOT NULL
                )
                """
            ]),
        PostgresMigration(
            version: 3, name: "privacy requests",
            statements: [
                """
                CREATE TABLE requests (
                    id text COLLATE "C" PRIMARY KEY,
                    property text COLLATE "C" NOT NULL,
                    type text NOT NULL,
                    law text NOT NULL,
                    region text NOT NULL,
                    lang text NOT NULL,
                    status text NOT NULL,
                    email text,
                    email_hash text COLLATE "C" NOT NULL,
                    details bytea NOT NULL,
                    subject text COLLATE "C",
                    received_at bigint NOT NULL,
                    verified_at bigint,
                    closed_at bigint,
                    received_date text NOT NULL,
                    acknowledge_by text NOT NULL,
                    respond_by text NOT NULL,
                    extended_respond_by text NOT NULL,
                    due_end bigint NOT NULL,
                    extension_reason text,
                    denial_reason text,
                    status_token_hash text COLLATE "C" NOT NULL UNIQUE,
                    revision bigint NOT NULL,
                    export_attached_at bigint,
                    export_bytes bigint,
                    export_sha256 text
                )
                """,
                // An access request's export: its summary is on the request's row, its document here.
                """
                CREATE TABLE request_exports (
                    request_id text COLLATE "C" PRIMARY KEY,
                    document bytea NOT NULL
                )
                """,
                "CREATE INDEX requests_by_property ON requests (property, id)",
                "CREATE INDEX requests_by_email ON requests (property, email_hash)",
                "CREATE INDEX requests_by_subject ON requests (property, subject) WHERE subject IS NOT NULL",
                """
                CREATE INDEX requests_closed_with_personal_data ON requests (closed_at)
                WHERE email IS NOT NULL OR export_sha256 IS NOT NULL
                """,
                // History lines are numbered by one sequence for all requests: two lines appended at once never
                // collide, and a request's lines read in order of `seq`.
                """
                CREATE TABLE request_events (
                    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    request_id text COLLATE "C" NOT NULL,
                    at bigint NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    from_status text,
                    to_status text,
                    note text
                )
                """,
                "CREATE INDEX request_events_by_request ON request_events (request_id, seq)",
                // Append-only even for someone with another client, short of dropping the triggers.
                """
                CREATE FUNCTION request_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'request history is append-only';
                END
                $$
                """,
                """
                CREATE TRIGGER request_events_append_only BEFORE UPDATE OR DELETE ON request_events
                FOR EACH ROW EXECUTE FUNCTION request_events_append_only()
                """,
                """
                CREATE TRIGGER request_events_no_truncate BEFORE TRUNCATE ON request_events
                FOR EACH STATEMENT EXECUTE FUNCTION request_events_append_only()
                """,
                """
                CREATE TABLE verification_challenges (
                    request_id text COLLATE "C" PRIMARY KEY,
                    code_hash text NOT NULL,
                    salt text NOT NULL,
                    expires_at bigint NOT NULL,
                    attempts bigint NOT NULL
                )
                """,
                """
                CREATE TABLE suppression (
                    property text COLLATE "C" NOT NULL,
                    hash text COLLATE "C" NOT NULL,
                    added_at bigint NOT NULL,
                    request_id text,
                    PRIMARY KEY (property, hash)
                )
                """,
                """
                CREATE TABLE webhook_deliveries (
                    id text COLLATE "C" PRIMARY KEY,
                    property text NOT NULL,
                    request_id text NOT NULL,
                    url text NOT NULL,
                    body bytea NOT NULL,
                    attempts bigint NOT NULL,
                    next_attempt_at bigint NOT NULL,
                    delivered_at bigint,
                    last_error text
                )
                """,
                """
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id)
                WHERE delivered_at IS NULL
                """,
                """
                CREATE TABLE api_tokens (
                    id text COLLATE "C" PRIMARY KEY,
                    secret_hash text COLLATE "C" NOT NULL UNIQUE,
                    scope text NOT NULL,
                    property text,
                    label text NOT NULL,
                    created_at bigint NOT NULL,
                    revoked_at bigint
                )
                """,
                """
                CREATE TABLE property_secrets (
                    property text COLLATE "C" NOT NULL,
                    kind text COLLATE "C" NOT NULL,
                    secret bytea NOT NULL,
                    PRIMARY KEY (property, kind)
                )
                """,
            ]),
        PostgresMigration(
            version: 4, name: "signing keys",
            statements: [
                """
                CREATE TABLE signing_keys (
                    key_id text COLLATE "C" PRIMARY KEY,
                    public_key bytea NOT NULL,
                    first_used_at bigint NOT NULL
                )
                """
            ]),
        PostgresMigration(
            version: 5, name: "key certificates",
            statements: ["ALTER TABLE signing_keys ADD COLUMN certificate bytea"]),
        PostgresMigration(
            version: 6, name: "request limits",
            statements: [
                // A request locked after too many wrong codes or new codes; the codes made for it and the
                // attempts over its life.
                "ALTER TABLE requests ADD COLUMN locked_at bigint",
                "ALTER TABLE verification_challenges ADD COLUMN codes_sent bigint NOT NULL DEFAULT 1",
                "ALTER TABLE verification_challenges ADD COLUMN total_attempts bigint NOT NULL DEFAULT 0",
                "UPDATE verification_challenges SET total_attempts = attempts",
                // Retention erases the details too, and the webhook bodies that carry them.
                "DROP INDEX requests_closed_with_personal_data",
                """
                CREATE INDEX requests_closed_with_personal_data ON requests (closed_at)
                WHERE email IS NOT NULL OR export_sha256 IS NOT NULL OR details <> '{}'::bytea
                """,
                "CREATE INDEX webhook_deliveries_by_request ON webhook_deliveries (request_id)",
                """
                DELETE FROM webhook_deliveries WHERE request_id IN
                    (SELECT id FROM requests WHERE email IS NULL AND closed_at IS NOT NULL)
                """,
            ]),
        PostgresMigration(
            version: 7, name: "analytics",
            statements: [
                """
                CREATE TABLE analytics_daily (
                    property text COLLATE "C" NOT NULL,
                    day bigint NOT NULL,
                    region text COLLATE "C" NOT NULL,
                    regime text COLLATE "C" NOT NULL,
                    policy_version bigint NOT NULL,
                    lang text COLLATE "C" NOT NULL,
                    metric text COLLATE "C" NOT NULL,
                    count bigint NOT NULL,
                    PRIMARY KEY (property, day, region, regime, policy_version, lang, metric)
                )
                """,
                "CREATE INDEX analytics_daily_by_day ON analytics_daily (day)",
            ]),
        PostgresMigration(
            version: 8, name: "scans",
            statements: [
                """
                CREATE TABLE scans (
                    id text COLLATE "C" PRIMARY KEY,
                    property text COLLATE "C" NOT NULL,
                    status text COLLATE "C" NOT NULL,
                    request bytea NOT NULL,
                    pages_done bigint NOT NULL,
                    pages_known bigint NOT NULL,
                    visits_done bigint NOT NULL,
                    visits_planned bigint NOT NULL,
                    violations bigint NOT NULL,
                    created_at bigint NOT NULL,
                    started_at bigint,
                    finished_at bigint,
                    error text,
                    report bytea,
                    secret_hash bytea NOT NULL UNIQUE,
                    secret_expires_at bigint NOT NULL
                )
                """,
                "CREATE INDEX scans_by_property ON scans (property, created_at)",
                """
                CREATE TABLE scan_schedules (
                    property text COLLATE "C" PRIMARY KEY,
                    last_run_at bigint NOT NULL
                )
                """,
            ]),
        consoleMigration,
        requestDeadlineMigration,
        tokenUseMigration,
    ]
}
