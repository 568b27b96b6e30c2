import AssentCore
import AssentStore
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// The store for several servers sharing one PostgreSQL database. Every batch of the ledger is one transaction
/// that locks its log's row in `ledger_logs`, checks the size it expects and moves it on, so writers on different
/// servers take turns and one whose idea of the log is stale gets `StoreError.logMoved` and writes nothing.
/// Commits keep PostgreSQL's default `synchronous_commit`: acknowledged means on disk.
///
/// The connection pool (`PostgresClient`) works only while `run()` runs: run the store as a service, or use
/// `withStore`, which runs it around a closure and migrates the schema first.
///
/// While PostgreSQL cannot be reached, calls answer `StoreError.unavailable` promptly (at once once it is known
/// to be away, within about `leaseTimeout` otherwise), and the store reconnects by itself when it comes back (see
/// PostgresCircuitBreaker.swift, PostgresLeaseHandoff.swift and PostgresStatementWatchdog.swift).
public final class PostgresStore: AssentStorage, Service {
    let client: PostgresClient
    let logger: Logger
    public let url: PostgresURL
    /// How long a call waits for a pooled connection before the store checks that PostgreSQL can be reached (and
    /// answers `StoreError.unavailable` when it cannot).
    public let leaseTimeout: Duration
    /// How long a call waits for a pooled connection at most, PostgreSQL reachable or not.
    public let leaseLimit: Duration
    let availability: PostgresCircuitBreaker
    let statements: StatementWatch
    let poolCounts: PoolUsageCounts
    /// Which way each log's batches go, and how many went each way (`AppendPaths`).
    private let appendPaths = Locked(AppendPaths())

    /// A store for the database at `url`; nothing connects until `run()` runs and a query is made. Its pool usage
    /// goes to `metrics` (see `poolUsage`).
    public init(
        url: PostgresURL, maximumConnections: Int = 20, leaseTimeout: Duration = defaultLeaseTimeout,
        leaseLimit: Duration = defaultLeaseLimit, logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: Self.tls(url.tls))
        configuration.options.maximumConnections = maximumConnections
        configuration.options.additionalStartupParameters = [("application_name", "assent")]
        self.url = url
        self.logger = logger
        self.leaseTimeout = leaseTimeout
        self.leaseLimit = max(leaseLimit, leaseTimeout)
        let availability = PostgresCircuitBreaker(logger: logger)
        self.availability = availability
        statements = StatementWatch(onClose: { availability.requestProbe() })
        poolCounts = PoolUsageCounts(maximumConnections: maximumConnections, metrics: metrics)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// The connections the store's calls hold now, the pool's maximum, and the leases taken and timed out so far.
    public var poolUsage: PostgresPoolUsage { poolCounts.usage }

    private static func tls(_ mode: PostgresURL.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(opportunisticTLS)
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// `prefer` encrypts when the server offers TLS, without checking its certificate, as libpq does: it guards
    /// against listening, not against an impostor (who could refuse TLS anyway); `require` checks the certificate.
    static var opportunisticTLS: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    /// Runs the connection pool, and the probe that finds PostgreSQL again after it went away, until the task is
    /// cancelled or a graceful shutdown is asked for.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            group.addTask { await self.watchAvailability() }
            // The pool ends on a graceful shutdown; the probe then ends with it.
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Opens the store at `url`, runs its pool, migrates the schema (unless `migrate` is false) and runs `body`;
    /// the pool closes when `body` returns or throws.
    public static func withStore<Result: Sendable>(
        url: PostgresURL, maximumConnections: Int = 20, leaseTimeout: Duration = defaultLeaseTimeout,
        leaseLimit: Duration = defaultLeaseLimit, migrate: Bool = true, logger: Logger,
        _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        let store = PostgresStore(
            url: url, maximumConnections: maximumConnections, leaseTimeout: leaseTimeout, leaseLimit: leaseLimit,
            logger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            // Queries wait for the pool to run; waiting for its task to start keeps the pool from warning that
            // it was asked before it ran.
            await withCheckedContinuation { started in
                group.addTask {
                    started.resume()
                    await store.run()
                }
            }
            defer { group.cancelAll() }
            try await store.checkConnection()
            if migrate { try await store.migrate() }
            return try await body(store)
        }
    }

    /// Connects once, outside the pool, so that a wrong address, user, password or database fails at once with
    /// the reason (the pool would quietly try again and again, and its queries wait).
    public func checkConnection() async throws {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw PostgresStoreError("cannot connect to \(url): \(Self.reason(error))")
        }
    }

