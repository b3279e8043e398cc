import Coordinator
import Foundation
import Logging
import Synchronization

/// `--log-format json`: one JSON object per line, for log shippers (Loki, Fluent Bit, journald's
/// JSON mode) that would otherwise have to parse the text format's free-form metadata.
///
/// Each line has `time` (ISO 8601, UTC), `level`, `label`, `message` and `source`, and every
/// metadata entry as a string field of its own: nested dictionaries become dotted keys
/// (`repo.name`), lists their text. A metadata key that would overwrite one of the five fixed
/// fields is written as `metadata.KEY` instead, so a log line can never lie about its level.
///
/// It writes what the loggers give it and nothing else: the loggers never log a token, and this
/// handler adds no field of its own that could hold one.
struct JSONLogHandler: LogHandler {
    /// Serialises whole lines: two threads logging at once never interleave within a line.
    private final class Sink: Sendable {
        private let write: @Sendable (Data) -> Void
        private let lock = Mutex(())

        init(_ write: @escaping @Sendable (Data) -> Void) {
            self.write = write
        }

        func line(_ data: Data) {
            lock.withLock { _ in write(data) }
        }
    }

    private static let standardErrorSink = Sink { FileHandle.standardError.write($0) }
    static let fixedFields: Set<String> = ["time", "level", "label", "message", "source"]

    private let sink: Sink
    private let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    var metadataProvider: Logger.MetadataProvider?

    private init(sink: Sink, label: String, level: Logger.Level) {
        self.sink = sink
        self.label = label
        self.logLevel = level
        self.metadataProvider = LoggingSystem.metadataProvider
    }

    /// A handler writing to standard error.
    static func standardError(label: String, level: Logger.Level) -> JSONLogHandler {
        JSONLogHandler(sink: standardErrorSink, label: label, level: level)
    }

    /// A handler handing each line (with its newline) to `write`; for tests and log files.
    static func writing(to write: @escaping @Sendable (Data) -> Void, label: String, level: Logger.Level) -> JSONLogHandler {
        JSONLogHandler(sink: Sink(write), label: label, level: level)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        sink.line(Self.line(
            time: Date(), level: event.level, label: label, message: event.message.description, source: event.source, metadata: merged))
    }

    /// One log line, newline included. Pure, so tests can pin it.
    static func line(
        time: Date, level: Logger.Level, label: String, message: String, source: String, metadata: Logger.Metadata
    ) -> Data {
        var fields: [String: String] = [:]
        flatten(metadata, prefix: "", into: &fields)
        for key in fields.keys where fixedFields.contains(key) {
            fields["metadata." + key] = fields.removeValue(forKey: key)
        }
        fields["time"] = Timestamp.format(time)
        fields["level"] = level.rawValue
        fields["label"] = label
        fields["message"] = message
        fields["source"] = source
        // A [String: String] always serialises; the fallback only keeps the signature total.
        var data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"level":"error","message":"log line could not be encoded"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    private static func flatten(_ metadata: Logger.Metadata, prefix: String, into fields: inout [String: String]) {
        for (key, value) in metadata {
            let name = prefix + key
            switch value {
            case let .dictionary(nested) where !nested.isEmpty: flatten(nested, prefix: name + ".", into: &fields)
            case let .string(text): fields[name] = text
            default: fields[name] = value.description
            }
        }
    }
}
