import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP exchange with a server, for the commands that talk to one (`scan --server`, `ledger witness`): the
/// request is sent and any answer comes back with its status; only a URL that does not read or a server that
/// cannot be reached is an error, worded the same for every command. What an answer's status means is the
/// caller's to say.
enum HTTPCall {
    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    struct Answer {
        let status: Int
        let body: [UInt8]
        let response: HTTPURLResponse?

        func header(_ name: String) -> String? { response?.value(forHTTPHeaderField: name) }
        /// The start of the body as text, for an error message.
        func text(_ limit: Int) -> String { String(decoding: body.prefix(limit), as: UTF8.self) }
    }

    /// Sends `method url` with `headers`; a `body` is sent as JSON. `timeout` in seconds, URLSession's otherwise.
    static func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
        timeout: TimeInterval? = nil
    ) async throws(Failure) -> Answer {
        guard let parsed = URL(string: url) else { throw Failure(message: "\(url) is not a URL") }
        var request = URLRequest(url: parsed)
        request.httpMethod = method
        if let timeout { request.timeoutInterval = timeout }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body)
        }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = response as? HTTPURLResponse
            return Answer(status: http?.statusCode ?? 0, body: Array(data), response: http)
        } catch {
            throw Failure(message: "cannot reach \(url): \(error.localizedDescription)")
        }
    }
}
