import Crypto

/// Proof that a decision is in the ledger: the entry, its leaf index, the inclusion proof and a signed tree
/// head. Anyone with the published key can check it offline.
public struct Receipt: Sendable, Equatable {
    public var entry: LedgerEntry
    public var leafIndex: Int
    public var proof: [MerkleHash]
    public var treeHead: SignedTreeHead

    public init(entry: LedgerEntry, leafIndex: Int, proof: [MerkleHash], treeHead: SignedTreeHead) {
        self.entry = entry
        self.leafIndex = leafIndex
        self.proof = proof
        self.treeHead = treeHead
    }

    /// The receipt as JSON bytes, written directly: the entry in its canonical form (valid JSON, and exactly
    /// what the leaf hash covers), then the proof and the signed tree head. A caller that has the entry's
    /// canonical bytes or the tree head's rendering already (every receipt of a batch shares its head) passes
    /// them in.
    public func jsonBytes(entryBytes: [UInt8]? = nil, treeHeadBytes: [UInt8]? = nil) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024 + proof.count * 68)
        write(to: &writer, entryBytes: entryBytes, treeHeadBytes: treeHeadBytes)
        return writer.bytes
    }

    /// Writes the receipt as `jsonBytes` does, as a value of a larger answer (the 201 of a consent).
    public func write(to writer: inout JSONWriter, entryBytes: [UInt8]? = nil, treeHeadBytes: [UInt8]? = nil) {
        writer.object { w in
            w.member("entry")
            if let entryBytes { w.raw(entryBytes) } else { entry.write(to: &w) }
            w.member("leafIndex", leafIndex)
            w.member("inclusionProof") { w in
                w.array(proof) { w, hash in hash.withUnsafeBytes { w.hexString($0) } }
            }
            w.member("treeHead")
            if let treeHeadBytes { w.raw(treeHeadBytes) } else { w.value(treeHead.jsonValue, sorted: false) }
        }
    }

    public var jsonValue: JSONValue {
        .object([
            ("entry", entry.jsonValue), ("leafIndex", .int(leafIndex)),
            ("inclusionProof", .array(proof.map { .string($0.hex) })), ("treeHead", treeHead.jsonValue),
        ])
    }
}

/// The outcome of checking a receipt, with each check named so an auditor sees which failed.
public struct ReceiptVerification: Sendable, Equatable {
    public var valid: Bool
    public var signatureValid: Bool
    public var inclusionValid: Bool
    public var keyID: String?
    public var reason: String?
    public var leafHash: MerkleHash?
    /// The receipt's parts are not the shape a receipt has (the reason says which): nothing could be checked.
    public var malformed = false

    public var jsonValue: JSONValue {
        .object([
            ("valid", .bool(valid)), ("signatureValid", .bool(signatureValid)),
            ("inclusionValid", .bool(inclusionValid)),
            ("keyId", keyID.map(JSONValue.string) ?? .null), ("reason", reason.map(JSONValue.string) ?? .null),
            ("leafHash", leafHash.map { .string($0.hex) } ?? .null),
        ])
    }
}

extension Receipt {
    /// Checks a receipt in its JSON form. The leaf is hashed from the canonical bytes of the `entry` object as
    /// given, so any change to any field of the entry (or an added one) breaks the proof.
    public static func verify(
        json: JSONValue, keys: [String: Curve25519.Signing.PublicKey]
    ) -> ReceiptVerification {
        var result = ReceiptVerification(valid: false, signatureValid: false, inclusionValid: false)
        guard case .object = json, let entry = json["entry"], case .object = entry else {
            result.reason = "receipt.entry missing or not an object"
            result.malformed = true
            return result
        }
        guard let leafIndex = json["leafIndex"]?.intValue, leafIndex >= 0 else {
            result.reason = "receipt.leafIndex missing or not a non-negative integer"
            result.malformed = true
            return result
        }
        guard let proofItems = json["inclusionProof"]?.arrayValue, proofItems.count <= 64 else {
            result.reason = "receipt.inclusionProof missing or too long"
            result.malformed = true
            return result
        }
        var proof: [MerkleHash] = []
        for item in proofItems {
            guard let s = item.stringValue, let h = MerkleHash(hex: s) else {
                result.reason = "receipt.inclusionProof holds a value that is not a 32-byte hex hash"
                result.malformed = true
                return result
            }
            proof.append(h)
        }
        guard let headJSON = json["treeHead"], let head = SignedTreeHead(json: headJSON) else {
            result.reason = "receipt.treeHead missing or malformed"
            result.malformed = true
            return result
        }
        result.keyID = head.keyID
        if let key = keys[head.keyID] {
            result.signatureValid = head.isValid(publicKey: key)
        }
        let leaf = Merkle.leafHash(CanonicalJSON.bytes(entry))
        result.leafHash = leaf
        result.inclusionValid = Merkle.verifyInclusion(
            leaf: leaf, index: leafIndex, size: head.head.size, proof: proof, root: head.head.root)
        result.valid = result.signatureValid && result.inclusionValid
        if keys[head.keyID] == nil {
            result.reason = "unknown signing key \(head.keyID)"
        } else if !result.signatureValid {
            result.reason = "tree head signature does not verify"
        } else if !result.inclusionValid {
            result.reason = "entry is not included in the signed tree head (entry or proof altered)"
        }
        return result
    }
}
