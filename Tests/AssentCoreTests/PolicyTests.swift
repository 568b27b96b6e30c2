import AssentCore
import Testing

/// One row of the effective-decision table, over the standard categories
/// (necessary, functional, performance, targeting, social, sale).
struct DecisionRow: Sendable, CustomTestStringConvertible {
    var regime: Regime
    var action: ConsentAction
    var choices: [String: Bool]
    var gpc: Bool
    /// Allowed, in standard category order, written out by hand from the rules.
    var allowed: [Bool]
    var conflicts: [String]
    var refusal: Bool

    var testDescription: String {
        let c = choices.keys.sorted().map { "\($0)=\(choices[$0]!)" }.joined(separator: ",")
        return "\(regime.rawValue) \(action.rawValue) [\(c)] gpc=\(gpc)"
    }
}

private let T = true
private let F = false

private let decisionTable: [DecisionRow] = [
    // Defaults before any choice.
    DecisionRow(
        regime: .optIn, action: .save, choices: [:], gpc: F, allowed: [T, F, F, F, F, F], conflicts: [], refusal: T),
    DecisionRow(
        regime: .optOut, action: .save, choices: [:], gpc: F, allowed: [T, T, T, T, T, T], conflicts: [], refusal: F),
    DecisionRow(
        regime: .notice, action: .save, choices: [:], gpc: F, allowed: [T, T, T, T, T, T], conflicts: [], refusal: F),
    // Accept All / Reject All set every optional category, whatever the regime and the choices sent along.
    DecisionRow(
        regime: .optIn, action: .acceptAll, choices: [:], gpc: F, allowed: [T, T, T, T, T, T], conflicts: [], refusal: F
    ),
    DecisionRow(
        regime: .optIn, action: .acceptAll, choices: ["performance": F], gpc: F, allowed: [T, T, T, T, T, T],
        conflicts: [], refusal: F),
    DecisionRow(
        regime: .notice, action: .acceptAll, choices: [:], gpc: F, allowed: [T, T, T, T, T, T], conflicts: [],
        refusal: F),
    DecisionRow(
        regime: .optOut, action: .rejectAll, choices: [:], gpc: F, allowed: [T, F, F, F, F, F], conflicts: [],
        refusal: T),
    DecisionRow(
        regime: .optIn, action: .rejectAll, choices: ["performance": T], gpc: F, allowed: [T, F, F, F, F, F],
        conflicts: [], refusal: T),
    DecisionRow(
        regime: .notice, action: .rejectAll, choices: [:], gpc: F, allowed: [T, F, F, F, F, F], conflicts: [],
        refusal: T),
    // Save: an explicit choice wins; a category left out falls back to the regime default.
    DecisionRow(
        regime: .optIn, action: .save, choices: ["performance": T], gpc: F, allowed: [T, F, T, F, F, F], conflicts: [],
        refusal: F),
    DecisionRow(
        regime: .optOut, action: .save, choices: ["performance": F], gpc: F, allowed: [T, T, F, T, T, T], conflicts: [],
        refusal: F),
    DecisionRow(
        regime: .notice, action: .save, choices: ["social": F, "sale": F], gpc: F, allowed: [T, T, T, T, F, F],
        conflicts: [], refusal: F),
    DecisionRow(
        regime: .optOut, action: .save,
        choices: ["functional": F, "performance": F, "targeting": F, "social": F, "sale": F], gpc: F,
        allowed: [T, F, F, F, F, F], conflicts: [], refusal: T),
    // Required categories cannot be refused.
    DecisionRow(
        regime: .optIn, action: .save, choices: ["necessary": F], gpc: F, allowed: [T, F, F, F, F, F], conflicts: [],
        refusal: T),
    DecisionRow(
        regime: .optOut, action: .rejectAll, choices: ["necessary": F], gpc: T, allowed: [T, F, F, F, F, F],
        conflicts: [], refusal: T),
    // GPC turns off targeting (targeted advertising) and sale (sale, sharing) in every regime.
    DecisionRow(
        regime: .optOut, action: .save, choices: [:], gpc: T, allowed: [T, T, T, F, T, F], conflicts: [], refusal: F),
    DecisionRow(
        regime: .notice, action: .save, choices: [:], gpc: T, allowed: [T, T, T, F, T, F], conflicts: [], refusal: F),
    DecisionRow(
        regime: .optIn, action: .save, choices: [:], gpc: T, allowed: [T, F, F, F, F, F], conflicts: [], refusal: T),
    DecisionRow(
        regime: .optOut, action: .gpc, choices: [:], gpc: T, allowed: [T, T, T, F, T, F], conflicts: [], refusal: F),
    // ... and records a conflict only where the visitor explicitly opted in.
    DecisionRow(
        regime: .optIn, action: .acceptAll, choices: [:], gpc: T, allowed: [T, T, T, F, T, F],
        conflicts: ["targeting", "sale"], refusal: F),
    DecisionRow(
        regime: .optOut, action: .acceptAll, choices: [:], gpc: T, allowed: [T, T, T, F, T, F],
        conflicts: ["targeting", "sale"], refusal: F),
    DecisionRow(
        regime: .notice, action: .save, choices: ["targeting": T, "sale": F], gpc: T, allowed: [T, T, T, F, T, F],
        conflicts: ["targeting"], refusal: F),
    DecisionRow(
        regime: .optOut, action: .save, choices: ["sale": T], gpc: T, allowed: [T, T, T, F, T, F], conflicts: ["sale"],
        refusal: F),
    DecisionRow(
        regime: .optIn, action: .save, choices: ["sale": T, "targeting": T], gpc: T, allowed: [T, F, F, F, F, F],
        conflicts: ["targeting", "sale"], refusal: T),
    DecisionRow(
        regime: .optIn, action: .gpc, choices: ["targeting": T], gpc: T, allowed: [T, F, F, F, F, F],
        conflicts: ["targeting"], refusal: T),
    DecisionRow(
        regime: .optOut, action: .rejectAll, choices: [:], gpc: T, allowed: [T, F, F, F, F, F], conflicts: [],
        refusal: T),
    // Without GPC, an explicit opt-in to sale stands and there is no conflict.
    DecisionRow(
        regime: .optIn, action: .save, choices: ["sale": T], gpc: F, allowed: [T, F, F, F, F, T], conflicts: [],
        refusal: F),
]

