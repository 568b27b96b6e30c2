extension LedgerEntry {
    /// Writes the members of a decision as the API shows it (without the braces, so an answer adds its own members
    /// around them: `signals`, `receipt`, `carriedFrom`): choices in the property's category order, times as
    /// RFC 3339, and when it expires. `id` false leaves the record id out (a scanner's decision has no record).
    public func writeAnswerMembers(property: Property, id writeID: Bool = true, to w: inout JSONWriter) {
        if writeID { w.member("id", id) }
        w.member("property", self.property)
        w.member("subject", subject)
        w.member("choices") { w in
            w.object { w in
                var written = 0
                for category in property.categories {
                    guard let allowed = choices[category.key] else { continue }
                    w.member(name: category.key)
                    w.bool(allowed)
                    written += 1
                }
                if written < choices.count {
                    // Categories the property no longer has: after the current ones, sorted.
                    for key in choices.keys.sorted() where property.category(key) == nil {
                        w.member(name: key)
                        w.bool(choices[key]!)
                    }
                }
            }
        }
        w.member("action", action.rawValue)
        w.member("gpc", gpc)
        w.member("gpcConflicts") { w in w.array(gpcConflicts) { w, key in w.string(key) } }
        if !tcfObjections.isEmpty {
            w.member("tcf")
            tcfObjections.write(to: &w, canonical: false)
        }
        w.member("regime", regime.rawValue)
        w.member("region", region)
        w.member("policyVersion", policyVersion)
        w.member("textsHash", textsHash)
        w.member("lang", lang)
        w.member("recordedAt", Timestamp.iso8601(milliseconds: recordedAt))
        w.member("expiresAt", Timestamp.iso8601(milliseconds: expiresAt(under: property)))
    }

    /// The decision as the API shows it, as one object.
    public func writeAnswer(property: Property, to w: inout JSONWriter) {
        w.object { w in writeAnswerMembers(property: property, to: &w) }
    }
}
