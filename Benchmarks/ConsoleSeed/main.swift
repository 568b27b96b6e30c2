// Seeds a data directory for scripts/bench-console: PROPERTIES properties, RECORDS ledger records spread over
// them and over the last 60 days (appended straight to the store in large signed batches with the data
// directory's signing key, as assent-ledger-fill does, so the server and `assent ledger verify` read them as their
// own), the analytics counters those records make (counted by the same rules as the live counter, with banner
// counts beside them), and REQUESTS privacy requests with real deadlines, some open, some overdue, some closed.
//   assent-console-seed DATA_DIR [PROPERTIES=10] [REQUESTS=10000] [RECORDS=1000000]
// Prints one record id and one request id to look up, as `record=<id>` and `request=<id>` lines.
import AssentCore
import AssentServer
import AssentStore
import Foundation
import Logging

let arguments = Array(CommandLine.arguments.dropFirst())
guard !arguments.isEmpty else {
    FileHandle.standardError.write(
        Data("usage: assent-console-seed DATA_DIR [PROPERTIES=10] [REQUESTS=10000] [RECORDS=1000000]\n".utf8))
    exit(2)
}
let propertyCount = arguments.count > 1 ? max(1, Int(arguments[1]) ?? 10) : 10
let requestCount = arguments.count > 2 ? max(0, Int(arguments[2]) ?? 10_000) : 10_000
let recordCount = arguments.count > 3 ? max(0, Int(arguments[3]) ?? 1_000_000) : 1_000_000
let subjectCount = max(1, recordCount / 10)
let configuration = ServerConfiguration(dataDirectory: arguments[0])
var logger = Logger(label: "console-seed")
logger.logLevel = .warning

let day = Timestamp.millisecondsPerDay
let now = Int64(Date().timeIntervalSince1970 * 1000)
let start = now - 60 * day
let properties = (0..<propertyCount).map { String(format: "bench-%02d", $0) }
/// Where visitors come from, and the regime each region is under.
let regions: [(code: String, regime: Regime, lang: String)] = [
    ("FR", .optIn, "fr"), ("DE", .optIn, "de"), ("ES", .optIn, "es"), ("GB", .optIn, "en"), ("US-CA", .optOut, "en"),
    ("US-TX", .optOut, "en"), ("BR", .optOut, "pt"),
]
let categories = ["necessary", "functional", "performance", "targeting", "social", "sale"]

func hex(_ n: Int, _ width: Int) -> String { String(format: "%0\(width)llx", UInt64(n)) }
func subject(_ k: Int) -> String { "5ab1ec70-0000-4000-8000-" + hex(k, 12) }

/// Record n: its subject, property and region follow from n; a visitor's later records are changes of mind.
func entry(_ n: Int) -> LedgerEntry {
    let k = n % subjectCount
    let region = regions[k % regions.count]
    let action: ConsentAction = [.acceptAll, .acceptAll, .rejectAll, .save, .acceptAll, .rejectAll, .save][n % 7]
    var choices: [String: Bool] = [:]
    for (index, key) in categories.enumerated() {
        switch action {
        case .acceptAll: choices[key] = true
        case .rejectAll, .gpc: choices[key] = key == "necessary"
        case .save: choices[key] = key == "necessary" || (n >> index) & 1 == 1
        }
    }
    return LedgerEntry(
        id: "c0501e00-0000-4000-8000-" + hex(n, 12), property: properties[k % properties.count], subject: subject(k),
        choices: choices, action: action, regime: region.regime, region: region.code, gpc: false, gpcConflicts: [],
        policyVersion: 1, textsHash: String(repeating: "ab", count: 32), lang: region.lang,
        recordedAt: start + Int64(n) * (60 * day) / Int64(max(recordCount, 1)))
}

