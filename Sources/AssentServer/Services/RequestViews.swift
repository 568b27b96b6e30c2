import AssentCore

/// The JSON shapes of a request: for the requester, for the publisher, and a history line. Shared by the routes,
/// the subject export and the webhook bodies.
enum RequestViews {
    /// What the requester sees: no address, no hashes, no internal notes.
    static func requester(_ r: PrivacyRequest) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("id", .string(r.id)), ("property", .string(r.property)), ("type", .string(r.type.rawValue)),
            ("status", .string(r.status.rawValue)), ("law", .string(r.law.rawValue)),
            ("receivedAt", .string(Timestamp.iso8601(milliseconds: r.receivedAt))),
            ("respondBy", .string(r.due.description)),
            ("awaitingCode", .bool(r.awaitingCode)), ("locked", .bool(r.lockedAt != nil)),
        ]
        if r.lockedAt != nil {
            // How to start again: a new request (this one takes no more codes).
            members.append(("newRequestUrl", .string("/privacy/\(r.property)/requests")))
        }
        if let reason = r.extensionReason { members.append(("extensionReason", .string(reason))) }
        if let reason = r.denialReason { members.append(("denialReason", .string(reason))) }
        if r.exportDownloadable, let export = r.export { members.append(("export", exportView(export))) }
        return members
    }

    static func admin(_ r: PrivacyRequest, now: Int64) -> [(String, JSONValue)] {
        func time(_ t: Int64?) -> JSONValue { t.map { .string(Timestamp.iso8601(milliseconds: $0)) } ?? .null }
        return [
            ("id", .string(r.id)), ("property", .string(r.property)), ("type", .string(r.type.rawValue)),
            ("status", .string(r.status.rawValue)), ("law", .string(r.law.rawValue)), ("region", .string(r.region)),
            ("lang", .string(r.lang)), ("email", r.email.map(JSONValue.string) ?? .null),
            ("emailHash", .string(r.emailHash)),
            ("details", .object(r.details.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("subject", r.subject.map(JSONValue.string) ?? .null), ("receivedAt", time(r.receivedAt)),
            ("verifiedAt", time(r.verifiedAt)), ("closedAt", time(r.closedAt)),
            ("acknowledgeBy", .string(r.deadlines.acknowledgeBy.description)),
            ("respondBy", .string(r.due.description)), ("extended", .bool(r.isExtended)),
            ("extensionReason", r.extensionReason.map(JSONValue.string) ?? .null),
            ("denialReason", r.denialReason.map(JSONValue.string) ?? .null),
            ("overdue", .bool(r.isOverdue(at: now))), ("revision", .int(r.revision)),
            ("export", r.export.map(exportView) ?? .null), ("lockedAt", time(r.lockedAt)),
        ]
    }

    /// An attached export without its document: when, how large, and the SHA-256 of the bytes served.
    static func exportView(_ e: RequestExportSummary) -> JSONValue {
        .object([
            ("attachedAt", .string(Timestamp.iso8601(milliseconds: e.attachedAt))), ("bytes", .int(e.bytes)),
            ("sha256", .string(e.sha256)),
        ])
    }

    static func event(_ e: RequestEvent) -> JSONValue {
        .object([
            ("at", .string(Timestamp.iso8601(milliseconds: e.at))), ("actor", .string(e.actor)),
            ("action", .string(e.action)), ("from", e.from.map { .string($0.rawValue) } ?? .null),
            ("to", e.to.map { .string($0.rawValue) } ?? .null), ("note", e.note.map(JSONValue.string) ?? .null),
        ])
    }
}
