import AssentCore
import AssentSQLite
import AssentStore
import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import AssentPostgres

/// The audit log has no method to change it, and each database refuses a change made behind the store's back.
@Suite("Audit log is append-only")
struct AuditLogAppendOnlyTests {
    static let event = AuditEvent(
        time: 1, actor: "cli", actorLabel: "command line", action: "account.create", target: "a@example.org",
        summary: "role owner")

    @Test func sqliteRefusesUpdatesAndDeletes() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assent-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        let store = try SQLiteStore(path: path)
        _ = try await store.appendAudit(Self.event)
        let queue = try DatabaseQueue(path: path)
        for sql in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"] {
            #expect {
                try queue.write { db in try db.execute(sql: sql) }
            } throws: { error in
                (error as? DatabaseError)?.message == "the audit log is append-only"
            }
        }
        #expect(try await store.auditEvents(AuditFilter()).map(\.actor) == ["cli"])
    }

    @Test(.enabled(if: TestPostgres.isAvailable)) func postgresRefusesUpdatesDeletesAndTruncation() async throws {
        try await TestPostgres.withStore { store in
            _ = try await store.appendAudit(Self.event)
            for sql in [
                "UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log",
            ] {
                await #expect {
                    try await store.rows(PostgresQuery(unsafeSQL: sql))
                } throws: { error in
                    (error as? PSQLError)?.serverInfo?[.message] == "the audit log is append-only"
                }
            }
            #expect(try await store.auditEvents(AuditFilter()).map(\.actor) == ["cli"])
        }
    }
}
