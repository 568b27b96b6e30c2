/// How a log's tree head seen now follows the one seen before, as a witness judges it (RFC 9162 §8.2): a
/// transparency log may only grow, so a later head is either the same, or larger with a consistency proof from the
/// earlier one.
public enum TreeHeadSuccession: Sendable, Equatable {
    case unchanged
    case grew
    /// The later head is smaller: records were cut from the end.
    case cut
    /// The same size with another root, or a larger size whose consistency proof fails: history was rewritten.
    case rewritten
}

extension TreeHead {
    /// Whether the log only grew from `earlier` to this head. `proof` is the consistency proof from `earlier.size`
    /// to this size; it is read only when the log grew (`needsProof(after:)`).
    public func succession(after earlier: TreeHead, proof: [MerkleHash]) -> TreeHeadSuccession {
        if size < earlier.size { return .cut }
        if size == earlier.size { return root == earlier.root ? .unchanged : .rewritten }
        let consistent = Merkle.verifyConsistency(
            oldSize: earlier.size, newSize: size, oldRoot: earlier.root, newRoot: root, proof: proof)
        return consistent ? .grew : .rewritten
    }

    /// Whether judging this head after `earlier` takes a consistency proof: only when the log is larger.
    public func needsProof(after earlier: TreeHead) -> Bool { size > earlier.size }
}
