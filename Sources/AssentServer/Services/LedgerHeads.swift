import AssentCore
import AssentStore

/// What a witness needs (Certificate Transparency's get-sth and get-sth-consistency, RFC 9162 §4.3–4.4): the
/// latest signed tree head of each log, and the proof that a later head extends an earlier one.
extension ConsentService {
    /// A log number from a query value: 0 when absent.
    static func logNumber(_ text: String?) throws -> Int {
        guard let text else { return 0 }
        guard let log = Int(text), log >= 0 else {
            throw AssentError.badRequest("log \"\(text)\" is not a log number (0 or more)", code: "invalid_log")
        }
        return log
    }

    /// A tree size from a query value.
    static func treeSize(_ text: String?, name: String) throws -> Int {
        guard let text else {
            throw AssentError.badRequest("the query parameter \(name) (a tree size) is missing", code: "invalid_size")
        }
        guard let size = Int(text), size >= 0 else {
            throw AssentError.badRequest("\(name) \"\(text)\" is not a tree size (0 or more)", code: "invalid_size")
        }
        return size
    }

    func latestHead(log: Int) async throws -> SignedTreeHead {
        guard let head = try await store.latestTreeHead(log: log) else {
            throw AssentError.notFound("log \(log) has no signed tree head", code: "unknown_log")
        }
        return head
    }

    /// The latest signed tree head of every log, so a witness finds the logs.
    func latestHeads() async throws -> JSONValue {
        var heads: [JSONValue] = []
        for log in try await store.logs() {
            if let head = try await store.latestTreeHead(log: log) { heads.append(head.jsonValue) }
        }
        return .object([("heads", .array(heads))])
    }

    /// The RFC 9162 consistency proof between tree sizes `from` and `to` of `log`, both at most the latest
    /// signed head's size.
    func consistencyProof(log: Int, from: Int, to: Int) async throws -> JSONValue {
        let head = try await latestHead(log: log)
        guard from <= to else {
            throw AssentError.badRequest("from (\(from)) must not be larger than to (\(to))", code: "invalid_size")
        }
        guard to <= head.head.size else {
            throw AssentError.badRequest(
                "to (\(to)) is beyond log \(log)'s latest signed tree head (size \(head.head.size))",
                code: "invalid_size")
        }
        let proof = try await store.consistencyProof(log: log, oldSize: from, newSize: to)
        return .object([
            ("log", .int(log)), ("from", .int(from)), ("to", .int(to)),
            ("proof", .array(proof.map { .string($0.hex) })),
        ])
    }
}
