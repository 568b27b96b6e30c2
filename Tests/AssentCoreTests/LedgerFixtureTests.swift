import AssentCore
import Crypto
import Foundation
import Testing

/// A ledger written by the server before the JSON writer replaced the hand-written serializers (eight decisions
/// on the demo property: opt-in, opt-out and notice regions, GPC conflicts, TCF objections), as its stored bytes,
/// its signed tree head and the public key. Re-encoding every entry must give the stored bytes back, byte for byte:
/// a changed byte would change the leaf hash and no receipt or tree head already handed out would verify.
/// (Tests/system/test_ledger_fixture.py runs `assent ledger verify` on the same ledger's database.)
@Suite struct LedgerFixtureTests {
    static let storedEntries: [String] = [
        #"{"action":"accept_all","choices":{"functional":true,"necessary":true,"performance":true,"sale":true,"social":true,"targeting":true},"gpc":false,"gpcConflicts":[],"id":"01a24dbe-dfa9-739c-953a-5077a6ac3f47","lang":"en","policyVersion":1,"property":"demo","recordedAt":1796600684457,"regime":"opt-out","region":"US-CA","subject":"01a24dbe-dfa9-7fe9-a963-7b42defda6ca","textsHash":"5bfcec793f9712cbfc6d44ce2007af3a6411dda56bdb8de3b1a4fe43dd6b164d","v":1}"#,
        #"{"action":"reject_all","choices":{"functional":false,"necessary":true,"performance":false,"sale":false,"social":false,"targeting":false},"gpc":false,"gpcConflicts":[],"id":"01a24dbe-e0c0-766e-8a44-05cf11682ebf","lang":"es","policyVersion":1,"property":"demo","recordedAt":1796600684736,"regime":"opt-in","region":"DE","subject":"01a24dbe-e0c0-7ae2-a917-bb4572698daf","textsHash":"409ae0579ebd10e929f9e38a172e1447f093d643902a2c77bf8ab1a11fd14f75","v":1}"#,
        #"{"action":"save","choices":{"functional":true,"necessary":true,"performance":false,"sale":true,"social":true,"targeting":true},"gpc":false,"gpcConflicts":[],"id":"01a24dbe-e1f2-7e56-bf93-a8332305b99f","lang":"en","policyVersion":1,"property":"demo","recordedAt":1796600685042,"regime":"notice","region":"US-NY","subject":"01a24dbe-e1f2-70fc-96f3-a9f5c07134d8","textsHash":"5bfcec793f9712cbfc6d44ce2007af3a6411dda56bdb8de3b1a4fe43dd6b164d","v":1}"#,
        #"{"action":"accept_all","choices":{"functional":true,"necessary":true,"performance":true,"sale":false,"social":true,"targeting":false},"gpc":true,"gpcConflicts":["targeting","sale"],"id":"01a24dbe-e2bd-7e86-9f84-8bdcc3bcd6e3","lang":"en","policyVersion":1,"property":"demo","recordedAt":1796600685245,"regime":"opt-out","region":"US-CA","subject":"0b6f1e0e-3c1a-4a57-9d7e-4f3e9b1c2a10","textsHash":"5bfcec793f9712cbfc6d44ce2007af3a6411dda56bdb8de3b1a4fe43dd6b164d","v":1}"#,
        #"{"action":"gpc","choices":{"functional":true,"necessary":true,"performance":true,"sale":false,"social":true,"targeting":false},"gpc":true,"gpcConflicts":[],"id":"01a24dbe-e3ea-7368-b32e-1c341610d16f","lang":"en","policyVersion":1,"property":"demo","recordedAt":1796600685546,"regime":"opt-out","region":"US-CA","subject":"01a24dbe-e3ea-7ba7-b76a-efe5dc2581ce","textsHash":"5bfcec793f9712cbfc6d44ce2007af3a6411dda56bdb8de3b1a4fe43dd6b164d","v":1}"#,
        #"{"action":"save","choices":{"functional":false,"necessary":true,"performance":false,"sale":false,"social":false,"targeting":true},"gpc":false,"gpcConflicts":[],"id":"01a24dbe-e4e3-7fa4-a6ff-ee13e281d66c","lang":"en","policyVersion":1,"property":"demo","recordedAt":1796600685795,"regime":"opt-in","region":"FR","subject":"01a24dbe-e4e3-748d-b9d3-1818d0968137","tcf":{"purposeLIObjections":[7],"vendorLIObjections":[20]},"textsHash":"5bfcec793f9712cbfc6d44ce2007af3a6411dda56bdb8de3b1a4fe43dd6b164d","v":1}"#,
        #"{"action":"save","choices":{"functional":false,"necessary":true,"performance":false,"sale":false,"social":false,"targeting":false},"gpc":false,"gpcConflicts":[],"id":"01a24dbe-e5b3-73a4-9654-cff62dac5fe5","lang":"en","policyVersion":1,"property":"demo","recordedAt":1796600686003,"regime":"opt-in","region":"FR","subject":"01a24dbe-e5b3-7b77-af0a-b1ebea3dabf1","tcf":{"purposeLIObjections":[2,7,9,10],"vendorLIObjections":[]},"textsHash":"5bfcec793f9712cbfc6d44ce2007af3a6411dda56bdb8de3b1a4fe43dd6b164d","v":1}"#,
        #"{"action":"accept_all","choices":{"functional":true,"necessary":true,"performance":true,"sale":true,"social":true,"targeting":true},"gpc":false,"gpcConflicts":[],"id":"01a24dbe-e6c5-7088-8251-466fa2183974","lang":"en","policyVersion":1,"property":"demo","recordedAt":1796600686277,"regime":"notice","region":"CA","subject":"0b6f1e0e-3c1a-4a57-9d7e-4f3e9b1c2a10","textsHash":"5bfcec793f9712cbfc6d44ce2007af3a6411dda56bdb8de3b1a4fe43dd6b164d","v":1}"#,
    ]
    static let head = SignedTreeHead(
        head: TreeHead(
            log: 0, size: 8, root: MerkleHash(hex: "f14dacf822f4ca2a4218b3d5cacc3190fbbf74acc3615fba99ec6a72c14f4d28")!,
            timestamp: 1_796_600_686_278),
        keyID: "89bba0243411ea03",
        signature: Base64URL.decode(
            "DVnpxeKXjKlZK2LjiqGcIU-YKNadrS74iu_xTqwN3ubRBGbN72RuJKNKuKYUt1y5KX6pnV0e0twSydW_5XxkDQ")!)
    static let publicKey = "zbhnu0Ec20-QUQ_1Y_psn9QBaQUGIy6F6Nm96EHQrMk"