@Suite struct PolicyTableTests {
    @Test(arguments: decisionTable)
    func row(_ row: DecisionRow) {
        let decision = Policy.evaluate(
            regime: row.regime, categories: Property.standardCategories, action: row.action, choices: row.choices,
            gpc: row.gpc)
        #expect(decision.choices.map(\.key) == standardKeys)
        #expect(decision.choices.map(\.allowed) == row.allowed)
        #expect(decision.gpcConflicts == row.conflicts)
        #expect(decision.gpc == row.gpc)
        #expect(decision.isRefusal(in: Property.standardCategories) == row.refusal)
    }

    @Test(arguments: Regime.allCases, [false, true])
    func defaultsEqualSaveWithoutChoices(regime: Regime, gpc: Bool) {
        let categories = Property.standardCategories
        #expect(
            Policy.defaults(regime: regime, categories: categories, gpc: gpc)
                == Policy.evaluate(regime: regime, categories: categories, action: .save, choices: [:], gpc: gpc))
    }

    @Test func subscriptLooksUpByKey() {
        let d = Policy.evaluate(
            regime: .optIn, categories: Property.standardCategories, action: .save, choices: ["social": true],
            gpc: false)
        #expect(d["social"] == true)
        #expect(d["performance"] == false)
        #expect(d["necessary"] == true)
        #expect(d["nonexistent"] == nil)
    }
}

/// Invariants over the whole cross product: regime × action × GPC × every subset of explicit choices.
@Suite struct PolicyInvariantTests {
    /// Categories with per-regime defaults that differ, a required one, and GPC purposes on an optional one.
    static let categories: [Category] = [
        Category(key: "essential", title: [:], description: [:], required: true, purposes: [.security]),
        Category(
            key: "prefs", title: [:], description: [:],
            defaults: RegimeDefaults(optIn: false, optOut: false, notice: true),
            purposes: [.functional]),
        Category(
            key: "stats", title: [:], description: [:],
            defaults: RegimeDefaults(optIn: false, optOut: true, notice: false),
            purposes: [.analytics]),
        Category(key: "ads", title: [:], description: [:], purposes: [.targetedAdvertising, .analytics]),
        Category(key: "share", title: [:], description: [:], purposes: [.sharing]),
    ]

    /// Every assignment of {absent, false, true} to the optional categories (3^4 = 81).
    static let choiceSets: [[String: Bool]] = {
        let keys = categories.filter { !$0.required }.map(\.key)
        var sets: [[String: Bool]] = [[:]]
        for key in keys {
            sets = sets.flatMap { s in [s, s.merging([key: false]) { $1 }, s.merging([key: true]) { $1 }] }
        }
        return sets
    }()

