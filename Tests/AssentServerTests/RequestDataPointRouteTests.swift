import AssentCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// A property that asks its own data points of privacy requests (`requests.dataPoints`): the JSON API checks
/// them, the form shows them, and the publisher's view of a request carries what was given.
@Suite("Per-property request data points")
struct RequestDataPointRouteTests {
    /// A shop that finds customers by their customer number, may call them, and must be told what to correct.
    static let shop: Property = {
        var property = Property.standard(id: "shop", name: "Shop", origins: ["https://shop.example"])
        property.requests = RequestSettings(dataPoints: [
            RequestDataPoint(
                key: "customer_number", label: ["en": "Customer <b>number</b>", "es": "Número de cliente"],
                hint: ["en": "On your invoices.", "es": "En sus facturas."], types: [.access, .delete],
                required: true),
            RequestDataPoint(
                key: "phone", label: ["en": "Phone", "es": "Teléfono"], types: [.access, .correct],
                autocomplete: "tel"),
            RequestDataPoint(
                key: "correction", label: ["en": "What is wrong", "es": "Qué está mal"], types: [.correct],
                required: true, multiline: true),
        ])
        return property
    }()

    static func withShop<T: Sendable>(
        _ configuration: ServerConfiguration = TestServer.configuration(),
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await TestServer.withRouter(
            configuration, prepare: { _ = try await TestServer.importProperty(Self.shop, into: $0) }, body)
    }

    static func file(_ client: some TestClientProtocol, _ json: String) async throws -> TestResponse {
        try await client.post("/v1/properties/shop/requests", json: json, [.regionHeader: "US-CA"])
    }