    @Test("every stored entry is written again to the bytes it was stored with")
    func entriesKeepTheirBytes() throws {
        for stored in Self.storedEntries {
            let entry = try LedgerEntry(canonicalBytes: Array(stored.utf8))
            #expect(String(decoding: entry.canonicalBytes, as: UTF8.self) == stored)
            #expect(CanonicalJSON.bytes(entry.jsonValue) == Array(stored.utf8))
        }
    }

    @Test("the entries written again hash to the signed root, and the signature holds")
    func reencodedEntriesVerifyAgainstTheOldTreeHead() throws {
        let leaves = try Self.storedEntries.map { try LedgerEntry(canonicalBytes: Array($0.utf8)).leafHash }
        #expect(Merkle.root(leaves) == Self.head.head.root)
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Base64URL.decode(Self.publicKey)))
        #expect(Self.head.isValid(publicKey: key))
        // The fixture covers what an entry can carry: objections, GPC conflicts, every regime.
        let entries = try Self.storedEntries.map { try LedgerEntry(canonicalBytes: Array($0.utf8)) }
        #expect(entries.contains { !$0.tcfObjections.isEmpty })
        #expect(entries.contains { !$0.gpcConflicts.isEmpty })
        #expect(Set(entries.map(\.regime)) == Set(Regime.allCases))
    }
}
