/// How the visitor reached a decision.
public enum ConsentAction: String, Sendable, CaseIterable {
    case acceptAll = "accept_all"
    case rejectAll = "reject_all"
    case save
    /// Recorded without a click because the browser sent Global Privacy Control.
    case gpc
}

/// The decision that governs the page: every category of the property, allowed or not.
public struct EffectiveDecision: Sendable, Equatable {
    /// In the property's category order.
    public var choices: [(key: String, allowed: Bool)]
    /// Whether a GPC signal was present and applied.
    public var gpc: Bool
    /// Categories the visitor opted into that GPC turned off.
    public var gpcConflicts: [String]

    public static func == (lhs: EffectiveDecision, rhs: EffectiveDecision) -> Bool {
        lhs.gpc == rhs.gpc && lhs.gpcConflicts == rhs.gpcConflicts && lhs.choices.count == rhs.choices.count
            && zip(lhs.choices, rhs.choices).allSatisfy { $0.key == $1.key && $0.allowed == $1.allowed }
    }

    public subscript(key: String) -> Bool? { choices.first { $0.key == key }?.allowed }

    /// A refusal: nothing beyond the required categories is allowed.
    public func isRefusal(in categories: [Category]) -> Bool {
        refusesAllOptional(choices.lazy.map { ($0.key, $0.allowed) }, categories: categories)
    }
}

/// Whether choices refuse everything optional. Only the categories listed count: allowing one the property no
/// longer has is consent to nothing it does.
func refusesAllOptional(_ choices: some Sequence<(String, Bool)>, categories: [Category]) -> Bool {
    !choices.contains { key, allowed in allowed && categories.first { $0.key == key }?.required == false }
}

extension DecisionExpiry {
    /// When a decision recorded at `recordedAt` (milliseconds) stops holding: a refusal lasts `refusalDays`, a
    /// consent `consentDays`; then the visitor is asked again.
    public func expiresAt(recordedAt: Int64, refusal: Bool) -> Int64 {
        recordedAt + Int64(refusal ? refusalDays : consentDays) * Timestamp.millisecondsPerDay
    }
}

extension LedgerEntry {
    /// When this decision expires under a property's rules.
    public func expiresAt(under property: Property) -> Int64 {
        property.expiry.expiresAt(
            recordedAt: recordedAt,
            refusal: refusesAllOptional(choices.lazy.map { ($0.key, $0.value) }, categories: property.categories))
    }
}

public enum Policy {
    /// The effective decision: required categories always allowed; Accept All and Reject All set every
    /// optional category; otherwise an explicit choice wins over the regime's default; finally GPC turns off
    /// every category for sale, sharing or targeted advertising, whatever was chosen before, and notes the
    /// categories where that contradicts an explicit opt-in.
    public static func evaluate(
        regime: Regime, categories: [Category], action: ConsentAction, choices: [String: Bool], gpc: Bool
    ) -> EffectiveDecision {
        var result: [(key: String, allowed: Bool)] = []
        result.reserveCapacity(categories.count)
        var conflicts: [String] = []
        for category in categories {
            if category.required {
                result.append((category.key, true))
                continue
            }
            let explicit: Bool?
            switch action {
            case .acceptAll: explicit = true
            case .rejectAll: explicit = false
            case .save, .gpc: explicit = choices[category.key]
            }
            var allowed = explicit ?? category.defaults[regime]
            if gpc && category.optedOutByGPC && allowed {
                allowed = false
                if explicit == true { conflicts.append(category.key) }
            }
            result.append((category.key, allowed))
        }
        return EffectiveDecision(choices: result, gpc: gpc, gpcConflicts: conflicts)
    }

    /// What applies before the visitor has chosen anything.
    public static func defaults(regime: Regime, categories: [Category], gpc: Bool) -> EffectiveDecision {
        evaluate(regime: regime, categories: categories, action: .save, choices: [:], gpc: gpc)
    }
}
