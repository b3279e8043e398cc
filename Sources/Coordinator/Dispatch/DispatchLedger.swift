import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The steps of one dispatch as the ledger records them.
public enum LedgerEvent: String, Codable, Sendable, Equatable {
    /// About to ask Jenkins for the job.
    case intent
    /// The build request may have reached Jenkins but its answer was lost: unresolved until Jenkins
    /// is asked whether the job exists.
    case answerLost = "answer_lost"
    /// Jenkins took the job (201, or 303 merged into a queued one).
    case jobStarted = "job_started"
    /// Jenkins' answer was never recorded, and the job was found in its queue or builds: started.
    case jobFound = "job_found"
    /// Jenkins' answer was never recorded, and Jenkins has no such job: not started, nothing changed.
    case jobAbsent = "job_absent"
    /// The busy label is on GitHub and the pickup label gone.
    case labelsMoved = "labels_moved"
    /// Finished; nothing left to recover.
    case done
    /// Jenkins refused; nothing was changed.
    case failed
    /// A note after the dispatch: the queue item became build `build_number` (recorded early,
    /// because Jenkins forgets left queue items after about five minutes).
    case buildStarted = "build_started"
    /// A note after the dispatch: the build ended with `result` after `duration_ms`, or its queue
    /// item was cancelled (`result` "CANCELLED"). Recorded once, so it is asked once.
    case buildFinished = "build_finished"
    /// An operator moved the busy label of the issue back to the pickup label or on to the
    /// failure label (unstick); `message` names the move.
    case reset

    /// The last step of a dispatch whose job may exist while its labels have not moved.
    var isUnfinished: Bool { [.intent, .answerLost, .jobStarted, .jobFound].contains(self) }

    /// Notes about a dispatch's build, appended after its steps: they never change where the
    /// dispatch itself stands.
    public var isBuildNote: Bool { self == .buildStarted || self == .buildFinished }
}

/// One line of `NAME.dispatches.jsonl`.
public struct LedgerRecord: Codable, Sendable, Equatable {
    public var time: Date
    /// Ties the lines of one dispatch together.
    public var dispatchID: String
    public var issue: Int
    public var pickup: String
    public var busy: String
    public var event: LedgerEvent
    public var workflow: String?
    public var queueID: Int?
    public var merged: Bool?
    public var buildURL: String?
    /// Who dispatched: `user@host` and how (run, console).
    public var by: String?
    public var message: String?
    /// On `intent`: the issue's `updated_at` as the dispatch read it live (GitHub's clock). Tells a
    /// dispatch still in flight from one a person has since overtaken.
    public var issueUpdatedAt: Date?
    /// On `intent`: the Jenkins job and the exact parameters sent, so a later run can look for
    /// that job when Jenkins' answer was lost. No secret is among them.
    public var jobPath: String?
    public var parameters: [JobParameter]?
    /// On `job_found`: where Jenkins showed the job.
    public var foundIn: JobSighting.Place?
    /// On `build_started` / `build_finished`: the build number.
    public var buildNumber: Int?
    /// On `build_finished`: Jenkins' result (`SUCCESS`, `FAILURE`, `UNSTABLE`, `ABORTED`), or
    /// `CANCELLED` for a cancelled queue item.
    public var result: String?
    /// On `build_finished`: how long the build ran, and when it ended (our clock).
    public var durationMS: Int?
    public var finishedAt: Date?

    public init(
        time: Date, dispatchID: String, issue: Int, pickup: String, busy: String, event: LedgerEvent,
        workflow: String? = nil, queueID: Int? = nil, merged: Bool? = nil, buildURL: String? = nil,
        by: String? = nil, message: String? = nil, issueUpdatedAt: Date? = nil,
        jobPath: String? = nil, parameters: [JobParameter]? = nil, foundIn: JobSighting.Place? = nil,
        buildNumber: Int? = nil, result: String? = nil, durationMS: Int? = nil, finishedAt: Date? = nil
    ) {
        self.time = time
        self.dispatchID = dispatchID
        self.issue = issue
        self.pickup = pickup
        self.busy = busy
        self.event = event
        self.workflow = workflow
        self.queueID = queueID
        self.merged = merged
        self.buildURL = buildURL
        self.by = by
        self.message = message
        self.issueUpdatedAt = issueUpdatedAt
        self.jobPath = jobPath
        self.parameters = parameters
        self.foundIn = foundIn
        self.buildNumber = buildNumber
        self.result = result
        self.durationMS = durationMS
        self.finishedAt = finishedAt
    }

