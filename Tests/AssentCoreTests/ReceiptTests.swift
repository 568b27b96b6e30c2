import AssentCore
import Crypto
import Foundation
import Testing

/// A small ledger built the way the writer builds one: two batches appended to a frontier, a signed tree head
/// after each, and a receipt per entry against the head of its batch.
struct TestLedger {
    /// RFC 8032 §7.1, TEST 1: the secret key and the public key it must give.
    static let privateKey = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!
    static let publicKey = Hex.decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")!
    static let otherPrivateKey = [UInt8](repeating: 7, count: 32)

    let signer: TreeHeadSigner
    let other: TreeHeadSigner
    let heads: [SignedTreeHead]
    let receipts: [Receipt]

    var keys: [String: Curve25519.Signing.PublicKey] { [signer.keyID: signer.publicKey] }
    var bothKeys: [String: Curve25519.Signing.PublicKey] {
        [signer.keyID: signer.publicKey, other.keyID: other.publicKey]
    }

    static func subject(_ i: Int) -> String {
        "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - String(i).count) + String(i)
    }

    init(batches: [Int] = [5, 3]) throws {
        signer = try TreeHeadSigner(rawPrivateKey: Self.privateKey)
        other = try TreeHeadSigner(rawPrivateKey: Self.otherPrivateKey)
        var frontier = MerkleFrontier()
        var heads: [SignedTreeHead] = []
        var receipts: [Receipt] = []
        var next = 0
        for (b, count) in batches.enumerated() {
            let entries = (next..<next + count).map { i in
                sampleEntry(
                    id: "rec-\(i)", subject: Self.subject(i),
                    choices: ["necessary": true, "performance": i % 2 == 0, "targeting": i % 3 == 0],
                    recordedAt: 1_795_969_185_000 + Int64(i))
            }
            let oldSize = frontier.size
            let (_, proofs) = frontier.appendBatch(entries.map(\.leafHash))
            let head = try signer.sign(
                TreeHead(log: 0, size: frontier.size, root: frontier.root(), timestamp: 1_795_969_186_000 + Int64(b)))
            heads.append(head)
            for (i, entry) in entries.enumerated() {
                receipts.append(Receipt(entry: entry, leafIndex: oldSize + i, proof: proofs[i], treeHead: head))
            }
            next += count
        }
        self.heads = heads
        self.receipts = receipts
    }
}

/// Ways to tamper with a receipt's JSON, and what verification must then say.
enum Tamper: String, CaseIterable, Sendable {
    case changedChoice, changedSubject, changedRecordedAt, addedEntryField, removedEntryField, wrongLeafIndex
    case leafIndexAtSize, alteredProofElement, droppedProofElement, extraProofElement, alteredRoot, alteredSize
    case alteredTimestamp, alteredLog, alteredSignature, truncatedSignature, unknownKeyID, signatureByAnotherKey
    case headSignedByUnknownKey, keyIDOfAnotherKnownKey, proofOfAnotherEntry

    /// (signatureValid, inclusionValid, a fragment of the reason). A proof binds the root, not the size, so a
    /// changed size may or may not break the path shape (nil: not checked); the signature catches it anyway.
    var expected: (signature: Bool, inclusion: Bool?, reason: String) {
        switch self {
        case .changedChoice, .changedSubject, .changedRecordedAt, .addedEntryField, .removedEntryField,
            .wrongLeafIndex, .leafIndexAtSize, .alteredProofElement, .droppedProofElement, .extraProofElement,
            .proofOfAnotherEntry:
            (true, false, "not included")
        case .alteredRoot: (false, false, "signature does not verify")
        case .alteredSize: (false, nil, "signature does not verify")
        case .alteredTimestamp, .alteredLog, .alteredSignature, .truncatedSignature,
            .signatureByAnotherKey, .keyIDOfAnotherKnownKey:
            (false, true, "signature does not verify")
        case .unknownKeyID, .headSignedByUnknownKey: (false, true, "unknown signing key")
        }
    }

