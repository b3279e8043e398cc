import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A repository's history file (`NAME.dispatches.jsonl`): append-only, one fsync'd JSON line per
/// record (see `HistoryLine`). Callers hold the repository's lock while appending; anyone reads.
///
/// Readers keep a `Position` and read only what was appended after it. A line a reader cannot use
/// is reported with the file and its line number, never dropped in silence; a last line without
/// its newline (a crash mid-append, or an append in progress) waits for the next read.
public struct HistoryLog: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    public struct LogError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Appends one record and fsyncs it before returning. A torn last line (a crash mid-append)
    /// is ended first, so it cannot swallow this record: the two would read as one broken line.
    public func append(_ record: HistoryRecord) throws {
        var line = HistoryLine.encode(record)
        line.append(UInt8(ascii: "\n"))
        try appendLines(line)
    }

    /// Appends whole lines (each ending with a newline) as they are, fsync'd.
    func appendLines(_ lines: Data) throws {
        var bytes = lines
        let fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LogError(description: "cannot open history \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        if end > 0 {
            var last: UInt8 = 0
            guard pread(fd, &last, 1, end - 1) == 1 else {
                throw LogError(description: "cannot read history \(url.path): \(String(cString: strerror(errno)))")
            }
            if last != UInt8(ascii: "\n") { bytes.insert(UInt8(ascii: "\n"), at: 0) }
        }
        let written = bytes.withUnsafeBytes { raw in raw.baseAddress.map { Glibc.write(fd, $0, raw.count) } ?? 0 }
        guard written == bytes.count else {
            throw LogError(description: "cannot append to history \(url.path): \(String(cString: strerror(errno)))")
        }
        guard fsync(fd) == 0 else { throw LogError(description: "cannot fsync history \(url.path): \(String(cString: strerror(errno)))") }
    }

    /// Where a reader got to: the file (device and inode), the byte after the last whole line it
    /// read, and how many lines that was (for reporting a damaged line by its number).
    public struct Position: Sendable, Equatable {
        public var device: UInt64
        public var inode: UInt64
        public var offset: Int64
        public var line: Int

        public init(device: UInt64, inode: UInt64, offset: Int64, line: Int) {
            self.device = device
            self.inode = inode
            self.offset = offset
            self.line = line
        }
    }

    /// A line that could not be used: which file, which line, what it held and why.
    public struct Notice: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, Equatable {
            /// Not a record: skipped.
            case damaged
            /// A step this version does not know (a newer version wrote it): kept and skipped.
            case unknownStep = "unknown_step"
        }
        public var kind: Kind
        public var file: String
        public var line: Int
        /// The start of the line, as it was (at most 120 characters).
        public var excerpt: String
        public var reason: String

        public var description: String {
            switch kind {
            case .damaged: "\(file) line \(line) is not a history record (\(reason)), skipped: \(excerpt)"
            case .unknownStep: "\(file) line \(line) holds a step this version does not know (\(reason)), kept and skipped"
            }
        }
    }

    /// What a read found.
    public struct Read: Sendable {
        public var records: [HistoryRecord]
        public var notices: [Notice]
        /// Where the next read starts; nil when there is no file.
        public var position: Position?
        /// The file is another one than the position's (replaced by compaction), or shorter: it
        /// was read from the start, and what was learnt from the old one must be forgotten.
        public var restarted: Bool
    }

    /// The file's identity and size now, without reading it; nil when there is none.
    public func end() -> Position? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return Position(device: UInt64(truncatingIfNeeded: info.st_dev), inode: UInt64(truncatingIfNeeded: info.st_ino), offset: Int64(info.st_size), line: 0)
    }

    /// The records of the lines appended after `position` (nil: from the start); with `limit`, of
    /// about that many bytes of whole lines (at least one line), so a long tail is read a piece at
    /// a time.
    public func read(after position: Position?, limit: Int? = nil) -> Read {
        let raw = readLines(after: position, limit: limit)
        var records: [HistoryRecord] = []
        var notices: [Notice] = []
        records.reserveCapacity(raw.lines.count)
        for (number, line) in raw.lines {
            let (record, notice) = Self.decode(line, number: number, source: url.path)
            if let record { records.append(record) }
            if let notice { notices.append(notice) }
        }
        return Read(records: records, notices: notices, position: raw.position, restarted: raw.restarted)
    }

    /// The record line `number` of `source` holds, and what to say about it: a line that is not a
    /// record is only a notice; a step this version does not know is a record and a notice.
    public static func decode(_ line: Data, number: Int, source: String) -> (record: HistoryRecord?, notice: Notice?) {
        func notice(_ kind: Notice.Kind, _ reason: String) -> Notice {
            Notice(kind: kind, file: source, line: number, excerpt: String(decoding: line.prefix(120), as: UTF8.self), reason: reason)
        }
        do {
            let record = try HistoryLine.decode(line)
            if case let .unknown(name) = record.step { return (record, notice(.unknownStep, "event \(name.debugDescription)")) }
            return (record, nil)
        } catch {
            return (nil, notice(.damaged, error.reason))
        }
    }

    /// Every record from the start.
    public func records() -> [HistoryRecord] {
        read(after: nil).records
    }

    /// The whole lines after `position`, numbered from 1 at the start of the file, and where the
    /// next read starts. Empty lines are counted and skipped.
    public func readLines(after position: Position?, limit: Int? = nil) -> (lines: [(Int, Data)], position: Position?, restarted: Bool) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return ([], nil, position != nil) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return ([], nil, position != nil) }
        let device = UInt64(truncatingIfNeeded: info.st_dev), inode = UInt64(truncatingIfNeeded: info.st_ino)
        var start: Int64 = 0
        var lineNumber = 0
        var restarted = position != nil
        if let position, position.device == device, position.inode == inode, position.offset <= Int64(info.st_size) {
            start = position.offset
            lineNumber = position.line
            restarted = false
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var at = start
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
            guard count > 0 else { break }
            data.append(contentsOf: buffer[0..<count])
            at += Int64(count)
            if let limit, data.count >= limit, buffer[0..<count].contains(UInt8(ascii: "\n")) { break }
        }
        let whole = data.lastIndex(of: UInt8(ascii: "\n")).map { data.index(after: $0) } ?? data.startIndex
        var lines: [(Int, Data)] = []
        var lineStart = data.startIndex
        while lineStart < whole, let newline = data[lineStart..<whole].firstIndex(of: UInt8(ascii: "\n")) {
            lineNumber += 1
            if newline > lineStart { lines.append((lineNumber, Data(data[lineStart..<newline]))) }
            lineStart = data.index(after: newline)
        }
        let end = start + Int64(data.distance(from: data.startIndex, to: whole))
        return (lines, Position(device: device, inode: inode, offset: end, line: lineNumber), restarted)
    }
}
