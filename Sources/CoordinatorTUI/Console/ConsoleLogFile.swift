import Coordinator
import Foundation
import Logging
import Synchronization

/// A swift-log handler appending to a file: while curses owns the screen nothing may be written
/// to stdout or stderr, so the console's logs go here.
public struct ConsoleLogFile: LogHandler {
    private final class Sink: Sendable {
        let handle: Mutex<FileHandle?>

        init(path: String) {
            // O_APPEND: several handlers on one file (the demo's and the console's) never
            // overwrite each other's lines.
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            handle = Mutex(descriptor >= 0 ? FileHandle(fileDescriptor: descriptor, closeOnDealloc: true) : nil)
        }

        func write(_ line: String) {
            handle.withLock { $0?.write(Data(line.utf8)) }
        }
    }

    private let sink: Sink
    private let label: String
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level

    private init(sink: Sink, label: String, level: Logger.Level) {
        self.sink = sink
        self.label = label
        logLevel = level
    }

    /// A logger writing to `path` at `level`, without touching the global logging bootstrap.
    public static func logger(path: String, level: Logger.Level, label: String = "coordinator.console") -> Logger {
        let sink = Sink(path: path)
        var logger = Logger(label: label) { label in ConsoleLogFile(sink: sink, label: label, level: level) }
        logger.logLevel = level
        return logger
    }

    /// Sends every logger made with `Logger(label:)` (e.g. inside the Sandbox's HTTP server) to
    /// `path` too, so nothing reaches stderr while curses owns the screen. Once per process.
    public static func routeProcessLogs(to path: String, level: Logger.Level) {
        let sink = Sink(path: path)
        ProcessLogging.bootstrapOnce { label in ConsoleLogFile(sink: sink, label: label, level: level) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let meta = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.write("\(Timestamp.format(Date())) \(event.level) \(label):\(meta) \(event.message)\n")
    }
}
