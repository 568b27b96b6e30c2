import ArgumentParser
import AssentCore
import AssentServer
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension Assent.Ledger {
    /// A witness as Certificate Transparency has them (RFC 9162): it keeps the tree heads it has seen and accepts
    /// a new one only with a valid signature and a consistency proof from the last one, so a server whose history
    /// was rewritten or cut is caught by whoever runs it, wherever that is.
    struct Witness: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that a server's ledger only grew since the last run, and remember its tree heads.",
            discussion: """
                For every log the server has, the latest signed tree head must be signed by a trusted key and \
                extend the head recorded by the last run (a consistency proof, RFC 9162). Without --trusted-keys \
                or --root-key the first run pins the server's jwks.json in the state directory (trust on first \
                use). Exits 0 and records the new heads when all is well; 1 when history was rewritten or cut or a \
                head is not signed by a trusted key (nothing is recorded, the old heads stay as evidence); 2 when \
                the server could not be checked (unreachable, an unexpected answer).
                """)

        @Option(help: "The server's base URL, such as https://consent.example.com.")
        var server: String

        @Option(help: "The directory where the witness keeps the heads it has seen (and pinned keys).")
        var state: String

        @OptionGroup var trust: TrustOptions

        private var headsPath: String { (state as NSString).appendingPathComponent("heads.json") }
        private var pinnedPath: String { (state as NSString).appendingPathComponent("pinned-keys.json") }

        func validate() throws {
            guard server.hasPrefix("http://") || server.hasPrefix("https://") else {
                throw ValidationError("--server \"\(server)\" must start with https:// or http://")
            }
        }

        func run() async throws {
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            let base = server.hasSuffix("/") ? String(server.dropLast()) : server
            let seen = try readSeen()

            var keyTrust = try DataDirectory.keyTrust(trustedKeyFiles: trust.trustedKeys, rootKeyFiles: trust.rootKeys)
            let served: [PublicKeyEntry]
            do {
                served = try JWKS.parse(try await fetch(base + "/.well-known/jwks.json"))
            } catch let error as JWKS.ParseError {
                throw unusable("/.well-known/jwks.json: \(error)")
            }
            if keyTrust.isEmpty {
                if FileManager.default.fileExists(atPath: pinnedPath) {
                    for key in try DataDirectory.readKeySet(pinnedPath) { keyTrust.pin(key.publicKey) }
                } else {
                    try DataDirectory.writeKeySet(pinnedPath, served)
                    for key in served { keyTrust.pin(key.publicKey) }
                    print(
                        "trust on first use: pinned the server's \(served.count) key(s) (\(served.map(\.keyID).joined(separator: ", "))) in \(pinnedPath)"
                    )
                }
            }
            let (keys, untrusted) = keyTrust.evaluate(served)

            let headsJSON = try await fetchJSON(base + "/v1/ledger/heads")
            guard let latest = Self.headsByLog(headsJSON) else {
                throw unusable("/v1/ledger/heads is not a list of signed tree heads")
            }

            var problems: [String] = []
            var lines: [String] = []
            for log in Set(latest.keys).union(seen.keys).sorted() {
                guard let new = latest[log] else {
                    let old = seen[log]!
                    problems.append(
                        "log \(log): the server no longer has it, seen before at size \(old.head.size): history was cut"
                    )
                    continue
                }
                let size = new.head.size
                guard let raw = keys[new.keyID] else {
                    let why = untrusted[new.keyID].map { ": \($0)" } ?? ", which is not pinned"
                    problems.append("log \(log): the tree head at size \(size) is signed by key \(new.keyID)\(why)")
                    continue
                }
                guard new.isValid(publicKeyBytes: raw) else {
                    problems.append("log \(log): the tree head at size \(size) has an invalid signature")
                    continue
                }
                guard let old = seen[log] else {
                    lines.append("log \(log): first seen at size \(size)")
                    continue
                }
                let oldSize = old.head.size
                let proof =
                    new.head.needsProof(after: old.head)
                    ? try await consistencyProof(base: base, log: log, from: oldSize, to: size) : []
                switch new.head.succession(after: old.head, proof: proof) {
                case .unchanged:
                    lines.append("log \(log): unchanged at size \(size)")
                case .grew:
                    lines.append("log \(log): grew from size \(oldSize) to \(size), consistent")
                case .cut:
                    problems.append(
                        "log \(log): history was cut: the server's tree head has size \(size), smaller than size \(oldSize) seen before"
                    )
                case .rewritten where size == oldSize:
                    problems.append(
                        "log \(log): history was rewritten: size \(size) has root \(new.head.root.hex), but \(old.head.root.hex) was seen before"
                    )
                case .rewritten:
                    problems.append(
                        "log \(log): history was rewritten: the consistency proof from size \(oldSize) to size \(size) does not verify"
                    )
                }
            }
            for line in lines { print(line) }
            if !problems.isEmpty {
                for problem in problems { print("FAILED: \(problem)") }
                print("the heads seen before are kept in \(headsPath)")
                throw ExitCode(1)
            }
            var merged = seen
            for (log, head) in latest { merged[log] = head }
            let document = JSONValue.object([
                ("server", .string(base)),
                ("heads", .array(merged.keys.sorted().map { merged[$0]!.jsonValue })),
            ])
            try DataDirectory.writeReplacing(headsPath, CanonicalJSON.orderedBytes(document) + [UInt8(ascii: "\n")])
            print("ok: \(latest.count) log(s) consistent with what was seen before; heads recorded in \(headsPath)")
        }

        private func readSeen() throws -> [Int: SignedTreeHead] {
            guard let data = FileManager.default.contents(atPath: headsPath) else { return [:] }
            guard let json = try? JSONParser.parse(Array(data)), let seen = Self.headsByLog(json) else {
                throw CLIError("\(headsPath) is not a witness state file")
            }
            return seen
        }

        /// `{"heads": [signed tree head, …]}`, the form of both `/v1/ledger/heads` and the state file, by log.
        private static func headsByLog(_ json: JSONValue) -> [Int: SignedTreeHead]? {
            guard let items = json["heads"]?.arrayValue else { return nil }
            var heads: [Int: SignedTreeHead] = [:]
            for item in items {
                guard let head = SignedTreeHead(json: item) else { return nil }
                heads[head.head.log] = head
            }
            return heads
        }

        private func consistencyProof(base: String, log: Int, from: Int, to: Int) async throws -> [MerkleHash] {
            let path = "/v1/ledger/proofs/consistency?log=\(log)&from=\(from)&to=\(to)"
            let json = try await fetchJSON(base + path)
            guard let items = json["proof"]?.arrayValue else { throw unusable("\(path) has no proof") }
            var proof: [MerkleHash] = []
            for item in items {
                guard let hash = item.stringValue.flatMap(MerkleHash.init(hex:)) else {
                    throw unusable("\(path) holds a value that is not a hash")
                }
                proof.append(hash)
            }
            return proof
        }

        private func fetchJSON(_ url: String) async throws -> JSONValue {
            do {
                return try JSONParser.parse(try await fetch(url))
            } catch let error as JSONParseError {
                throw unusable("\(url) did not answer JSON: \(error)")
            }
        }

        private func fetch(_ url: String) async throws -> [UInt8] {
            let answer: HTTPCall.Answer
            do {
                answer = try await HTTPCall.send("GET", url, timeout: 30)
            } catch {
                throw unusable(error.message)
            }
            guard answer.status == 200 else {
                throw unusable("\(url) answered HTTP \(answer.status): \(answer.text(300))")
            }
            return answer.body
        }

        private func unusable(_ message: String) -> any Error {
            FileHandle.standardError.write(Data("cannot check: \(message)\n".utf8))
            return ExitCode(2)
        }
    }
}
