import Coordinator
import Foundation

/// Where an unstick to one target would move an issue's busy label, as the core worked it out
/// (`RepoService.unstickMove`), or why that target has nowhere to go.
public enum UnstickOption: Sendable, Equatable {
    case move(LabelMove)
    case unavailable(String)

    public var move: LabelMove? {
        if case let .move(move) = self { return move }
        return nil
    }
}

/// The busy issue `u` was pressed on, with both ways to put it right.
public struct UnstickRequest: Sendable, Equatable {
    public var repo: String
    public var number: Int
    public var title: String
    public var busyLabel: String
    /// Why it is stuck, when the survey says it is (an issue that is not stuck may be unstuck too).
    public var stuck: StuckReason?
    public var pickup: UnstickOption
    public var failure: UnstickOption

    public init(repo: String, number: Int, title: String, busyLabel: String, stuck: StuckReason?, pickup: UnstickOption, failure: UnstickOption) {
        self.repo = repo
        self.number = number
        self.title = title
        self.busyLabel = busyLabel
        self.stuck = stuck
        self.pickup = pickup
        self.failure = failure
    }

    public func option(_ target: UnstickTarget) -> UnstickOption {
        target == .pickup ? pickup : failure
    }
}

/// The last survey of a repository's busy issues (`BusyWatch.survey`): builds, busy-since, stuck.
public struct BusySurvey: Sendable, Equatable {
    /// Stuck first, then by number, as the core orders them.
    public var issues: [BusyIssue]
    public var at: Date

    public init(issues: [BusyIssue], at: Date) {
        self.issues = issues
        self.at = at
    }

    public func issue(_ number: Int) -> BusyIssue? { issues.first { $0.number == number } }
    public var stuckCount: Int { issues.filter(\.isStuck).count }
}

extension ConsoleState {
    /// Seconds between two surveys of the busy issues while the busy view is shown. Jenkins is
    /// asked at most every 30 s per dispatch anyway (`BusyWatch`); this bounds the ledger reads.
    static let busySurveySeconds: TimeInterval = 10

    /// Surveys `repo`'s busy issues from what the console holds (live when loaded, else the
    /// cache), unless a survey of it is under way.
    mutating func startSurvey(_ repo: String) -> [ConsoleEffect] {
        guard let index = repoIndex(repo), !repos[index].surveying, repos[index].cacheLoaded || repos[index].live != nil else {
            return []
        }
        let source = repos[index].live.map { Array($0.values) } ?? Array(repos[index].cached.values)
        repos[index].surveying = true
        lastBusySurvey = now
        return [.surveyBusy(repo: repo, issues: source.sorted { $0.number < $1.number })]
    }

    /// Every repository's busy issues: when the busy view opens and while it stays open.
    mutating func surveyAll() -> [ConsoleEffect] {
        repos.map(\.name).flatMap { startSurvey($0) }
    }
}
