import AssentCore
import AssentStore
import Foundation
import HTTPTypes

/// Verification by hand: a requester who could not use the code (no longer has the mailbox, locked the request
/// with wrong codes, asked by phone) is verified by a person who checked their identity another way. Who did it
/// and why go into the request's history; the code stops working.
extension RequestService {
    /// The longest reason a person may give for an action on a request (the requester reads it in mails).
    static let maxReasonLength = 2000

    static func checkReasonLength(_ reason: String?) throws {
        guard (reason ?? "").count <= maxReasonLength else {
            throw AssentError.badRequest("reason: at most \(maxReasonLength) characters", code: "invalid_request")
        }
    }

    func verifyByHand(id: String, reason: String?, actor: String) async throws -> PrivacyRequest {
        let reason = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw AssentError.badRequest(
                "reason: say how the requester's identity was checked", code: "invalid_request")
        }
        try Self.checkReasonLength(reason)
        var (request, _) = try await request(id: id)
        guard request.type.needsVerification else {
            throw AssentError.conflict(
                "a \(request.type.rawValue) request needs no verification", code: "invalid_transition")
        }
        guard request.status == .received else {
            throw AssentError.conflict(
                "the request is already \(request.status.rawValue)", code: "invalid_transition")
        }
        let now = clock()
        request.status = .verified
        request.verifiedAt = now
        request.revision += 1
        let event = RequestEvent(
            requestID: id, at: now, actor: actor, action: "verified", from: .received, to: .verified,
            note: "by hand: " + reason)
        do {
            try await store.updateRequest(
                request, event: event, suppression: nil,
                webhook: delivery(request, event: "request.verified", now: now))
        } catch let error as RequestStoreError {
            throw AssentError.conflict(error.description, code: "request_changed")
        }
        // The code is no longer needed: it stops working.
        try? await store.deleteChallenge(requestID: id)
        return request
    }
}
