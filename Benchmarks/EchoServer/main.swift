// The reference for scripts/bench-consent: a bare Hummingbird server whose POST handler only decodes the
// consent JSON and echoes it back, and whose GET handler returns a small fixed JSON document. Measured in the
// same run as Assent, it shows how much of the machine the HTTP layer alone takes.
//
// A third route, `POST /durable/v1/properties/:property/consents`, is the floor of a durable write on this
// stack: the same echo, answered only once the echoed bytes are committed to SQLite (GRDB, WAL,
// synchronous=FULL) with group commit, and nothing else: no policy, no ledger tree, no signature, no receipt.
// It does the least a durable write on this stack can do, so its rate is the most a consent server built on
// Hummingbird and GRDB can expect on the same machine.
//   assent-echo-bench [PORT=8090] [DATA_DIR=a new temporary directory]
import Foundation
import GRDB
import Hummingbird
import NIOConcurrencyHelpers

struct ConsentBody: Codable {
    var subject: String?
    var choices: [String: Bool]?
    var action: String
    var policyVersion: Int
    var lang: String?
}

/// One table, one writer, group commit: while a batch commits, what arrives waits for the next one, and every
/// caller is answered once its batch is durable. The same shape as Assent's ledger writer, without the ledger.
final class DurableLog: Sendable {
    private let pool: DatabasePool
    private typealias Waiting = (bytes: Data, continuation: CheckedContinuation<Int64, any Error>)
    private struct State {
        var pending: [Waiting] = []
        var draining = false
    }
    private let state = NIOLockedValueBox(State())

    init(path: String) throws {
        pool = try DatabasePool(path: path)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        }
    }

    /// The row id of `bytes`, once committed.
    func append(_ bytes: Data) async throws -> Int64 {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLockedValue { state -> Bool in
                state.pending.append((bytes, continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLockedValue { state -> [Waiting] in
                defer { state.pending.removeAll(keepingCapacity: true) }
                if state.pending.isEmpty { state.draining = false }
                return state.pending
            }
            if batch.isEmpty { return }
            let bodies = batch.map(\.bytes)
            do {
                let ids = try await pool.write { db in
                    let insert = try db.cachedStatement(sql: "INSERT INTO records (body) VALUES (?)")
                    return try bodies.map { body in
                        try insert.execute(arguments: [body])
                        return db.lastInsertedRowID
                    }
                }
                for (item, id) in zip(batch, ids) { item.continuation.resume(returning: id) }
            } catch {
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
    }
}

let arguments = CommandLine.arguments.dropFirst()
let port = Int(arguments.first ?? "") ?? 8090
let directory =
    arguments.dropFirst().first
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("assent-echo-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let log = try DurableLog(path: directory + "/echo.sqlite")

let router = Router()
router.post("/v1/properties/:property/consents") { request, context -> Response in
    let body = try await request.decode(as: ConsentBody.self, context: context)
    let data = try JSONEncoder().encode(body)
    return Response(
        status: .created, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
router.post("/durable/v1/properties/:property/consents") { request, context -> Response in
    let body = try await request.decode(as: ConsentBody.self, context: context)
    let data = try JSONEncoder().encode(body)
    let id = try await log.append(data)
    return Response(
        status: .created, headers: [.contentType: "application/json", .location: "/records/\(id)"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
router.get("/v1/properties/:property/subjects/:subject") { _, context -> Response in
    let subject = context.parameters.get("subject") ?? ""
    let data = try JSONEncoder().encode(
        ConsentBody(subject: subject, choices: ["necessary": true], action: "save", policyVersion: 1, lang: "en"))
    return Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
