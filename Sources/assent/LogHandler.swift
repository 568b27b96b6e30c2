import Foundation
import Logging

/// Writes log lines to standard error like swift-log's StreamLogHandler, but formats metadata only when a
/// line is written. StreamLogHandler re-renders its metadata string whenever metadata is set, and the HTTP
/// layer sets a request id on every request: that cost about 3% of the CPU under load, for lines that the
/// log level then drops.
struct StandardErrorLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
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
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = ISO8601DateFormatter().string(from: Date())
        let text = "\(time) \(level) \(label):\(rendered.isEmpty ? "" : " " + rendered) [\(source)] \(message)\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
