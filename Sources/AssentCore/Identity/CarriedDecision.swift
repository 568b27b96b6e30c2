/// A signed-in reader's decision made on one property of a group, applied to another property of the group.
public enum CarriedDecision {
    /// The choices on `categories` (the target property's) that a decision with `source` choices gives: each
    /// category the source decided takes its choice, by key; one it did not decide keeps what the reader's own
    /// earlier decision on this property (`base`) said, else the regime's default. Required categories are always
    /// allowed.
    public static func choices(
        source: [String: Bool], base: [String: Bool]?, categories: [Category], regime: Regime
    ) -> [String: Bool] {
        var result: [String: Bool] = [:]
        for category in categories {
            if category.required {
                result[category.key] = true
            } else {
                result[category.key] = source[category.key] ?? base?[category.key] ?? category.defaults[regime]
            }
        }
        return result
    }

    /// Whether a later decision allows nothing optional that an earlier one refused: such a change only narrows
    /// what the reader agreed to, so it may reach the reader's other browsers without a token (an opt-out from a
    /// browser once linked to them, as CCPA §7025 asks for the Global Privacy Control).
    public static func onlyNarrows(_ later: [String: Bool], from earlier: [String: Bool], categories: [Category])
        -> Bool
    {
        for category in categories where !category.required && later[category.key] == true {
            if earlier[category.key] != true { return false }
        }
        return true
    }
}
