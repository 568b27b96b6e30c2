import Testing

@testable import AssentCore

/// A witness's rule: a log may only grow, proved by a consistency proof from the head seen before.
@Suite("Tree head succession")
struct TreeHeadSuccessionTests {
    static let leaves = (0..<9).map { Merkle.leafHash([UInt8($0)]) }

    static func head(_ size: Int, leaves: [MerkleHash] = leaves) -> TreeHead {
        TreeHead(log: 0, size: size, root: Merkle.root(Array(leaves.prefix(size))), timestamp: 0)
    }

    @Test func growthWithItsProofIsAccepted() {
        let proof = Merkle.consistencyProof(oldSize: 3, newSize: 9, leaves: Self.leaves)
        #expect(Self.head(9).needsProof(after: Self.head(3)))
        #expect(Self.head(9).succession(after: Self.head(3), proof: proof) == .grew)
        #expect(Self.head(5).succession(after: Self.head(5), proof: []) == .unchanged)
        #expect(!Self.head(5).needsProof(after: Self.head(5)))
    }

    @Test func aShorterLogIsCut() {
        #expect(Self.head(4).succession(after: Self.head(7), proof: []) == .cut)
        #expect(!Self.head(4).needsProof(after: Self.head(7)))
    }

    @Test func anotherRootAtTheSameSizeOrAFailingProofIsARewrite() {
        var changed = Self.leaves
        changed[1] = Merkle.leafHash([0xFF])
        #expect(Self.head(5, leaves: changed).succession(after: Self.head(5), proof: []) == .rewritten)
        // The rewritten log proves itself consistent with its own past, not with the head seen before.
        let proof = Merkle.consistencyProof(oldSize: 3, newSize: 9, leaves: changed)
        #expect(Self.head(9, leaves: changed).succession(after: Self.head(3), proof: proof) == .rewritten)
        #expect(Self.head(9).succession(after: Self.head(3), proof: []) == .rewritten, "no proof, no growth")
    }
}
