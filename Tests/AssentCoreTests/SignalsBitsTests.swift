import AssentCore
import Testing

@Suite("Signals: bits, Fibonacci and base64url")
struct SignalsBitsTests {
    /// The code table of STANDARDS.md §2.1.
    @Test(arguments: [
        (1, "11"), (2, "011"), (3, "0011"), (4, "1011"), (5, "00011"), (6, "10011"), (7, "01011"), (8, "000011"),
    ])
    func fibonacciCodes(value: Int, code: String) throws {
        var w = BitWriter()
        try w.fibonacci(value, "x")
        #expect(bitString(w) == code)
        var r = BitReader(bytes: w.bytes, bitCount: w.bitCount)
        #expect(try r.fibonacci("x") == value)
        #expect(r.remaining == 0)
    }

    @Test func fibonacciRoundTripsEveryValueUpTo65535() throws {
        var w = BitWriter()
        for value in 1...0xFFFF { try w.fibonacci(value, "x") }
        var r = BitReader(bytes: w.bytes, bitCount: w.bitCount)
        for value in 1...0xFFFF { #expect(try r.fibonacci("x") == value) }
    }

    @Test func integersUpTo36BitsRoundTrip() throws {
        var random = SignalsRandom(seed: 36)
        var values: [(Int, Int)] = []
        var w = BitWriter()
        for _ in 0..<2000 {
            let width = random.int(0...36)
            let value = width == 0 ? 0 : random.int(0...((1 << width) - 1))
            values.append((value, width))
            try w.int(value, width, "x")
        }
        var r = BitReader(bytes: w.bytes, bitCount: w.bitCount)
        for (value, width) in values { #expect(try r.int(width, "x") == value) }
    }

    @Test func writerRejectsValuesThatDoNotFit() {
        var w = BitWriter()
        #expect(throws: SignalEncodingError.self) { try w.int(64, 6, "version") }
        #expect(throws: SignalEncodingError.self) { try w.int(-1, 6, "version") }
        #expect(throws: SignalEncodingError.self) { try w.int(1, 37, "wide") }
        #expect(throws: SignalEncodingError.self) { try w.fibonacci(0, "zero") }
        #expect(throws: SignalEncodingError.self) { try w.fibonacciRanges([3, 2], "unsorted") }
        #expect(w.bitCount == 0)
    }

    @Test func readerNamesFieldAndOffsetWhenBitsRunOut() throws {
        var r = BitReader(bytes: [0xFF], bitCount: 8)
        _ = try r.int(5, "first")
        let error = expectDecodingError { () throws(SignalDecodingError) in _ = try r.int(4, "second") }
        #expect(error?.kind == .truncated)
        #expect(error?.field == "second")
        #expect(error?.bitOffset == 5)
    }

    @Test func overlongFibonacciCodeIsRejectedNotOverflowed() {
        var r = BitReader(bytes: [0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55])
        let error = expectDecodingError { () throws(SignalDecodingError) in _ = try r.fibonacci("f") }
        #expect(error?.kind == .invalidValue)
        var unterminated = BitReader(bytes: [0x00])
        let truncated = expectDecodingError { () throws(SignalDecodingError) in _ = try unterminated.fibonacci("f") }
        #expect(truncated?.kind == .truncated)
    }

    @Test func fibonacciRangeGroupsConsecutiveIds() throws {
        var w = BitWriter()
        try w.fibonacciRanges([2, 5, 6, 7, 30], "ids")
        var r = BitReader(bytes: w.bytes, bitCount: w.bitCount)
        #expect(try r.fibonacciRanges("ids") == [2...2, 5...7, 30...30])
    }

    @Test func fibonacciRangeCountBeyondTheBitsThrowsBeforeAllocating() throws {
        var w = BitWriter()
        try w.int(4095, 12, "count")
        w.bool(false)
        var r = BitReader(bytes: w.bytes, bitCount: w.bitCount)
        let error = expectDecodingError { () throws(SignalDecodingError) in _ = try r.fibonacciRanges("ids") }
        #expect(error?.kind == .truncated)
        #expect(error?.bitOffset == 12)
    }

    @Test(arguments: [
        ("", 0), ("QUJD", 24), ("QUJD==", 24), ("Q", 6), ("DBABLA", 36),
    ])
    func base64DecodesSixBitsPerCharacterAndIgnoresEqualsPadding(text: String, bits: Int) throws {
        if text.isEmpty {
            let error = expectDecodingError { () throws(SignalDecodingError) in
                _ = try Base64URLBits.decode(text, field: "s")
            }
            #expect(error?.kind == .truncated)
            return
        }
        let r = try Base64URLBits.decode(text, field: "s")
        #expect(r.bitCount == bits)
    }

    @Test(arguments: [("AB+C", 2), ("AB/C", 2), ("ABC=D", 3), ("é", 0), ("AB C", 2), ("ABCD.", 4)])
    func base64RejectsCharactersOutsideTheWebSafeAlphabet(text: String, index: Int) {
        let error = expectDecodingError { () throws(SignalDecodingError) in
            _ = try Base64URLBits.decode(text, field: "segment")
        }
        #expect(error?.kind == .invalidCharacter)
        #expect(error?.field == "segment")
        #expect(error?.bitOffset == index * 6)
    }

    @Test func base64RoundTripsRandomBitStringsWithEveryPadding() throws {
        var random = SignalsRandom(seed: 64)
        for _ in 0..<500 {
            var w = BitWriter()
            var bits: [Bool] = []
            for _ in 0..<random.int(1...300) {
                let bit = random.bool()
                bits.append(bit)
                w.bool(bit)
            }
            for padding in [Base64URLBits.Padding.sixBits, .bytesThenSixBits, .quads] {
                let text = Base64URLBits.encode(w, padding: padding)
                var r = try Base64URLBits.decode(text, field: "s")
                #expect(r.bitCount >= bits.count && r.bitCount % 6 == 0)
                if padding == .quads { #expect(text.count % 4 == 0) }
                for bit in bits { #expect(try r.bool("b") == bit) }
                while r.remaining > 0 { #expect(try r.bool("pad") == false) }
            }
        }
    }

    @Test func lettersDecodeUpperCaseAndRejectValuesAbove25() throws {
        var w = BitWriter()
        try w.letters("de", count: 2, "cc")
        try w.int(26, 6, "bad")
        var r = BitReader(bytes: w.bytes, bitCount: w.bitCount)
        #expect(try r.letters(2, "cc") == "DE")
        let error = expectDecodingError { () throws(SignalDecodingError) in _ = try r.letters(1, "cc") }
        #expect(error?.kind == .invalidValue)
        #expect(error?.bitOffset == 12)
    }
}

/// The bits written so far as `0`/`1` characters.
func bitString(_ writer: BitWriter) -> String {
    var r = BitReader(bytes: writer.bytes, bitCount: writer.bitCount)
    var out = ""
    while r.remaining > 0 { out += (try? r.bool("b")) == true ? "1" : "0" }
    return out
}
