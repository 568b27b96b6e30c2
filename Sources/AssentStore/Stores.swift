import AssentCore

/// A decision as stored: its place in the log and the entry (decoded from the stored canonical bytes).
public struct StoredRecord: Sendable, Equatable {
    public var log: Int
    public var leafIndex: Int
    public var entry: LedgerEntry

    public init(log: Int, leafIndex: Int, entry: LedgerEntry) {
        self.log = log
        self.leafIndex = leafIndex
        self.entry = entry
    }
}

extension StoredRecord {
    /// The order `latestRecord(subject:properties:)` picks by: `recordedAt`, then the log position.
    public static func isLater(_ a: StoredRecord, than b: StoredRecord) -> Bool {
        (a.entry.recordedAt, a.log, a.leafIndex) > (b.entry.recordedAt, b.log, b.leafIndex)
    }
}

/// A record exactly as the database holds it, for verification: nothing is trusted.
public struct RawRecord: Sendable, Equatable {
    public var leafIndex: Int
    public var id: String
    public var property: String
    public var subject: String
    public var bytes: [UInt8]

    public init(leafIndex: Int, id: String, property: String, subject: String, bytes: [UInt8]) {
        self.leafIndex = leafIndex
        self.id = id
        self.property = property
        self.subject = subject
        self.bytes = bytes
    }
}

/// Everything one commit batch writes, in one transaction.
public struct LedgerBatch: Sendable {
    public var log: Int
    /// The tree size before the batch: the first record's leaf index.
    public var startIndex: Int
    public var entries: [LedgerEntry]
    /// Canonical bytes of each entry, in order.
    public var entryBytes: [[UInt8]]
    /// The perfect subtrees completed by the batch that the ledger stores: its leaves and the inner nodes on
    /// the levels `MerkleKeptNodes` keeps (the initializer drops the others).
    public var nodes: [MerkleNode]
    public var treeHead: SignedTreeHead

    public init(
        log: Int, startIndex: Int, entries: [LedgerEntry], entryBytes: [[UInt8]], nodes: [MerkleNode],
        treeHead: SignedTreeHead
    ) {
        self.log = log
        self.startIndex = startIndex
        self.entries = entries
        self.entryBytes = entryBytes
        self.nodes = nodes.filter { MerkleKeptNodes.isKept(level: $0.level) }
        self.treeHead = treeHead
    }
}

public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another writer appended to the log first (the batch's start index is not the stored tree size).
    case logMoved(log: Int, expected: Int, actual: Int)
    /// A record id is already taken.
    case duplicateRecordID(String)
    /// Stored data that cannot be read back (a corrupted or tampered row).
    case corrupt(String)
    /// A property revision conflict: someone saved the property at the same time.
    case propertyConflict(String)
    /// A vendor list of this version is stored already, with other content.
    case vendorListConflict(version: Int)
    /// The database cannot be reached now (connection refused or lost, server restarting): try again shortly.
    /// Nothing of the failed call was committed.
    case unavailable(String)

    public var description: String {
        switch self {
        case .logMoved(let log, let expected, let actual):
            "log \(log) moved: batch starts at \(expected) but the log has \(actual) records"
        case .duplicateRecordID(let id): "record id \(id) already exists"
        case .corrupt(let what): "corrupt stored data: \(what)"
        case .propertyConflict(let id): "property \(id) was changed concurrently"
        case .vendorListConflict(let version):
            "vendor list version \(version) is already stored with different content"
        case .unavailable(let why): "the database is unavailable: \(why)"
        }
    }
}

/// A stored revision of a property.
public struct PropertyRevision: Sendable, Equatable {
    public var property: Property
    public var revision: Int
    public var createdAt: Int64

    public init(property: Property, revision: Int, createdAt: Int64) {
        self.property = property
        self.revision = revision
        self.createdAt = createdAt
    }
}

public protocol PropertyStore: Sendable {
    /// Stores a new revision if anything changed. The policy version is the store's to assign: the current
    /// one when the visitor-facing content is unchanged, one more when it changed, 1 for a new property.
    /// Returns the current revision afterwards and whether a new one was written.
    func saveProperty(_ property: Property, at time: Int64) async throws -> (PropertyRevision, changed: Bool)
    /// Compare-and-save: saves as `saveProperty(_:at:)` does, but only while the current revision is `expected`
    /// (nil: the property must not exist yet), checked and written in one step, so that of two saves made over
    /// the same revision only one wins. Otherwise throws `StoreError.propertyConflict` and writes nothing.
    func saveProperty(_ property: Property, at time: Int64, ifRevision expected: Int?) async throws -> (
        PropertyRevision, changed: Bool
    )
    func currentProperty(id: String) async throws -> PropertyRevision?
    /// One stored revision, nil when there is none.
    func propertyRevision(id: String, revision: Int) async throws -> PropertyRevision?
    /// Every stored revision of a property, newest first.
    func propertyRevisions(id: String) async throws -> [PropertyRevision]
    /// The current revision number alone: a cheap check whether a cached property is still current.
    func currentRevision(id: String) async throws -> Int?
    /// The latest revision that carried the given policy version.
    func property(id: String, policyVersion: Int) async throws -> PropertyRevision?
    func policyVersions(id: String) async throws -> [Int]
    func propertyIDs() async throws -> [String]
}