try await DataDirectory.withStorage(configuration, logger: logger) { opened in
    let store = opened.store
    let started = ContinuousClock.now
    func elapsed() -> Double { started.duration(to: .now) / .seconds(1) }

    for (index, id) in properties.enumerated() {
        let property = Property.standard(
            id: id, name: "Bench publisher \(index)", origins: ["https://bench\(index).example"])
        _ = try await store.saveProperty(property, at: now)
    }

    // The ledger, with the analytics counters its records make.
    let signer = opened.signer
    try await store.publishKey(PublishedKey(keyID: signer.keyID, publicKey: signer.publicKeyBytes, firstUsedAt: 0))
    var tree = try await store.frontier(log: 0)
    guard tree.size == 0 else {
        FileHandle.standardError.write(Data("\(arguments[0]) has a ledger already: seed an empty directory\n".utf8))
        exit(1)
    }
    var latest: [Int: LedgerEntry] = [:]
    var counts: [AnalyticsKey: Int] = [:]
    let batchSize = 5000
    var n = 0
    while n < recordCount {
        let entries = (n..<min(n + batchSize, recordCount)).map(entry)
        let bytes = entries.map(\.canonicalBytes)
        let at = tree.size
        let (nodes, _) = tree.appendBatch(bytes.map { Merkle.leafHash($0) })
        let head = try signer.sign(
            TreeHead(log: 0, size: tree.size, root: tree.root(), timestamp: entries.last!.recordedAt))
        try await store.append(
            LedgerBatch(log: 0, startIndex: at, entries: entries, entryBytes: bytes, nodes: nodes, treeHead: head))
        for (offset, record) in entries.enumerated() {
            let k = (n + offset) % subjectCount
            let (cell, metrics) = AnalyticsMetric.decision(record, earlier: latest[k])
            latest[k] = record
            for metric in metrics { counts[AnalyticsKey(cell: cell, metric: metric), default: 0] += 1 }
            // Banners: about three shown for every two decisions.
            if (n + offset) % 2 == 0 {
                counts[AnalyticsKey(cell: cell, metric: AnalyticsEvent.bannerShown.rawValue), default: 0] += 3
            }
        }
        n += entries.count
        if n % 200_000 < batchSize {
            FileHandle.standardError.write(
                Data(String(format: "  %d records, %.0f records/s\n", n, Double(n) / elapsed()).utf8))
        }
    }
    latest = [:]
    try await store.addAnalytics(
        counts.map { AnalyticsCount(cell: $0.key.cell, metric: $0.key.metric, count: $0.value) })
    print(
        String(
            format: "ledger: %d records (%d subjects) and %d analytics rows in %.1f s", recordCount, subjectCount,
            counts.count, elapsed()))

    // Privacy requests received over the last 120 days: closed once old enough, mostly, and some left overdue.
    let types = RequestType.allCases
    var requestID = ""
    for r in 0..<requestCount {
        let receivedAt = now - 120 * day + Int64(r) * (120 * day) / Int64(max(requestCount, 1))
        let received = CivilDate(milliseconds: receivedAt)
        let region = regions[r % regions.count]
        let type = types[r % types.count]
        let law = RequestLaw(regime: region.regime)
        let deadlines = RequestDeadlines(received: received, type: type, law: law, calendar: BusinessCalendar())
        let old = deadlines.respondBy.endMilliseconds < now
        let status: RequestStatus =
            old
            ? ((r / 10) % 10 == 0 ? .inProgress : (r / 10) % 5 == 1 ? .denied : .completed)
            : [.received, .verified, .inProgress][r % 3]
        let id =
            hex(Int(receivedAt >> 16), 8) + "-" + hex(Int(receivedAt & 0xFFFF), 4) + "-7000-8000-" + hex(r, 12)
        let request = PrivacyRequest(
            id: id, property: properties[r % properties.count], type: type, law: law, region: region.code,
            lang: region.lang, status: status, email: status.isFinal ? nil : "person\(r)@example.org",
            emailHash: hex(r, 64), details: ["name": "Person \(r)"], receivedAt: receivedAt,
            verifiedAt: status == .received ? nil : receivedAt + day,
            closedAt: status.isFinal ? receivedAt + 20 * day : nil, deadlines: deadlines,
            denialReason: status == .denied ? "could not verify the requester" : nil, statusTokenHash: hex(r, 64))
        try await store.createRequest(
            request,
            event: RequestEvent(requestID: id, at: receivedAt, actor: "requester", action: "created", to: .received),
            challenge: nil, suppression: nil, webhook: nil)
        requestID = id
    }
    print(String(format: "requests: %d in %.1f s", requestCount, elapsed()))
    if recordCount > 0 { print("record=" + entry(recordCount / 2).id) }
    if requestCount > 0 { print("request=" + requestID) }
}
