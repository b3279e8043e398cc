import Foundation

/// One repository's busy and stuck issues as `coordinator stuck --json` prints them, and as
/// `serve` answers `GET /api/repos/{name}/busy` from its last survey (which `stuck --server` reads
/// back and prints the same way).
public struct StuckReport: Codable, Sendable, Equatable {
    /// The repository's config name.
    public var name: String
    /// How many open issues carry a busy label.
    public var busy: Int
    /// The ones the stuck rules flag, by number.
    public var stuck: [BusyIssueReport]
    /// `serve`'s answer only: its last successful poll, after which it surveyed the busy issues
    /// (the survey is as of then, not now); absent from the local command, which reads live.
    public var lastPoll: String?

    /// The report of a survey (`BusyWatch.survey`), the busy times as of `now`.
    public init(name: String, survey: [BusyIssue], now: Date, lastPoll: Date? = nil) {
        self.name = name
        busy = survey.count
        stuck = survey.filter(\.isStuck).map { BusyIssueReport($0, now: now) }
        self.lastPoll = lastPoll.map(Timestamp.format)
    }
}