public protocol LedgerStore: Sendable {
    /// Every log id that has records.
    func logs() async throws -> [Int]
    func treeSize(log: Int) async throws -> Int
    /// Stored node hashes by (level, index): leaves and the levels `MerkleKeptNodes` keeps (a ledger written
    /// before it may hold every level); throws `StoreError.corrupt` if one is missing. `treeNodes` gives any
    /// perfect subtree.
    func nodes(log: Int, positions: [MerklePosition]) async throws -> [MerkleHash]
    /// Writes the batch atomically and durably; throws `StoreError.logMoved` if the log is not at
    /// `batch.startIndex`.
    func append(_ batch: LedgerBatch) async throws
    /// Appends a batch built on the log as stored. `build` is given the frontier the batch must extend and returns
    /// the batch with whatever the caller wants back. `expected` is the frontier the caller believes current (nil
    /// when it has none). A store shared by several servers checks the stored size under the log's lock and,
    /// when another writer moved the log, reads the stored frontier and builds again there, so that a moved log
    /// costs one read and never a retry. The default builds on `expected` (or the stored frontier) and calls
    /// `append(_:)`, which throws `StoreError.logMoved` when the log moved.
    func append<Result: Sendable>(
        log: Int, expected: MerkleFrontier?, build: @Sendable (MerkleFrontier) throws -> (LedgerBatch, Result)
    ) async throws -> Result
    func record(id: String) async throws -> StoredRecord?
    func latestRecord(property: String, subject: String) async throws -> StoredRecord?
    /// The latest record of `subject` on any of `properties` (a signed-in reader's decisions across a group of
    /// properties): the greatest `recordedAt`, ties going to the later log position; nil when there is none.
    func latestRecord(subject: String, properties: [String]) async throws -> StoredRecord?
    /// Oldest first.
    func records(property: String, subject: String) async throws -> [StoredRecord]
    /// Raw rows in leaf order from `leafIndex` on, at most `limit`.
    func rawRecords(log: Int, from leafIndex: Int, limit: Int) async throws -> [RawRecord]
    func latestTreeHead(log: Int) async throws -> SignedTreeHead?
    /// Ascending size.
    func treeHeads(log: Int) async throws -> [SignedTreeHead]
}

/// What identifies an imported Global Vendor List, without its document.
public struct VendorListSummary: Sendable, Equatable {
    public var version: Int
    public var tcfPolicyVersion: Int
    public var lastUpdated: String
    public var vendorCount: Int
    /// SHA-256 (hex) of the stored document: two imports of one version must have the same.
    public var sha256: String
    /// Milliseconds since the Unix epoch.
    public var importedAt: Int64

    public init(
        version: Int, tcfPolicyVersion: Int, lastUpdated: String, vendorCount: Int, sha256: String, importedAt: Int64
    ) {
        self.version = version
        self.tcfPolicyVersion = tcfPolicyVersion
        self.lastUpdated = lastUpdated
        self.vendorCount = vendorCount
        self.sha256 = sha256
        self.importedAt = importedAt
    }
}

/// An imported Global Vendor List: its summary and the file's JSON in canonical form (sorted members, no
/// whitespace), so that the same list imported twice is byte for byte the same.
public struct StoredVendorList: Sendable, Equatable {
    public var summary: VendorListSummary
    public var document: [UInt8]

    public init(summary: VendorListSummary, document: [UInt8]) {
        self.summary = summary
        self.document = document
    }

    /// A list read from a file: `json` is the whole file (members the model ignores are kept).
    public init(list: VendorList, json: JSONValue, importedAt: Int64) {
        let bytes = CanonicalJSON.bytes(json)
        self.init(
            summary: VendorListSummary(
                version: list.vendorListVersion, tcfPolicyVersion: list.tcfPolicyVersion,
                lastUpdated: list.lastUpdated, vendorCount: list.vendors.count,
                sha256: Hex.encode(SHA256Digest.of(bytes)),
                importedAt: importedAt),
            document: bytes)
    }

    /// The list parsed from the stored document.
    public func vendorList() throws -> VendorList {
        do {
            return try VendorList.decode(json: document)
        } catch {
            throw StoreError.corrupt("vendor list \(summary.version): \(error)")
        }
    }
}

