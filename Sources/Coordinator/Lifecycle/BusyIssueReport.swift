import Foundation

/// One busy issue as `status --json`, `stuck --json` and `/api/status` print it.
public struct BusyIssueReport: Encodable, Sendable, Equatable {
    public struct Build: Encodable, Sendable, Equatable {
        public var state: String
        public var number: Int?
        public var durationSeconds: Int?
        public var finishedAt: String?
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
        build = issue.build.map {
            Build(state: $0.state.rawValue, number: $0.number, durationSeconds: $0.duration.map(Self.seconds), finishedAt: $0.finishedAt.map(Timestamp.format))
        }
        dispatchedBy = issue.dispatchedBy
        stuck = issue.isStuck
        stuckReason = issue.stuck?.description
    }

    /// Whole seconds, bounded before the conversion.
    static func seconds(_ interval: TimeInterval) -> Int {
        interval.isNaN ? 0 : Int(max(-1e12, min(1e12, interval)))
    }

    /// The text line `status` and `stuck` print: `#12 status-06:implementing for 3h, build #4
    /// failure (2m), by alice@host (run) — STUCK: build ended (failure) 2h ago …`.
    public static func line(_ issue: BusyIssue, now: Date) -> String {
        var text = "#\(issue.number) \(issue.busyLabel)"
        if let since = issue.busySince { text += " for \(ElapsedText.duration(now.timeIntervalSince(since)))" }
        if let build = issue.build { text += ", build \(build.summary)" }
        if let by = issue.dispatchedBy { text += ", by \(by)" }
        if let stuck = issue.stuck { text += " — STUCK: \(stuck)" }
        return text
    }
}
