import AssentCore
import Crypto
import Testing

// MARK: - Helpers

private func sha256(_ bytes: [UInt8]) -> MerkleHash {
    MerkleHash(bytes: Array(SHA256.hash(data: bytes)))!
}

private func bytes(hex: String) -> [UInt8] {
    var out = [UInt8]()
    var chars = Array(hex.utf8)[...]
    while let a = chars.popFirst(), let b = chars.popFirst() {
        out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16)!)
    }
    return out
}

private func h(_ hex: String) -> MerkleHash { MerkleHash(hex: hex)! }

/// The hash with one bit flipped.
private func flipped(_ hash: MerkleHash, bit: Int) -> MerkleHash {
    var b = hash.bytes
    b[(bit / 8) % b.count] ^= UInt8(1 << (bit % 8))
    return MerkleHash(bytes: b)!
}

/// Distinct synthetic leaf hashes.
private func syntheticLeaves(_ count: Int, salt: UInt8 = 0) -> [MerkleHash] {
    (0..<count).map { Merkle.leafHash([salt, UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]) }
}

/// The perfect subtree (level, index) over `leaves`, from the reference definition.
private func perfectNode(_ leaves: [MerkleHash], _ level: Int, _ index: Int) -> MerkleHash {
    Merkle.root(Array(leaves[(index << level)..<((index + 1) << level)]))
}

/// Precomputed perfect-subtree table for a tree of `leaves.count` leaves, keyed by level then index.
private struct NodeTable {
    let levels: [[MerkleHash]]
    init(_ leaves: [MerkleHash]) {
        var levels = [leaves]
        while levels.last!.count >= 2 {
            let below = levels.last!
            levels.append(stride(from: 0, to: below.count - 1, by: 2).map { Merkle.nodeHash(below[$0], below[$0 + 1]) })
        }
        self.levels = levels
    }
    func callAsFunction(_ level: Int, _ index: Int) -> MerkleHash {
        guard level >= 0, level < levels.count, index >= 0, index < levels[level].count else {
            Issue.record("asked for node (\(level), \(index)), which is not a complete perfect subtree of the tree")
            return Merkle.emptyRoot
        }
        return levels[level][index]
    }
}

/// The sides of the siblings on PATH(m, D[n]) from the RFC recursion, bottom-up (true = sibling on the left).
private func pathShape(_ m: Int, _ n: Int) -> [Bool] {
    if n == 1 { return [] }
    var k = 1
    while k < n - k { k *= 2 }
    return m < k ? pathShape(m, k) + [false] : pathShape(m - k, n - k) + [true]
}

// RFC 6962 / Certificate Transparency reference data (the inputs and tree heads used by the CT reference
// implementations' tests); roots[n] is the root of the first n leaves.
private let ctInputs: [[UInt8]] = [
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
].map { bytes(hex: $0) }

private let ctRoots: [String] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

/// Everything about the RFC 9162 Merkle tree; `swift test --filter MerkleTests` runs it all.
@Suite("Merkle tree")
struct MerkleTests {}

// MARK: - Hashing

extension MerkleTests {
    @Suite("Merkle hashing")
    struct Hashing {
        @Test(
            arguments: [[], [0x00], [0x01], [0x00, 0x01, 0x02], Array(repeating: UInt8(0xAB), count: 1000)] as [[UInt8]]
        )
        func leafHashPrefixesZero(data: [UInt8]) {
            #expect(Merkle.leafHash(data) == sha256([0x00] + data))
            // A non-contiguous sequence hashes the same as its array.
            #expect(Merkle.leafHash(data.lazy.map { $0 }.filter { _ in true }) == Merkle.leafHash(data))
            #expect(Merkle.leafHash(data[...]) == Merkle.leafHash(data))
        }

        @Test func nodeHashPrefixesOne() {
            let a = Merkle.leafHash([1])
            let b = Merkle.leafHash([2])
            #expect(Merkle.nodeHash(a, b) == sha256([0x01] + a.bytes + b.bytes))
            #expect(Merkle.nodeHash(a, b) != Merkle.nodeHash(b, a))
            // Domain separation: a leaf whose data is l || r does not collide with the node (l, r).
            #expect(Merkle.leafHash(a.bytes + b.bytes) != Merkle.nodeHash(a, b))
        }

