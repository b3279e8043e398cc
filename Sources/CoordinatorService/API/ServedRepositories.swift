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

    public init(service: RepoService, lastPoll: Date? = nil, lastError: String? = nil, queuedEvents: Int = 0, busySurvey: [BusyIssue]? = nil) {
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
