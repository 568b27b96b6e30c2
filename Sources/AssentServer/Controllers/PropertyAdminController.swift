import AssentCore
import AssentStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Properties in the admin API, whole documents: the console's first use and the machines' way in. A document is
/// read with its `ETag` (the stored revision) and written back with `If-Match`, so that two editors never
/// overwrite each other silently; a write is checked as `assent property import` checks it, and recorded in the
/// audit log. Admin API tokens may do everything; console sessions follow their role and property limits.
struct PropertyAdminController<Context: RequestContext>: Sendable {
    let service: ConsentService
    let sessions: ConsoleSessions
    /// A property document with its texts in several languages and a long cookie list stays well within this.
    static var maxDocumentBytes: Int { 1 << 20 }

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("admin/properties", use: list)
        routes.get("admin/properties/:property", use: show)
        routes.put("admin/properties/:property", use: replace)
        routes.get("admin/properties/:property/revisions", use: revisions)
        routes.get("admin/properties/:property/revisions/:revision", use: revision)
        return routes
    }

    static func etag(_ revision: Int) -> String { PropertyAdminEtag.etag(revision) }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: false)
        try actor.require(.readProperties)
        var items: [JSONValue] = []
        for id in try await service.store.propertyIDs().sorted() where actor.sees(property: id) {
            guard let revision = try await service.store.currentProperty(id: id) else { continue }
            items.append(
                .object([
                    ("id", .string(id)), ("name", .string(revision.property.name)),
                    ("revision", .number(Double(revision.revision), integer: Int64(revision.revision))),
                    (
                        "policyVersion",
                        .number(
                            Double(revision.property.policyVersion),
                            integer: Int64(revision.property.policyVersion))
                    ),
                    ("updatedAt", .string(Timestamp.iso8601(milliseconds: revision.createdAt))),
                ]))
        }
        return jsonResponse(.object([("properties", .array(items))]))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: false)
        let id = try context.parameters.require("property")
        try actor.require(.readProperties, property: id)
        guard Property.isValidID(id), let revision = try await service.store.currentProperty(id: id) else {
            throw AssentError.notFound("unknown property \"\(id)\"", code: "unknown_property")
        }
        let etag = Self.etag(revision.revision)
        if ifNoneMatch(request.headers.value(.ifNoneMatch), matches: etag) {
            return Response(status: .notModified, headers: [.eTag: etag, .cacheControl: "no-cache"])
        }
        var response = jsonBytesResponse(
            headers: [.eTag: etag, .cacheControl: "no-cache"], Array(revision.property.documentJSON().utf8))
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    @Sendable func replace(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: true)
        let id = try context.parameters.require("property")
        try actor.require(.editProperties, property: id)
        guard Property.isValidID(id) else {
            throw AssentError.badRequest("\"\(id)\" is not a property id", code: "invalid_property_id")
        }
        let bytes = try await Body.json(request, limit: Self.maxDocumentBytes)
        let current = try await service.store.currentProperty(id: id)
        try Self.checkPrecondition(request.headers.value(.ifMatch), current: current, id: id)
        let property: Property
        do {
            property = try Property.decode(json: bytes)
        } catch {
            throw Self.invalid(error.problems)
        }
        let problems = try await service.propertyProblems(property, id: id)
        if !problems.isEmpty { throw Self.invalid(problems) }
        // Compare-and-save on the revision just checked: a save that lands in between makes this one stale.
        let save = try await service.saveProperty(
            property, expected: current?.revision, actor: actor, at: sessions.clock())
        return jsonBytesResponse(
            status: current == nil ? .created : .ok,
            headers: [.eTag: Self.etag(save.saved.revision), .cacheControl: "no-cache"],
            Array(save.saved.property.documentJSON().utf8))
    }

    /// Every revision, newest first: its number, policy version, when and by whom it was saved.
    @Sendable func revisions(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: false)
        let id = try context.parameters.require("property")
        try actor.require(.readProperties, property: id)
        let revisions = try await service.store.propertyRevisions(id: id)
        guard Property.isValidID(id), !revisions.isEmpty else {
            throw AssentError.notFound("unknown property \"\(id)\"", code: "unknown_property")
        }
        let savers = try await service.propertySavers(id: id)
        let items: [JSONValue] = revisions.map { revision in
            .object([
                ("revision", .int(revision.revision)), ("policyVersion", .int(revision.property.policyVersion)),
                ("savedAt", .string(Timestamp.iso8601(milliseconds: revision.createdAt))),
                ("savedBy", savers[revision.revision].map(JSONValue.string) ?? .null),
            ])
        }
        return jsonResponse(headers: [.cacheControl: "no-cache"], .object([("revisions", .array(items))]))
    }

    /// One revision's whole document.
    @Sendable func revision(_ request: Request, context: Context) async throws -> Response {
        let actor = try await sessions.actor(request, context: context, write: false)
        let id = try context.parameters.require("property")
        try actor.require(.readProperties, property: id)
        guard let number = Int(try context.parameters.require("revision")), number > 0 else {
            throw AssentError.badRequest("a revision is a positive whole number", code: "invalid_revision")
        }
        guard Property.isValidID(id), let revision = try await service.store.propertyRevision(id: id, revision: number)
        else {
            throw AssentError.notFound("property \"\(id)\" has no revision \(number)", code: "unknown_revision")
        }
        return jsonBytesResponse(
            headers: [.eTag: Self.etag(revision.revision), .cacheControl: "no-cache"],
            Array(revision.property.documentJSON().utf8))
    }

    /// An existing property is replaced only with `If-Match` naming its current revision: without one 428, with a
    /// stale one 412. A new one may say `If-Match` only if it expects none (then it is stale: 412).
    static func checkPrecondition(_ header: String?, current: PropertyRevision?, id: String) throws {
        guard let current else {
            if let header, !header.isEmpty {
                throw AssentError(
                    .preconditionFailed, "stale_revision",
                    "property \"\(id)\" does not exist, but If-Match expected a revision of it")
            }
            return
        }
        guard let header, !header.isEmpty else {
            throw AssentError(
                .preconditionRequired, "if_match_required",
                "replacing property \"\(id)\" needs If-Match with the ETag of the revision you edited (GET it first)")
        }
        let etag = etag(current.revision)
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard tags.contains(etag) || tags.contains("*") else {
            throw AssentError(
                .preconditionFailed, "stale_revision",
                "property \"\(id)\" was changed since you read it: it is at revision \(current.revision) (ETag \(etag)); read it again and redo your change"
            )
        }
    }

    /// 422 naming every problem by its JSON path.
    static func invalid(_ problems: [ValidationProblem]) -> AssentError {
        AssentError(
            .unprocessableContent, "invalid_property",
            "\(problems.count) problem(s): " + problems.map(\.description).joined(separator: "; "))
    }
}