        @Test func emptyRoot() {
            #expect(Merkle.emptyRoot == sha256([]))
            #expect(Merkle.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(Merkle.root([]) == Merkle.emptyRoot)
            #expect(MerkleFrontier().root() == Merkle.emptyRoot)
            #expect(
                Merkle.root(
                    size: 0,
                    node: { level, index in
                        Issue.record("no node should be asked for the empty tree: (\(level), \(index))")
                        return Merkle.emptyRoot
                    }) == Merkle.emptyRoot)
        }

        @Test func hashValueValidation() throws {
            #expect(MerkleHash(bytes: []) == nil)
            #expect(MerkleHash(bytes: [UInt8](repeating: 0, count: 31)) == nil)
            #expect(MerkleHash(bytes: [UInt8](repeating: 0, count: 33)) == nil)
            let raw = (0..<32).map { UInt8($0 * 7 & 0xFF) }
            let value = try #require(MerkleHash(bytes: raw))
            #expect(value.bytes == raw)
            #expect(MerkleHash(hex: value.hex) == value)
            #expect(MerkleHash(hex: value.hex.uppercased()) == value)
            #expect(value.description == value.hex)
            #expect(value.hex.count == 64)
            #expect(value.hex == value.hex.lowercased())
            #expect(MerkleHash(hex: "") == nil)
            #expect(MerkleHash(hex: String(value.hex.dropLast())) == nil)
            #expect(MerkleHash(hex: value.hex + "00") == nil)
            #expect(MerkleHash(hex: "g" + value.hex.dropFirst()) == nil)
            #expect(MerkleHash(hex: " " + value.hex.dropFirst()) == nil)
            #expect(MerkleHash(hex: String(repeating: "é", count: 32)) == nil)
        }

        /// The bytes are held in the value: equality and hashing see each of them, and reading them back gives
        /// them in order.
        @Test func hashValueBytesInPlace() throws {
            let raw = (0..<32).map { UInt8(255 - $0) }
            let value = try #require(MerkleHash(bytes: raw))
            #expect(value.withUnsafeBytes { Array($0) } == raw)
            #expect(Merkle.nodeHash(value, value) == sha256([0x01] + raw + raw))
            var seen: Set<MerkleHash> = [value]
            for i in 0..<32 {
                var changed = raw
                changed[i] ^= 0x80
                let other = try #require(MerkleHash(bytes: changed))
                #expect(other != value && other.bytes == changed)
                #expect(seen.insert(other).inserted)
            }
            #expect(!seen.insert(try #require(MerkleHash(bytes: raw))).inserted)
        }
    }
}

// MARK: - Reference vectors

extension MerkleTests {
    @Suite("Merkle RFC 6962 reference vectors")
    struct ReferenceVectors {
        let leaves = ctInputs.map { Merkle.leafHash($0) }

        @Test func rootsForEverySize() {
            #expect(leaves[0] == sha256([0x00]))
            #expect(
                Merkle.root(Array(leaves[0..<2])) == sha256([0x01] + sha256([0x00]).bytes + sha256([0x00, 0x00]).bytes))
            for size in 0...8 {
                let expected = h(ctRoots[size])
                #expect(Merkle.root(Array(leaves[0..<size])) == expected, "reference root, size \(size)")
                #expect(Merkle.root(size: size, node: NodeTable(Array(leaves[0..<size])).callAsFunction) == expected)
                var frontier = MerkleFrontier()
                for leaf in leaves[0..<size] { frontier.append(leaf) }
                #expect(frontier.root() == expected, "frontier root, size \(size)")
            }
        }