    @Test func aMissingRequiredDataPointIsNamed() async throws {
        try await Self.withShop { client in
            try expectError(
                try await Self.file(client, #"{"type":"access","email":"a@example.com","details":{"phone":"1"}}"#),
                .badRequest, code: "invalid_request", mentioning: "details.customer_number: required")
            try expectError(
                try await Self.file(client, #"{"type":"correct","email":"a@example.com","details":{"phone":"1"}}"#),
                .badRequest, code: "invalid_request", mentioning: "details.correction: required")
        }
    }

    @Test(arguments: [
        (#"{"name":"Ana Ruiz","customer_number":"C-1"}"#, "details.name: not asked for"),
        (#"{"customer_number":"C-1","correction":"x"}"#, "details.correction: not asked for"),
        (#"{"customer_number":"C-1","Bad Key":"x"}"#, #""Bad Key" is not a field name"#),
        (#"{"customer_number":"\#(String(repeating: "7", count: 2_001))"}"#, "longer than 2000 characters"),
    ])
    func detailsTheTypeDoesNotAskForAreRefused(details: String, message: String) async throws {
        try await Self.withShop { client in
            let json = #"{"type":"access","email":"a@example.com","details":\#(details)}"#
            try expectError(
                try await Self.file(client, json), .badRequest, code: "invalid_request", mentioning: message)
        }
    }

    @Test func anOptOutTakesNoDetails() async throws {
        try await Self.withShop { client in
            try expectError(
                try await Self.file(
                    client, #"{"type":"opt_out_lists","email":"a@example.com","details":{"phone":"1"}}"#),
                .badRequest, code: "invalid_request", mentioning: "opt_out_lists requests take no details")
            let bare = try await Self.file(client, #"{"type":"opt_out_lists","email":"a@example.com"}"#)
            #expect(bare.status == .accepted, "\(bare.text)")
        }
    }

    @Test func aCompleteRequestIsFiledWithItsDetails() async throws {
        let configuration = TestServer.configuration()
        try await Self.withShop(configuration) { client in
            let filed = try await Self.file(
                client,
                #"{"type":"access","email":"ana@example.com","details":{"customer_number":"C-1042","phone":"+34 600"}}"#
            )
            #expect(filed.status == .accepted, "\(filed.text)")
            #expect(try filed.json()["details"] == nil, "the requester's view does not echo them")
            let id = try #require(try filed.json()["id"]?.stringValue)
            let admin = try await RequestRouteTests.adminToken(configuration)
            let shown = try await client.get("/v1/admin/requests/\(id)", admin)
            #expect(shown.status == .ok)
            #expect(
                try shown.json()["details"]
                    == .object([("customer_number", .string("C-1042")), ("phone", .string("+34 600"))]))
            let queue = try await client.get("/v1/admin/properties/shop/requests", admin).json()
            #expect(queue["requests"]?.arrayValue?.first?["details"]?["customer_number"] == .string("C-1042"))
        }
    }

    @Test func theStandardDataPointsStillApplyWhereNoneAreSet() async throws {
        try await TestServer.withRouter { client in
            try expectError(
                try await client.post(
                    "/v1/properties/demo/requests", json: #"{"type":"delete","email":"d@example.com"}"#),
                .badRequest, code: "invalid_request", mentioning: "details.name: required for a delete request")
            try expectError(
                try await client.post(
                    "/v1/properties/demo/requests",
                    json: #"{"type":"correct","email":"d@example.com","details":{"name":"Di"}}"#),
                .badRequest, code: "invalid_request", mentioning: "details.correction")
            try expectError(
                try await client.post(
                    "/v1/properties/demo/requests",
                    json: #"{"type":"access","email":"d@example.com","details":{"name":"Di","customer_number":"1"}}"#),
                .badRequest, code: "invalid_request", mentioning: "details.customer_number: not asked for")
            let filed = try await client.post(
                "/v1/properties/demo/requests",
                json: #"{"type":"correct","email":"d@example.com","details":{"name":"Di","correction":"Dee"}}"#)
            #expect(filed.status == .accepted, "\(filed.text)")
        }
    }

    @Test func theFormShowsTheDataPointsWithTheirLabels() async throws {
        try await Self.withShop { client in
            let page = try await client.get("/privacy/shop/requests")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains(#"<label for="customer_number">Customer &lt;b&gt;number&lt;/b&gt;</label>"#))
            #expect(!html.contains("<b>number</b>"), "a label is text, never HTML")
            #expect(
                html.contains(
                    #"<input type="text" id="customer_number" name="customer_number" value="" aria-describedby="customer_number-hint">"#
                ))
            #expect(html.contains(#"<p class="hint" id="customer_number-hint">On your invoices.</p>"#))
            #expect(html.contains(#"<div class="dp for-access for-delete">"#))
            #expect(html.contains(#"autocomplete="tel""#))
            #expect(
                html.contains(
                    #"<p class="hint" id="phone-hint">Optional, when you ask to see or correct your data.</p>"#),
                "without a hint of its own, the page says which requests ask for it")
            #expect(html.contains(#"<textarea id="correction" name="correction" rows="4""#))
            #expect(!html.contains(#"id="name""#), "the standard name field is not asked")

            let spanish = try await client.get("/privacy/shop/requests?lang=es").text
            #expect(spanish.contains(#"<label for="customer_number">Número de cliente</label>"#))
            #expect(spanish.contains(#"<label for="correction">Qué está mal</label>"#))
            #expect(spanish.contains("Opcional, si pide ver o corregir sus datos."))
        }
    }

    @Test func theStandardFormIsWhatItWas() async throws {
        try await TestServer.withRouter { client in
            let html = try await client.get("/privacy/demo/requests").text
            #expect(html.contains(#"<label for="name">Full name</label>"#))
            #expect(
                html.contains(
                    #"<input type="text" id="name" name="name" autocomplete="name" value="" aria-describedby="name-hint">"#
                ))
            #expect(html.contains("Needed to find your data when you ask to see, delete or correct it."))
            #expect(html.contains(#"<label for="correction">What should be corrected</label>"#))
            #expect(html.contains("Only for a correction."))
            let spanish = try await client.get("/privacy/demo/requests?lang=es").text
            #expect(spanish.contains(#"<label for="name">Nombre completo</label>"#))
        }
    }

    @Test func theFormFilesOnlyWhatTheChosenTypeAsksFor() async throws {
        let configuration = TestServer.configuration()
        try await Self.withShop(configuration) { client in
            let page = try await client.get("/privacy/shop/requests")
            let cookie = try #require(page.headers[.setCookie])
            let csrf = String(try #require(cookie.split(separator: ";").first?.split(separator: "=").last))
            func post(_ form: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/privacy/shop/requests", method: .post,
                    headers: [
                        .contentType: "application/x-www-form-urlencoded", .cookie: "assent_csrf=\(csrf)",
                        .regionHeader: "US-CA",
                    ],
                    body: ByteBuffer(string: "csrf=\(csrf)&" + form))
            }
            let missing = try await post("type=delete&email=f%40example.com&phone=1")
            #expect(missing.status == .badRequest)
            #expect(
                missing.text.contains("Customer &lt;b&gt;number&lt;/b&gt;: needed for this request."),
                "the page names the field by its label, as text")
            #expect(missing.text.contains(#"name="phone" autocomplete="tel" value="1""#), "what was typed is kept")

            // The correction typed before choosing delete is not sent: a delete request does not ask for it.
            let filed = try await post("type=delete&email=f%40example.com&customer_number=C-7&correction=x&phone=1")
            #expect(filed.status == .seeOther, "\(filed.text)")
            let admin = try await RequestRouteTests.adminToken(configuration)
            let queue = try await client.get("/v1/admin/properties/shop/requests", admin).json()
            let details = try #require(queue["requests"]?.arrayValue?.first?["details"])
            #expect(details == .object([("customer_number", .string("C-7"))]))
        }
    }
}
