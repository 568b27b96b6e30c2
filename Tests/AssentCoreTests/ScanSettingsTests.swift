import AssentCore
import Testing

/// The property document's `scan` member (docs/scanning.md).
@Suite struct ScanSettingsTests {
    static let base = Property.standard(id: "demo", name: "Demo Shop", origins: ["https://example.com"])

    static func decode(_ scan: String) throws -> Property {
        let json = try JSONParser.parse(Array(scan.utf8))
        return try Property.decode(base.jsonValue.setting("scan", to: json))
    }

    @Test func settingsRoundTripThroughTheDocument() throws {
        let property = try Self.decode(
            #"{"schedule":"weekly","startURLs":["https://example.com/"],"regions":["fr","US-CA"],"maxPages":20}"#)
        #expect(
            property.scan
                == ScanSettings(
                    schedule: .weekly, startURLs: ["https://example.com/"], regions: ["FR", "US-CA"], maxPages: 20))
        #expect(try Property.decode(property.jsonValue) == property)
        // Without the member the document is what it always was.
        #expect(Self.base.jsonValue["scan"] == nil)
        #expect(try Self.decode(#"{}"#).scan == ScanSettings())
        #expect(ScanSchedule.weekly.intervalMilliseconds == 604_800_000)
    }

    @Test(arguments: [
        (#"{"schedule":"hourly","startURLs":["https://example.com/"]}"#, "$.scan.schedule"),
        (#"{"schedule":"daily"}"#, "$.scan.startURLs"),
        (#"{"startURLs":["ftp://example.com/"]}"#, "$.scan.startURLs[0]"),
        (#"{"startURLs":["/relative"]}"#, "$.scan.startURLs[0]"),
        (#"{"regions":["France"]}"#, "$.scan.regions[0]"),
        (#"{"maxPages":0}"#, "$.scan.maxPages"),
        (#"{"maxPages":501}"#, "$.scan.maxPages"),
        (#"{"depth":3}"#, "$.scan.depth"),
    ])
    func badSettingsAreRefusedAtTheirPath(scan: String, path: String) throws {
        let error = try #require(throws: PropertyValidationError.self) { try Self.decode(scan) }
        #expect(error.problems.map(\.path) == [path], "\(error)")
    }
}