        @Test func knownInclusionProofs() {
            let cases: [(index: Int, size: Int, proof: [String])] = [
                (
                    0, 8,
                    [
                        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                    ]
                ),
                (
                    5, 8,
                    [
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                    ]
                ),
                (0, 1, []),
            ]
            for c in cases {
                let expected = c.proof.map(h)
                #expect(Merkle.inclusionProof(index: c.index, size: c.size, leaves: leaves) == expected)
                let table = NodeTable(Array(leaves[0..<c.size]))
                #expect(Merkle.inclusionProof(index: c.index, size: c.size, node: table.callAsFunction) == expected)
                #expect(
                    Merkle.verifyInclusion(
                        leaf: leaves[c.index], index: c.index, size: c.size, proof: expected, root: h(ctRoots[c.size])))
            }
        }

        @Test func knownConsistencyProofs() {
            let cases: [(old: Int, new: Int, proof: [String])] = [
                (
                    2, 8,
                    [
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                    ]
                ),
                (
                    6, 8,
                    [
                        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                    ]
                ),
                (
                    2, 5,
                    [
                        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    ]
                ),
                (1, 1, []),
            ]
            for c in cases {
                let expected = c.proof.map(h)
                #expect(Merkle.consistencyProof(oldSize: c.old, newSize: c.new, leaves: leaves) == expected)
                let table = NodeTable(Array(leaves[0..<c.new]))
                #expect(Merkle.consistencyProof(oldSize: c.old, newSize: c.new, node: table.callAsFunction) == expected)
                #expect(
                    Merkle.verifyConsistency(
                        oldSize: c.old, newSize: c.new, oldRoot: h(ctRoots[c.old]), newRoot: h(ctRoots[c.new]),
                        proof: expected))
            }
        }
    }
}

// MARK: - Exhaustive small trees

extension MerkleTests {
    @Suite("Merkle proofs, every small tree")
    struct SmallTrees {
        static let leaves = syntheticLeaves(72)

        /// consistencyProofLength[o][n]: the length of the reference consistency proof from size o to size n.
        static let consistencyProofLength: [[Int]] = (0...48).map { o in
            (0...48).map { n in
                o <= n ? Merkle.consistencyProof(oldSize: o, newSize: n, leaves: Array(leaves[0..<n])).count : -1
            }
        }

        @Test(arguments: 1...64)
        func inclusion(size: Int) {
            let leaves = Array(Self.leaves[0..<size])
            let table = NodeTable(leaves)
            let root = Merkle.root(leaves)

            var frontier = MerkleFrontier()
            for leaf in leaves { frontier.append(leaf) }
            #expect(frontier.size == size)
            #expect(frontier.nodes.count == size.nonzeroBitCount)
            #expect(frontier.root() == root)

            var requested = Set<MerklePosition>()
            #expect(
                Merkle.root(
                    size: size,
                    node: {
                        requested.insert(MerklePosition(level: $0, index: $1)); return table($0, $1)
                    }) == root)

