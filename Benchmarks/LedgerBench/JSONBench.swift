// `assent-ledger-bench json [ROUNDS=15]`: the ledger entry's canonical bytes and a consent's 201 answer, written
// by the serializers JSONWriter replaced (copied below as they were at 1468107) and by JSONWriter, alternating in
// one run; prints the median time of each and the ratio after/before.
import AssentCore
import Foundation

/// The serializers as they were before JSONWriter, byte for byte the same output.
enum Before {
    static func canonicalBytes(_ e: LedgerEntry) -> [UInt8] {
        // Written directly with the members already in canonical (UTF-16) order: the same bytes as
        // `CanonicalJSON.bytes(jsonValue)`, without building and sorting a tree on every decision.
        var out: [UInt8] = []
        out.reserveCapacity(400)
        func key(_ name: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        func string(_ s: String) { CanonicalJSON.writeString(s, into: &out) }
        func bool(_ b: Bool) { out.append(contentsOf: (b ? "true" : "false").utf8) }
        key(#"{"action":"#)
        string(e.action.rawValue)
        key(#","choices":{"#)
        for (i, name) in e.choices.keys.sorted(by: { $0.utf16.lexicographicallyPrecedes($1.utf16) }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(name)
            out.append(UInt8(ascii: ":"))
            bool(e.choices[name]!)
        }
        key(#"},"gpc":"#)
        bool(e.gpc)
        key(#","gpcConflicts":["#)
        for (i, conflict) in e.gpcConflicts.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(conflict)
        }
        key(#"],"id":"#)
        string(e.id)
        key(#","lang":"#)
        string(e.lang)
        key(#","policyVersion":"#)
        out.append(contentsOf: String(e.policyVersion).utf8)
        key(#","property":"#)
        string(e.property)
        key(#","recordedAt":"#)
        out.append(contentsOf: String(e.recordedAt).utf8)
        key(#","regime":"#)
        string(e.regime.rawValue)
        key(#","region":"#)
        string(e.region)
        key(#","subject":"#)
        string(e.subject)
        if !e.tcfObjections.isEmpty {
            key(#","tcf":"#)
            tcf(e.tcfObjections, into: &out)
        }
        key(#","textsHash":"#)
        string(e.textsHash)
        key(#","v":"#)
        out.append(contentsOf: String(LedgerEntry.formatVersion).utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func tcf(_ t: TCFObjections, into out: inout [UInt8]) {
        func ids(_ list: [Int]) {
            out.append(UInt8(ascii: "["))
            for (i, id) in list.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: String(id).utf8)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"{"purposeLIObjections":"#.utf8)
        ids(t.purposes)
        out.append(contentsOf: #","vendorLIObjections":"#.utf8)
        ids(t.vendors)
        out.append(UInt8(ascii: "}"))
    }

    static func receiptBytes(_ r: Receipt, entryBytes: [UInt8], treeHeadBytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024 + r.proof.count * 68)
        out.append(contentsOf: #"{"entry":"#.utf8)
        out.append(contentsOf: entryBytes)
        out.append(contentsOf: #","leafIndex":"#.utf8)
        out.append(contentsOf: String(r.leafIndex).utf8)
        out.append(contentsOf: #","inclusionProof":["#.utf8)
        for (i, hash) in r.proof.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            Hex.write(hash.bytes, into: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: #"],"treeHead":"#.utf8)
        out.append(contentsOf: treeHeadBytes)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func writeDecision(_ entry: LedgerEntry, property: Property, into out: inout [UInt8]) {
        func member(_ name: StaticString, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ s: String) { CanonicalJSON.writeString(s, into: &out) }
        func bool(_ b: Bool) { out.append(contentsOf: (b ? "true" : "false").utf8) }
        out.append(UInt8(ascii: "{"))
        member("id", first: true)
        string(entry.id)
        member("property")
        string(entry.property)
        member("subject")
        string(entry.subject)
        member("choices")
        out.append(UInt8(ascii: "{"))
        var written = 0
        func choice(_ key: String, _ allowed: Bool) {
            if written > 0 { out.append(UInt8(ascii: ",")) }
            string(key)
            out.append(UInt8(ascii: ":"))
            bool(allowed)
            written += 1
        }
        for category in property.categories {
            guard let allowed = entry.choices[category.key] else { continue }
            choice(category.key, allowed)
        }
        if written < entry.choices.count {
            // Categories the property no longer has: after the current ones, sorted.
            for key in entry.choices.keys.sorted() where property.category(key) == nil {
                choice(key, entry.choices[key]!)
            }
        }
        out.append(UInt8(ascii: "}"))
        member("action")
        string(entry.action.rawValue)
        member("gpc")
        bool(entry.gpc)
        member("gpcConflicts")
        out.append(UInt8(ascii: "["))
        for (i, key) in entry.gpcConflicts.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(key)
        }
        out.append(UInt8(ascii: "]"))
        if !entry.tcfObjections.isEmpty {
            member("tcf")
            CanonicalJSON.write(entry.tcfObjections.jsonValue, sorted: false, into: &out)
        }
        member("regime")
        string(entry.regime.rawValue)
        member("region")
        string(entry.region)
        member("policyVersion")
        out.append(contentsOf: String(entry.policyVersion).utf8)
        member("textsHash")
        string(entry.textsHash)
        member("lang")
        string(entry.lang)
        member("recordedAt")
        string(Timestamp.iso8601(milliseconds: entry.recordedAt))
        member("expiresAt")
        string(Timestamp.iso8601(milliseconds: entry.expiresAt(under: property)))
        out.append(UInt8(ascii: "}"))
    }

    /// The 201 answer as ConsentService.record assembled it: the cached rendering with the signals, copied, its
    /// closing brace cut, the receipt appended.
    static func answer(
        _ entry: LedgerEntry, property: Property, signals: [UInt8], receipt: Receipt, entryBytes: [UInt8],
        headBytes: [UInt8]
    ) -> (cached: [UInt8], answer: [UInt8]) {
        var cached: [UInt8] = []
        cached.reserveCapacity(640 + signals.count)
        writeDecision(entry, property: property, into: &cached)
        cached.removeLast()
        cached.append(contentsOf: #","signals":"#.utf8)
        cached.append(contentsOf: signals)
        cached.append(UInt8(ascii: "}"))
        var bytes = cached
        bytes.removeLast()
        bytes.append(contentsOf: #","receipt":"#.utf8)
        bytes.append(contentsOf: receiptBytes(receipt, entryBytes: entryBytes, treeHeadBytes: headBytes))
        bytes.append(UInt8(ascii: "}"))
        return (cached, bytes)
    }
}

/// The same with JSONWriter, as ConsentService.record writes it now.
func answerAfter(
    _ entry: LedgerEntry, property: Property, signals: [UInt8], receipt: Receipt, entryBytes: [UInt8],
    headBytes: [UInt8]
) -> (cached: [UInt8], answer: [UInt8]) {
    var answer = JSONWriter(capacity: 1536 + signals.count + receipt.proof.count * 68)
    var cached: [UInt8] = []
    answer.object { w in
        entry.writeAnswerMembers(property: property, to: &w)
        w.member("signals")
        w.raw(signals)
        cached = w.closedCopy()
        w.member("receipt")
        receipt.write(to: &w, entryBytes: entryBytes, treeHeadBytes: headBytes)
    }
    return (cached, answer.bytes)
}

func runJSONBench(rounds: Int) throws {
    let property = Property.standard(id: "demo", name: "Demo", origins: ["https://example.com"])
    let entries = (0..<1000).map { n -> LedgerEntry in
        var e = entry(Int64(n))
        if n % 4 == 0 { e.tcfObjections = TCFObjections(vendors: [20, 755], purposes: [7]) }
        if n % 5 == 0 { e.gpcConflicts = ["sale", "targeting"] }
        return e
    }
    let signer = try TreeHeadSigner(rawPrivateKey: Array(repeating: 7, count: 32))
    var tree = MerkleFrontier()
    let (_, proofs) = tree.appendBatch(entries.map(\.leafHash))
    let head = try signer.sign(TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: 1))
    var headWriter = JSONWriter()
    headWriter.value(head.jsonValue, sorted: false)
    let headBytes = headWriter.bytes
    let signals = Array(
        #"{"gpc":false,"usp":"1YNN","gpp":"DBABLA~BVQqAAAAAgA.QA","tcf":null,"regime":"opt-out"}"#.utf8)
    let receipts = entries.enumerated().map { i, e in
        Receipt(entry: e, leafIndex: i, proof: proofs[i], treeHead: head)
    }
    let entryBytes = entries.map(\.canonicalBytes)
    // The same bytes first: the comparison is only fair if both write the same thing.
    for (i, e) in entries.enumerated() {
        precondition(Before.canonicalBytes(e) == e.canonicalBytes, "canonical bytes differ")
        let b = Before.answer(
            e, property: property, signals: signals, receipt: receipts[i], entryBytes: entryBytes[i],
            headBytes: headBytes)
        let a = answerAfter(
            e, property: property, signals: signals, receipt: receipts[i], entryBytes: entryBytes[i],
            headBytes: headBytes)
        precondition(b.cached == a.cached && b.answer == a.answer, "answers differ")
    }
    func time(_ body: () -> Int) -> Double {
        let start = ContinuousClock.now
        var sink = 0
        for _ in 0..<20 { sink &+= body() }
        let d = ContinuousClock.now - start
        precondition(sink != 42)
        return (Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
            / Double(20 * entries.count)
    }
    var samples: [String: [Double]] = [:]
    for _ in 0..<rounds {
        samples["canonical before", default: []].append(
            time { entries.reduce(0) { $0 &+ Before.canonicalBytes($1).count } })
        samples["canonical after", default: []].append(time { entries.reduce(0) { $0 &+ $1.canonicalBytes.count } })
        samples["answer before", default: []].append(
            time {
                var n = 0
                for i in entries.indices {
                    n &+=
                        Before.answer(
                            entries[i], property: property, signals: signals, receipt: receipts[i],
                            entryBytes: entryBytes[i], headBytes: headBytes
                        ).answer.count
                }
                return n
            })
        samples["answer after", default: []].append(
            time {
                var n = 0
                for i in entries.indices {
                    n &+=
                        answerAfter(
                            entries[i], property: property, signals: signals, receipt: receipts[i],
                            entryBytes: entryBytes[i], headBytes: headBytes
                        ).answer.count
                }
                return n
            })
    }
    func median(_ key: String) -> Double {
        let s = samples[key]!.sorted()
        return s[s.count / 2]
    }
    for what in ["canonical", "answer"] {
        let before = median("\(what) before")
        let after = median("\(what) after")
        let label = what == "canonical" ? "LedgerEntry.canonicalBytes" : "201 answer (cached rendering + receipt)"
        print(
            String(
                format: "%@: before %.0f ns, after %.0f ns, after/before %.2f (median of %d rounds)", label, before,
                after, after / before, rounds))
    }
}
