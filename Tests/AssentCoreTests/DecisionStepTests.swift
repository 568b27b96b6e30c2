import AssentCore
import Testing

/// The standard property at policy version 2 (version 1 had no social category), and the same with TCF on.
private let current: Property = {
    var p = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
    p.policyVersion = 2
    return p
}()
private let older: Property = {
    var p = current
    p.policyVersion = 1
    p.categories.removeAll { $0.key == "social" }
    return p
}()
private let withTCF: Property = {
    var p = current
    p.signals.tcf = TCFSettings(
        cmpId: 300, cmpVersion: 2, publisherCountryCode: "FR", vendorListVersion: 42, specialFeatures: [1, 2],
        vendors: [1, 20, 755, 800, 1044, 99])
    return p
}()

private let browser = "0f8fad5b-d9cb-469f-a165-70867728950e"
private let fresh = "11111111-2222-4333-8444-555555555555"
private let recordID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
private let reader = "u-AAAAAAAAAAAAAAAAAAAAAA"
private let at: Int64 = 1_795_969_185_138

private func inputs(
    _ submission: ConsentSubmission, property: Property = current, shown: Property?? = nil,
    vendorList: VendorList? = nil, gpcHeader: Bool = false,
    region: RegionSource = RegionSource(header: "FR", fallback: Region("US-CA")!, overridable: false),
    reader: String? = nil, earlier: LedgerEntry? = nil
) -> DecisionInputs {
    DecisionInputs(
        submission: submission, property: property, shown: shown ?? property, knownPolicyVersions: [1, 2],
        vendorList: vendorList, gpcHeader: gpcHeader, region: region, readerSubject: reader, earlier: earlier,
        now: at, recordID: recordID, freshSubject: fresh)
}

private func decide(_ inputs: DecisionInputs) throws(DecisionRefusal) -> DecisionOutcome {
    try DecisionStep.decide(inputs) { property, lang in "texts:\(property.policyVersion):\(lang)" }
}

/// An earlier record of `subject` on the current property with these optional choices (required ones allowed).
private func earlierRecord(
    _ subject: String, _ choices: [String: Bool], objections: TCFObjections = .none
) -> LedgerEntry {
    var all = choices
    all["necessary"] = true
    return LedgerEntry(
        id: "99999999-2222-4333-8444-555555555555", property: "news", subject: subject, choices: all,
        action: .save, regime: .optIn, region: "FR", gpc: false, gpcConflicts: [], policyVersion: 2,
        textsHash: "t", lang: "en", recordedAt: at - 1000, tcfObjections: objections)
}

private let optional = ["functional", "performance", "targeting", "social", "sale"]

@Suite("Deciding a consent submission in Core (DecisionStep)")
struct DecisionStepTests {
    @Test("the entry holds the effective decision, the region's regime, the language matched and what was shown")
    func entry() throws {
        let outcome = try decide(
            inputs(
                ConsentSubmission(
                    subject: browser, choices: ["functional": true], action: .save, policyVersion: 2, lang: "es-MX")))
        let entry = outcome.entry
        #expect(entry.id == recordID)
        #expect(entry.subject == browser, "a browser's own subject is kept")
        #expect(!outcome.startsSubject)
        #expect(entry.property == "news")
        #expect(entry.regime == .optIn)
        #expect(entry.region == "FR")
        #expect(entry.lang == "es")
        #expect(entry.textsHash == "texts:2:es")
        #expect(entry.recordedAt == at)
        #expect(entry.policyVersion == 2)
        #expect(entry.choices["necessary"] == true)
        #expect(entry.choices["functional"] == true)
        #expect(entry.choices["targeting"] == false, "opt-in: what was not chosen is refused")
        #expect(entry.choices.count == current.categories.count)
        #expect(outcome.decision.choices.map(\.key) == current.categories.map(\.key))
        #expect(entry.gpc == false && entry.gpcConflicts.isEmpty)
    }

    @Test("no subject named: the fresh one, and the decision is a first one (no earlier)")
    func freshSubject() throws {
        let outcome = try decide(
            inputs(
                ConsentSubmission(choices: [:], action: .acceptAll, policyVersion: 2),
                earlier: earlierRecord(browser, [:])))
        #expect(outcome.entry.subject == fresh)
        #expect(outcome.earlier == nil)
        #expect(outcome.startsSubject)
    }