    func apply(to json: JSONValue, receipt: Receipt, ledger: TestLedger) throws -> JSONValue {
        func flipFirstHexDigit(_ s: String) -> String {
            let first = s.first!
            return (first == "0" ? "1" : "0") + s.dropFirst()
        }
        switch self {
        case .changedChoice:
            return json.setting("entry.choices.targeting", to: .bool(!(receipt.entry.choices["targeting"]!)))
        case .changedSubject: return json.setting("entry.subject", to: .string(TestLedger.subject(99)))
        case .changedRecordedAt: return json.setting("entry.recordedAt", to: .int64(receipt.entry.recordedAt + 1))
        case .addedEntryField: return json.setting("entry.note", to: .string("added"))
        case .removedEntryField: return json.setting("entry.lang", to: nil)
        case .wrongLeafIndex: return json.setting("leafIndex", to: .int(receipt.leafIndex ^ 1))
        case .leafIndexAtSize: return json.setting("leafIndex", to: .int(receipt.treeHead.head.size))
        case .alteredProofElement:
            return json.setting("inclusionProof[0]", to: .string(flipFirstHexDigit(receipt.proof[0].hex)))
        case .droppedProofElement: return json.setting("inclusionProof[\(receipt.proof.count - 1)]", to: nil)
        case .extraProofElement:
            return json.setting("inclusionProof[\(receipt.proof.count)]", to: .string(receipt.entry.leafHash.hex))
        case .alteredRoot:
            return json.setting("treeHead.root", to: .string(flipFirstHexDigit(receipt.treeHead.head.root.hex)))
        case .alteredSize: return json.setting("treeHead.size", to: .int(receipt.treeHead.head.size + 1))
        case .alteredTimestamp:
            return json.setting("treeHead.timestamp", to: .int64(receipt.treeHead.head.timestamp + 1))
        case .alteredLog: return json.setting("treeHead.log", to: .int(1))
        case .alteredSignature:
            var sig = receipt.treeHead.signature
            sig[10] ^= 0x01
            return json.setting("treeHead.signature", to: .string(Base64URL.encode(sig)))
        case .truncatedSignature:
            return json.setting(
                "treeHead.signature", to: .string(Base64URL.encode(receipt.treeHead.signature.dropLast())))
        case .unknownKeyID: return json.setting("treeHead.keyId", to: .string("0123456789abcdef"))
        case .signatureByAnotherKey:
            // The other key signs exactly the bytes the real key signed (same key id), which must not verify.
            let forger = try Curve25519.Signing.PrivateKey(rawRepresentation: TestLedger.otherPrivateKey)
            let sig = try forger.signature(for: receipt.treeHead.head.signedBytes(keyID: ledger.signer.keyID))
            return json.setting("treeHead.signature", to: .string(Base64URL.encode(Array(sig))))
        case .headSignedByUnknownKey:
            return json.setting("treeHead", to: try ledger.other.sign(receipt.treeHead.head).jsonValue)
        case .keyIDOfAnotherKnownKey: return json.setting("treeHead.keyId", to: .string(ledger.other.keyID))
        case .proofOfAnotherEntry:
            let neighbour = ledger.receipts.first {
                $0.treeHead == receipt.treeHead && $0.leafIndex != receipt.leafIndex
            }!
            return json.setting("entry", to: neighbour.entry.jsonValue)
        }
    }
}

@Suite struct ReceiptTests {
    @Test func signerDerivesTheRFC8032PublicKeyAndKeyID() throws {
        let signer = try TreeHeadSigner(rawPrivateKey: TestLedger.privateKey)
        #expect(signer.publicKeyBytes == TestLedger.publicKey)
        let expectedID = String(Hex.encode(Array(SHA256.hash(data: TestLedger.publicKey))).prefix(16))
        #expect(signer.keyID == expectedID)
        #expect(signer.keyID.count == 16)
        let jwk = TreeHeadSigner.jwk(signer.publicKey)
        #expect(jwk["kty"] == .string("OKP"))
        #expect(jwk["crv"] == .string("Ed25519"))
        #expect(jwk["kid"] == .string(expectedID))
        #expect(Base64URL.decode(try #require(jwk["x"]?.stringValue)) == TestLedger.publicKey)
    }

    @Test func rejectsAKeyOfTheWrongLength() {
        #expect(throws: (any Error).self) { try TreeHeadSigner(rawPrivateKey: [UInt8](repeating: 1, count: 31)) }
    }

    @Test func everyReceiptVerifies() throws {
        let ledger = try TestLedger()
        #expect(ledger.receipts.count == 8)
        for receipt in ledger.receipts {
            let result = Receipt.verify(json: receipt.jsonValue, keys: ledger.keys)
            #expect(result.valid, "receipt \(receipt.leafIndex): \(result.reason ?? "")")
            #expect(result.signatureValid && result.inclusionValid)
            #expect(result.reason == nil)
            #expect(result.keyID == ledger.signer.keyID)
            #expect(result.leafHash == receipt.entry.leafHash)
            #expect(result.jsonValue["valid"] == .bool(true))
        }
    }