    enum CodingKeys: String, CodingKey {
        case time, issue, pickup, busy, event, workflow, merged, by, message, parameters
        case dispatchID = "dispatch_id"
        case queueID = "queue_id"
        case buildURL = "build_url"
        case issueUpdatedAt = "issue_updated_at"
        case jobPath = "job_path"
        case foundIn = "found_in"
        case buildNumber = "build_number"
        case result
        case durationMS = "duration_ms"
        case finishedAt = "finished_at"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let timeText = try c.decode(String.self, forKey: .time)
        guard let time = Timestamp.parse(timeText) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: c, debugDescription: "bad time")
        }
        self.time = time
        dispatchID = try c.decode(String.self, forKey: .dispatchID)
        issue = try c.decode(Int.self, forKey: .issue)
        pickup = try c.decode(String.self, forKey: .pickup)
        busy = try c.decode(String.self, forKey: .busy)
        event = try c.decode(LedgerEvent.self, forKey: .event)
        workflow = try c.decodeIfPresent(String.self, forKey: .workflow)
        queueID = try c.decodeIfPresent(Int.self, forKey: .queueID)
        merged = try c.decodeIfPresent(Bool.self, forKey: .merged)
        buildURL = try c.decodeIfPresent(String.self, forKey: .buildURL)
        by = try c.decodeIfPresent(String.self, forKey: .by)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        issueUpdatedAt = (try c.decodeIfPresent(String.self, forKey: .issueUpdatedAt)).flatMap(Timestamp.parse)
        jobPath = try c.decodeIfPresent(String.self, forKey: .jobPath)
        parameters = try c.decodeIfPresent([JobParameter].self, forKey: .parameters)
        foundIn = try c.decodeIfPresent(JobSighting.Place.self, forKey: .foundIn)
        buildNumber = try c.decodeIfPresent(Int.self, forKey: .buildNumber)
        result = try c.decodeIfPresent(String.self, forKey: .result)
        durationMS = try c.decodeIfPresent(Int.self, forKey: .durationMS)
        finishedAt = (try c.decodeIfPresent(String.self, forKey: .finishedAt)).flatMap(Timestamp.parse)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Timestamp.format(time), forKey: .time)
        try c.encode(dispatchID, forKey: .dispatchID)
        try c.encode(issue, forKey: .issue)
        try c.encode(pickup, forKey: .pickup)
        try c.encode(busy, forKey: .busy)
        try c.encode(event, forKey: .event)
        try c.encodeIfPresent(workflow, forKey: .workflow)
        try c.encodeIfPresent(queueID, forKey: .queueID)
        try c.encodeIfPresent(merged, forKey: .merged)
        try c.encodeIfPresent(buildURL, forKey: .buildURL)
        try c.encodeIfPresent(by, forKey: .by)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(issueUpdatedAt.map(Timestamp.format), forKey: .issueUpdatedAt)
        try c.encodeIfPresent(jobPath, forKey: .jobPath)
        try c.encodeIfPresent(parameters, forKey: .parameters)
        try c.encodeIfPresent(foundIn, forKey: .foundIn)
        try c.encodeIfPresent(buildNumber, forKey: .buildNumber)
        try c.encodeIfPresent(result, forKey: .result)
        try c.encodeIfPresent(durationMS, forKey: .durationMS)
        try c.encodeIfPresent(finishedAt.map(Timestamp.format), forKey: .finishedAt)
    }
}

extension LedgerRecord {
    /// The dispatch's state after this step, in words for the console and `status`. Says only
    /// what the ledger recorded.
    public var stepDescription: String {
        let how = foundIn.map { $0 == .queue ? "found in Jenkins' queue" : "found among the job's builds" }
        switch event {
        case .intent:
            return "intent recorded, Jenkins' answer unknown: Jenkins is asked before anything else is done for the issue"
        case .answerLost:
            return "Jenkins' answer was lost: not yet known whether the job started; Jenkins is asked next time"
        case .jobStarted:
            return (merged == true ? "started (merged into a queued item)" : "started (Jenkins answered)") + "; labels not moved yet"
        case .jobFound:
            return "started (\(how ?? "not checked: older entry")); labels not moved yet"
        case .jobAbsent:
            return "not started (no such job in Jenkins); dispatching again"
        case .labelsMoved:
            return "started; labels moved"
        case .done:
            return how.map { "done; started (\($0))" } ?? "done"
        case .failed:
            return "failed" + (message.map { ": \($0)" } ?? "")
        case .buildStarted:
            return "build #\(buildNumber.map(String.init) ?? "?") started"
        case .buildFinished:
            return "build " + (buildNumber.map { "#\($0) " } ?? "") + "ended: \((result ?? "unknown").lowercased())"
        case .reset:
            return "reset" + (message.map { ": \($0)" } ?? "")
        }
    }
}

