import ArgumentParser
import AssentCore
import Foundation
import Logging

/// How log lines are written: text for a person at a terminal, JSON (one object per line) for a log collector.
enum LogFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}

/// Writes log lines to standard error like swift-log's StreamLogHandler, but formats metadata only when a
/// line is written. StreamLogHandler re-renders its metadata string whenever metadata is set, and the HTTP
/// layer sets a request id on every request: that cost about 3% of the CPU under load, for lines that the
/// log level then drops.
struct StandardErrorLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, level: Logger.Level, format: LogFormat = .text) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let explicit = event.metadata
        let level = event.level
        let message = event.message
        let source = event.source
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit { all.merge(explicit) { _, new in new } }
        let time = ISO8601DateFormatter().string(from: Date())
        let text: String
        switch format {
        case .text:
            let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            text = "\(time) \(level) \(label):\(rendered.isEmpty ? "" : " " + rendered) [\(source)] \(message)\n"
        case .json:
            var members: [(String, JSONValue)] = [
                ("time", .string(time)), ("level", .string(level.rawValue)), ("label", .string(label)),
                ("source", .string(source)), ("message", .string(message.description)),
            ]
            for (key, value) in all.sorted(by: { $0.key < $1.key }) {
                // `hb.request.id` is `request_id` for collectors that do not like dots in field names.
                members.append((key == "hb.request.id" ? "request_id" : key, .string(value.description)))
            }
            text = String(decoding: CanonicalJSON.orderedBytes(.object(members)), as: UTF8.self) + "\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
