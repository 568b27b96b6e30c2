import AssentCore
import Testing

/// `LedgerEntry.canonicalBytes` is written with `JSONWriter`; it must equal the generic canonical form of the
/// entry's JSON for every entry, or receipts stop verifying. The JSON is built here member by member as the ledger
/// format defines it (what `jsonValue` built before the writer), independently of the code under test.
@Suite struct LedgerEntryBytesTests {
    static func reference(_ entry: LedgerEntry) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("v", .int(1)), ("id", .string(entry.id)), ("property", .string(entry.property)),
            ("subject", .string(entry.subject)),
            ("choices", .object(entry.choices.keys.sorted().map { ($0, .bool(entry.choices[$0]!)) })),
            ("action", .string(entry.action.rawValue)), ("regime", .string(entry.regime.rawValue)),
            ("region", .string(entry.region)), ("gpc", .bool(entry.gpc)),
            ("gpcConflicts", .array(entry.gpcConflicts.map(JSONValue.string))),
            ("policyVersion", .int(entry.policyVersion)), ("textsHash", .string(entry.textsHash)),
            ("lang", .string(entry.lang)), ("recordedAt", .int64(entry.recordedAt)),
        ]
        if !entry.tcfObjections.isEmpty {
            members.append(
                (
                    "tcf",
                    .object([
                        ("vendorLIObjections", .array(entry.tcfObjections.vendors.map(JSONValue.int))),
                        ("purposeLIObjections", .array(entry.tcfObjections.purposes.map(JSONValue.int))),
                    ])
                ))
        }
        return .object(members)
    }

    @Test(arguments: 0..<200)
    func directBytesEqualGenericCanonicalForm(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &+ 0x9E37_79B9_7F4A_7C15)
        let keys = [
            "necessary", "functional", "performance", "targeting", "social", "sale", "a-b", "z_9", "é", "\u{1F600}",
        ]
        var choices: [String: Bool] = [:]
        for key in keys where rng.next() % 2 == 0 { choices[key] = rng.next() % 2 == 0 }
        let texts = ["", "plain", "quote\"back\\slash", "tab\tnew\nline", "ctl\u{01}", "ünïcødé", "\u{1F600}"]
        let entry = LedgerEntry(
            id: texts[Int(rng.next() % 7)] + "id", property: "demo", subject: texts[Int(rng.next() % 7)],
            choices: choices, action: ConsentAction.allCases[Int(rng.next() % 4)],
            regime: Regime.allCases[Int(rng.next() % 3)], region: "US-CA", gpc: rng.next() % 2 == 0,
            gpcConflicts: choices.keys.filter { _ in rng.next() % 3 == 0 }.sorted(),
            policyVersion: Int(rng.next() % 1000), textsHash: texts[Int(rng.next() % 7)], lang: "en",
            recordedAt: Int64(bitPattern: rng.next()) >> 8,
            tcfObjections: rng.next() % 3 == 0
                ? TCFObjections(vendors: [Int(rng.next() % 900) + 1, 20], purposes: [Int(rng.next() % 24) + 1]) : .none)
        #expect(entry.canonicalBytes == CanonicalJSON.bytes(Self.reference(entry)))
        #expect(try LedgerEntry(canonicalBytes: entry.canonicalBytes) == entry)
        #expect(entry.jsonValue == (try JSONParser.parse(CanonicalJSON.bytes(Self.reference(entry)))))
    }
}

/// The directly written receipt must be the same JSON document as the generic one, and verify.
@Suite struct ReceiptBytesTests {
    @Test func directReceiptBytesParseToTheSameDocument() throws {
        let signer = try TreeHeadSigner(rawPrivateKey: Array(repeating: 3, count: 32))
        var tree = MerkleFrontier()
        var entries: [LedgerEntry] = []
        for n in 0..<5 {
            let choices: [String: Bool] = ["necessary": true, "sale": n % 2 == 0]
            let conflicts: [String] = n == 3 ? ["sale"] : []
            entries.append(
                LedgerEntry(
                    id: "id-\(n)", property: "demo", subject: "s\"\(n)", choices: choices, action: .save,
                    regime: .optOut, region: "US-CA", gpc: n == 3, gpcConflicts: conflicts, policyVersion: 2,
                    textsHash: "ab", lang: "en", recordedAt: 1_000 + Int64(n)))
        }
        let (_, proofs) = tree.appendBatch(entries.map { (entry: LedgerEntry) in entry.leafHash })
        let head = try signer.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 9))
        for (i, entry) in entries.enumerated() {
            let receipt = Receipt(entry: entry, leafIndex: i, proof: proofs[i], treeHead: head)
            let parsed = try JSONParser.parse(receipt.jsonBytes())
            #expect(CanonicalJSON.bytes(parsed) == CanonicalJSON.bytes(receipt.jsonValue))
            let result = Receipt.verify(json: parsed, keys: [signer.keyID: signer.publicKey])
            #expect(result.valid)
        }
    }
}
