import AssentCore

/// Recomputes every tree head of every log from the stored records and checks each signature, so that a
/// changed, deleted, inserted or reordered record is caught and named. Signatures are checked only with the keys
/// the caller trusts (pinned out of band or certified by a pinned root, see `KeyTrust`), never with keys the
/// database alone holds. Tree heads saved earlier (`checkpoints`) catch what a consistent rewrite cannot hide: a
/// log cut shorter, or records replaced and every later head signed again with a stolen key.
public enum LedgerVerifier {
    public struct Report: Sendable, Equatable {
        public var logs = 0
        public var records = 0
        public var treeHeads = 0
        /// The first problem found, naming the record; nil when everything verifies.
        public var problem: String?
        public var ok: Bool { problem == nil }
    }

    /// How far a verification has come: records checked so far out of the records the logs held when it began.
    public struct Progress: Sendable, Equatable {
        public var records: Int
        public var total: Int
    }

    /// Verifies every log; `progress`, when given, is called after each page of records. `publicKeys`: the
    /// trusted keys; `untrusted`: keys the database holds that are not trusted, with the reason, to name them
    /// when a tree head is signed by one; `checkpoints`: signed tree heads saved earlier, each of which the stored
    /// log must still contain (the same root at that size).
    public static func verify(
        store: any LedgerStore, publicKeys: [String: [UInt8]], untrusted: [String: String] = [:],
        checkpoints: [SignedTreeHead] = [], pageSize: Int = 5000, progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> Report {
        var report = Report()
        let logs = try await store.logs()
        for checkpoint in checkpoints {
            let name = "the saved tree head of log \(checkpoint.head.log) at size \(checkpoint.head.size)"
            guard let raw = publicKeys[checkpoint.keyID], let key = try? Curve25519Key(raw) else {
                report.problem = "\(name) is signed by key \(checkpoint.keyID), which is not trusted"
                return report
            }
            guard checkpoint.isValid(publicKey: key) else {
                report.problem = "\(name) has an invalid signature"
                return report
            }
            if !logs.contains(checkpoint.head.log), checkpoint.head.size > 0 {
                report.problem =
                    "log \(checkpoint.head.log): the database holds no records of it, but \(name) covers \(checkpoint.head.size) (the log was cut or removed)"
                return report
            }
        }
        var total = 0
        if progress != nil {
            for log in logs { total += try await store.treeSize(log: log) }
        }
        let onPage = progress.map { report in { (records: Int) in report(Progress(records: records, total: total)) } }
        for log in logs {
            report.logs += 1
            if let problem = try await verify(
                log: log, store: store, publicKeys: publicKeys, untrusted: untrusted,
                checkpoints: checkpoints.filter { $0.head.log == log }.sorted { $0.head.size < $1.head.size },
                pageSize: pageSize, report: &report, onPage: onPage)
            {
                report.problem = problem
                return report
            }
        }
        return report
    }

    private static func verify(
        log: Int, store: any LedgerStore, publicKeys: [String: [UInt8]], untrusted: [String: String],
        checkpoints: [SignedTreeHead], pageSize: Int, report: inout Report, onPage: ((Int) -> Void)?
    ) async throws -> String? {
        let heads = try await store.treeHeads(log: log)
        for head in heads {
            guard let raw = publicKeys[head.keyID], let key = try? Curve25519Key(raw) else {
                let signedBy = heads.filter { $0.keyID == head.keyID }.count
                let why =
                    untrusted[head.keyID].map { ": \($0)" }
                    ?? ", which neither the pinned keys nor the database know"
                return
                    "log \(log): tree head at size \(head.head.size) is signed by unknown key \(head.keyID) (\(signedBy) tree head(s) in all)\(why)"
            }
            guard head.isValid(publicKey: key) else {
                return "log \(log): tree head at size \(head.head.size) has an invalid signature"
            }
        }
        var frontier = MerkleFrontier()
        var checkpointIndex = 0
        while checkpointIndex < checkpoints.count && checkpoints[checkpointIndex].head.size == 0 {
            checkpointIndex += 1
        }
        var headIndex = 0
        var batchStart = 0
        var firstStoredMismatch: Int?
        var next = 0
        while true {
            let page = try await store.rawRecords(log: log, from: next, limit: pageSize)
            if page.isEmpty { break }
            let stored = try await store.nodes(
                log: log, positions: page.map { MerklePosition(level: 0, index: $0.leafIndex) }, allowMissing: true)
            for (offset, record) in page.enumerated() {
                if record.leafIndex != next {
                    return
                        "log \(log): record at leaf index \(next) is missing (deleted); the next stored record is \(record.leafIndex) (id \(record.id))"
                }
                let name = "record \(record.leafIndex) (id \(record.id))"
                let entry: LedgerEntry
                do {
                    entry = try LedgerEntry(canonicalBytes: record.bytes)
                } catch {
                    return "log \(log): \(name) cannot be read: \(error)"
                }
                if entry.canonicalBytes != record.bytes {
                    return "log \(log): \(name) is not in canonical form (altered)"
                }
                if entry.id != record.id || entry.property != record.property || entry.subject != record.subject {
                    return "log \(log): \(name) has index columns that differ from its entry (altered)"
                }
                guard headIndex < heads.count, record.leafIndex < heads[heads.count - 1].head.size else {
                    return "log \(log): \(name) is not covered by any signed tree head (inserted)"
                }
                let leaf = Merkle.leafHash(record.bytes)
                if firstStoredMismatch == nil, stored[offset] != leaf { firstStoredMismatch = record.leafIndex }
                _ = frontier.append(leaf)
                next += 1
                report.records += 1
                while checkpointIndex < checkpoints.count && checkpoints[checkpointIndex].head.size == frontier.size {
                    if frontier.root() != checkpoints[checkpointIndex].head.root {
                        return
                            "log \(log): the saved tree head at size \(frontier.size) does not match the stored records: history was rewritten before record \(frontier.size)"
                    }
                    checkpointIndex += 1
                }
                while headIndex < heads.count && heads[headIndex].head.size == frontier.size {
                    let head = heads[headIndex]
                    if frontier.root() != head.head.root {
                        let culprit = firstStoredMismatch ?? batchStart
                        let detail =
                            firstStoredMismatch != nil
                            ? "record \(culprit) does not match its stored leaf hash (changed, or rows reordered)"
                            : "records \(batchStart)..<\(head.head.size) were changed, reordered or replaced (the first that may have is record \(culprit))"
                        return "log \(log): tree head at size \(head.head.size) does not match the records: \(detail)"
                    }
                    report.treeHeads += 1
                    batchStart = head.head.size
                    headIndex += 1
                    firstStoredMismatch = nil
                }
            }
            onPage?(report.records)
        }
        if checkpointIndex < checkpoints.count {
            let size = checkpoints[checkpoints.count - 1].head.size
            return
                "log \(log): the saved tree head at size \(size) covers \(size) records but only \(next) are stored (the log was cut)"
        }
        if headIndex < heads.count {
            let size = heads[headIndex].head.size
            return
                "log \(log): tree head at size \(size) covers records up to \(size - 1) but only \(next) are stored; record \(next) is missing (deleted)"
        }
        return nil
    }
}

extension LedgerStore {
    /// Like `nodes(log:positions:)` but nil for a missing node, for verification.
    func nodes(log: Int, positions: [MerklePosition], allowMissing: Bool) async throws -> [MerkleHash?] {
        do {
            return try await nodes(log: log, positions: positions)
        } catch StoreError.corrupt {
            var result: [MerkleHash?] = []
            for position in positions {
                result.append(try? await nodes(log: log, positions: [position]).first)
            }
            return result
        }
    }
}
