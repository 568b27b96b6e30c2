import AssentCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import AssentServer

/// The openapi.json probes of the scan routes (OpenAPIConformanceTests): each documented status provoked, the
/// scans run by the server's real queue and Chromium against a port nothing listens on.
enum ScanProbes {
    static let base = "/v1/admin/properties/demo/scans"
    static let good = ByteBuffer(string: #"{"startURLs":["http://127.0.0.1:9/"],"regions":["FR"],"maxPages":1}"#)

    static func probes(
        for operation: OpenAPISpec.Operation, client: some TestClientProtocol, admin: String, suppression: String
    ) async throws -> [OpenAPIConformanceTests.Probe]? {
        typealias Probe = OpenAPIConformanceTests.Probe
        let json: HTTPFields = [.authorization: "Bearer " + admin, .contentType: "application/json"]
        let auth: HTTPFields = [.authorization: "Bearer " + admin]
        let foreign: HTTPFields = [.authorization: "Bearer " + suppression, .contentType: "application/json"]
        switch operation.name {
        case "POST /v1/admin/properties/{property}/scans":
            // The queue takes 4 waiting or running: five more good ones reach the 429 whatever has finished.
            return [
                Probe(name: "good", uri: base, headers: json, body: good),
                Probe(name: "no start URL", uri: base, headers: json, body: ByteBuffer(string: "{}")),
                Probe(
                    name: "maxPages 0", uri: base, headers: json,
                    body: ByteBuffer(string: #"{"startURLs":["https://a.example/"],"maxPages":0}"#)),
                Probe(name: "no token", uri: base, body: good),
                Probe(name: "suppression token", uri: base, headers: foreign, body: good),
                Probe(name: "property=nope", uri: "/v1/admin/properties/nope/scans", headers: json, body: good),
                Probe(name: "text/html", uri: base, headers: json.merging([.contentType: "text/html"]), body: good),
                Probe(
                    name: "too large", uri: base, headers: json,
                    body: ByteBuffer(string: #"{"startURLs":[""# + String(repeating: "a", count: 20_000) + #""]}"#)),
            ] + (1...5).map { Probe(name: "good \($0)", uri: base, headers: json, body: good) }
        case "GET /v1/admin/properties/{property}/scans":
            return [
                Probe(name: "good", uri: base, headers: auth), Probe(name: "no token", uri: base),
                Probe(name: "suppression token", uri: base, headers: foreign),
                Probe(name: "property=nope", uri: "/v1/admin/properties/nope/scans", headers: auth),
            ]
        case "GET /v1/admin/properties/{property}/scans/{scan}":
            let id = try await finishedScan(client, json)
            return [
                Probe(name: "good", uri: "\(base)/\(id)", headers: auth),
                Probe(name: "unknown scan", uri: "\(base)/nope", headers: auth),
                Probe(name: "no token", uri: "\(base)/\(id)"),
                Probe(name: "suppression token", uri: "\(base)/\(id)", headers: foreign),
            ]
        case "GET /v1/admin/properties/{property}/scans/{scan}/report":
            let id = try await finishedScan(client, json)
            let waiting = try await waitingScan(client, json)
            return [
                Probe(name: "good", uri: "\(base)/\(id)/report", headers: auth),
                Probe(name: "not finished", uri: "\(base)/\(waiting)/report", headers: auth),
                Probe(name: "unknown scan", uri: "\(base)/nope/report", headers: auth),
                Probe(name: "no token", uri: "\(base)/\(id)/report"),
                Probe(name: "suppression token", uri: "\(base)/\(id)/report", headers: foreign),
            ]
        default:
            return nil
        }
    }

    static func list(_ client: some TestClientProtocol, _ headers: HTTPFields) async throws -> [JSONValue] {
        try await client.get(base, headers).json()["scans"]?.arrayValue ?? []
    }

    /// The oldest scan, queued first if there is none, once it has finished (it runs first).
    static func finishedScan(_ client: some TestClientProtocol, _ headers: HTTPFields) async throws -> String {
        if try await list(client, headers).isEmpty {
            _ = try await client.execute(uri: base, method: .post, headers: headers, body: good)
        }
        let id = try #require(try await list(client, headers).last?["id"]?.stringValue)
        _ = try await ScanRouteTests.finished(client, "\(base)/\(id)", headers)
        return id
    }

    /// A scan still queued behind another: two more are queued when there is none (a full queue has some).
    static func waitingScan(_ client: some TestClientProtocol, _ headers: HTTPFields) async throws -> String {
        for _ in 0..<2 { _ = try await client.execute(uri: base, method: .post, headers: headers, body: good) }
        let queued = try await list(client, headers).first { $0["status"]?.stringValue == "queued" }
        return try #require(queued?["id"]?.stringValue)
    }
}
