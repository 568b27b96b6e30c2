import AssentCore
import Testing

/// The `requests` section of the property document: the data points privacy requests ask for.
@Suite struct RequestSettingsTests {
    static let property = Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"])

    /// A section asking for a customer number (access and delete, required), a phone (optional) and the
    /// correction.
    static let custom = #"""
        {"dataPoints": [
          {"key": "customer_number", "label": {"en": "Customer number", "es": "Número de cliente"},
           "hint": {"en": "On your invoices.", "es": "En sus facturas."},
           "types": ["access", "delete"], "required": true},
          {"key": "phone", "label": {"en": "Phone", "es": "Teléfono"}, "types": ["access", "delete", "correct"],
           "autocomplete": "tel"},
          {"key": "correction", "label": {"en": "What is wrong", "es": "Qué está mal"}, "types": ["correct"],
           "required": true, "multiline": true}
        ]}
        """#

    static func document(_ section: String) throws -> JSONValue {
        property.jsonValue.setting("requests", to: try JSONParser.parse(Array(section.utf8)))
    }

    @Test func aGoodSectionIsRead() throws {
        let decoded = try Property.decode(try Self.document(Self.custom))
        let settings = try #require(decoded.requests)
        #expect(settings.dataPoints.map(\.key) == ["customer_number", "phone", "correction"])
        let number = settings.dataPoints[0]
        #expect(number.label == ["en": "Customer number", "es": "Número de cliente"])
        #expect(number.hint(in: "es") == "En sus facturas.")
        #expect(number.types == [.access, .delete])
        #expect(number.required && !number.multiline && number.autocomplete == nil)
        #expect(settings.dataPoints[1].autocomplete == "tel")
        #expect(!settings.dataPoints[1].required, "required defaults to false")
        #expect(settings.dataPoints[2].multiline)
        #expect(settings.dataPoints(for: .access).map(\.key) == ["customer_number", "phone"])
        #expect(settings.dataPoints(for: .correct).map(\.key) == ["phone", "correction"])
        #expect(settings.dataPoints(for: .optOutLists).isEmpty)
        #expect(decoded.requestSettings == settings)
    }

    @Test func withoutTheSectionTheStandardDataPointsApply() throws {
        #expect(Self.property.requests == nil)
        for document in [Self.property.jsonValue, Self.property.jsonValue.setting("requests", to: .null)] {
            let decoded = try Property.decode(document)
            #expect(decoded.requests == nil)
            #expect(decoded == Self.property)
        }
        let standard = Self.property.requestSettings
        #expect(standard == .standard)
        // What every property asked before the section existed.
        let asked: [RequestType: [String]] = [
            .access: ["name"], .delete: ["name"], .correct: ["name", "correction"], .optOutSaleSharing: [],
            .optOutLists: [], .limitSensitive: [],
        ]
        for type in RequestType.allCases {
            #expect(standard.dataPoints(for: type).map(\.key) == asked[type], "\(type)")
            #expect(standard.dataPoints(for: type).allSatisfy { $0.required })
        }
        #expect(standard.dataPoints.map { $0.label(in: "es") } == ["Nombre completo", "Qué hay que corregir"])
        #expect(standard.dataPoints[0].label(in: "fr") == "Full name", "a language without its own text: English")
    }

    @Test func aPropertyWithoutTheSectionExportsNone() throws {
        #expect(Self.property.jsonValue["requests"] == nil)
        let text = Self.property.documentJSON()
        #expect(!text.contains("\"requests\""))
        #expect(try Property.decode(json: Array(text.utf8)).documentJSON() == text, "byte for byte")
    }

    @Test func aCustomSectionRoundTrips() throws {
        let decoded = try Property.decode(try Self.document(Self.custom))
        #expect(try Property.decode(decoded.jsonValue) == decoded)
        let text = decoded.documentJSON()
        let again = try Property.decode(json: Array(text.utf8))
        #expect(again == decoded)
        #expect(again.documentJSON() == text)
        let points = try #require(decoded.jsonValue["requests"]?["dataPoints"]?.arrayValue)
        #expect(points.count == 3)
        #expect(points[0]["autocomplete"] == nil, "omitted when unset")
        #expect(points[1]["hint"] == nil, "omitted when unset")
    }

    @Test func changingTheDataPointsIsNotAPolicyChange() throws {
        let decoded = try Property.decode(try Self.document(Self.custom))
        #expect(decoded != Self.property, "a new revision is stored")
        #expect(!decoded.policyContentDiffers(from: Self.property), "visitors are not asked again")
        #expect(decoded.textsHash(language: "en") == Self.property.textsHash(language: "en"))
    }

    /// A section, and the (path, message fragment) problems it must produce, and only those.
    static let invalidSections: [(String, String, [(String, String)])] = [
        (
            "duplicate key",
            #"{"dataPoints":[{"key":"name","label":{"en":"A","es":"A"},"types":["access"]},"#
                + #"{"key":"name","label":{"en":"B","es":"B"},"types":["delete"]},"# + correction,
            [("$.requests.dataPoints[1].key", #"duplicate data point key "name""#)]
        ),
        (
            "key with capitals", points(#"{"key":"Account","label":{"en":"A","es":"A"},"types":["access"]}"#),
            [("$.requests.dataPoints[0].key", "lowercase letter")]
        ),
        (
            "key with a dash", points(#"{"key":"account-no","label":{"en":"A","es":"A"},"types":["access"]}"#),
            [("$.requests.dataPoints[0].key", "lowercase letter")]
        ),
        (
            "key starting with a digit",
            points(#"{"key":"1st","label":{"en":"A","es":"A"},"types":["access"]}"#),
            [("$.requests.dataPoints[0].key", "lowercase letter")]
        ),
        (
            "key of 33 characters",
            points(#"{"key":"\#(String(repeating: "a", count: 33))","label":{"en":"A","es":"A"},"types":["access"]}"#),
            [("$.requests.dataPoints[0].key", "up to 31")]
        ),
        (
            "key the form uses", points(#"{"key":"email","label":{"en":"A","es":"A"},"types":["access"]}"#),
            [("$.requests.dataPoints[0].key", "reserved")]
        ),
        (
            "label missing in a declared language",
            points(#"{"key":"account","label":{"en":"Account"},"types":["access"]}"#),
            [("$.requests.dataPoints[0].label.es", #"text missing in declared language "es""#)]
        ),
        (
            "label in an undeclared language",
            points(#"{"key":"account","label":{"en":"A","es":"A","fr":"A"},"types":["access"]}"#),
            [("$.requests.dataPoints[0].label.fr", #"language "fr" is not declared"#)]
        ),
        (
            "hint missing in a declared language",
            points(#"{"key":"account","label":{"en":"A","es":"A"},"hint":{"es":"B"},"types":["access"]}"#),
            [("$.requests.dataPoints[0].hint.en", "text missing")]
        ),
        (
            "data point on an opt-out",
            points(#"{"key":"account","label":{"en":"A","es":"A"},"types":["access","opt_out_sale_sharing"]}"#),
            [("$.requests.dataPoints[0].types[1]", "opt_out_sale_sharing is an opt-out")]
        ),
        (
            "data point on limiting sensitive data",
            points(#"{"key":"account","label":{"en":"A","es":"A"},"types":["limit_sensitive"]}"#),
            [("$.requests.dataPoints[0].types[0]", "must ask for nothing beyond the address")]
        ),
        (
            "unknown request type", points(#"{"key":"account","label":{"en":"A","es":"A"},"types":["erase"]}"#),
            [("$.requests.dataPoints[0].types[0]", #"unknown request type "erase""#)]
        ),
        (
            "no request type", points(#"{"key":"account","label":{"en":"A","es":"A"},"types":[]}"#),
            [("$.requests.dataPoints[0].types", "at least one request type")]
        ),
        (
            "type twice", points(#"{"key":"account","label":{"en":"A","es":"A"},"types":["access","access"]}"#),
            [("$.requests.dataPoints[0].types[1]", "duplicate request type")]
        ),
        (
            "missing label", points(#"{"key":"account","types":["access"]}"#),
            [("$.requests.dataPoints[0].label", "missing")]
        ),
        (
            "unknown member", points(#"{"key":"account","label":{"en":"A","es":"A"},"types":["access"],"size":9}"#),
            [("$.requests.dataPoints[0].size", "unknown field")]
        ),
        (
            "not an autofill token",
            points(#"{"key":"account","label":{"en":"A","es":"A"},"types":["access"],"autocomplete":"account"}"#),
            [("$.requests.dataPoints[0].autocomplete", "not an autofill token")]
        ),
        (
            "no correction", #"{"dataPoints":[{"key":"name","label":{"en":"A","es":"A"},"types":["access"]}]}"#,
            [("$.requests.dataPoints", #"required "correction" data point"#)]
        ),
        (
            "correction not for correct",
            #"{"dataPoints":[{"key":"correction","label":{"en":"A","es":"A"},"types":["access"],"required":true}]}"#,
            [("$.requests.dataPoints[0].types", "must include correct")]
        ),
        (
            "correction optional",
            #"{"dataPoints":[{"key":"correction","label":{"en":"A","es":"A"},"types":["correct"]}]}"#,
            [("$.requests.dataPoints[0].required", "must be required")]
        ),
        (
            "too many data points",
            #"{"dataPoints":["#
                + (1...12).map { #"{"key":"f\#($0)","label":{"en":"A","es":"A"},"types":["access"]},"# }.joined()
                + correction,
            [("$.requests.dataPoints", "at most 12 data points, found 13")]
        ),
        ("no data points member", "{}", [("$.requests.dataPoints", "missing")]),
        ("not an object", "[]", [("$.requests", "expected an object")]),
        (
            "unknown member of the section", #"{"fields":1,"dataPoints":["# + correction,
            [("$.requests.fields", "unknown field")]
        ),
    ]

    static let correction =
        #"{"key":"correction","label":{"en":"Correction","es":"Corrección"},"types":["correct"],"required":true}]}"#

    /// A section with one data point, then the correction.
    static func points(_ point: String) -> String { #"{"dataPoints":["# + point + "," + correction }

    @Test(arguments: invalidSections)
    func invalidSection(name: String, section: String, problems: [(String, String)]) throws {
        let document = try Self.document(section)
        let error = try #require(throws: PropertyValidationError.self) { try Property.decode(document) }
        for (path, fragment) in problems {
            #expect(
                error.problems.contains { $0.path == path && $0.message.contains(fragment) },
                "\(name): expected \(path): …\(fragment)…; got:\n\(error)")
        }
        #expect(error.problems.count == problems.count, "\(name): \(error)")
    }

    /// Details a request carries, and the message it is refused with (nil: accepted).
    static let detailCases: [(RequestType, [String: String], String?)] = [
        (.access, ["customer_number": "C-1"], nil),
        (.access, ["customer_number": "C-1", "phone": "+34 600 000 000"], nil),
        (.correct, ["correction": "My surname is Ruiz."], nil),
        (.access, [:], "details.customer_number: required for a access request"),
        (.delete, ["customer_number": "  "], "details.customer_number: required for a delete request"),
        (.access, ["customer_number": "C-1", "name": "Ana"], "details.name: not asked for"),
        (.correct, ["correction": "x", "customer_number": "C-1"], "details.customer_number: not asked for"),
        (.optOutLists, ["phone": "1"], "opt_out_lists requests take no details"),
        (.access, ["customer number": "C-1"], #"details: "customer number" is not a field name"#),
        (
            .access, ["customer_number": String(repeating: "9", count: 2_001)],
            "details.customer_number: longer than 2000 characters"
        ),
    ]

    @Test(arguments: detailCases)
    func detailsAreChecked(type: RequestType, details: [String: String], refusal: String?) throws {
        let settings = try #require(try Property.decode(try Self.document(Self.custom)).requests)
        if let refusal {
            let error = try #require(throws: RequestDetailsError.self) { try settings.check(details, for: type) }
            #expect(error.description.contains(refusal), "\(error)")
        } else {
            try settings.check(details, for: type)
        }
    }

    @Test func theStandardDataPointsCheckWhatWasCheckedBefore() throws {
        let standard = RequestSettings.standard
        try standard.check(["name": "Ana Ruiz"], for: .access)
        try standard.check(["name": "Ana Ruiz", "correction": "Ruiz, not Ruis"], for: .correct)
        try standard.check([:], for: .optOutSaleSharing)
        #expect(throws: RequestDetailsError("details.name: required for a delete request")) {
            try standard.check([:], for: .delete)
        }
        #expect(throws: RequestDetailsError("details.correction: required for a correct request")) {
            try standard.check(["name": "Ana"], for: .correct)
        }
    }
}