    @Test(arguments: Regime.allCases, ConsentAction.allCases)
    func invariants(regime: Regime, action: ConsentAction) {
        #expect(Self.choiceSets.count == 81)
        for choices in Self.choiceSets {
            for gpc in [false, true] {
                let d = Policy.evaluate(
                    regime: regime, categories: Self.categories, action: action, choices: choices, gpc: gpc)
                #expect(d.choices.map(\.key) == Self.categories.map(\.key))
                for category in Self.categories {
                    let allowed = d[category.key]!
                    let explicit: Bool? =
                        switch action {
                        case .acceptAll: true
                        case .rejectAll: false
                        case .save, .gpc: choices[category.key]
                        }
                    let gpcOff =
                        gpc && category.purposes.contains { [.sale, .sharing, .targetedAdvertising].contains($0) }
                    if category.required {
                        #expect(allowed, "required \(category.key) must always be allowed")
                    } else if gpcOff {
                        #expect(!allowed, "\(category.key) must be off under GPC")
                    } else if let explicit {
                        #expect(allowed == explicit)
                    } else {
                        #expect(
                            allowed == category.defaults[regime], "\(category.key) must follow the \(regime) default")
                    }
                    let conflict = d.gpcConflicts.contains(category.key)
                    #expect(conflict == (gpcOff && explicit == true && !category.required))
                }
                // Conflicts keep category order.
                #expect(d.gpcConflicts == Self.categories.map(\.key).filter { d.gpcConflicts.contains($0) })
                if !gpc { #expect(d.gpcConflicts.isEmpty) }
            }
        }
    }

    @Test func gpcPurposes() {
        #expect(Set(Purpose.allCases.filter(\.optedOutByGPC)) == [.sale, .sharing, .targetedAdvertising])
        #expect(Self.categories.filter(\.optedOutByGPC).map(\.key) == ["ads", "share"])
    }

    @Test func isDefaultAllowed() {
        let prefs = Self.categories[1]
        #expect(!prefs.isDefaultAllowed(in: .optIn))
        #expect(!prefs.isDefaultAllowed(in: .optOut))
        #expect(prefs.isDefaultAllowed(in: .notice))
        let essential = Self.categories[0]
        #expect(Regime.allCases.allSatisfy { essential.isDefaultAllowed(in: $0) })
    }
}

@Suite struct RefusalTests {
    static let categories = Property.standardCategories

    static func decide(_ action: ConsentAction, _ choices: [String: Bool], regime: Regime = .optIn, gpc: Bool = false)
        -> EffectiveDecision
    {
        Policy.evaluate(regime: regime, categories: categories, action: action, choices: choices, gpc: gpc)
    }

    @Test(arguments: Regime.allCases)
    func rejectAllIsARefusal(regime: Regime) {
        #expect(Self.decide(.rejectAll, [:], regime: regime).isRefusal(in: Self.categories))
        #expect(!Self.decide(.acceptAll, [:], regime: regime).isRefusal(in: Self.categories))
    }

    @Test(arguments: standardKeys.filter { $0 != "necessary" })
    func anyOptionalAllowedIsNotARefusal(key: String) {
        let d = Self.decide(.save, [key: true])
        #expect(d[key] == true)
        #expect(!d.isRefusal(in: Self.categories))
    }

    @Test func requiredOnlyCountsAsRefusalEvenWhenCategoriesListIsShorter() {
        // A choice for a key the category list does not know is not counted as an optional allowance.
        let d = Self.decide(.save, ["performance": true])
        let withoutPerformance = Self.categories.filter { $0.key != "performance" }
        #expect(d.isRefusal(in: withoutPerformance))
        #expect(!d.isRefusal(in: Self.categories))
    }

    @Test func equalityComparesEveryPart() {
        let a = Self.decide(.save, ["social": true])
        #expect(a == Self.decide(.save, ["social": true]))
        #expect(a != Self.decide(.save, ["social": false]))
        #expect(a != Self.decide(.save, ["social": true], gpc: true))
        #expect(Self.decide(.acceptAll, [:], gpc: true) != Self.decide(.save, [:], regime: .optOut, gpc: true))
        let shorter = Policy.evaluate(
            regime: .optIn, categories: Array(Self.categories.prefix(3)), action: .save, choices: ["social": true],
            gpc: false)
        #expect(a != shorter)
    }
}