            for index in 0..<size {
                let reference = Merkle.inclusionProof(index: index, size: size, leaves: leaves)
                let proof = Merkle.inclusionProof(index: index, size: size) { level, i in
                    requested.insert(MerklePosition(level: level, index: i))
                    return table(level, i)
                }
                #expect(proof == reference, "index \(index)")
                #expect(proof.count == pathShape(index, size).count)
                let leaf = leaves[index]
                #expect(Merkle.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: root))

                // Tampering: a flipped bit in any element, a wrong leaf, a wrong root, a shorter or longer proof.
                for (j, element) in proof.enumerated() {
                    var bad = proof
                    bad[j] = flipped(element, bit: j * 37 + size)
                    #expect(!Merkle.verifyInclusion(leaf: leaf, index: index, size: size, proof: bad, root: root))
                }
                #expect(
                    !Merkle.verifyInclusion(
                        leaf: flipped(leaf, bit: 3), index: index, size: size, proof: proof, root: root))
                #expect(
                    !Merkle.verifyInclusion(
                        leaf: leaf, index: index, size: size, proof: proof, root: flipped(root, bit: 200)))
                if !proof.isEmpty {
                    #expect(
                        !Merkle.verifyInclusion(
                            leaf: leaf, index: index, size: size, proof: Array(proof.dropLast()), root: root))
                    #expect(
                        !Merkle.verifyInclusion(
                            leaf: leaf, index: index, size: size, proof: Array(proof.dropFirst()), root: root))
                }
                #expect(
                    !Merkle.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof + [root], root: root))
                #expect(
                    !Merkle.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof + [leaf], root: root))

                // Wrong index: every other position in small trees, the neighbours in larger ones; and out of range.
                let others =
                    size <= 20
                    ? Array(0..<size) : [0, 1, index - 1, index + 1, index ^ 1, index ^ 2, index ^ 8, size - 1]
                for other in Set(others) where other != index && other >= 0 && other < size {
                    #expect(
                        !Merkle.verifyInclusion(leaf: leaf, index: other, size: size, proof: proof, root: root),
                        "index \(index) accepted as \(other)")
                }
                for other in [-1, size, size + 1, Int.max, Int.min] {
                    #expect(!Merkle.verifyInclusion(leaf: leaf, index: other, size: size, proof: proof, root: root))
                }

                // Wrong size: fails unless the path has exactly the same shape in the other size (the root, not the
                // proof, is what binds the size; e.g. index 0 in sizes 3 and 4). Sizes with another shape must fail.
                let nearby = Array(max(1, size - 4)...(size + 4)) + [index + 1, 2 * size, 1 << 20, (1 << 20) + size]
                for other in [-1, 0, Int.max, Int.max - 1, Int.min] + nearby where other != size {
                    let sameShape = other > index && pathShape(index, other) == pathShape(index, size)
                    #expect(
                        Merkle.verifyInclusion(leaf: leaf, index: index, size: other, proof: proof, root: root)
                            == sameShape,
                        "index \(index) size \(size) checked as size \(other)")
                }
            }
            for position in requested {
                #expect(
                    position.level >= 0 && position.index >= 0 && (position.index + 1) << position.level <= size,
                    "asked for \(position) outside a tree of \(size)")
            }
        }

        @Test(arguments: 1...40)
        func consistency(newSize: Int) {
            let leaves = Array(Self.leaves[0..<newSize])
            let table = NodeTable(leaves)
            let newRoot = Merkle.root(leaves)
            var requested = Set<MerklePosition>()

            for oldSize in 0...newSize {
                let oldRoot = Merkle.root(Array(leaves[0..<oldSize]))
                let reference = Merkle.consistencyProof(oldSize: oldSize, newSize: newSize, leaves: leaves)
                let proof = Merkle.consistencyProof(oldSize: oldSize, newSize: newSize) { level, i in
                    requested.insert(MerklePosition(level: level, index: i))
                    return table(level, i)
                }
                #expect(proof == reference, "\(oldSize) -> \(newSize)")
                #expect(
                    Merkle.verifyConsistency(
                        oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof),
                    "\(oldSize) -> \(newSize)")
                if oldSize == 0 || oldSize == newSize { #expect(proof.isEmpty) }

                func rejects(
                    _ bad: [MerkleHash], old: MerkleHash = oldRoot, new: MerkleHash = newRoot,
                    oldSize o: Int = oldSize, newSize n: Int = newSize, _ what: String
                ) {
                    #expect(
                        !Merkle.verifyConsistency(oldSize: o, newSize: n, oldRoot: old, newRoot: new, proof: bad),
                        "\(oldSize) -> \(newSize): \(what) accepted")
                }
                for (j, element) in proof.enumerated() {
                    var bad = proof
                    bad[j] = flipped(element, bit: j * 37 + oldSize + newSize)
                    rejects(bad, "element \(j) flipped")
                }
                if !proof.isEmpty {
                    rejects(Array(proof.dropLast()), "truncated proof")
                    rejects(Array(proof.dropFirst()), "proof without its first element")
                }
                rejects(proof + [newRoot], "extended proof")
                rejects(proof, old: flipped(oldRoot, bit: 9), "wrong old root")
                if oldSize == 0 {
                    // The empty tree is a prefix of every tree: only the empty proof and the empty root are accepted.
                    #expect(
                        Merkle.verifyConsistency(
                            oldSize: 0, newSize: newSize + 7, oldRoot: oldRoot, newRoot: oldRoot, proof: []))
                    rejects([oldRoot], "non-empty proof from the empty tree")
                    continue
                }
                rejects(proof, new: flipped(newRoot, bit: 9), "wrong new root")
                if oldSize < newSize {
                    rejects(proof, old: newRoot, new: oldRoot, "swapped roots")
                    rejects([], "empty proof")
                }
                // Hostile sizes.
                for (o, n) in [
                    (-1, newSize), (oldSize, -1), (newSize + 1, newSize), (Int.min, Int.max),
                    (Int.max, Int.max - 1), (oldSize, Int.max), (Int.max - 1, Int.max),
                ] where (o, n) != (oldSize, newSize) {
                    rejects(proof, oldSize: o, newSize: n, "sizes \(o) -> \(n)")
                }
                // Other sizes whose proof has another length can never accept this one.
                for o in max(1, oldSize - 3)...(oldSize + 3) {
                    for n in max(o, newSize - 3)...(newSize + 3) where (o, n) != (oldSize, newSize) {
                        if Self.consistencyProofLength[o][n] != proof.count {
                            rejects(proof, oldSize: o, newSize: n, "sizes \(o) -> \(n)")
                        }
                    }
                }
            }
            for position in requested {
                #expect(
                    position.level >= 0 && position.index >= 0 && (position.index + 1) << position.level <= newSize,
                    "asked for \(position) outside a tree of \(newSize)")
            }
        }

        @Test func hostileInputsNeverTrap() {
            let leaf = Merkle.leafHash([7])
            let long = [MerkleHash](repeating: leaf, count: 200)
            let sizes = [Int.min, -1, 0, 1, 2, Int.max - 1, Int.max]
            for size in sizes {
                for index in sizes {
                    for proof in [
                        [], [leaf], Array(long.prefix(62)), Array(long.prefix(63)), Array(long.prefix(64)), long,
                    ] {
                        #expect(
                            !Merkle.verifyInclusion(
                                leaf: leaf, index: index, size: size, proof: proof, root: Merkle.emptyRoot))
                    }
                }
            }
            for old in sizes {
                for new in sizes {
                    for proof in [
                        [], [leaf], Array(long.prefix(63)), Array(long.prefix(64)), Array(long.prefix(65)), long,
                    ] {
                        let accepted = Merkle.verifyConsistency(
                            oldSize: old, newSize: new, oldRoot: leaf, newRoot: Merkle.emptyRoot, proof: proof)
                        #expect(!accepted, "\(old) -> \(new), \(proof.count) hashes")
                    }
                }
            }
            // The only proofs of the empty tree and of equal sizes are empty ones with the right roots.
            #expect(
                Merkle.verifyConsistency(oldSize: 0, newSize: 5, oldRoot: Merkle.emptyRoot, newRoot: leaf, proof: []))
            #expect(!Merkle.verifyConsistency(oldSize: 0, newSize: 5, oldRoot: leaf, newRoot: leaf, proof: []))
            #expect(
                !Merkle.verifyConsistency(
                    oldSize: 0, newSize: 5, oldRoot: Merkle.emptyRoot, newRoot: leaf, proof: [leaf]))
            #expect(
                Merkle.verifyConsistency(oldSize: Int.max, newSize: Int.max, oldRoot: leaf, newRoot: leaf, proof: []))
            #expect(!Merkle.verifyConsistency(oldSize: 3, newSize: 3, oldRoot: leaf, newRoot: leaf, proof: [leaf]))
            // A perfectly shaped but forged proof in the largest tree is just rejected.
            #expect(
                !Merkle.verifyInclusion(
                    leaf: leaf, index: Int.max - 1, size: Int.max, proof: Array(long.prefix(63)), root: leaf))
            #expect(
                !Merkle.verifyConsistency(
                    oldSize: Int.max - 1, newSize: Int.max, oldRoot: leaf, newRoot: leaf, proof: Array(long.prefix(63)))
            )
        }
    }
}

