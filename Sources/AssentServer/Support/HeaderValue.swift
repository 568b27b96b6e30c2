import HTTPTypes

extension HTTPFields {
    /// The value of the fields named `name`, as `self[name]` gives it (several fields joined), without building
    /// a new string when there is one field, as in nearly every request. `self[name]` joins even a single value
    /// through an unspecialised generic, which a consent POST paid for on each of its eight header reads.
    func value(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }
}
