import HTTPTypes
import Testing

@testable import AssentServer

/// `HTTPFields.value` is the fast form of the subscript's getter: the same results.
@Suite("Header reads")
struct HeaderValueTests {
    @Test func aValueIsWhatTheSubscriptGives() {
        var fields: HTTPFields = [.contentType: "application/json", .accept: "text/html"]
        fields.append(HTTPField(name: .accept, value: "application/json"))
        fields.append(HTTPField(name: .cookie, value: "a=1"))
        fields.append(HTTPField(name: .cookie, value: "b=2"))
        for name in [HTTPField.Name.contentType, .accept, .cookie, .origin, HTTPField.Name("X-Assent-Region")!] {
            #expect(fields.value(name) == fields[name], "\(name)")
        }
        #expect(fields.value(.accept) == "text/html, application/json")
        #expect(fields.value(.cookie) == "a=1; b=2")
        #expect(fields.value(.origin) == nil)
    }
}
