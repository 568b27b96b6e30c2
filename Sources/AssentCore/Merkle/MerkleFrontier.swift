/// A perfect subtree root completed by an append: level 0 is a leaf.
///
/// The node at `level` and `index` covers leaves `[index << level, (index + 1) << level)`.
public struct MerkleNode: Hashable, Sendable {
    public let level: Int
    public let index: Int
    public let hash: MerkleHash

    public init(level: Int, index: Int, hash: MerkleHash) {
        self.level = level
        self.index = index
        self.hash = hash
    }
}

/// Why a stored frontier was refused by `MerkleFrontier.init(size:nodes:)`.
public enum MerkleFrontierError: Error, Hashable, Sendable {
    case negativeSize(Int)
    /// A frontier of `size` leaves has exactly `size.nonzeroBitCount` nodes.
    case nodeCountMismatch(size: Int, expected: Int, actual: Int)
}

/// The right edge of the tree (compact range `[0, size)`): the perfect subtree roots, largest first.
/// Enough to append and to compute the root.
public struct MerkleFrontier: Sendable, Hashable {
    /// The number of leaves in the tree.
    public private(set) var size: Int
    /// The perfect subtree roots covering `[0, size)`, largest (leftmost) first: one per set bit of `size`.
    public private(set) var nodes: [MerkleHash]

    /// The empty tree.
    public init() {
        size = 0
        nodes = []
    }

    /// Restores a frontier from storage; throws unless `nodes.count == size.nonzeroBitCount`.
    public init(size: Int, nodes: [MerkleHash]) throws {
        guard size >= 0 else { throw MerkleFrontierError.negativeSize(size) }
        guard nodes.count == size.nonzeroBitCount else {
            throw MerkleFrontierError.nodeCountMismatch(
                size: size, expected: size.nonzeroBitCount, actual: nodes.count)
        }
        self.size = size
        self.nodes = nodes
    }

    /// Restores a frontier from stored perfect-subtree nodes (`node(level, index)` as in
    /// `Merkle.root(size:node:)`); asks for exactly the nodes in `positions(size:)`. Requires `size >= 0`.
    public init(size: Int, node: (Int, Int) throws -> MerkleHash) rethrows {
        precondition(size >= 0, "negative tree size")
        self.size = size
        self.nodes = try Self.positions(size: size).map { try node($0.level, $0.index) }
    }

    /// The position of each frontier node of a tree of `size` leaves, largest first.
    public static func positions(size: Int) -> [MerklePosition] {
        var result: [MerklePosition] = []
        var start = 0
        var level = Int.bitWidth - 1
        while level >= 0 {
            if (size >> level) & 1 == 1 {
                result.append(MerklePosition(level: level, index: start >> level))
                start += 1 << level
            }
            level -= 1
        }
        return result
    }

    /// The frontier nodes with their positions, largest first.
    public var subtrees: [MerkleNode] {
        zip(Self.positions(size: size), nodes).map { MerkleNode(level: $0.level, index: $0.index, hash: $1) }
    }

    /// `MTH(D[size])`.
    public func root() -> MerkleHash {
        guard var root = nodes.last else { return Merkle.emptyRoot }
        for node in nodes.dropLast().reversed() {
            root = Merkle.nodeHash(node, root)
        }
        return root
    }

    /// Appends one leaf hash and returns every perfect node it completed, the leaf (level 0) first.
    @discardableResult
    public mutating func append(_ leaf: MerkleHash) -> [MerkleNode] {
        precondition(size < Int.max, "tree is full")
        var completed = [MerkleNode(level: 0, index: size, hash: leaf)]
        var hash = leaf
        var level = 0
        var index = size
        // Each trailing one bit of `size` is a frontier node of that level waiting for a right sibling.
        while (size >> level) & 1 == 1 {
            hash = Merkle.nodeHash(nodes.removeLast(), hash)
            level += 1
            index >>= 1
            completed.append(MerkleNode(level: level, index: index, hash: hash))
        }
        nodes.append(hash)
        size += 1
        return completed
    }

    /// Appends a whole batch and returns, besides the completed nodes (in completion order), the inclusion proof
    /// of every batch leaf against the tree after the batch (size = old size + leaves.count), computed from the
    /// frontier and the batch only.
    ///
    /// Every node such a proof needs is either a node of the old frontier (left siblings wholly before the batch)
    /// or a perfect node completed by the batch (everything ending inside the batch).
    @discardableResult
    public mutating func appendBatch(_ leaves: [MerkleHash]) -> (nodes: [MerkleNode], proofs: [[MerkleHash]]) {
        guard !leaves.isEmpty else { return ([], []) }
        precondition(leaves.count <= Int.max - size, "tree is full")
        let oldSize = size
        var oldByLevel = [MerkleNode?](repeating: nil, count: Int.bitWidth)
        for node in subtrees { oldByLevel[node.level] = node }

        var completed = [MerkleNode]()
        completed.reserveCapacity(2 * leaves.count + Int.bitWidth)
        for leaf in leaves {
            completed.append(contentsOf: append(leaf))
        }
        let newSize = size

        // At each level the batch completes a contiguous run of indices, in increasing order.
        var firstIndex = [Int](repeating: 0, count: Int.bitWidth)
        var byLevel = [[MerkleHash]](repeating: [], count: Int.bitWidth)
        for node in completed {
            if byLevel[node.level].isEmpty { firstIndex[node.level] = node.index }
            byLevel[node.level].append(node.hash)
        }
        func lookup(_ level: Int, _ index: Int) -> MerkleHash {
            if level >= 0 && level < Int.bitWidth {
                let offset = index - firstIndex[level]
                if offset >= 0 && offset < byLevel[level].count { return byLevel[level][offset] }
                if let old = oldByLevel[level], old.index == index { return old.hash }
            }
            preconditionFailure("node (\(level), \(index)) is neither in the old frontier nor in the batch")
        }

        var proofs = [[MerkleHash]]()
        proofs.reserveCapacity(leaves.count)
        for index in oldSize..<newSize {
            proofs.append(Merkle.inclusionProof(index: index, size: newSize, node: lookup))
        }
        return (completed, proofs)
    }
}
