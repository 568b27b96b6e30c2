/// Where a node sits in a Merkle tree: level 0 is a leaf, and the node at `level` and `index` covers leaves
/// `[index << level, (index + 1) << level)`. The one name for a node's place, in Core and in the stores.
public struct MerklePosition: Hashable, Sendable {
    public let level: Int
    public let index: Int

    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }
}

extension MerkleNode {
    public var position: MerklePosition { MerklePosition(level: level, index: index) }
}