// MARK: - Frontier

extension MerkleTests {
    @Suite("Merkle frontier")
    struct Frontier {
        /// Every perfect subtree that is complete in a tree of `newSize` leaves but not in one of `oldSize`.
        static func newlyComplete(from oldSize: Int, to newSize: Int, leaves: [MerkleHash]) -> Set<MerkleNode> {
            var result = Set<MerkleNode>()
            var level = 0
            while 1 << level <= newSize {
                for index in 0..<(newSize >> level) where (index + 1) << level > oldSize {
                    result.insert(MerkleNode(level: level, index: index, hash: perfectNode(leaves, level, index)))
                }
                level += 1
            }
            return result
        }

        @Test func appendReportsCompletedNodes() {
            let leaves = syntheticLeaves(70, salt: 1)
            var frontier = MerkleFrontier()
            for (i, leaf) in leaves.enumerated() {
                let completed = frontier.append(leaf)
                #expect(completed.first == MerkleNode(level: 0, index: i, hash: leaf))
                #expect(completed.count == (i + 1).trailingZeroBitCount + 1)
                #expect(Set(completed) == Self.newlyComplete(from: i, to: i + 1, leaves: leaves))
                #expect(frontier.root() == Merkle.root(Array(leaves[0...i])))
                #expect(frontier.subtrees.map(\.hash) == frontier.nodes)
                #expect(frontier.subtrees.allSatisfy { $0.hash == perfectNode(leaves, $0.level, $0.index) })
            }
        }