/// The append-only dispatch ledger of one repository (`NAME.dispatches.jsonl`), fsync'd per line.
///
/// It is how a crash between starting a job and moving the labels is recovered without a second
/// job (failure mode 13), and how the console shows who dispatched what, when, which build.
/// Callers hold the repo lock while appending.
public struct DispatchLedger: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    public struct LedgerError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Appends one record and fsyncs it before returning. A torn last line (a crash mid-append)
    /// is ended first, so it cannot swallow this record: the two would read as one broken line.
    public func append(_ record: LedgerRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        let fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LedgerError(description: "cannot open ledger \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        if end > 0 {
            var last: UInt8 = 0
            guard pread(fd, &last, 1, end - 1) == 1 else {
                throw LedgerError(description: "cannot read ledger \(url.path): \(String(cString: strerror(errno)))")
            }
            if last != UInt8(ascii: "\n") { line.insert(UInt8(ascii: "\n"), at: 0) }
        }
        let written = line.withUnsafeBytes { bytes in bytes.baseAddress.map { Glibc.write(fd, $0, bytes.count) } ?? 0 }
        guard written == line.count else {
            throw LedgerError(description: "cannot append to ledger \(url.path): \(String(cString: strerror(errno)))")
        }
        guard fsync(fd) == 0 else { throw LedgerError(description: "cannot fsync ledger \(url.path): \(String(cString: strerror(errno)))") }
    }

    /// Every readable record, oldest first. A torn last line (a crash mid-append) is skipped.
    public func records() -> [LedgerRecord] {
        records(after: nil).records
    }

    /// Where a reader of the ledger got to: the file (device and inode) and the byte after the
    /// last whole line it read.
    public struct Position: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
        var offset: Int64
    }

    /// The readable records of the lines appended after `position` (nil: from the start), and
    /// where the next read starts. A line not yet ended by a newline is left for the next read.
    /// When the file at `url` is another one than `position`'s, or shorter, it is read from the
    /// start and `restarted` is true: the caller forgets what it learnt from the old one.
    public func records(after position: Position?) -> (records: [LedgerRecord], position: Position?, restarted: Bool) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return ([], nil, position != nil) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return ([], nil, position != nil) }
        let device = UInt64(truncatingIfNeeded: info.st_dev), inode = UInt64(truncatingIfNeeded: info.st_ino)
        var start: Int64 = 0
        var restarted = position != nil
        if let position, position.device == device, position.inode == inode, position.offset <= Int64(info.st_size) {
            start = position.offset
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
        }
        let whole = data.lastIndex(of: UInt8(ascii: "\n")).map { data.index(after: $0) } ?? data.startIndex
        let decoder = JSONDecoder()
        let records = data[data.startIndex..<whole].split(separator: UInt8(ascii: "\n")).compactMap {
            try? decoder.decode(LedgerRecord.self, from: Data($0))
        }
        let end = start + Int64(data.distance(from: data.startIndex, to: whole))
        return (records, Position(device: device, inode: inode, offset: end), restarted)
    }

    /// The last record of each dispatch, newest last, at most `limit`.
    public func recentDispatches(limit: Int) -> [LedgerRecord] {
        LedgerBook.recent(records(), limit: limit)
    }
}

/// What a ledger's records say, indexed for the questions a dispatch asks, and how far into the
/// file that goes.
struct LedgerIndex: Sendable {
    fileprivate(set) var records: [LedgerRecord] = []
    /// dispatch id → its records, oldest first.
    fileprivate var byDispatch: [String: [LedgerRecord]] = [:]
    /// (issue, pickup) → the newest dispatch id from that pickup.
    fileprivate var latest: [Key: String] = [:]
    /// Where the records read from the file end; nil: nothing read yet.
    private var position: DispatchLedger.Position?

    fileprivate struct Key: Hashable, Sendable {
        var issue: Int
        var pickup: String
    }

    fileprivate mutating func index(_ record: LedgerRecord) {
        records.append(record)
        byDispatch[record.dispatchID, default: []].append(record)
        // A build note about an older dispatch must not hide a newer, unfinished one.
        if !record.event.isBuildNote { latest[Key(issue: record.issue, pickup: record.pickup)] = record.dispatchID }
    }

    /// Reads the lines appended to `file` since the last catch-up (the whole file when it is
    /// another one than before).
    fileprivate mutating func catchUp(with file: DispatchLedger) {
        let read = file.records(after: position)
        if read.restarted { self = LedgerIndex() }
        for record in read.records { index(record) }
        position = read.position
    }
}

