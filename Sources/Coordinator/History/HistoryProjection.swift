import Foundation

/// Everything the coordinator derives from a repository's history, kept up to date one record at
/// a time: the one projection behind the locked session (recovery, the duplicate guard), the busy
/// survey, `status`, `stuck`, the console and `serve` (SPEC §12). It is checkpointed
/// (`HistoryCheckpoint`) so a new process starts from the checkpoint and the log's tail.
///
/// It answers from the fold of the records in the history file, but keeps only what the questions
/// need (`prune`): every unfinished dispatch and what recovery must tell its job from, each issue's
/// newest dispatches, and the newest thousand — so its size follows the issues, not the years of
/// history.
public struct HistoryProjection: Sendable, Equatable {
    /// The dispatches (and unsticks) kept, by id.
    public private(set) var dispatches: [String: DispatchSummary] = [:]
    /// (issue, pickup) → the dispatch of its newest step (build notes aside): the one that speaks
    /// for that issue and label, finished or not.
    private(set) var latestByPickup: [IssuePickup: String] = [:]
    /// Issue → its newest dispatch whose job started, unless a later unstick closed it: the busy
    /// label it set, its build.
    private(set) var trailByIssue: [Int: String] = [:]
    /// Issue → its newest dispatch or unstick.
    private(set) var lastByIssue: [Int: String] = [:]
    /// Lines that could not be used, the newest `noticeLimit`, so `status` can still name them
    /// after the checkpoint moved past them.
    public private(set) var notices: [HistoryLog.Notice] = []
    /// How many records the file holds (what was read; compaction subtracts what it moved).
    public private(set) var recordCount = 0
    /// The time of the oldest record in the file: compaction is due when it is past the retention.
    public private(set) var oldestRecord: Date?
    /// The last compaction found nothing more to move before this time (an unfinished dispatch
    /// older than the retention keeps its era in the log): not tried again before it.
    public private(set) var compactionNotBefore: Date?
    private(set) var nextSequence = 0

    static let noticeLimit = 20

    struct IssuePickup: Hashable, Sendable {
        var issue: Int
        var pickup: String
    }

    public init() {}

    /// Learns the next record of the file.
    public mutating func apply(_ record: HistoryRecord) {
        recordCount += 1
        oldestRecord = min(oldestRecord ?? record.time, record.time)
        var summary: DispatchSummary
        if let known = dispatches[record.dispatchID] {
            summary = known
        } else {
            summary = DispatchSummary(first: record, sequence: nextSequence)
            nextSequence += 1
            lastByIssue[record.issue] = record.dispatchID
        }
        summary.absorb(record)
        dispatches[record.dispatchID] = summary
        let kind = record.kind
        // A note about an older dispatch must not hide a newer, unfinished one.
        if !kind.isNote { latestByPickup[IssuePickup(issue: record.issue, pickup: record.pickup)] = record.dispatchID }
        switch kind {
        case .reset: trailByIssue[record.issue] = nil
        case .jobStarted, .jobFound, .labelsMoved, .done: trailByIssue[record.issue] = record.dispatchID
        default: break
        }
    }

    /// Learns the notices of a read.
    public mutating func note(_ notices: [HistoryLog.Notice]) {
        guard !notices.isEmpty else { return }
        self.notices = Array((self.notices + notices).suffix(Self.noticeLimit))
    }

    // MARK: Questions

    /// The dispatch of `issue` from `pickup` whose job may have started while its label move is not
    /// confirmed: its last step is `intent` or `answer_lost` (unresolved until Jenkins is asked),
    /// or `job_started` / `job_found`. While it speaks for the issue it is finished, never started
    /// again (see `Dispatcher.isInFlight`).
    public func unfinishedDispatch(issue: Int, pickup: String) -> DispatchSummary? {
        guard let id = latestByPickup[IssuePickup(issue: issue, pickup: pickup)], let summary = dispatches[id], summary.isUnfinished
        else { return nil }
        return summary
    }

    /// Every unfinished dispatch: what recovery needs, never compacted away.
    public var unfinished: [DispatchSummary] {
        latestByPickup.values.compactMap { dispatches[$0] }.filter(\.isUnfinished)
    }

    /// The newest dispatch of `issue` whose job started, unless an unstick closed it since.
    public func trail(issue: Int) -> DispatchSummary? {
        trailByIssue[issue].flatMap { dispatches[$0] }
    }

    /// The newest dispatch or unstick of each issue.
    public var lastByIssueSummary: [Int: DispatchSummary] {
        lastByIssue.compactMapValues { dispatches[$0] }
    }

    /// The newest dispatch or unstick of `issue`.
    public func last(issue: Int) -> DispatchSummary? {
        lastByIssue[issue].flatMap { dispatches[$0] }
    }

    /// The newest dispatches and unsticks, newest last, at most `limit`.
    public func recent(limit: Int) -> [DispatchSummary] {
        guard limit > 0 else { return [] }
        var newest: [DispatchSummary] = []
        for summary in dispatches.values {
            if newest.count < limit {
                newest.append(summary)
                if newest.count == limit { newest.sort { $0.sequence < $1.sequence } }
            } else if let oldest = newest.first, summary.sequence > oldest.sequence {
                newest.removeFirst()
                let at = newest.firstIndex { $0.sequence > summary.sequence } ?? newest.endIndex
                newest.insert(summary, at: at)
            }
        }
        return newest.sorted { $0.sequence < $1.sequence }
    }