        @Test(arguments: [1, 2, 3, 42, 0xC0FFEE, 0xDEAD_BEEF] as [UInt64])
        func appendBatch(seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            let leaves = syntheticLeaves(300, salt: UInt8(seed & 0xFF))
            var batched = MerkleFrontier()
            var single = MerkleFrontier()
            while batched.size < leaves.count {
                let oldSize = batched.size
                // Mostly small batches, sometimes empty, sometimes large.
                let roll = Int.random(in: 0..<10, using: &rng)
                let wanted =
                    roll == 0 ? 0 : roll < 8 ? Int.random(in: 1...9, using: &rng) : Int.random(in: 10...70, using: &rng)
                let count = min(wanted, leaves.count - oldSize)
                let batch = Array(leaves[oldSize..<(oldSize + count)])
                let (nodes, proofs) = batched.appendBatch(batch)
                let newSize = oldSize + count
                #expect(batched.size == newSize)
                for leaf in batch { single.append(leaf) }
                #expect(batched == single)

                let tree = Array(leaves[0..<newSize])
                let root = Merkle.root(tree)
                #expect(batched.root() == root)
                #expect(proofs.count == count)
                for (offset, proof) in proofs.enumerated() {
                    let index = oldSize + offset
                    #expect(
                        proof == Merkle.inclusionProof(index: index, size: newSize, leaves: tree),
                        "leaf \(index) of \(newSize)")
                    #expect(
                        Merkle.verifyInclusion(leaf: tree[index], index: index, size: newSize, proof: proof, root: root)
                    )
                }
                #expect(nodes.count == Set(nodes).count, "a node was reported twice")
                #expect(
                    Set(nodes) == Self.newlyComplete(from: oldSize, to: newSize, leaves: leaves),
                    "batch \(oldSize) -> \(newSize)")
            }
        }

        @Test func batchIntoLargeTree() throws {
            // A frontier restored at a large size: the proofs need only the frontier and the batch.
            let size = (1 << 40) + (1 << 33) + 12_345
            var rng = SeededGenerator(seed: 9)
            let nodes = (0..<size.nonzeroBitCount).map { _ in
                Merkle.leafHash((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) })
            }
            var frontier = try MerkleFrontier(size: size, nodes: nodes)
            let batch = syntheticLeaves(300, salt: 5)
            let before = frontier
            let (completed, proofs) = frontier.appendBatch(batch)
            let root = frontier.root()
            #expect(frontier.size == size + batch.count)
            for (offset, proof) in proofs.enumerated() {
                #expect(
                    Merkle.verifyInclusion(
                        leaf: batch[offset], index: size + offset, size: frontier.size, proof: proof, root: root))
            }
            // Every completed node lies within the batch's reach, and ends inside it.
            for node in completed {
                #expect((node.index + 1) << node.level > size && (node.index + 1) << node.level <= frontier.size)
            }
            var again = before
            for leaf in batch { again.append(leaf) }
            #expect(again == frontier)
        }

        @Test func emptyBatch() {
            var frontier = MerkleFrontier()
            frontier.append(Merkle.leafHash([1]))
            let before = frontier
            let result = frontier.appendBatch([])
            #expect(result.nodes.isEmpty && result.proofs.isEmpty)
            #expect(frontier == before)
        }

        @Test(arguments: 0...70)
        func restore(size: Int) throws {
            let leaves = syntheticLeaves(size + 12, salt: 2)
            var original = MerkleFrontier()
            for leaf in leaves[0..<size] { original.append(leaf) }

            var restored = try MerkleFrontier(size: size, nodes: original.nodes)
            #expect(restored == original)
            let table = NodeTable(Array(leaves[0..<size]))
            var fromNodes = MerkleFrontier(size: size) { level, index in
                #expect((index + 1) << level <= size)
                return table(level, index)
            }
            #expect(fromNodes == original)
            #expect(MerkleFrontier.positions(size: size).count == size.nonzeroBitCount)

            for n in size..<(size + 12) {
                restored.append(leaves[n])
                fromNodes.append(leaves[n])
                #expect(restored.root() == Merkle.root(Array(leaves[0...n])))
                #expect(fromNodes == restored)
            }

            #expect(throws: MerkleFrontierError.self) {
                try MerkleFrontier(size: size, nodes: original.nodes + [leaves[0]])
            }
            if !original.nodes.isEmpty {
                #expect(
                    throws: MerkleFrontierError.nodeCountMismatch(
                        size: size, expected: size.nonzeroBitCount, actual: size.nonzeroBitCount - 1)
                ) {
                    try MerkleFrontier(size: size, nodes: Array(original.nodes.dropLast()))
                }
            }
            #expect(throws: MerkleFrontierError.negativeSize(-size - 1)) {
                try MerkleFrontier(size: -size - 1, nodes: [])
            }
        }

        /// Every perfect subtree of trees up to 300 leaves comes out the same when only the stored levels are
        /// kept, each from one read that asks for stored levels alone.
        @Test(arguments: [1, 2, 15, 16, 17, 100, 256, 300])
        func keptNodesGiveEveryNode(size: Int) async throws {
            let leaves = syntheticLeaves(size, salt: 3)
            let table = NodeTable(leaves)
            var kept: [MerklePosition: MerkleHash] = [:]
            var frontier = MerkleFrontier()
            for leaf in leaves {
                for node in frontier.append(leaf) where MerkleKeptNodes.isKept(level: node.level) {
                    kept[node.position] = node.hash
                }
            }
            #expect(kept.keys.allSatisfy { $0.level % 4 == 0 })
            let every = table.levels.enumerated().flatMap { level, hashes in
                hashes.indices.map { MerklePosition(level: level, index: $0) }
            }
            var reads = 0
            let hashes = try await MerkleKeptNodes.hashes(of: every) { positions in
                reads += 1
                #expect(Set(positions).count == positions.count)
                return positions.map { kept[$0] ?? Merkle.emptyRoot }
            }
            #expect(reads == 1)
            #expect(hashes == every.map { table($0.level, $0.index) })
            for position in every {
                let sources = MerkleKeptNodes.sources(of: position)
                #expect(sources.count == 1 << (position.level % 4))
                #expect(sources.allSatisfy { kept[$0] != nil })
            }
            #expect(try await MerkleKeptNodes.hashes(of: []) { _ in [] }.isEmpty)
        }
    }
}