/// Imported Global Vendor Lists, one per version; a version's content never changes once stored.
public protocol VendorListStore: Sendable {
    /// Stores a list under its version. Returns false when that version is stored with the same content (nothing
    /// changes); throws `StoreError.vendorListConflict` when it is stored with different content.
    func saveVendorList(_ list: StoredVendorList) async throws -> Bool
    func vendorList(version: Int) async throws -> StoredVendorList?
    /// Every stored list, ascending version.
    func vendorLists() async throws -> [VendorListSummary]
}

/// The whole storage contract; each backend conforms once.
public typealias AssentStorage = PropertyStore & LedgerStore & VendorListStore & RequestStore & SuppressionStore
    & ExportStore & RetentionStore & WebhookOutbox & CredentialStore & SigningKeyStore
    & AnalyticsStore & ScanStore & AccountStore & AuditStore & RequestCountStore & AnalyticsTotalStore

extension LedgerStore {
    public func append<Result: Sendable>(
        log: Int, expected: MerkleFrontier?, build: @Sendable (MerkleFrontier) throws -> (LedgerBatch, Result)
    ) async throws -> Result {
        let base: MerkleFrontier
        if let expected { base = expected } else { base = try await frontier(log: log) }
        let (batch, result) = try build(base)
        try await append(batch)
        return result
    }

    /// One `latestRecord(property:subject:)` per property: correct for any store, one round trip each.
    public func latestRecord(subject: String, properties: [String]) async throws -> StoredRecord? {
        var latest: StoredRecord?
        for property in Set(properties) {
            guard let record = try await latestRecord(property: property, subject: subject) else { continue }
            if latest.map({ StoredRecord.isLater(record, than: $0) }) ?? true { latest = record }
        }
        return latest
    }

    /// The hashes of any perfect subtrees, each made from the stored nodes below it (`MerkleKeptNodes`), read
    /// in one `nodes` call.
    public func treeNodes(log: Int, positions: [MerklePosition]) async throws -> [MerkleHash] {
        try await MerkleKeptNodes.hashes(of: positions) { try await nodes(log: log, positions: $0) }
    }

    public func frontier(log: Int) async throws -> MerkleFrontier {
        let size = try await treeSize(log: log)
        let positions = MerkleFrontier.positions(size: size)
        let hashes = try await treeNodes(log: log, positions: positions)
        return try MerkleFrontier(size: size, nodes: hashes)
    }

    /// An inclusion proof for a leaf against a tree size, from stored nodes: the proof's node positions are
    /// worked out first, then read in one query.
    public func inclusionProof(log: Int, index: Int, size: Int) async throws -> [MerkleHash] {
        let positions = Merkle.proofPositions { node in _ = Merkle.inclusionProof(index: index, size: size, node: node)
        }
        let hashes = try await treeNodes(log: log, positions: positions)
        let table = Dictionary(
            zip(positions, hashes), uniquingKeysWith: { a, _ in a })
        return try Merkle.inclusionProof(index: index, size: size) { level, idx in
            guard let h = table[MerklePosition(level: level, index: idx)] else {
                throw StoreError.corrupt("node \(level)/\(idx) missing")
            }
            return h
        }
    }

    public func consistencyProof(log: Int, oldSize: Int, newSize: Int) async throws -> [MerkleHash] {
        let positions = Merkle.proofPositions { node in
            _ = Merkle.consistencyProof(oldSize: oldSize, newSize: newSize, node: node)
        }
        let hashes = try await treeNodes(log: log, positions: positions)
        let table = Dictionary(
            zip(positions, hashes), uniquingKeysWith: { a, _ in a })
        return try Merkle.consistencyProof(oldSize: oldSize, newSize: newSize) { level, idx in
            guard let h = table[MerklePosition(level: level, index: idx)] else {
                throw StoreError.corrupt("node \(level)/\(idx) missing")
            }
            return h
        }
    }
}

extension Merkle {
    /// The node positions a node-based computation asks for (the answers don't change which it asks for).
    public static func proofPositions(_ run: ((Int, Int) -> MerkleHash) -> Void) -> [MerklePosition] {
        var seen = Set<MerklePosition>()
        var positions: [MerklePosition] = []
        run { level, index in
            let position = MerklePosition(level: level, index: index)
            if seen.insert(position).inserted { positions.append(position) }
            return Merkle.emptyRoot
        }
        return positions
    }
}

extension PropertyRevision {
    /// What saving `property` over `current` stores, the same rule for every store: nil when nothing changed;
    /// else the next revision, whose policy version is the current one when the visitor-facing content is
    /// unchanged, one more when it changed, and 1 for a new property.
    public static func next(saving property: Property, over current: PropertyRevision?) -> (
        property: Property, revision: Int
    )? {
        var next = property
        if let current {
            next.policyVersion =
                property.policyContentDiffers(from: current.property)
                ? current.property.policyVersion + 1 : current.property.policyVersion
            if next == current.property { return nil }
        } else {
            next.policyVersion = 1
        }
        return (next, (current?.revision ?? 0) + 1)
    }
}
