import Crypto

/// The Merkle tree of RFC 9162 (Certificate Transparency v2), §2.1.
///
/// Leaves enter the tree as leaf hashes (`leafHash`), so every function here works on `MerkleHash`
/// values: `D[n]` below is the list of the first `n` leaf hashes.
///
/// Tree shape (§2.1.1): the root of `D[n]`, `n > 1`, is `nodeHash(MTH(D[0:k]), MTH(D[k:n]))` with `k` the
/// largest power of two smaller than `n`. Every left child is therefore a *perfect* subtree, and perfect
/// subtrees are aligned: the one at `level` and `index` covers leaves `[index << level, (index + 1) << level)`.
public enum Merkle {
    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot = MerkleHash(digest: SHA256.hash(data: [UInt8]()))

    /// The leaf hash `SHA-256(0x00 || data)`.
    public static func leafHash(_ data: some Sequence<UInt8>) -> MerkleHash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        let hashedInPlace: Void? = data.withContiguousStorageIfAvailable { buffer in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }
        if hashedInPlace == nil {
            hasher.update(data: Array(data))
        }
        return MerkleHash(digest: hasher.finalize())
    }

    /// The interior node hash `SHA-256(0x01 || left || right)`.
    public static func nodeHash(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update(bufferPointer: $0) }
        left.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        right.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return MerkleHash(digest: hasher.finalize())
    }

    // MARK: - Reference definitions (§2.1.1, §2.1.3.1, §2.1.4.1), straight from the leaves

    /// `MTH(D[n])` for the given leaf hashes, computed from the definition (O(n) hashes).
    public static func root(_ leaves: [MerkleHash]) -> MerkleHash {
        leaves.isEmpty ? emptyRoot : mth(leaves[...])
    }

    /// `PATH(index, D[size])` over the first `size` leaf hashes, from the leaf upwards.
    /// Requires `0 <= index < size <= leaves.count`.
    public static func inclusionProof(index: Int, size: Int, leaves: [MerkleHash]) -> [MerkleHash] {
        precondition(index >= 0 && index < size && size <= leaves.count, "inclusion proof out of range")
        return path(index, leaves[0..<size])
    }

    /// `PROOF(oldSize, D[newSize])` over the first `newSize` leaf hashes.
    /// Requires `0 <= oldSize <= newSize <= leaves.count`; empty when `oldSize` is 0 or equals `newSize`.
    public static func consistencyProof(oldSize: Int, newSize: Int, leaves: [MerkleHash]) -> [MerkleHash] {
        precondition(oldSize >= 0 && oldSize <= newSize && newSize <= leaves.count, "consistency proof out of range")
        if oldSize == 0 || oldSize == newSize { return [] }
        return subproof(oldSize, leaves[0..<newSize], complete: true)
    }

    private static func mth(_ d: ArraySlice<MerkleHash>) -> MerkleHash {
        if d.count == 1 { return d[d.startIndex] }
        let mid = d.startIndex + split(d.count)
        return nodeHash(mth(d[..<mid]), mth(d[mid...]))
    }

    private static func path(_ m: Int, _ d: ArraySlice<MerkleHash>) -> [MerkleHash] {
        if d.count == 1 { return [] }
        let k = split(d.count)
        let mid = d.startIndex + k
        if m < k {
            return path(m, d[..<mid]) + [mth(d[mid...])]
        } else {
            return path(m - k, d[mid...]) + [mth(d[..<mid])]
        }
    }

    private static func subproof(_ m: Int, _ d: ArraySlice<MerkleHash>, complete: Bool) -> [MerkleHash] {
        if m == d.count { return complete ? [] : [mth(d)] }
        let k = split(d.count)
        let mid = d.startIndex + k
        if m <= k {
            return subproof(m, d[..<mid], complete: complete) + [mth(d[mid...])]
        } else {
            return subproof(m - k, d[mid...], complete: false) + [mth(d[..<mid])]
        }
    }

    // MARK: - Verification (§2.1.3.2, §2.1.4.2); never traps, whatever the input

    /// Verifies that `leaf` is the leaf hash at `index` in the tree of `size` leaves whose root is `root`.
    ///
    /// Note (inherent to RFC 9162, not to this code): the proof binds the root, not the size alone. A proof can
    /// verify for a different size whose path has the same shape; the size must come from the signed tree head.
    public static func verifyInclusion(
        leaf: MerkleHash, index: Int, size: Int, proof: [MerkleHash], root: MerkleHash
    ) -> Bool {
        guard index >= 0, size > 0, index < size, proof.count < Int.bitWidth else { return false }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Verifies that the tree of `newSize` leaves with root `newRoot` extends the tree of `oldSize` leaves with
    /// root `oldRoot`.
    ///
    /// Beyond §2.1.4.2, which covers `0 < oldSize < newSize`: equal sizes verify iff the proof is empty and the
    /// roots are equal; `oldSize == 0` verifies iff the proof is empty and `oldRoot` is `emptyRoot`.
    public static func verifyConsistency(
        oldSize: Int, newSize: Int, oldRoot: MerkleHash, newRoot: MerkleHash, proof: [MerkleHash]
    ) -> Bool {
        guard oldSize >= 0, newSize >= oldSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty && oldRoot == emptyRoot }
        guard !proof.isEmpty, proof.count <= Int.bitWidth else { return false }

        var rest = proof[...]
        let start: MerkleHash
        if oldSize & (oldSize - 1) == 0 {
            start = oldRoot  // the old tree is a perfect subtree: the proof omits its root
        } else {
            start = rest.removeFirst()
        }
        var fr = start
        var sr = start
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        for c in rest {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == newRoot
    }

    // MARK: - Proofs from stored perfect-subtree nodes

    /// `MTH(D[size])` from stored nodes: `node(level, index)` is the hash of the perfect subtree covering
    /// leaves `[index << level, (index + 1) << level)`. Only perfect subtrees inside `[0, size)` are asked for.
    public static func root(size: Int, node: (Int, Int) throws -> MerkleHash) rethrows -> MerkleHash {
        precondition(size >= 0, "negative tree size")
        if size == 0 { return emptyRoot }
        return try subtreeHash(start: 0, end: size, node: node)
    }

    /// `PATH(index, D[size])` from stored nodes (see `root(size:node:)`), from the leaf upwards.
    /// Requires `0 <= index < size`. Only perfect subtrees inside `[0, size)` are asked for.
    public static func inclusionProof(
        index: Int, size: Int, node: (Int, Int) throws -> MerkleHash
    ) rethrows -> [MerkleHash] {
        precondition(index >= 0 && index < size, "inclusion proof out of range")
        // Walk down from the root; siblings are collected top-down and reversed at the end.
        var proof = [MerkleHash]()
        var start = 0
        var end = size
        while end - start > 1 {
            let k = split(end - start)
            if index - start < k {
                proof.append(try subtreeHash(start: start + k, end: end, node: node))
                end = start + k
            } else {
                let level = k.trailingZeroBitCount
                proof.append(try node(level, start >> level))
                start += k
            }
        }
        proof.reverse()
        return proof
    }

    /// `PROOF(oldSize, D[newSize])` from stored nodes (see `root(size:node:)`).
    /// Requires `0 <= oldSize <= newSize`; empty when `oldSize` is 0 or equals `newSize`.
    /// Only perfect subtrees inside `[0, newSize)` are asked for.
    public static func consistencyProof(
        oldSize: Int, newSize: Int, node: (Int, Int) throws -> MerkleHash
    ) rethrows -> [MerkleHash] {
        precondition(oldSize >= 0 && oldSize <= newSize, "consistency proof out of range")
        if oldSize == 0 || oldSize == newSize { return [] }
        // SUBPROOF(m, D[start:end], complete), unrolled; siblings collected top-down.
        var proof = [MerkleHash]()
        var start = 0
        var end = newSize
        var complete = true
        while oldSize != end {
            let k = split(end - start)
            if oldSize - start <= k {
                proof.append(try subtreeHash(start: start + k, end: end, node: node))
                end = start + k
            } else {
                let level = k.trailingZeroBitCount
                proof.append(try node(level, start >> level))
                start += k
                complete = false
            }
        }
        if !complete {
            proof.append(try subtreeHash(start: start, end: end, node: node))
        }
        proof.reverse()
        return proof
    }

    /// `MTH(D[start:end])` for a subtree that occurs in the RFC recursion: `start` is a multiple of the
    /// largest power of two not above `end - start`, so every piece asked for is an aligned perfect subtree.
    static func subtreeHash(
        start: Int, end: Int, node: (Int, Int) throws -> MerkleHash
    ) rethrows -> MerkleHash {
        let n = end - start
        if n & (n - 1) == 0 {
            let level = n.trailingZeroBitCount
            return try node(level, start >> level)
        }
        let k = split(n)
        let level = k.trailingZeroBitCount
        let left = try node(level, start >> level)
        let right = try subtreeHash(start: start + k, end: end, node: node)
        return nodeHash(left, right)
    }

    /// The largest power of two strictly smaller than `n` (`n >= 2`): the RFC's split point `k`.
    static func split(_ n: Int) -> Int {
        1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}