    @Test func receiptSurvivesSerialization() throws {
        let ledger = try TestLedger()
        for receipt in ledger.receipts {
            let text = JSONPretty.format(CanonicalJSON.orderedBytes(receipt.jsonValue))
            let parsed = try parseJSON(text)
            #expect(Receipt.verify(json: parsed, keys: ledger.keys).valid)
        }
    }

    @Test func entryMemberOrderDoesNotMatter() throws {
        let ledger = try TestLedger()
        let receipt = ledger.receipts[2]
        let reversedEntry = JSONValue.object(receipt.entry.jsonValue.objectValue!.reversed())
        let json = receipt.jsonValue.setting("entry", to: reversedEntry)
        #expect(Receipt.verify(json: json, keys: ledger.keys).valid)
    }

    @Test func singleEntryTree() throws {
        let ledger = try TestLedger(batches: [1])
        let receipt = try #require(ledger.receipts.first)
        #expect(receipt.proof.isEmpty)
        #expect(receipt.treeHead.head.root == receipt.entry.leafHash)
        #expect(Receipt.verify(json: receipt.jsonValue, keys: ledger.keys).valid)
    }

    @Test func headsOfBothBatchesVerify() throws {
        let ledger = try TestLedger()
        #expect(ledger.heads.map(\.head.size) == [5, 8])
        for head in ledger.heads {
            #expect(head.isValid(publicKey: ledger.signer.publicKey))
            #expect(!head.isValid(publicKey: ledger.other.publicKey))
        }
    }

    @Test func olderProofAgainstNewerHeadFails() throws {
        let ledger = try TestLedger()
        let old = ledger.receipts[4]  // last leaf of the first tree (size 5): its proof has the wrong shape for 8
        let json = old.jsonValue.setting("treeHead", to: ledger.heads[1].jsonValue)
        let result = Receipt.verify(json: json, keys: ledger.keys)
        #expect(result.signatureValid)
        #expect(!result.inclusionValid)
        #expect(!result.valid)
    }

    @Test func headSignedByAnotherKnownKeyVerifies() throws {
        let ledger = try TestLedger()
        let receipt = ledger.receipts[0]
        let json = receipt.jsonValue.setting("treeHead", to: try ledger.other.sign(receipt.treeHead.head).jsonValue)
        #expect(Receipt.verify(json: json, keys: ledger.bothKeys).valid)
        #expect(!Receipt.verify(json: json, keys: ledger.keys).valid)
    }

    @Test(arguments: Tamper.allCases, [0, 4, 5, 7])
    func tamperedReceiptFails(tamper: Tamper, index: Int) throws {
        let ledger = try TestLedger()
        let receipt = ledger.receipts[index]
        let json = try tamper.apply(to: receipt.jsonValue, receipt: receipt, ledger: ledger)
        #expect(json != receipt.jsonValue)
        let keys = tamper == .keyIDOfAnotherKnownKey ? ledger.bothKeys : ledger.keys
        let result = Receipt.verify(json: json, keys: keys)
        let expected = tamper.expected
        #expect(!result.valid)
        #expect(result.signatureValid == expected.signature, "signatureValid")
        if let inclusion = expected.inclusion { #expect(result.inclusionValid == inclusion, "inclusionValid") }
        #expect(result.reason?.contains(expected.reason) == true, "reason: \(result.reason ?? "nil")")
    }

    @Test func unknownKeyWhenKeyringIsEmpty() throws {
        let ledger = try TestLedger()
        let result = Receipt.verify(json: ledger.receipts[0].jsonValue, keys: [:])
        #expect(!result.valid && !result.signatureValid)
        #expect(result.inclusionValid)
        #expect(result.keyID == ledger.signer.keyID)
        #expect(result.reason == "unknown signing key \(ledger.signer.keyID)")
    }

    @Test(
        arguments: [
            ("entry", JSONValue.string("x"), "entry"), ("entry", nil, "entry"), ("leafIndex", .int(-1), "leafIndex"),
            ("leafIndex", .string("0"), "leafIndex"), ("leafIndex", .number(0.5, integer: nil), "leafIndex"),
            ("inclusionProof", .string("ab"), "inclusionProof"),
            ("inclusionProof", .array([.string("zz")]), "inclusionProof"),
            ("inclusionProof", .array([.int(1)]), "inclusionProof"),
            (
                "inclusionProof", .array(Array(repeating: .string(String(repeating: "00", count: 32)), count: 65)),
                "inclusionProof"
            ),
            ("treeHead", nil, "treeHead"), ("treeHead.root", .string("abcd"), "treeHead"),
            ("treeHead.signature", .int(3), "treeHead"), ("treeHead.size", .int(-1), "treeHead"),
            ("treeHead.keyId", nil, "treeHead"),
        ] as [(String, JSONValue?, String)])
    func malformedReceipts(path: String, value: JSONValue?, reason: String) throws {
        let ledger = try TestLedger()
        let json = ledger.receipts[1].jsonValue.setting(path, to: value)
        let result = Receipt.verify(json: json, keys: ledger.keys)
        #expect(!result.valid && !result.signatureValid && !result.inclusionValid)
        #expect(result.reason?.contains("receipt.\(reason)") == true, "\(result.reason ?? "nil")")
    }

    @Test func notAnObject() {
        let result = Receipt.verify(json: .array([]), keys: [:])
        #expect(!result.valid)
        #expect(result.reason != nil)
    }
}

@Suite struct SignedTreeHeadTests {
    @Test func roundTripsThroughJSON() throws {
        let ledger = try TestLedger()
        for head in ledger.heads {
            #expect(SignedTreeHead(json: head.jsonValue) == head)
            let text = CanonicalJSON.bytes(head.jsonValue)
            let back = try #require(SignedTreeHead(json: try JSONParser.parse(text)))
            #expect(back == head)
            #expect(back.isValid(publicKey: ledger.signer.publicKey))
        }
    }

