import Coordinator
import Foundation

/// One read of the log view: `start` nil reads the last `limit` bytes (the tail).
public struct LogRead: Sendable, Equatable {
    public enum Direction: Sendable, Equatable {
        /// Replaces what is shown (the tail, or the log's start).
        case replace
        /// Appends after what is shown.
        case forward
        /// Prepends before what is shown: the bytes up to the window's start.
        case backward
    }

    public var view: Int
    public var repo: String
    public var build: LogBuild
    public var start: Int?
    public var limit: Int
    public var direction: Direction
}

/// The log decoder's state between reads. It follows from the bytes read so far, which the view
/// compares by its offsets, so two states are not told apart here.
struct LogDecoderState: Sendable, Equatable {
    var decoder = LogDecoder()
    static func == (_: LogDecoderState, _: LogDecoderState) -> Bool { true }
}

/// The build log view (`l`): a bounded window of the build's console output, opened at the tail
/// and followed while the build runs. Only `windowBytes` of the log are held, however long it
/// is; scrolling past either end of the window reads the next piece and lets go of the far end.
public struct LogView: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case locating
        case queued(why: String?)
        case reading
        case shown
        case unavailable(String)
    }

    /// Bytes asked for in one read.
    public var chunkBytes = 256 * 1024
    /// Bytes of the log held at most (plus the line the window's edge cuts).
    public var windowBytes = 4 * 1024 * 1024
    /// How often a followed log, or a queued build, is asked again.
    public static let pollSeconds: TimeInterval = 0.5
    /// Columns `←`/`→` scroll.
    public static let sideStep = 8

    /// Tells the results of one opening from those of an earlier one.
    public var id: Int
    public var repo: String
    public var issue: Int
    public var dispatchID: String?
    public var build: LogBuild?
    public var phase: Phase = .locating
    /// The decoded lines of the window, oldest first.
    public private(set) var lines: [LogLine] = []
    /// Per line, the byte offset of the log line it came from (a long line decodes to several).
    private var lineStarts: [Int] = []
    /// Byte offset of the window's first line; always the start of a log line.
    public private(set) var windowStart = 0
    /// Byte offset up to which the log has been read and decoded.
    public private(set) var nextStart = 0
    /// Byte offset where the line the decoder holds unfinished began.
    private var pendingLineStart = 0
    private var decoder = LogDecoderState()
    /// Jenkins has more (the build runs, or a read was cut at its limit).
    public private(set) var more = true
    /// Pinned to the bottom and read again every `pollSeconds`.
    public var follow = true
    /// The first line shown.
    public var top = 0
    /// Columns scrolled to the right.
    public var column = 0
    public var search = ""
    /// The line the last search found.
    public var matched: Int?
    public var isEditingSearch = false
    /// A read or location is in flight.
    public var busy = false
    public var lastAsked: Date

    public init(id: Int, repo: String, issue: Int, dispatchID: String?, now: Date) {
        self.id = id
        self.repo = repo
        self.issue = issue
        self.dispatchID = dispatchID
        lastAsked = now
    }

    /// Log lines visible at once on a screen of `size`: the body minus the box's borders.
    public static func height(for size: ScreenSize) -> Int { max(1, size.rows - 5) }

    /// The highest `top`: the last line at the bottom of the pane.
    func bottom(height: Int) -> Int { max(0, lines.count - height) }

    /// Puts a read's bytes in the window: a `replace` read starts it afresh (dropping a first line
    /// that began before the read), a forward read appends, a backward read ending at the window's
    /// start prepends. Whatever goes past `windowBytes` is let go of at the
    /// other end. Returns false when the chunk does not fit where the window now is (a stale read).
    @discardableResult
    public mutating func absorb(_ chunk: BuildLogBytes, direction: LogRead.Direction, height: Int) -> Bool {
        switch direction {
        case .replace, .forward:
            if direction == .replace {
                resetWindow(at: chunk.start)
            } else if chunk.start != nextStart {
                return false
            }
            var bytes = chunk.bytes[...]
            if direction == .replace, chunk.start > 0 {
                // Opened mid-log: the first bytes are the end of a line that began before them.
                guard let newline = bytes.firstIndex(of: 0x0A) else {
                    resetWindow(at: chunk.start + bytes.count)
                    more = chunk.more
                    return true
                }
                let skipped = newline - bytes.startIndex + 1
                bytes = bytes.dropFirst(skipped)
                resetWindow(at: chunk.start + skipped)
            }
            let decoded = Self.decode(bytes, from: nextStart, decoder: &decoder.decoder, pendingLineStart: &pendingLineStart)
            lines += decoded.lines
            lineStarts += decoded.starts
            nextStart = max(chunk.nextStart, chunk.start + chunk.bytes.count)
            more = chunk.more
            if !more, let last = decoder.decoder.flush() {
                lines.append(last)
                lineStarts.append(pendingLineStart)
                pendingLineStart = nextStart
            }
            trimFront()
            if follow { top = bottom(height: height) }
        case .backward:
            guard chunk.start < windowStart, chunk.start + chunk.bytes.count <= windowStart else { return false }
            var bytes = chunk.bytes[...]
            var offset = chunk.start
            if chunk.start > 0, let newline = bytes.firstIndex(of: 0x0A), newline + 1 < bytes.endIndex {
                let skipped = newline - bytes.startIndex + 1
                bytes = bytes.dropFirst(skipped)
                offset += skipped
            }
            var fresh = LogDecoder()
            var pending = offset
            var decoded = Self.decode(bytes, from: offset, decoder: &fresh, pendingLineStart: &pending)
            if let last = fresh.flush() {
                decoded.lines.append(last)
                decoded.starts.append(pending)
            }
            lines.insert(contentsOf: decoded.lines, at: 0)
            lineStarts.insert(contentsOf: decoded.starts, at: 0)
            top += decoded.lines.count
            windowStart = offset
            trimBack()
        }
        top = min(max(top, 0), bottom(height: height))
        return true
    }

    /// Decodes `bytes` (starting at byte `offset` of the log) line by line, so each decoded line
    /// knows the offset of the log line it came from.
    private static func decode(
        _ bytes: ArraySlice<UInt8>, from offset: Int, decoder: inout LogDecoder, pendingLineStart: inout Int
    ) -> (lines: [LogLine], starts: [Int]) {
        var lines: [LogLine] = []
        var starts: [Int] = []
        var segmentStart = bytes.startIndex
        while segmentStart < bytes.endIndex {
            let end = bytes[segmentStart...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.endIndex
            let decoded = decoder.feed(bytes[segmentStart..<end])
            lines += decoded
            starts += Array(repeating: pendingLineStart, count: decoded.count)
            if bytes[end - 1] == 0x0A {
                pendingLineStart = offset + (end - bytes.startIndex)
            }
            segmentStart = end
        }
        return (lines, starts)
    }

    private mutating func resetWindow(at offset: Int) {
        lines = []
        lineStarts = []
        windowStart = offset
        nextStart = offset
        pendingLineStart = offset
        decoder = LogDecoderState()
        top = 0
    }

    /// Lets go of whole log lines at the front while the window holds more than `windowBytes`.
    private mutating func trimFront() {
        var drop = 0
        while drop < lines.count, nextStart - lineStarts[drop] > windowBytes {
            let start = lineStarts[drop]
            while drop < lines.count, lineStarts[drop] == start { drop += 1 }
        }
        guard drop > 0 else { return }
        lines.removeFirst(drop)
        lineStarts.removeFirst(drop)
        windowStart = lineStarts.first ?? pendingLineStart
        top = max(0, top - drop)
    }

    /// Lets go of whole log lines at the back while the window holds more than `windowBytes`; the
    /// view then stops following, and reads forward again from the first line let go of.
    private mutating func trimBack() {
        guard nextStart - windowStart > windowBytes else { return }
        var keep = lines.count
        while keep > 0, lineStarts[keep - 1] - windowStart > windowBytes {
            let start = lineStarts[keep - 1]
            while keep > 0, lineStarts[keep - 1] == start { keep -= 1 }
        }
        guard keep < lines.count else { return }
        let cut = lineStarts[keep]
        lines.removeLast(lines.count - keep)
        lineStarts.removeLast(lineStarts.count - keep)
        nextStart = cut
        pendingLineStart = cut
        decoder = LogDecoderState()
        more = true
        follow = false
    }

    /// The window starts at the log's first byte.
    public var atLogStart: Bool { windowStart == 0 }

    /// Index of the next line (after `from`, or before it when `backwards`) whose text contains
    /// the search, wrapping around the window; nil when none does.
    public func match(from: Int, backwards: Bool) -> Int? {
        let needle = search.lowercased()
        guard !needle.isEmpty, !lines.isEmpty else { return nil }
        let count = lines.count
        for step in 1...count {
            let index = ((from + (backwards ? -step : step)) % count + count) % count
            if lines[index].plain.lowercased().contains(needle) { return index }
        }
        return nil
    }
}
