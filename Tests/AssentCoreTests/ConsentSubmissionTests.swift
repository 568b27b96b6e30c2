import AssentCore
import Testing

@Suite struct ConsentSubmissionParseTests {
    static let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e"

    @Test(arguments: [
        // body shape
        ("[]", "body"),
        ("\"save\"", "body"),
        ("null", "body"),
        // unknown fields
        (#"{"action":"accept_all","policyVersion":1,"foo":1}"#, "foo"),
        (#"{"action":"accept_all","policyVersion":1,"Action":"save"}"#, "Action"),
        (#"{"action":"accept_all","policyVersion":1,"ip":"1.2.3.4"}"#, "ip"),
        // wrong types
        (#"{"action":1,"policyVersion":1}"#, "action"),
        (#"{"action":null,"policyVersion":1}"#, "action"),
        (#"{"action":"accept_all","policyVersion":"1"}"#, "policyVersion"),
        (#"{"action":"accept_all","policyVersion":1.5}"#, "policyVersion"),
        (#"{"action":"accept_all","policyVersion":true}"#, "policyVersion"),
        (#"{"action":"save","policyVersion":1,"choices":[]}"#, "choices"),
        (#"{"action":"save","policyVersion":1,"choices":null}"#, "choices"),
        (#"{"action":"save","policyVersion":1,"choices":{"functional":"yes"}}"#, "choices.functional"),
        (#"{"action":"save","policyVersion":1,"choices":{"a":true,"b":1}}"#, "choices.b"),
        (#"{"action":"accept_all","policyVersion":1,"gpc":"true"}"#, "gpc"),
        (#"{"action":"accept_all","policyVersion":1,"gpc":1}"#, "gpc"),
        (#"{"action":"accept_all","policyVersion":1,"lang":5}"#, "lang"),
        (#"{"action":"accept_all","policyVersion":1,"lang":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#, "lang"),
        (#"{"action":"accept_all","policyVersion":1,"region":["FR"]}"#, "region"),
        // subject
        (#"{"action":"accept_all","policyVersion":1,"subject":123}"#, "subject"),
        (#"{"action":"accept_all","policyVersion":1,"subject":"not-a-uuid"}"#, "subject"),
        (#"{"action":"accept_all","policyVersion":1,"subject":""}"#, "subject"),
        (#"{"action":"accept_all","policyVersion":1,"subject":"0f8fad5bd9cb469fa16570867728950e"}"#, "subject"),
        (#"{"action":"accept_all","policyVersion":1,"subject":"0f8fad5b-d9cb-469f-a165-70867728950"}"#, "subject"),
        (#"{"action":"accept_all","policyVersion":1,"subject":"0f8fad5b-d9cb-469f-a165-70867728950e0"}"#, "subject"),
        (#"{"action":"accept_all","policyVersion":1,"subject":"0f8fad5b-d9cb-469f-a165-70867728950g"}"#, "subject"),
        (#"{"action":"accept_all","policyVersion":1,"subject":"0f8fad5b+d9cb-469f-a165-70867728950e"}"#, "subject"),
        (#"{"action":"accept_all","policyVersion":1,"subject":"0f8fad5bd-9cb-469f-a165-70867728950e"}"#, "subject"),
        // actions
        (#"{"action":"maybe","policyVersion":1}"#, "action"),
        (#"{"action":"ACCEPT_ALL","policyVersion":1}"#, "action"),
        (#"{"action":"acceptAll","policyVersion":1}"#, "action"),
        (#"{"action":"","policyVersion":1}"#, "action"),
        // missing
        (#"{"policyVersion":1}"#, "action"),
        (#"{"action":"accept_all"}"#, "policyVersion"),
        ("{}", "action"),
        (#"{"action":"save","policyVersion":1}"#, "choices"),
        (#"{"action":"save","policyVersion":1,"subject":null}"#, "choices"),
    ])
    func badInputNamesTheField(body: String, field: String) throws {
        let json = try parseJSON(body)
        let error = try #require(throws: SubmissionError.self) { try ConsentSubmission.parse(json) }
        #expect(error.field == field, "\(error)")
        #expect(!error.message.isEmpty)
        #expect(error.description.hasPrefix("\(field): "))
    }

    @Test func missingActionMessage() throws {
        let error = try #require(throws: SubmissionError.self) {
            try ConsentSubmission.parse(parseJSON(#"{"policyVersion":2}"#))
        }
        #expect(error.field == "action" && error.message == "missing")
    }

    @Test func fullValidSubmission() throws {
        let body = #"""
            {"subject":"0F8FAD5B-D9CB-469F-A165-70867728950E","choices":{"functional":true,"sale":false},
             "action":"save","policyVersion":7,"lang":"es-MX","gpc":true,"region":"us-ca"}
            """#
        let s = try ConsentSubmission.parse(parseJSON(body))
        #expect(s.subject == Self.uuid)
        #expect(s.choices == ["functional": true, "sale": false])
        #expect(s.action == .save)
        #expect(s.policyVersion == 7)
        #expect(s.lang == "es-MX")
        #expect(s.gpc)
        #expect(s.region == "us-ca")
    }

    @Test func minimalSubmissionGetsDefaults() throws {
        let s = try ConsentSubmission.parse(parseJSON(#"{"action":"reject_all","policyVersion":1}"#))
        #expect(s == ConsentSubmission(choices: [:], action: .rejectAll, policyVersion: 1))
        #expect(s.subject == nil && s.lang == nil && s.region == nil && !s.gpc)
    }

    @Test func nullOptionalFieldsAreAbsent() throws {
        let s = try ConsentSubmission.parse(
            parseJSON(#"{"action":"accept_all","policyVersion":1,"subject":null,"lang":null,"region":null}"#))
        #expect(s.subject == nil && s.lang == nil && s.region == nil)
    }

    @Test(arguments: ConsentAction.allCases)
    func everyActionParses(action: ConsentAction) throws {
        let s = try ConsentSubmission.parse(
            parseJSON(#"{"action":"\#(action.rawValue)","policyVersion":1,"choices":{}}"#))
        #expect(s.action == action)
    }

    @Test func saveWithEmptyChoicesIsAccepted() throws {
        let s = try ConsentSubmission.parse(parseJSON(#"{"action":"save","policyVersion":1,"choices":{}}"#))
        #expect(s.choices.isEmpty)
    }

    @Test(arguments: [
        ("0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e"),
        ("0F8FAD5B-D9CB-469F-A165-70867728950E", "0f8fad5b-d9cb-469f-a165-70867728950e"),
        ("00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"),
    ])
    func uuidNormalization(raw: String, normalized: String) {
        #expect(normalizedUUID(raw) == normalized)
    }

    @Test(arguments: [
        "", "0f8fad5b-d9cb-469f-a165-70867728950", "{0f8fad5b-d9cb-469f-a165-70867728950e}",
        "0f8fad5b-d9cb-469f-a165_70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950é",
        "zf8fad5b-d9cb-469f-a165-70867728950e",
    ])
    func notUUIDs(raw: String) {
        #expect(normalizedUUID(raw) == nil)
    }
}

@Suite struct ConsentSubmissionValidateTests {
    static let property = Property.standard(id: "demo", name: "Demo", origins: ["https://example.com"])

    static func submission(_ body: String) throws -> ConsentSubmission { try ConsentSubmission.parse(parseJSON(body)) }

    @Test func validSubmissionPasses() throws {
        let s = try Self.submission(#"{"action":"save","policyVersion":1,"choices":{"functional":true,"sale":false}}"#)
        try s.validate(against: Self.property, knownPolicyVersions: [1], gpcSignal: false)
        try s.validate(against: Self.property, knownPolicyVersions: 1...3, gpcSignal: true)
    }

    @Test func unknownCategoryKey() throws {
        let s = try Self.submission(
            #"{"action":"save","policyVersion":1,"choices":{"functional":true,"marketing":true}}"#)
        let error = try #require(throws: SubmissionError.self) {
            try s.validate(against: Self.property, knownPolicyVersions: [1], gpcSignal: false)
        }
        #expect(error.field == "choices.marketing")
        #expect(error.message.contains("marketing"))
    }

    @Test func categoryKeysAreCaseSensitive() throws {
        let s = try Self.submission(#"{"action":"save","policyVersion":1,"choices":{"Functional":true}}"#)
        let error = try #require(throws: SubmissionError.self) {
            try s.validate(against: Self.property, knownPolicyVersions: [1], gpcSignal: false)
        }
        #expect(error.field == "choices.Functional")
    }

    @Test(arguments: [0, 2, -1, 99])
    func unknownPolicyVersion(version: Int) throws {
        let s = try Self.submission(#"{"action":"accept_all","policyVersion":\#(version)}"#)
        let error = try #require(throws: SubmissionError.self) {
            try s.validate(against: Self.property, knownPolicyVersions: [1], gpcSignal: false)
        }
        #expect(error.field == "policyVersion")
        #expect(error.message.contains("\(version)"))
    }

    @Test func olderKnownPolicyVersionIsAccepted() throws {
        var property = Self.property
        property.policyVersion = 3
        let s = try Self.submission(#"{"action":"accept_all","policyVersion":2}"#)
        try s.validate(against: property, knownPolicyVersions: [1, 2, 3], gpcSignal: false)
    }

    @Test func gpcActionNeedsASignal() throws {
        let s = try Self.submission(#"{"action":"gpc","policyVersion":1}"#)
        let error = try #require(throws: SubmissionError.self) {
            try s.validate(against: Self.property, knownPolicyVersions: [1], gpcSignal: false)
        }
        #expect(error.field == "action")
        try s.validate(against: Self.property, knownPolicyVersions: [1], gpcSignal: true)
    }

    @Test func otherActionsDoNotNeedASignal() throws {
        for action in ["accept_all", "reject_all"] {
            let s = try Self.submission(#"{"action":"\#(action)","policyVersion":1}"#)
            try s.validate(against: Self.property, knownPolicyVersions: [1], gpcSignal: false)
        }
    }
}
