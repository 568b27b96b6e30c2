/// A value kept in one shared box and copied only when a copy of it is changed: a copy of the wrapper is one
/// reference-count operation, however many strings and arrays the value holds. `Property` and `Category` keep
/// their fields in one (a consent POST copies the property into the decision's inputs and walks its categories).
/// Equality is the value's own, with a shortcut when both share the box.
struct CopyOnWrite<Value: Equatable & Sendable>: Equatable, Sendable {
    private final class Box: @unchecked Sendable {
        // Changed only through `value`'s modify, when this box is not shared.
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private var box: Box

    init(_ value: Value) { box = Box(value) }

    var value: Value {
        get { box.value }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.value) }
            yield &box.value
        }
    }

    static func == (lhs: CopyOnWrite, rhs: CopyOnWrite) -> Bool {
        lhs.box === rhs.box || lhs.box.value == rhs.box.value
    }
}