    /// The queue items and builds recorded against dispatches other than `dispatchID`: none of them
    /// can be the job that dispatch started.
    public func recordedJobs(otherThan dispatchID: String) -> (queueIDs: Set<Int>, buildURLs: Set<String>) {
        var queueIDs: Set<Int> = []
        var buildURLs: Set<String> = []
        for summary in dispatches.values where summary.dispatchID != dispatchID {
            if let id = summary.queueID { queueIDs.insert(id) }
            if let url = summary.buildURL { buildURLs.insert(url) }
        }
        return (queueIDs, buildURLs)
    }

    // MARK: Keeping it small

    /// What recovery may need besides the unfinished dispatches themselves: for each issue with an
    /// unfinished dispatch, when the oldest began — the issue's later dispatches recorded jobs with
    /// the same parameters, which recovery must tell from its own.
    func recoveryNeeds() -> [Int: Date] {
        var since: [Int: Date] = [:]
        for summary in unfinished { since[summary.issue] = min(since[summary.issue] ?? summary.startedAt, summary.startedAt) }
        return since
    }

    /// Whether recovery may need `summary` (see `recoveryNeeds`).
    static func isNeeded(_ summary: DispatchSummary, _ needs: [Int: Date]) -> Bool {
        summary.isUnfinished || needs[summary.issue].map { summary.lastTime >= $0 } ?? false
    }

    /// The newest this many dispatches are kept whatever else.
    static let newestKept = 1_000

    /// The fewest dispatches a projection is pruned at (`pruneWhenLarge`).
    public static let pruneFloor = 4_096

    /// Prunes when more than `threshold` dispatches are held, and moves the threshold to twice
    /// what is left (at least `pruneFloor`): a long read, or a reader that never writes, keeps
    /// the projection small at a cost that does not grow with every record.
    public mutating func pruneWhenLarge(_ threshold: inout Int) {
        guard dispatches.count > threshold else { return }
        prune()
        threshold = max(Self.pruneFloor, dispatches.count * 2)
    }

    /// Drops the dispatches no question needs any more (see the type's comment). The file keeps
    /// them; `coordinator history` reads them there.
    public mutating func prune() {
        let needs = recoveryNeeds()
        let newest = nextSequence - Self.newestKept
        var referenced = Set(latestByPickup.values)
        referenced.formUnion(trailByIssue.values)
        referenced.formUnion(lastByIssue.values)
        dispatches = dispatches.filter { $0.value.sequence >= newest || referenced.contains($0.key) || Self.isNeeded($0.value, needs) }
    }

    /// Forgets the dispatches `moved` (now in the archive), `records` records in all, and the
    /// notices of lines that went with them; `oldest` is the oldest record left in the file, and
    /// no compaction is tried before `notBefore`.
    mutating func compacted(moved: Set<String>, records: Int, oldest: Date?, notBefore: Date) {
        compactionNotBefore = notBefore
        oldestRecord = oldest
        guard !moved.isEmpty || records > 0 else { return }
        for id in moved { dispatches[id] = nil }
        latestByPickup = latestByPickup.filter { !moved.contains($0.value) }
        trailByIssue = trailByIssue.filter { !moved.contains($0.value) }
        lastByIssue = lastByIssue.filter { !moved.contains($0.value) }
        recordCount = max(0, recordCount - records)
        notices = []
    }
}

// MARK: Checkpoint form

extension HistoryProjection {
    /// The projection's parts as the checkpoint stores them.
    struct Parts {
        var dispatches: [DispatchSummary]
        var latestByPickup: [(issue: Int, pickup: String, id: String)]
        var trailByIssue: [(Int, String)]
        var lastByIssue: [(Int, String)]
        var notices: [HistoryLog.Notice]
        var oldestRecord: Date?
        var compactionNotBefore: Date?
        var recordCount: Int
        var nextSequence: Int
    }

    var parts: Parts {
        Parts(
            dispatches: dispatches.values.sorted { $0.sequence < $1.sequence },
            latestByPickup: latestByPickup.map { ($0.key.issue, $0.key.pickup, $0.value) },
            trailByIssue: trailByIssue.map { ($0.key, $0.value) }, lastByIssue: lastByIssue.map { ($0.key, $0.value) },
            notices: notices, oldestRecord: oldestRecord, compactionNotBefore: compactionNotBefore, recordCount: recordCount, nextSequence: nextSequence)
    }

    init(_ parts: Parts) {
        dispatches = Dictionary(parts.dispatches.map { ($0.dispatchID, $0) }, uniquingKeysWith: { _, later in later })
        latestByPickup = Dictionary(parts.latestByPickup.map { (IssuePickup(issue: $0.issue, pickup: $0.pickup), $0.id) }, uniquingKeysWith: { _, later in later })
        trailByIssue = Dictionary(parts.trailByIssue, uniquingKeysWith: { _, later in later })
        lastByIssue = Dictionary(parts.lastByIssue, uniquingKeysWith: { _, later in later })
        notices = parts.notices
        oldestRecord = parts.oldestRecord
        compactionNotBefore = parts.compactionNotBefore
        recordCount = parts.recordCount
        nextSequence = parts.nextSequence
    }
}
