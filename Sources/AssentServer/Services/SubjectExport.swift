import AssentCore
import AssentStore

/// Everything Assent holds about one person on a property, for an access request: every recorded decision of
/// their browsers with its receipt, every request they filed with its history, and whether their address is
/// suppressed. Found by address (its HMAC key) and/or by consent subject; the subjects of the requests found are
/// followed too.
extension RequestService {
    func export(propertyID: String, email: String?, subject: String?) async throws -> JSONValue {
        let entry = try await directory.property(propertyID)
        guard email != nil || subject != nil else {
            throw AssentError.badRequest("give email, subject or both", code: "invalid_query")
        }
        var emailHash: String?
        if let email {
            guard let address = EmailAddress(email) else {
                throw AssentError.badRequest("email: not an e-mail address", code: "invalid_query")
            }
            emailHash = address.suppressionHash(secret: try await suppressionSecret(propertyID))
        }
        let given = try subject.map(ConsentService.subject)
        let requests = try await store.requests(property: propertyID, emailHash: emailHash, subject: given)
        let subjects = Set(requests.compactMap(\.subject) + (given.map { [$0] } ?? [])).sorted()
        var decisions: [JSONValue] = []
        for subject in subjects {
            for record in try await store.records(property: propertyID, subject: subject) {
                var writer = JSONWriter(capacity: 640)
                record.entry.writeAnswer(property: entry.current.property, to: &writer)
                guard case .object(var members) = try JSONParser.parse(writer.bytes) else { continue }
                members.append(("receipt", try await ConsentService.receipt(recordID: record.entry.id, store: store)))
                decisions.append(.object(members))
            }
        }
        let now = clock()
        var viewed: [JSONValue] = []
        for request in requests {
            var members = RequestViews.admin(request, now: now)
            members.append(
                (
                    "history",
                    .array(
                        try await store.requestEvents(requestID: request.id).map(
                            RequestViews.event))
                ))
            viewed.append(.object(members))
        }
        var members: [(String, JSONValue)] = [
            ("property", .string(propertyID)), ("exportedAt", .string(Timestamp.iso8601(milliseconds: now))),
            ("subjects", .array(subjects.map(JSONValue.string))),
        ]
        if let emailHash {
            members.append(("emailHash", .string(emailHash)))
            let suppressed = try await store.suppressed(property: propertyID, hashes: [emailHash])
            members.append(("suppressed", .bool(!suppressed.isEmpty)))
        }
        members += [("decisions", .array(decisions)), ("requests", .array(viewed))]
        return .object(members)
    }
}
