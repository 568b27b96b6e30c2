import AssentCore
import PropertyBased
import Testing

/// A decision as the API shows it is written with `JSONWriter` now; its bytes must be the ones clients got
/// before, byte for byte. `beforeWriter` is the serializer it replaced (ConsentService.writeDecision at 1468107),
/// kept here as the reference.
@Suite("Decision answers: the same bytes as before the writer (swift-property-based)")
struct DecisionAnswerTests {
    static func beforeWriter(_ entry: LedgerEntry, property: Property, into out: inout [UInt8]) {
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

    static let property = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
    static let keys = ["necessary", "functional", "performance", "targeting", "social", "sale", "gone", "é\"x"]

    static let entry = zip(
        Gen.int(in: 0...255).array(of: 0...8), Gen.int(in: 0...3), Gen.int(in: 0...0xFFFF).array(of: 0...3),
        Gen.int(in: 0...1_000_000_000_000)
    ).map { (bits: [Int], action: Int, objections: [Int], time: Int) -> LedgerEntry in
        var choices: [String: Bool] = [:]
        for (key, bit) in zip(keys, bits) where bit % 3 != 0 { choices[key] = bit % 2 == 0 }
        return LedgerEntry(
            id: "01a24dbe-dfa9-739c-953a-5077a6ac3f47", property: "news", subject: "s\"\(time)",
            choices: choices, action: ConsentAction.allCases[action], regime: Regime.allCases[action % 3],
            region: "US-CA", gpc: action % 2 == 0, gpcConflicts: choices.keys.sorted().filter { $0.count % 2 == 0 },
            policyVersion: 1 + action, textsHash: "ab\u{1}", lang: "en", recordedAt: Int64(time),
            tcfObjections: TCFObjections(
                vendors: objections.map { $0 + 1 }, purposes: objections.map { $0 % 24 + 1 }.prefix(2).map { $0 }))
    }

    @Test func answerMembersWriteTheBytesOfBefore() async {
        await propertyCheck(count: 500, input: Self.entry) { entry in
            var before: [UInt8] = []
            Self.beforeWriter(entry, property: Self.property, into: &before)
            var writer = JSONWriter()
            entry.writeAnswer(property: Self.property, to: &writer)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(decoding: before, as: UTF8.self))
        }
    }
}