    /// A connection of its own to the database, outside the pool, configured as the pool's are.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: Self.opportunisticTLS))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls)
    }

    /// What went wrong, from the server's message or the connection's error (PSQLError describes itself only
    /// generically, lest details reach a client).
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }

    // MARK: Transactions and helpers

    /// Runs `body` in one transaction on one pooled connection: committed when it returns, rolled back when it
    /// throws, and the error it threw is the one that comes out (translated, see `translated`). A COMMIT whose
    /// connection breaks before its answer comes is `StoreError.unavailable`: it may have committed or not.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withPooledConnection { connection in
            try await rows("BEGIN", on: connection)
            let result: Result
            do {
                result = try await body(connection)
            } catch {
                do {
                    try await rows("ROLLBACK", on: connection)
                } catch {
                    // A connection that cannot even roll back must not go back to the pool mid-transaction.
                    try? await connection.close()
                }
                throw error
            }
            try await rows("COMMIT", on: connection)
            return result
        }
    }

    /// Every row of a query, read to the end.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withPooledConnection { connection in try await rows(query, on: connection) }
    }

    @discardableResult
    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        do {
            return try await statement(on: connection) { [logger] in
                try await connection.query(query, logger: logger).collect()
            }
        } catch {
            throw Self.translated(error)
        }
    }

    /// Every row of a prepared statement, decoded.
    func rows<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {
        try await withPooledConnection { connection in try await rows(statement, on: connection) }
    }

    @discardableResult
    func rows<Statement: PostgresPreparedStatement>(
        _ prepared: Statement, on connection: PostgresConnection
    ) async throws -> [Statement.Row] {
        do {
            return try await statement(on: connection) { [logger] in
                var result: [Statement.Row] = []
                for try await row in try await connection.execute(prepared, logger: logger) { result.append(row) }
                return result
            }
        } catch {
            throw Self.translated(error)
        }
    }

    /// A lost or refused connection, or a server shutting down or not yet accepting connections, becomes
    /// `StoreError.unavailable` (the server answers 503 and the client tries again); other errors stay as they are.
    static func translated(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return StoreError.unavailable(reason(error))
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            // 08: connection exceptions; 57P01-03: shutting down, crash recovery, not accepting connections yet;
            // 53300: too many connections.
            if state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state) {
                return StoreError.unavailable(reason(error))
            }
            return error
        default:
            return error
        }
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    /// True for a unique violation, of the named constraint when one is given.
    static func isUniqueViolation(_ error: any Error, constraint: String? = nil) -> Bool {
        guard let error = error as? PSQLError, error.code == .server,
            error.serverInfo?[.sqlState] == "23505"
        else { return false }
        return constraint == nil || error.serverInfo?[.constraintName] == constraint
    }

    // MARK: Properties

    public func saveProperty(_ property: Property, at time: Int64) async throws -> (PropertyRevision, changed: Bool) {
        try await saveProperty(property, at: time, check: false, expected: nil)
    }

    public func saveProperty(_ property: Property, at time: Int64, ifRevision expected: Int?) async throws -> (
        PropertyRevision, changed: Bool
    ) {
        try await saveProperty(property, at: time, check: true, expected: expected)
    }

    private func saveProperty(_ property: Property, at time: Int64, check: Bool, expected: Int?) async throws -> (
        PropertyRevision, changed: Bool
    ) {
        try await transaction { connection in
            // Saves of one property take turns, so that two servers seeding or importing at once both succeed.
            try await rows(
                "SELECT pg_advisory_xact_lock(hashtext('assent properties'), hashtext(\(property.id)))",
                on: connection)
            var current: PropertyRevision?
            for row in try await rows(CurrentProperty(id: property.id), on: connection) {
                current = try Self.propertyRevision(row)
            }
            // Read under the lock: no other save of this property can land between this check and the insert.
            if check, current?.revision != expected { throw StoreError.propertyConflict(property.id) }
            guard let (next, revision) = PropertyRevision.next(saving: property, over: current) else {
                return (current!, false)
            }
            let document = ByteBuffer(bytes: CanonicalJSON.orderedBytes(next.jsonValue))
            try await rows(
                """
                INSERT INTO properties (id, revision, policy_version, document, created_at)
                VALUES (\(next.id), \(revision), \(next.policyVersion), \(document), \(time))
                """, on: connection)
            try await notify([.property(id: next.id, revision: revision)], on: connection)
            return (PropertyRevision(property: next, revision: revision, createdAt: time), true)
        }
    }

    public func currentProperty(id: String) async throws -> PropertyRevision? {
        try await rows(CurrentProperty(id: id)).first.map(Self.propertyRevision)
    }

    public func propertyRevision(id: String, revision: Int) async throws -> PropertyRevision? {
        try await rows(
            """
            SELECT id, revision, document, created_at FROM properties WHERE id = \(id) AND revision = \(revision)
            """
        ).first.map { try Self.propertyRevision($0.decode((String, Int, ByteBuffer, Int64).self)) }
    }

    public func propertyRevisions(id: String) async throws -> [PropertyRevision] {
        try await rows(
            "SELECT id, revision, document, created_at FROM properties WHERE id = \(id) ORDER BY revision DESC"
        ).map { try Self.propertyRevision($0.decode((String, Int, ByteBuffer, Int64).self)) }
    }

    public func currentRevision(id: String) async throws -> Int? {
        try await rows(CurrentRevision(id: id)).first ?? nil
    }

    public func property(id: String, policyVersion: Int) async throws -> PropertyRevision? {
        try await rows(
            """
            SELECT id, revision, document, created_at FROM properties
            WHERE id = \(id) AND policy_version = \(policyVersion) ORDER BY revision DESC LIMIT 1
            """
        ).first.map { try Self.propertyRevision($0.decode((String, Int, ByteBuffer, Int64).self)) }
    }

    public func policyVersions(id: String) async throws -> [Int] {
        try await rows("SELECT DISTINCT policy_version FROM properties WHERE id = \(id) ORDER BY policy_version")
            .map { try $0.decode(Int.self) }
    }

    public func propertyIDs() async throws -> [String] {
        try await rows("SELECT DISTINCT id FROM properties ORDER BY id").map { try $0.decode(String.self) }
    }

    static func propertyRevision(_ row: (String, Int, ByteBuffer, Int64)) throws -> PropertyRevision {
        let (id, revision, document, createdAt) = row
        do {
            return PropertyRevision(
                property: try Property.decode(json: document.readableBytesView), revision: revision,
                createdAt: createdAt)
        } catch {
            throw StoreError.corrupt("property \(id) revision \(revision): \(error)")
        }
    }

    // MARK: Ledger

    public func logs() async throws -> [Int] {
        try await rows("SELECT log FROM ledger_logs WHERE size > 0 ORDER BY log").map { try $0.decode(Int.self) }
    }

    public func treeSize(log: Int) async throws -> Int {
        try await rows("SELECT size FROM ledger_logs WHERE log = \(log)").first.map { try $0.decode(Int.self) } ?? 0
    }

    /// Level 0 (leaf hashes) lives in the records table, higher levels in `ledger_nodes`; all in one query.
    public func nodes(log: Int, positions: [MerklePosition]) async throws -> [MerkleHash] {
        try await nodes(log: log, positions: positions, on: nil)
    }

    /// Node hashes, read on `connection` (inside its transaction) or on any pooled one.
    func nodes(
        log: Int, positions: [MerklePosition], on connection: PostgresConnection?
    ) async throws -> [MerkleHash] {
        if positions.isEmpty { return [] }
        var leaves: [Int] = []
        var levels: [Int] = []
        var indexes: [Int] = []
        for position in positions {
            if position.level == 0 {
                leaves.append(position.index)
            } else {
                levels.append(position.level)
                indexes.append(position.index)
            }
        }
        let statement = Nodes(log: log, leaves: leaves, levels: levels, indexes: indexes)
        let found: [(Int, Int, ByteBuffer)]
        if let connection {
            found = try await rows(statement, on: connection)
        } else {
            found = try await rows(statement)
        }
        var hashes: [MerklePosition: MerkleHash] = [:]
        for (level, index, bytes) in found {
            guard let hash = MerkleHash(bytes: Self.bytes(bytes)) else {
                throw StoreError.corrupt("tree node \(level)/\(index) of log \(log) is malformed")
            }
            hashes[MerklePosition(level: level, index: index)] = hash
        }
        return try positions.map { position in
            guard let hash = hashes[position] else {
                throw StoreError.corrupt("tree node \(position.level)/\(position.index) of log \(log) missing")
            }
            return hash
        }
    }

    public func append(_ batch: LedgerBatch) async throws {
        try await appendLocked(log: batch.log) { size, _ in
            guard size == batch.startIndex else {
                throw StoreError.logMoved(log: batch.log, expected: batch.startIndex, actual: size)
            }
            return (try Self.appendStatement(batch), ())
        }
    }

    /// Several servers write the same logs. When the writer's frontier is the stored one (it wrote the log's last
    /// batch, the usual case), the batch is built on it and appended in one statement (`AppendBatch`), which holds the
    /// log's row lock only while PostgreSQL runs and commits it. Otherwise (another server appended since, or the
    /// writer has no frontier yet), under the log's row lock, the batch is built on the stored tree: the stored
    /// frontier is read on the same connection and the batch built again there, so the writers take turns on the
    /// lock and never retry.
    public func append<Result: Sendable>(
        log: Int, expected: MerkleFrontier?, build: @Sendable (MerkleFrontier) throws -> (LedgerBatch, Result)
    ) async throws -> Result {
        if let expected, appendPaths.withLock({ $0.mayAppendInOneStatement(log) }) {
            let (batch, result) = try build(expected)
            try Self.check(batch, log: log, size: expected.size)
            let statement = try Self.appendStatement(batch)
            let appended: Bool
            do {
                appended = try await rows(statement).first == 1
            } catch {
                throw try await appendError(error, ids: statement.ids, log: log)
            }
            if appended {
                appendPaths.withLock { $0.oneStatement += 1 }
                return result
            }
            appendPaths.withLock { $0.statementFoundMoved(log) }
        }
        appendPaths.withLock { $0.locked += 1 }
        return try await appendLocked(log: log) { [appendPaths] size, connection in
            let unmoved = expected?.size == size
            appendPaths.withLock { $0.lockedBatch(log, unmoved: unmoved) }
            let base: MerkleFrontier
            if let expected, unmoved {
                base = expected
            } else {
                let positions = MerkleFrontier.positions(size: size)
                let hashes = try await MerkleKeptNodes.hashes(of: positions) {
                    try await nodes(log: log, positions: $0, on: connection)
                }
                base = try MerkleFrontier(size: size, nodes: hashes)
            }
            let (batch, result) = try build(base)
            try Self.check(batch, log: log, size: size)
            return (try Self.appendStatement(batch), result)
        }
    }

    /// How the ledger's batches were appended since the store started: in one statement on the writer's own
    /// frontier, or in the locked transaction that reads the stored one (another server had appended, or the
    /// writer had no frontier yet).
    public var ledgerAppends: (oneStatement: Int, locked: Int) {
        appendPaths.withLock { ($0.oneStatement, $0.locked) }
    }

    /// How many locked batches in a row must find a contended log unmoved before its writer tries one statement
    /// again. Two servers taking turns on a log rarely leave it unmoved that long; one whose peer stopped does.
    static let quietBatchesBeforeOneStatement = 16

    private static func check(_ batch: LedgerBatch, log: Int, size: Int) throws {
        guard batch.log == log, batch.startIndex == size else {
            throw StoreError.corrupt(
                "a batch for log \(log) at \(size) was built for log \(batch.log) at \(batch.startIndex)")
        }
    }

    /// One append transaction: locks the log's row, lets `prepare` turn the log's size into the rows to insert,
    /// inserts them, and names the record whose id is taken when the database refuses one.
    private func appendLocked<Result: Sendable>(
        log: Int, _ prepare: (Int, PostgresConnection) async throws -> (AppendBatch, Result)
    ) async throws -> Result {
        var ids: [String] = []
        do {
            return try await transaction { connection in
                let size = try await lockLog(log, connection: connection)
                let (statement, result) = try await prepare(size, connection)
                ids = statement.ids
                guard try await rows(statement, on: connection).first == 1 else {
                    throw StoreError.corrupt("log \(log) moved from \(statement.startIndex) while its row was locked")
                }
                return result
            }
        } catch {
            throw try await appendError(error, ids: ids, log: log)
        }
    }

    /// What a failed append reports: the record whose id is taken when the database refused one, a corrupt log
    /// when it refused a position, else the error itself.
    private func appendError(_ error: any Error, ids: [String], log: Int) async throws -> any Error {
        if Self.isUniqueViolation(error, constraint: "ledger_records_id_key") {
            // The append is gone; the taken id is not.
            let taken = Set(
                try await rows("SELECT id FROM ledger_records WHERE id = ANY(\(ids))").map {
                    try $0.decode(String.self)
                })
            return ids.first(where: taken.contains).map { StoreError.duplicateRecordID($0) } ?? error
        }
        if Self.isUniqueViolation(error) {
            return StoreError.corrupt("log \(log) holds records or tree heads beyond its recorded size: \(error)")
        }
        return error
    }

    private static func appendStatement(_ batch: LedgerBatch) throws -> AppendBatch {
        var leaves = [MerkleHash?](repeating: nil, count: batch.entries.count)
        var statement = AppendBatch(log: batch.log, startIndex: batch.startIndex, head: batch.treeHead)
        for node in batch.nodes {
            if node.level == 0 {
                let offset = node.index - batch.startIndex
                guard leaves.indices.contains(offset) else {
                    throw StoreError.corrupt("batch has a leaf hash for record \(node.index), outside the batch")
                }
                leaves[offset] = node.hash
            } else {
                statement.levels.append(node.level)
                statement.indexes.append(node.index)
                statement.hashes.append(ByteBuffer(bytes: node.hash.bytes))
            }
        }
        for (i, entry) in batch.entries.enumerated() {
            guard let leaf = leaves[i] else { throw StoreError.corrupt("batch lacks the leaf hash of record \(i)") }
            statement.ids.append(entry.id)
            statement.properties.append(entry.property)
            statement.subjects.append(entry.subject)
            statement.entries.append(ByteBuffer(bytes: batch.entryBytes[i]))
            statement.leaves.append(ByteBuffer(bytes: leaf.bytes))
        }
        if let repeated = firstRepeated(statement.ids) { throw StoreError.duplicateRecordID(repeated) }
        return statement
    }

    private static func firstRepeated(_ ids: [String]) -> String? {
        var seen = Set<String>()
        return ids.first { !seen.insert($0).inserted }
    }

    /// Locks the log's row for the rest of the transaction and returns its size, creating the row for a new log.
    private func lockLog(_ log: Int, connection: PostgresConnection) async throws -> Int {
        for _ in 0..<2 {
            if let size = try await rows(LockLog(log: log), on: connection).first { return size }
            // A new log: create its row (a writer doing the same at once wins, and this one waits for it), then
            // lock it like any other.
            try await rows(CreateLog(log: log), on: connection)
        }
        throw StoreError.corrupt("the row of log \(log) cannot be created")
    }

    public func record(id: String) async throws -> StoredRecord? {
        try await rows(RecordByID(id: id)).first.map(Self.storedRecord)
    }

    public func latestRecord(property: String, subject: String) async throws -> StoredRecord? {
        try await rows(LatestRecord(property: property, subject: subject)).first.map(Self.storedRecord)
    }

    /// Each property's latest record of the subject in one query (the subject index serves each property), then
    /// the latest of those by `StoredRecord.isLater`.
    public func latestRecord(subject: String, properties: [String]) async throws -> StoredRecord? {
        let distinct = Array(Set(properties)).sorted()
        if distinct.isEmpty { return nil }
        var latest: StoredRecord?
        for row in try await rows(
            """
            SELECT DISTINCT ON (property) log, leaf_index, entry FROM ledger_records
            WHERE property = ANY(\(distinct)) AND subject = \(subject)
            ORDER BY property, leaf_index DESC
            """)
        {
            let record = try Self.storedRecord(row.decode((Int, Int, ByteBuffer).self))
            if latest.map({ StoredRecord.isLater(record, than: $0) }) ?? true { latest = record }
        }
        return latest
    }

    public func records(property: String, subject: String) async throws -> [StoredRecord] {
        try await rows(
            """
            SELECT log, leaf_index, entry FROM ledger_records
            WHERE property = \(property) AND subject = \(subject) ORDER BY leaf_index
            """
        ).map { try Self.storedRecord($0.decode((Int, Int, ByteBuffer).self)) }
    }

    public func rawRecords(log: Int, from leafIndex: Int, limit: Int) async throws -> [RawRecord] {
        try await rows(
            """
            SELECT leaf_index, id, property, subject, entry FROM ledger_records
            WHERE log = \(log) AND leaf_index >= \(leafIndex) ORDER BY leaf_index LIMIT \(max(0, limit))
            """
        ).map { row in
            let (leafIndex, id, property, subject, entry) = try row.decode(
                (Int, String, String, String, ByteBuffer).self)
            return RawRecord(
                leafIndex: leafIndex, id: id, property: property, subject: subject, bytes: Self.bytes(entry))
        }
    }

    public func latestTreeHead(log: Int) async throws -> SignedTreeHead? {
        try await rows(LatestTreeHead(log: log)).first.map(Self.signedTreeHead)
    }

    public func treeHeads(log: Int) async throws -> [SignedTreeHead] {
        try await rows(
            "SELECT log, size, root, timestamp, key_id, signature FROM ledger_heads WHERE log = \(log) ORDER BY size"
        ).map { try Self.signedTreeHead($0.decode(LatestTreeHead.Row.self)) }
    }

    static func storedRecord(_ row: (Int, Int, ByteBuffer)) throws -> StoredRecord {
        let (log, leafIndex, entry) = row
        do {
            return StoredRecord(
                log: log, leafIndex: leafIndex, entry: try LedgerEntry(canonicalBytes: Self.bytes(entry)))
        } catch {
            throw StoreError.corrupt("record at leaf \(leafIndex) of log \(log): \(error)")
        }
    }

    static func signedTreeHead(_ row: LatestTreeHead.Row) throws -> SignedTreeHead {
        let (log, size, root, timestamp, keyID, signature) = row
        guard let hash = MerkleHash(bytes: Self.bytes(root)) else {
            throw StoreError.corrupt("tree head at size \(size) of log \(log) has a malformed root")
        }
        return SignedTreeHead(
            head: TreeHead(log: log, size: size, root: hash, timestamp: timestamp), keyID: keyID,
            signature: Self.bytes(signature))
    }
}

public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Which way a `PostgresStore`'s ledger batches go. A writer on its own frontier tries one statement; once a
/// statement finds its log moved, another server writes that log too, and its batches take the locked transaction
/// (a statement that waits for the other's lock only to find the log moved costs a signature and a round trip)
/// until `PostgresStore.quietBatchesBeforeOneStatement` locked batches in a row find that nobody else appended
/// since: then the other server has stopped writing it, and one statement serves again.
struct AppendPaths {
    /// Batches appended each way since the store started.
    var oneStatement = 0
    var locked = 0
    /// The logs another server writes too, each with its count of unmoved locked batches in a row.
    private var contended: [Int: Int] = [:]

    func mayAppendInOneStatement(_ log: Int) -> Bool { contended[log] == nil }

    mutating func statementFoundMoved(_ log: Int) { contended[log] = 0 }

    /// A locked batch on `log`, which found it `unmoved` since the writer's last batch or not.
    mutating func lockedBatch(_ log: Int, unmoved: Bool) {
        guard let quiet = contended[log] else { return }
        if !unmoved {
            contended[log] = 0
        } else if quiet + 1 < PostgresStore.quietBatchesBeforeOneStatement {
            contended[log] = quiet + 1
        } else {
            contended[log] = nil
        }
    }
}