/// A repository's ledger index as this process's last locked session caught up with it, so the
/// next session reads only the lines appended since (by this process or another) instead of the
/// whole file: a long-running `serve` or console would otherwise parse a growing ledger per batch.
final class LedgerMemo: Sendable {
    private let kept = Mutex(LedgerIndex())

    fileprivate var index: LedgerIndex {
        get { kept.withLock { $0 } }
        set { kept.withLock { $0 = newValue } }
    }
}

/// A repository's ledger as one locked session sees it: caught up with the file when the session
/// starts, kept in step with every line the session appends, and indexed for the questions a
/// dispatch asks. Only the holder of the repo lock appends, so nobody else changes the file
/// meanwhile.
public final class LedgerBook {
    public let file: DispatchLedger
    /// Caught up with the file when the session started, then with the session's own appends.
    private var index: LedgerIndex

    public var records: [LedgerRecord] { index.records }

    /// The whole file, read now.
    public convenience init(file: DispatchLedger) {
        self.init(file: file, memo: nil)
    }

    /// `memo`'s index caught up with the file; `memo` keeps the caught-up index (without this
    /// session's appends, which the next session reads from the file like anyone else's).
    init(file: DispatchLedger, memo: LedgerMemo?) {
        self.file = file
        var index = memo?.index ?? LedgerIndex()
        index.catchUp(with: file)
        memo?.index = index
        self.index = index
    }

    /// Appends to the file (fsync'd) and to the book.
    public func append(_ record: LedgerRecord) throws {
        try file.append(record)
        index.index(record)
    }

    /// The dispatch of `issue` from `pickup` whose job may have started but whose label move is not
    /// confirmed: its last record is `intent` or `answer_lost` (Jenkins' answer was never recorded:
    /// *unresolved* until Jenkins is asked), or `job_started` / `job_found`. While it still speaks
    /// for the issue it is finished, never started again (see `Dispatcher.isInFlight`).
    public func unfinishedDispatch(issue: Int, pickup: String) -> [LedgerRecord]? {
        guard let id = index.latest[LedgerIndex.Key(issue: issue, pickup: pickup)], let lines = index.byDispatch[id],
            let last = lines.last(where: { !$0.event.isBuildNote }), last.event.isUnfinished
        else { return nil }
        return lines
    }

    /// The queue items and builds recorded against dispatches other than `dispatchID`: none of them
    /// can be the job that dispatch started.
    public func recordedJobs(otherThan dispatchID: String) -> (queueIDs: Set<Int>, buildURLs: Set<String>) {
        var queueIDs: Set<Int> = []
        var buildURLs: Set<String> = []
        for record in index.records where record.dispatchID != dispatchID {
            if let id = record.queueID { queueIDs.insert(id) }
            if let url = record.buildURL { buildURLs.insert(url) }
        }
        return (queueIDs, buildURLs)
    }

    /// The last record of each dispatch, newest last, at most `limit`.
    public func recentDispatches(limit: Int) -> [LedgerRecord] {
        Self.recent(records, limit: limit)
    }

    static func recent(_ records: [LedgerRecord], limit: Int) -> [LedgerRecord] {
        var lastByID: [String: LedgerRecord] = [:]
        var order: [String] = []
        for record in records {
            if lastByID[record.dispatchID] == nil { order.append(record.dispatchID) }
            var merged = record
            if record.event.isBuildNote, var previous = lastByID[record.dispatchID] {
                // A build note adds to where the dispatch stands; it is not a step of it.
                previous.buildNumber = record.buildNumber ?? previous.buildNumber
                previous.result = record.result ?? previous.result
                previous.durationMS = record.durationMS ?? previous.durationMS
                previous.finishedAt = record.finishedAt ?? previous.finishedAt
                lastByID[record.dispatchID] = previous
                continue
            }
            if let previous = lastByID[record.dispatchID] {
                merged.queueID = record.queueID ?? previous.queueID
                merged.buildURL = record.buildURL ?? previous.buildURL
                merged.by = record.by ?? previous.by
                merged.workflow = record.workflow ?? previous.workflow
                merged.merged = record.merged ?? previous.merged
                merged.foundIn = record.foundIn ?? previous.foundIn
                merged.buildNumber = record.buildNumber ?? previous.buildNumber
                merged.result = record.result ?? previous.result
                merged.durationMS = record.durationMS ?? previous.durationMS
                merged.finishedAt = record.finishedAt ?? previous.finishedAt
            }
            lastByID[record.dispatchID] = merged
        }
        return order.suffix(limit).compactMap { lastByID[$0] }
    }
}
