import Testing

@testable import AssentServer

@Suite("Random ids")
struct RandomIDTests {
    /// Well past one refill of the pool (256 ids a refill): each id is a UUIDv7 with the given time, the RFC 9562
    /// variant, and random bits that do not repeat.
    @Test("UUIDv7 with the time in front, the variant set, and no repeats across refills")
    func uuids() throws {
        let milliseconds: Int64 = 1_795_000_000_123
        let prefix = String(milliseconds, radix: 16)
        var seen: Set<String> = []
        var randomParts: Set<Substring> = []
        for _ in 0..<2_000 {
            let id = RandomID.uuid(milliseconds: milliseconds)
            let utf8 = Array(id.utf8)
            #expect(utf8.count == 36)
            #expect([8, 13, 18, 23].allSatisfy { utf8[$0] == UInt8(ascii: "-") })
            #expect(
                String(id.filter { $0 != "-" }).hasPrefix(String(repeating: "0", count: 12 - prefix.count) + prefix))
            #expect(utf8[14] == UInt8(ascii: "7"), "version 7")
            #expect("89ab".utf8.contains(utf8[19]), "RFC 9562 variant")
            seen.insert(id)
            randomParts.insert(id.dropFirst(24))
        }
        #expect(seen.count == 2_000)
        #expect(randomParts.count == 2_000)
    }
}