    @Test("an older banner: recorded under the policy version shown, with that version's categories")
    func olderPolicyVersion() throws {
        let outcome = try decide(
            inputs(ConsentSubmission(choices: [:], action: .acceptAll, policyVersion: 1), shown: .some(older)))
        #expect(outcome.entry.policyVersion == 1)
        #expect(outcome.entry.choices["social"] == nil)
        #expect(outcome.entry.textsHash == "texts:1:en")
    }

    @Test("a policy version the property never had, an unknown category, action gpc without a signal: refused")
    func refusals() throws {
        #expect(
            throws: DecisionRefusal.invalidConsent(
                SubmissionError(
                    field: "policyVersion", message: "property news never had policy version 7 (current: 2)"))
        ) {
            try decide(inputs(ConsentSubmission(choices: [:], action: .acceptAll, policyVersion: 7), shown: .some(nil)))
        }
        #expect {
            try decide(inputs(ConsentSubmission(choices: ["ads": true], action: .save, policyVersion: 2)))
        } throws: { error in
            guard case .invalidConsent(let e) = error as? DecisionRefusal else { return false }
            return e.field == "choices.ads"
        }
        #expect {
            try decide(inputs(ConsentSubmission(choices: [:], action: .gpc, policyVersion: 2)))
        } throws: { error in
            guard case .invalidConsent(let e) = error as? DecisionRefusal else { return false }
            return e.field == "action"
        }
        // With the header's signal, action gpc is a decision.
        let gpc = try decide(inputs(ConsentSubmission(choices: [:], action: .gpc, policyVersion: 2), gpcHeader: true))
        #expect(gpc.entry.action == .gpc && gpc.entry.gpc)
    }

    @Test("GPC from the header or the body turns off sale, sharing and targeting, and notes an explicit opt-in")
    func gpc() throws {
        let submission = ConsentSubmission(
            choices: ["targeting": true, "functional": true], action: .save, policyVersion: 2)
        for (header, body) in [(true, false), (false, true)] {
            var s = submission
            s.gpc = body
            let outcome = try decide(inputs(s, gpcHeader: header))
            #expect(outcome.entry.gpc)
            #expect(outcome.entry.choices["targeting"] == false)
            #expect(outcome.entry.choices["functional"] == true)
            #expect(outcome.entry.gpcConflicts == ["targeting"])
        }
        let without = try decide(inputs(submission))
        #expect(without.entry.choices["targeting"] == true && !without.entry.gpc)
    }

    @Test("the region: the header, else the fallback; a region named in the body only where it may be switched")
    func region() throws {
        var s = ConsentSubmission(choices: [:], action: .rejectAll, policyVersion: 2)
        s.region = "US-CA"
        let fixed = RegionSource(header: "FR", fallback: Region("DE")!, overridable: false)
        let ignored = try decide(inputs(s, region: fixed)).entry
        #expect(ignored.region == "FR", "not the demo: the body's region is ignored")
        var demo = fixed
        demo.overridable = true
        let switched = try decide(inputs(s, region: demo)).entry
        #expect(switched.region == "US-CA" && switched.regime == .optOut)
        let noHeader = RegionSource(header: nil, fallback: Region("DE")!, overridable: false)
        let fallback = try decide(inputs(s, region: noHeader)).entry
        #expect(fallback.region == "DE")
        let badHeader = RegionSource(header: "not a region", fallback: Region("DE")!, overridable: false)
        let unreadable = try decide(inputs(s, region: badHeader)).entry
        #expect(unreadable.region == "DE")
        s.region = "France"
        #expect(throws: DecisionRefusal.invalidRegion("France")) { try decide(inputs(s, region: demo)) }
        #expect(DecisionRefusal.invalidRegion("France").description.contains("\"France\""))
        s.region = ""
        let empty = try decide(inputs(s, region: demo)).entry
        #expect(empty.region == "FR", "an empty parameter is no switch")
    }

    @Test("a reader's token: the reader's subject, whatever the body names, and their earlier decision counts")
    func readerSubject() throws {
        let earlier = earlierRecord(reader, ["functional": true])
        let outcome = try decide(
            inputs(
                ConsentSubmission(subject: browser, choices: [:], action: .acceptAll, policyVersion: 2),
                reader: reader, earlier: earlier))
        #expect(outcome.entry.subject == reader)
        #expect(outcome.earlier == earlier)
        #expect(!outcome.startsSubject)
    }

    @Test("a reader's subject named without a token is kept only for a decision that narrows their earlier one")
    func readerSubjectWithoutToken() throws {
        let earlier = earlierRecord(reader, ["functional": true, "targeting": true])
        let narrows = ConsentSubmission(
            subject: reader, choices: ["functional": true, "targeting": false], action: .save, policyVersion: 2)
        let kept = try decide(inputs(narrows, earlier: earlier))
        #expect(kept.entry.subject == reader)
        #expect(kept.earlier == earlier)
        #expect(!kept.startsSubject)
        let widens = ConsentSubmission(subject: reader, choices: [:], action: .acceptAll, policyVersion: 2)
        let moved = try decide(inputs(widens, earlier: earlier))
        #expect(moved.entry.subject == fresh, "allowing more without a token starts a new browser subject")
        #expect(moved.earlier == nil)
        #expect(moved.startsSubject, "a subject the decision moved to is a new one")
        let nothing = try decide(inputs(narrows)).entry
        #expect(nothing.subject == fresh, "no earlier decision: nothing to narrow")
    }

    @Test("objections: submitted ones replace the earlier; else the earlier ones still shown are carried")
    func objections() throws {
        let earlier = earlierRecord(browser, [:], objections: TCFObjections(vendors: [20, 99], purposes: [2, 3]))
        let carried = try decide(
            inputs(
                ConsentSubmission(subject: browser, choices: [:], action: .rejectAll, policyVersion: 2),
                property: withTCF, vendorList: testVendorList, earlier: earlier))
        #expect(carried.entry.tcfObjections == TCFObjections(vendors: [20], purposes: [2]))
        let submitted = try decide(
            inputs(
                ConsentSubmission(
                    subject: browser, choices: [:], action: .rejectAll, policyVersion: 2,
                    tcf: TCFObjections(vendors: [755], purposes: [])),
                property: withTCF, vendorList: testVendorList, earlier: earlier))
        #expect(submitted.entry.tcfObjections == TCFObjections(vendors: [755], purposes: []))
        let newSubject = try decide(
            inputs(
                ConsentSubmission(choices: [:], action: .rejectAll, policyVersion: 2), property: withTCF,
                vendorList: testVendorList, earlier: earlier))
        #expect(newSubject.entry.tcfObjections.isEmpty, "a new subject has no earlier objections")
        #expect(
            DecisionStep.tcfObjections(
                nil, known: true, property: current, vendorList: testVendorList, earlier: earlier
            )
            .isEmpty, "TCF off: none")
        #expect(
            DecisionStep.tcfObjections(nil, known: true, property: withTCF, vendorList: nil, earlier: earlier)
                .isEmpty, "no vendor list: none")
    }

    @Test("the earlier decision is read only where deciding or counting needs it")
    func needsEarlier() {
        #expect(!DecisionStep.needsEarlier(named: nil, reader: nil, shown: withTCF, counting: true))
        #expect(!DecisionStep.needsEarlier(named: browser, reader: nil, shown: current, counting: false))
        #expect(DecisionStep.needsEarlier(named: browser, reader: nil, shown: current, counting: true))
        #expect(DecisionStep.needsEarlier(named: browser, reader: nil, shown: withTCF, counting: false))
        #expect(DecisionStep.needsEarlier(named: reader, reader: nil, shown: current, counting: false))
        #expect(DecisionStep.needsEarlier(named: nil, reader: reader, shown: withTCF, counting: false))
        #expect(!DecisionStep.needsEarlier(named: nil, reader: reader, shown: current, counting: false))
    }

    @Test("every optional category takes Accept All and Reject All in both regimes")
    func actions() throws {
        for header in ["FR", "US-CA"] {
            let region = RegionSource(header: header, fallback: Region("DE")!, overridable: false)
            for (action, allowed) in [(ConsentAction.acceptAll, true), (.rejectAll, false)] {
                let entry = try decide(
                    inputs(ConsentSubmission(choices: [:], action: action, policyVersion: 2), region: region)
                ).entry
                for key in optional where current.category(key) != nil {
                    #expect(entry.choices[key] == allowed, "\(header) \(action) \(key)")
                }
                #expect(entry.choices["necessary"] == true)
            }
        }
    }
}
