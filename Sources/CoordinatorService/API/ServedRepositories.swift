import Coordinator
import Foundation

/// A repository as `serve` holds it: its service (cache, history, rules) and what its lane knows.
public struct ServedRepository: Sendable {
    public var service: RepoService
    /// The last successful poll; nil before the first.
    public var lastPoll: Date?
    public var lastError: String?
    /// Webhook events waiting.
    public var queuedEvents: Int
    /// The busy issues as the last poll's survey found them; nil before the first.
    public var busySurvey: [BusyIssue]?
    /// The repository's busy watch (builds and busy-since asked at most as often as it allows),
    /// shared by every console's survey; nil: surveys answer nothing.
    public var watch: BusyWatch?

    public init(
        service: RepoService, lastPoll: Date? = nil, lastError: String? = nil, queuedEvents: Int = 0, busySurvey: [BusyIssue]? = nil,
        watch: BusyWatch? = nil
    ) {
        self.watch = watch
        self.service = service
        self.lastPoll = lastPoll
        self.lastError = lastError
        self.queuedEvents = queuedEvents
        self.busySurvey = busySurvey
    }
}

/// What the operator API reads: the engine's repositories (a fake's in tests).
public protocol ServedRepositories: Sendable {
    /// Every configured repository, in config order.
    func servedRepositories() -> [ServedRepository]
}

/// What the operator API's write side asks of `serve`: an operator's dispatch, unstick or sync of
/// one repository, run in that repository's turn (never beside a webhook's or a poll's session
/// of this process), through the core as every other face runs it. Nil: no such repository, or
/// `serve` stopped before its turn came.
public protocol OperatedRepositories: Sendable {
    func operatorDispatch(repo: String, issue: Int, by actor: String) async -> OperatorDispatch?
    func operatorUnstick(repo: String, issue: Int, to target: UnstickTarget, by actor: String) async -> Result<UnstickResult, any Error>?
    func operatorSync(repo: String) async -> Result<IssueCache, any Error>?
}
