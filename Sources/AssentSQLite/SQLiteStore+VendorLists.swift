import AssentCore
import AssentStore
import Foundation
import GRDB

/// Imported Global Vendor Lists: one row per version, the canonical document and what identifies it.
extension SQLiteStore {
    /// Registered after "v1"; frozen once shipped like every migration.
    static func registerVendorListMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-vendor-lists") { db in
            try db.execute(
                sql: """
                    CREATE TABLE vendor_lists (
                        version INTEGER PRIMARY KEY,
                        tcf_policy_version INTEGER NOT NULL,
                        last_updated TEXT NOT NULL,
                        vendor_count INTEGER NOT NULL,
                        sha256 TEXT NOT NULL,
                        document BLOB NOT NULL,
                        imported_at INTEGER NOT NULL
                    );
                    """)
        }
    }

    public func saveVendorList(_ list: StoredVendorList) async throws -> Bool {
        let s = list.summary
        return try await pool.write { db in
            if let stored = try String.fetchOne(
                db, sql: "SELECT sha256 FROM vendor_lists WHERE version = ?", arguments: [s.version])
            {
                guard stored == s.sha256 else { throw StoreError.vendorListConflict(version: s.version) }
                return false
            }
            try db.execute(
                sql: """
                    INSERT INTO vendor_lists
                        (version, tcf_policy_version, last_updated, vendor_count, sha256, document, imported_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    s.version, s.tcfPolicyVersion, s.lastUpdated, s.vendorCount, s.sha256, Data(list.document),
                    s.importedAt,
                ])
            return true
        }
    }

    public func vendorList(version: Int) async throws -> StoredVendorList? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM vendor_lists WHERE version = ?", arguments: [version])
            else { return nil }
            let document: Data = row["document"]
            return StoredVendorList(summary: Self.vendorListSummary(row), document: Array(document))
        }
    }

    public func vendorLists() async throws -> [VendorListSummary] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT version, tcf_policy_version, last_updated, vendor_count, sha256, imported_at
                    FROM vendor_lists ORDER BY version
                    """
            ).map(Self.vendorListSummary)
        }
    }

    private static func vendorListSummary(_ row: Row) -> VendorListSummary {
        VendorListSummary(
            version: row["version"], tcfPolicyVersion: row["tcf_policy_version"], lastUpdated: row["last_updated"],
            vendorCount: row["vendor_count"], sha256: row["sha256"], importedAt: row["imported_at"])
    }
}
