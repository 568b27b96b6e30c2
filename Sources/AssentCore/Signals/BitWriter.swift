/// Writes a big-endian bit string field by field (bit 0 = most significant bit of the first byte).
///
/// A value that does not fit its field throws `SignalEncodingError` instead of being silently truncated.
public struct BitWriter: Sendable {
    /// The bits written so far, packed; the last byte is zero-filled past `bitCount`.
    public private(set) var bytes: [UInt8] = []
    /// How many bits have been written.
    public private(set) var bitCount = 0

    public init() {}

    private mutating func append(_ bit: Bool) {
        if bitCount & 7 == 0 { bytes.append(0) }
        if bit { bytes[bytes.count - 1] |= 0x80 >> UInt8(bitCount & 7) }
        bitCount += 1
    }

    /// `value` as an unsigned integer of `width` bits (0…36).
    public mutating func int(_ value: Int, _ width: Int, _ field: String) throws(SignalEncodingError) {
        guard (0...BitReader.maxIntegerWidth).contains(width) else {
            throw SignalEncodingError(field: field, "unsupported width \(width)")
        }
        guard value >= 0, value < 1 << width else {
            throw SignalEncodingError(field: field, "\(value) does not fit in \(width) bits")
        }
        for shift in stride(from: width - 1, through: 0, by: -1) {
            append(value >> shift & 1 == 1)
        }
    }

    public mutating func bool(_ value: Bool) {
        append(value)
    }

    /// A fixed bitfield of `count` bits from 1-based IDs; every ID must lie in 1…count.
    public mutating func bitfield(_ ids: [Int], count: Int, _ field: String) throws(SignalEncodingError) {
        var bits = [Bool](repeating: false, count: count)
        for id in ids {
            guard (1...max(count, 1)).contains(id), count > 0 else {
                throw SignalEncodingError(field: field, "ID \(id) outside 1…\(count)")
            }
            bits[id - 1] = true
        }
        for bit in bits { append(bit) }
    }

    /// Fixed-width integers, exactly `count` of them.
    public mutating func intList(
        _ values: [Int], count: Int, width: Int, _ field: String
    ) throws(SignalEncodingError) {
        guard values.count == count else {
            throw SignalEncodingError(field: field, "needs \(count) entries, has \(values.count)")
        }
        for value in values { try int(value, width, field) }
    }

    /// Letters `A`…`Z` (either case) as 6-bit values 0…25.
    public mutating func letters(_ text: String, count: Int, _ field: String) throws(SignalEncodingError) {
        let scalars = Array(text.uppercased().unicodeScalars)
        guard scalars.count == count else {
            throw SignalEncodingError(field: field, "needs \(count) letters, has \"\(text)\"")
        }
        for scalar in scalars {
            guard ("A"..."Z").contains(scalar) else {
                throw SignalEncodingError(field: field, "\"\(text)\" is not letters A–Z")
            }
            try int(Int(scalar.value) - 65, 6, field)
        }
    }

    /// A positive integer in Fibonacci code (Zeckendorf representation, low terms first, then a closing 1).
    public mutating func fibonacci(_ value: Int, _ field: String) throws(SignalEncodingError) {
        guard value >= 1, value <= 0xFFFF else {
            throw SignalEncodingError(field: field, "Fibonacci-coded value \(value) outside 1…65535")
        }
        var terms = [1, 2]
        while terms[terms.count - 1] + terms[terms.count - 2] <= value {
            terms.append(terms[terms.count - 1] + terms[terms.count - 2])
        }
        while terms.count > 1 && terms[terms.count - 1] > value { terms.removeLast() }
        var bits = [Bool](repeating: false, count: terms.count)
        var rest = value
        for index in stride(from: terms.count - 1, through: 0, by: -1) where terms[index] <= rest {
            bits[index] = true
            rest -= terms[index]
        }
        for bit in bits { append(bit) }
        append(true)
    }

    /// GPP's Range(Fibonacci) for sorted, distinct positive IDs: consecutive runs become groups.
    public mutating func fibonacciRanges(_ ids: [Int], _ field: String) throws(SignalEncodingError) {
        guard ids.allSatisfy({ $0 >= 1 }), zip(ids, ids.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SignalEncodingError(field: field, "IDs must be positive, distinct and sorted")
        }
        let runs = IDRuns.runs(of: ids)
        try int(runs.count, 12, field)
        var previousEnd = 0
        for run in runs {
            bool(run.count > 1)
            try fibonacci(run.lowerBound - previousEnd, field)
            if run.count > 1 { try fibonacci(run.upperBound - run.lowerBound, field) }
            previousEnd = run.upperBound
        }
    }

    /// Appends zero bits until `bitCount` is a multiple of `multiple`.
    public mutating func pad(toMultipleOf multiple: Int) {
        while bitCount % multiple != 0 { append(false) }
    }
}
