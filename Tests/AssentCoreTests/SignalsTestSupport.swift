import AssentCore
import Testing

// Helpers for the Signals suites. The generator has its own name so it never collides with TestSupport's.

/// SplitMix64, seeded, so generated inputs are the same on every run.
struct SignalsRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    mutating func bool() -> Bool { Bool.random(using: &self) }

    /// A sorted, distinct subset of 1…`max`, each ID kept with probability `density`.
    mutating func ids(max: Int, density: Double) -> [Int] {
        guard max > 0 else { return [] }
        return (1...max).filter { _ in Double.random(in: 0..<1, using: &self) < density }
    }

    /// Sorted, distinct IDs in 1…`max` made of a few consecutive runs (so range encoding wins).
    mutating func runs(max: Int, count: Int) -> [Int] {
        var set = Set<Int>()
        for _ in 0..<count {
            let start = int(1...max)
            let end = Swift.min(max, start + int(0...40))
            set.formUnion(start...end)
        }
        return set.sorted()
    }

    mutating func twoBit() -> Int { int(0...2) }

    mutating func twoBits(_ count: Int) -> [Int] { (0..<count).map { _ in twoBit() } }

    mutating func letters(_ count: Int) -> String {
        String((0..<count).map { _ in Character(Unicode.Scalar(UInt8(65 + int(0...25)))) })
    }

    /// A string of `length` characters drawn from `alphabet`.
    mutating func string(from alphabet: String, length: Int) -> String {
        let chars = Array(alphabet)
        return String((0..<length).map { _ in chars[int(0...(chars.count - 1))] })
    }
}

let base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/// Runs `body` and returns the `SignalDecodingError` it throws; records an issue if it succeeds.
@discardableResult
func expectDecodingError(
    _ body: () throws(SignalDecodingError) -> Void, sourceLocation: SourceLocation = #_sourceLocation
) -> SignalDecodingError? {
    do {
        try body()
        Issue.record("expected a SignalDecodingError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
