import AssentCore
import AssentStore
import PostgresNIO

/// Imported Global Vendor Lists: one row per version, the canonical document and what identifies it.
extension PostgresStore {
    public func saveVendorList(_ list: StoredVendorList) async throws -> Bool {
        let s = list.summary
        let inserted = try await rows(
            """
            INSERT INTO vendor_lists
                (version, tcf_policy_version, last_updated, vendor_count, sha256, document, imported_at)
            VALUES (\(s.version), \(s.tcfPolicyVersion), \(s.lastUpdated), \(s.vendorCount), \(s.sha256),
                \(ByteBuffer(bytes: list.document)), \(s.importedAt))
            ON CONFLICT (version) DO NOTHING
            RETURNING version
            """)
        if !inserted.isEmpty { return true }
        // Stored already (perhaps by another server a moment ago): the same content changes nothing.
        let stored = try await rows("SELECT sha256 FROM vendor_lists WHERE version = \(s.version)")
            .first?.decode(String.self)
        guard stored == s.sha256 else { throw StoreError.vendorListConflict(version: s.version) }
        return false
    }

    public func vendorList(version: Int) async throws -> StoredVendorList? {
        guard
            let row = try await rows(
                """
                SELECT version, tcf_policy_version, last_updated, vendor_count, sha256, imported_at, document
                FROM vendor_lists WHERE version = \(version)
                """
            ).first
        else { return nil }
        let (v, policy, updated, count, sha, imported, document) = try row.decode(
            (Int, Int, String, Int, String, Int64, ByteBuffer).self)
        return StoredVendorList(
            summary: VendorListSummary(
                version: v, tcfPolicyVersion: policy, lastUpdated: updated, vendorCount: count, sha256: sha,
                importedAt: imported),
            document: Self.bytes(document))
    }

    public func vendorLists() async throws -> [VendorListSummary] {
        try await rows(
            """
            SELECT version, tcf_policy_version, last_updated, vendor_count, sha256, imported_at
            FROM vendor_lists ORDER BY version
            """
        ).map { row in
            let (v, policy, updated, count, sha, imported) = try row.decode((Int, Int, String, Int, String, Int64).self)
            return VendorListSummary(
                version: v, tcfPolicyVersion: policy, lastUpdated: updated, vendorCount: count, sha256: sha,
                importedAt: imported)
        }
    }
}
