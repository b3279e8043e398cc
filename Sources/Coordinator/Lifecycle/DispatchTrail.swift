import Foundation

/// What the ledger knows about the newest dispatch of one issue whose job started: the busy label
/// it set, when, by whom, and its build as far as recorded.
public struct DispatchTrail: Sendable, Equatable {
    public var dispatchID: String
    public var issue: Int
    public var pickup: String
    public var busy: String
    public var jobPath: String?
    public var queueID: Int?
    public var buildNumber: Int?
    /// When the labels moved (the busy label came on), or nil while they have not.
    public var labelsMovedAt: Date?
    public var by: String?
    /// The build's end as recorded by a `build_finished` note; nil while not recorded.
    public var finished: BuildStatus?

    /// The newest started dispatch per issue, unless a later `reset` of that issue closed it.
    public static func latest(_ records: [LedgerRecord]) -> [Int: DispatchTrail] {
        var fold = Fold()
        fold.absorb(records)
        return fold.latest
    }

    /// `latest` learnt a few records at a time: a reader that keeps it and its place in the
    /// ledger reads only the lines appended since.
    public struct Fold: Sendable {
        private var trails: [String: DispatchTrail] = [:]
        private var newest: [Int: String] = [:]

        public init() {}

        public var latest: [Int: DispatchTrail] { newest.compactMapValues { trails[$0] } }

        public mutating func absorb(_ records: [LedgerRecord]) {
            for record in records {
                if record.event == .reset {
                    newest[record.issue] = nil
                    continue
                }
                var trail = trails[record.dispatchID]
                    ?? DispatchTrail(dispatchID: record.dispatchID, issue: record.issue, pickup: record.pickup, busy: record.busy)
                trail.jobPath = trail.jobPath ?? record.jobPath
                trail.queueID = record.queueID ?? trail.queueID
                trail.by = trail.by ?? record.by
                if let number = record.buildNumber ?? record.buildURL.flatMap(buildNumber(inURL:)) { trail.buildNumber = number }
                switch record.event {
                case .jobStarted, .jobFound:
                    newest[record.issue] = record.dispatchID
                case .labelsMoved:
                    trail.labelsMovedAt = record.time
                    newest[record.issue] = record.dispatchID
                case .done:
                    trail.labelsMovedAt = trail.labelsMovedAt ?? record.time
                    newest[record.issue] = record.dispatchID
                case .buildFinished:
                    trail.finished = finishedStatus(record, number: trail.buildNumber)
                case .intent, .answerLost, .jobAbsent, .failed, .buildStarted, .reset:
                    break
                }
                trails[record.dispatchID] = trail
            }
        }
    }

    /// The build number at the end of a Jenkins build URL (`…/job/B/12/`).
    static func buildNumber(inURL url: String) -> Int? {
        url.split(separator: "/").last.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    static func finishedStatus(_ record: LedgerRecord, number: Int?) -> BuildStatus {
        let state: BuildState = record.result.map { $0 == "CANCELLED" ? .cancelled : BuildState(jenkinsResult: $0) ?? .unknown } ?? .unknown
        return BuildStatus(
            state: state, number: record.buildNumber ?? number, duration: record.durationMS.map { TimeInterval($0) / 1000 },
            finishedAt: record.finishedAt ?? record.time)
    }
}
