import Foundation

/// One busy issue as `status --json`, `stuck --json` and `/api/status` print it; a client of
/// `serve` reads it back (`JSONText.decoder`) and prints the same line.
public struct BusyIssueReport: Codable, Sendable, Equatable {
    public struct Build: Codable, Sendable, Equatable {
        public var state: String
        public var number: Int?
        public var durationSeconds: Int?
        public var finishedAt: String?

        init(_ status: BuildStatus) {
            state = status.state.rawValue
            number = status.number
            durationSeconds = status.duration.map(BusyIssueReport.seconds)
            finishedAt = status.finishedAt.map(Timestamp.format)
        }

        /// `BuildStatus.summary`'s words: `#12 failure (3m)`, `queued`, `#4 running`.
        public var summary: String {
            var text = number.map { "#\($0) \(state)" } ?? state
            if let durationSeconds, BuildState(rawValue: state)?.isFinished == true {
                text += " (\(ElapsedText.duration(TimeInterval(durationSeconds))))"
            }
            return text
        }
    }

    public var number: Int
    public var title: String
    public var busyLabel: String
    public var workflow: String?
    public var busySince: String?
    /// `ledger` (we dispatched it) or `events` (GitHub's issue events).
    public var busySinceSource: String?
    public var busyForSeconds: Int?
    public var build: Build?
    public var dispatchedBy: String?
    public var stuck: Bool
    public var stuckReason: String?

    public init(_ issue: BusyIssue, now: Date) {
        number = issue.number
        title = issue.title
        busyLabel = issue.busyLabel
        workflow = issue.route?.workflow.rawValue
        busySince = issue.busySince.map(Timestamp.format)
        busySinceSource = issue.busySinceSource?.rawValue
        busyForSeconds = issue.busySince.map { Self.seconds(now.timeIntervalSince($0)) }
        build = issue.build.map(Build.init)
        dispatchedBy = issue.dispatchedBy
        stuck = issue.isStuck
        stuckReason = issue.stuck?.description
    }

    /// Whole seconds, bounded before the conversion: the whole units `ElapsedText` shows are the
    /// same as from the interval itself.
    static func seconds(_ interval: TimeInterval) -> Int {
        interval.isNaN ? 0 : Int(max(-1e12, min(1e12, interval)))
    }

    /// The text line `stuck` prints: `#12 status-06:implementing for 3h, build #4 failure (2m),
    /// by alice@host (run) — STUCK: build ended (failure) 2h ago …`.
    public static func line(_ issue: BusyIssue, now: Date) -> String {
        BusyIssueReport(issue, now: now).line
    }

    /// The same line from the report, as `stuck --server` has it from `serve`.
    public var line: String {
        var text = "#\(number) \(busyLabel)"
        if let busyForSeconds { text += " for \(ElapsedText.duration(TimeInterval(busyForSeconds)))" }
        if let build { text += ", build \(build.summary)" }
        if let dispatchedBy { text += ", by \(dispatchedBy)" }
        if let stuckReason { text += " — STUCK: \(stuckReason)" }
        return text
    }
}