    @Test(arguments: ["log", "size", "root", "timestamp", "keyId", "signature"])
    func missingMemberIsRejected(member: String) throws {
        let head = try TestLedger().heads[0]
        #expect(SignedTreeHead(json: head.jsonValue.setting(member, to: nil)) == nil)
        #expect(SignedTreeHead(json: head.jsonValue.setting(member, to: .bool(true))) == nil)
    }

    @Test func signatureIsBase64URLWithoutPadding() throws {
        let head = try TestLedger().heads[0]
        let sig = try #require(head.jsonValue["signature"]?.stringValue)
        #expect(head.signature.count == 64)
        #expect(!sig.contains("=") && !sig.contains("+") && !sig.contains("/"))
        #expect(sig.count == 86)  // ceil(64 * 4 / 3)
    }

    /// The signature covers every field of the head, the key id and a type tag.
    @Test func signedBytesAreCanonicalAndCoverEveryField() throws {
        let root = try #require(MerkleHash(hex: String(repeating: "ab", count: 32)))
        let head = TreeHead(log: 2, size: 10, root: root, timestamp: 1234)
        let expected =
            #"{"keyId":"k1","log":2,"root":"\#(String(repeating: "ab", count: 32))","size":10,"timestamp":1234,"type":"assent-tree-head-v1"}"#
        #expect(utf8String(head.signedBytes(keyID: "k1")) == expected)
        var changed = [head, head, head, head]
        changed[0].log = 3
        changed[1].size = 11
        changed[2].root = try #require(MerkleHash(hex: String(repeating: "ac", count: 32)))
        changed[3].timestamp = 1235
        for c in changed { #expect(c.signedBytes(keyID: "k1") != head.signedBytes(keyID: "k1")) }
        #expect(head.signedBytes(keyID: "k2") != head.signedBytes(keyID: "k1"))
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (1_795_969_185_138, "2026-11-29T16:19:45.138Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-1000, "1969-12-31T23:59:59.000Z"),
        (-999, "1969-12-31T23:59:59.001Z"),
        (-86_400_000, "1969-12-31T00:00:00.000Z"),
        (-86_400_001, "1969-12-30T23:59:59.999Z"),
        (-2_208_988_800_000, "1900-01-01T00:00:00.000Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (951_868_800_000, "2000-03-01T00:00:00.000Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (1_709_164_800_000, "2024-02-29T00:00:00.000Z"),
    ])
    func knownInstants(ms: Int64, expected: String) {
        #expect(Timestamp.iso8601(milliseconds: ms) == expected)
    }

    /// Against Foundation's Gregorian calendar for seeded random instants between 1600 and 9999.
    @Test func agreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var rng = SeededGenerator(seed: 1_795_969_185_138)
        let low: Int64 = -11_676_096_000_000  // 1600-01-01
        let high: Int64 = 253_402_300_799_999
        for _ in 0..<2000 {
            let ms = Int64.random(in: low...high, using: &rng)
            let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
            let millis = Int(ms - seconds * 1000)
            let c = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds))
            )
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!,
                millis)
            let actual = Timestamp.iso8601(milliseconds: ms)
            if actual != expected {
                Issue.record("\(ms): \(actual) != \(expected)")
                return
            }
        }
    }
}
