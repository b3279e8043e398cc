import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The steps of one dispatch as the ledger records them.
public enum LedgerEvent: String, Codable, Sendable, Equatable {
    /// About to ask Jenkins for the job.
    case intent
    /// Jenkins took the job (201, or 303 merged into a queued one).
    case jobStarted = "job_started"
    /// The busy label is on GitHub and the pickup label gone.
    case labelsMoved = "labels_moved"
    /// Finished; nothing left to recover.
    case done
    /// Jenkins refused; nothing was changed.
    case failed
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

    public init(
        time: Date, dispatchID: String, issue: Int, pickup: String, busy: String, event: LedgerEvent,
        workflow: String? = nil, queueID: Int? = nil, merged: Bool? = nil, buildURL: String? = nil,
        by: String? = nil, message: String? = nil, issueUpdatedAt: Date? = nil
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
    }

    enum CodingKeys: String, CodingKey {
        case time, issue, pickup, busy, event, workflow, merged, by, message
        case dispatchID = "dispatch_id"
        case queueID = "queue_id"
        case buildURL = "build_url"
        case issueUpdatedAt = "issue_updated_at"
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

    /// Appends one record and fsyncs it before returning.
    public func append(_ record: LedgerRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LedgerError(description: "cannot open ledger \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        guard written == line.count else {
            throw LedgerError(description: "cannot append to ledger \(url.path): \(String(cString: strerror(errno)))")
        }
        guard fsync(fd) == 0 else { throw LedgerError(description: "cannot fsync ledger \(url.path): \(String(cString: strerror(errno)))") }
    }

    /// Every readable record, oldest first. A torn last line (a crash mid-append) is skipped.
    public func records() -> [LedgerRecord] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(LedgerRecord.self, from: Data($0)) }
    }

    /// The dispatch of `issue` from `pickup` whose job may have started but whose label move is not
    /// confirmed: its last record is `intent` (the answer from Jenkins was never recorded, so the
    /// job may exist) or `jobStarted`. While it still speaks for the issue it is finished, never
    /// started again (see `Dispatcher.isInFlight`).
    public func unfinishedDispatch(issue: Int, pickup: String) -> [LedgerRecord]? {
        let lines = records().filter { $0.issue == issue && $0.pickup == pickup }
        guard let last = lines.last, last.event == .intent || last.event == .jobStarted else { return nil }
        return lines.filter { $0.dispatchID == last.dispatchID }
    }

    /// The last record of each dispatch, newest last, at most `limit`.
    public func recentDispatches(limit: Int) -> [LedgerRecord] {
        var lastByID: [String: LedgerRecord] = [:]
        var order: [String] = []
        for record in records() {
            if lastByID[record.dispatchID] == nil { order.append(record.dispatchID) }
            var merged = record
            if let previous = lastByID[record.dispatchID] {
                merged.queueID = record.queueID ?? previous.queueID
                merged.buildURL = record.buildURL ?? previous.buildURL
                merged.by = record.by ?? previous.by
                merged.workflow = record.workflow ?? previous.workflow
                merged.merged = record.merged ?? previous.merged
            }
            lastByID[record.dispatchID] = merged
        }
        return order.suffix(limit).compactMap { lastByID[$0] }
    }
}
