import Foundation

/// A build's console log, as Jenkins writes and serves it: `consoleText` (the whole log) and
/// `logText/progressiveText?start=K` (the log from byte K, for a viewer that polls).
///
/// The log is a function of time, and only ever grows: Jenkins' first line at the start, the
/// job's lines at their rate, text the control API appended, and `Finished: RESULT` at the end.
/// Everything is ordered by when it was written, so what a reader saw stays where it was.
extension JenkinsService {
    /// The log as it stands at `now`; nil before the build started (a queue item has no log).
    func consoleLog(_ item: JenkinsQueueItem, now: Date) -> Data? {
        logPieces(item, now: now).map { $0.reduce(into: Data()) { $0.append($1) } }
    }

    /// The log as it stands at `now`, as the pieces it was written in (in order), so a reader of
    /// its end need not copy the rest; nil before the build started.
    func logPieces(_ item: JenkinsQueueItem, now: Date) -> [Data]? {
        guard let started = item.startedAt else { return nil }
        let result = item.finalResult(now: now, buildDuration: buildDuration)
        let ended = result == nil ? nil : item.endsAt(buildDuration: buildDuration)
        // (when, order, bytes): order breaks ties so Jenkins' own lines frame the rest.
        var pieces: [(at: Date, order: Int, bytes: Data)] = [
            (started, 0, Data("Started by user \(item.requestedBy)\n".utf8)),
        ]
        let lines = jobLogs[item.jobPath].map(\.lines) ?? defaultLines(item)
        let rate = jobLogs[item.jobPath]?.linesPerSecond ?? 0
        for (index, line) in lines.enumerated() {
            var at = rate > 0 ? started.addingTimeInterval(Double(index) / rate) : started
            // A build that ended wrote every line before its last.
            if let ended { at = min(at, ended) }
            guard at <= now || ended != nil else { break }
            pieces.append((at, 1 + index, Data((line + "\n").utf8)))
        }
        for (index, append) in item.logAppends.enumerated() {
            pieces.append((append.at, 1 + lines.count + index, append.bytes))
        }
        if let result, let ended {
            pieces.append((ended, Int.max, Data("Finished: \(result.rawValue)\n".utf8)))
        }
        pieces.sort { ($0.at, $0.order) < ($1.at, $1.order) }
        return pieces.map(\.bytes)
    }

    /// What a job without a scenario log writes: where it builds and with which parameters.
    private func defaultLines(_ item: JenkinsQueueItem) -> [String] {
        ["Building in workspace /var/jenkins_home/workspace/\(item.jobPath)"]
            + item.parameters.map { "[Sandbox] \($0.0)=\($0.1)" }
            + ["[Sandbox] the executor ran"]
    }

    /// `GET …/N/consoleText`: the whole log so far, as plain text.
    func consoleText(_ item: JenkinsQueueItem, now: Date) -> OutgoingResponse {
        guard let log = consoleLog(item, now: now) else { return Self.page(404, "Not Found") }
        return OutgoingResponse(status: 200, headers: [("Content-Type", "text/plain;charset=UTF-8")], body: log)
    }

    /// `GET …/N/logText/progressiveText?start=K`, as Jenkins' `LargeText.doProgressText` answers:
    /// the log from byte K with every lone `\n` written as `\r\n`, `X-Text-Size` the log's size in
    /// bytes (where the next request starts), `X-More-Data: true` while the build runs. A `start`
    /// beyond the size is taken for a log that "rolled over": the answer starts again at 0.
    /// A `start` that is no number (or negative) fails on the server, as Jenkins' does. `HEAD`
    /// gets the same headers and no body, as from any servlet container.
    func progressiveText(_ item: JenkinsQueueItem, start text: String?, headersOnly: Bool = false, now: Date) -> OutgoingResponse {
        guard let pieces = logPieces(item, now: now) else { return Self.page(404, "Not Found") }
        let size = pieces.reduce(0) { $0 + $1.count }
        var start = 0
        if let text {
            guard let parsed = Int64(text), parsed >= 0 else {
                return Self.page(500, "java.lang.NumberFormatException: For input string: \"\(text.prefix(40))\"")
            }
            start = parsed > Int64(size) ? 0 : Int(parsed)
        }
        var headers = [("Content-Type", "text/plain;charset=UTF-8"), ("X-Text-Size", String(size))]
        if item.isBuilding(now: now, buildDuration: buildDuration) { headers.append(("X-More-Data", "true")) }
        if headersOnly { return OutgoingResponse(status: 200, headers: headers, body: Data()) }
        // Only what lies past `start` is copied, as Jenkins seeks in the log file.
        var tail: [Data.SubSequence] = []
        var offset = 0
        for piece in pieces {
            let end = offset + piece.count
            if end > start { tail.append(piece[(piece.startIndex + max(0, start - offset))...]) }
            offset = end
        }
        return OutgoingResponse(status: 200, headers: headers, body: Self.normalizingLineEnds(tail))
    }

    /// Jenkins' `LineEndNormalizingWriter`: a `\n` not preceded by `\r` (within this answer) is
    /// sent as `\r\n`.
    static func normalizingLineEnds(_ bytes: Data.SubSequence) -> Data {
        normalizingLineEnds([bytes])
    }

    /// The same over the answer's pieces in order, copying the runs between line ends whole.
    static func normalizingLineEnds(_ pieces: [Data.SubSequence]) -> Data {
        let total = pieces.reduce(0) { $0 + $1.count }
        var output = [UInt8]()
        output.reserveCapacity(total + total / 16 + 1)
        var previous: UInt8 = 0
        for piece in pieces {
            piece.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let bytes = raw.bindMemory(to: UInt8.self)
                var runStart = 0
                var index = 0
                while index < bytes.count {
                    if bytes[index] == 0x0A, (index > 0 ? bytes[index - 1] : previous) != 0x0D {
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                        output.append(0x0D)
                        runStart = index
                    }
                    index += 1
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
                if let last = bytes.last { previous = last }
            }
        }
        return Data(output)
    }

    /// Adds `bytes` to the log of the build queue item `queueID` became, as if the build wrote
    /// them now. Only a running build writes: a queue item has no log yet, an ended build's log
    /// is closed.
    mutating func appendLog(queueID: Int, bytes: Data, now: Date) -> Result<Int, SandboxLogAppendError> {
        settle(now: now)
        guard let index = queue.firstIndex(where: { $0.id == queueID }) else { return .failure(.unknownQueueItem(queueID)) }
        guard queue[index].startedAt != nil else { return .failure(.notStarted(queueID: queueID)) }
        guard queue[index].isBuilding(now: now, buildDuration: buildDuration) else { return .failure(.ended(queueID: queueID)) }
        queue[index].logAppends.append((now, bytes))
        return .success(logPieces(queue[index], now: now)?.reduce(0) { $0 + $1.count } ?? 0)
    }
}

/// Why text could not be added to a build's log through the control API.
public enum SandboxLogAppendError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownQueueItem(Int)
    /// The item waits in the queue (or was cancelled there): no build, no log.
    case notStarted(queueID: Int)
    /// The build ended; Jenkins never writes to a finished build's log.
    case ended(queueID: Int)

    public var description: String {
        switch self {
        case .unknownQueueItem(let id): "no queue item \(id)"
        case .notStarted(let id): "queue item \(id) has not become a build: it has no log"
        case .ended(let id): "the build of queue item \(id) has ended: its log is closed"
        }
    }
}
