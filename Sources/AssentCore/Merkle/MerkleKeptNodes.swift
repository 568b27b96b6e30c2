/// Which of a ledger's tree nodes are stored, and how any other perfect subtree's hash is made from them.
///
/// The leaves (level 0) are stored with their records. Of the inner nodes only every fourth level is stored
/// (4, 8, 12, …). Storing every level cost a commit a page write per level: a batch's new nodes on levels
/// 1, 2, 3, … land in as many places of the nodes table, about 11 of a commit's 28 pages for 22 records.
/// A node on another level is computed from its descendants on the nearest stored level below it: at most 8
/// hashes read and 7 hashed for a node three levels above one. A server's own writes never pay that; proofs
/// read from the store do (a receipt asked for later, a witness's consistency proof), and so does a frontier read
/// from the store (at start, or on PostgreSQL after another server appended to the log).
///
/// Ledgers written while every level was stored still have those nodes; they are read the same way (the
/// stored levels are among them).
public enum MerkleKeptNodes {
    /// Inner nodes are stored on the levels that are multiples of this.
    public static let levelStride = 4

    /// Whether nodes on `level` are stored (leaves always are).
    public static func isKept(level: Int) -> Bool { level % levelStride == 0 }

    /// The stored nodes `position`'s hash is made of, left to right: the node itself when its level is stored,
    /// else its descendants on the nearest stored level below. `position` must be a perfect subtree of the
    /// stored tree (every position the frontier and the proofs ask for is one).
    public static func sources(of position: MerklePosition) -> [MerklePosition] {
        let below = position.level % levelStride
        let level = position.level - below
        let first = position.index << below
        return (first..<(first + (1 << below))).map { MerklePosition(level: level, index: $0) }
    }

    /// The hashes of `positions` (perfect subtrees), with one call of `read` for the stored nodes they are made
    /// of. `read` returns the stored hashes of the positions it is given, in order, or throws.
    public static func hashes(
        of positions: [MerklePosition], read: ([MerklePosition]) async throws -> [MerkleHash]
    ) async throws -> [MerkleHash] {
        if positions.isEmpty { return [] }
        let sourceLists = positions.map(sources(of:))
        // each stored node once, however many of the positions it is a source of
        var slot: [MerklePosition: Int] = [:]
        var wanted: [MerklePosition] = []
        for source in sourceLists.joined() where slot[source] == nil {
            slot[source] = wanted.count
            wanted.append(source)
        }
        let found = try await read(wanted)
        precondition(found.count == wanted.count, "a node read returned \(found.count) hashes for \(wanted.count)")
        // Every source has a slot (they were all added above). A node is the root of its sources, which are a
        // perfect subtree's: `Merkle.root` of them.
        return sourceLists.map { list in Merkle.root(list.map { found[slot[$0]!] }) }
    }
}
