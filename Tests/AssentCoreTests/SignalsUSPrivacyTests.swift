import AssentCore
import Testing

@Suite("Signals: US Privacy string")
struct SignalsUSPrivacyTests {
    typealias Flag = USPrivacyString.Flag

    /// VECTORS.md §3.
    @Test(arguments: [
        ("1YNN", Flag.yes, Flag.no, Flag.no), ("1NYN", .no, .yes, .no), ("1-Y-", .notApplicable, .yes, .notApplicable),
        ("1---", .notApplicable, .notApplicable, .notApplicable), ("1YYN", .yes, .yes, .no),
    ])
    func vectorsDecodeAndReencode(text: String, notice: Flag, optOutSale: Flag, lspaCovered: Flag) throws {
        let usp = try USPrivacyString.decode(text)
        #expect(usp.version == 1)
        #expect(usp.notice == notice)
        #expect(usp.optOutSale == optOutSale)
        #expect(usp.lspaCovered == lspaCovered)
        #expect(try usp.encode() == text)
    }

    @Test func everyCombinationRoundTrips() throws {
        for n in Flag.allCases {
            for o in Flag.allCases {
                for l in Flag.allCases {
                    let usp = USPrivacyString(notice: n, optOutSale: o, lspaCovered: l)
                    #expect(try USPrivacyString.decode(try usp.encode()) == usp)
                }
            }
        }
        #expect(try USPrivacyString.notApplicable.encode() == "1---")
    }

    @Test(arguments: [
        ("", SignalDecodingError.Kind.truncated, "usPrivacy", 0), ("1YN", .truncated, "usPrivacy", 24),
        ("1YNNN", .malformed, "usPrivacy", 32), ("2YNN", .invalidValue, "version", 0),
        ("1yNN", .invalidCharacter, "notice", 8), ("1YXN", .invalidCharacter, "optOutSale", 16),
        ("1YN ", .invalidCharacter, "lspaCovered", 24),
    ])
    func malformedStringsNameTheField(text: String, kind: SignalDecodingError.Kind, field: String, offset: Int) {
        let error = expectDecodingError { () throws(SignalDecodingError) in _ = try USPrivacyString.decode(text) }
        #expect(error?.kind == kind)
        #expect(error?.field == field)
        #expect(error?.bitOffset == offset)
    }

    @Test func encoderRejectsOtherVersions() {
        #expect(throws: SignalEncodingError.self) {
            try USPrivacyString(version: 2, notice: .yes, optOutSale: .no, lspaCovered: .no).encode()
        }
    }
}
