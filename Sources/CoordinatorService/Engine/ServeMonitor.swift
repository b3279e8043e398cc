import Coordinator

/// What the engine reports as it works, for metrics (`ServiceMetrics`) and tests.
public protocol ServeMonitor: Sendable {
    /// A dispatch (from a webhook or a poll) ended with `outcome`.
    func dispatched(repo: String, outcome: DispatchOutcome)
    /// A safety-net poll of `repo` finished without error.
    func polled(repo: String)
    /// The time from a webhook's arrival to the Jenkins build request it led to.
    func webhookToJenkins(_ latency: Duration)
    /// After a poll: the issues of `repo` that carry a busy label, with the stuck ones flagged.
    func surveyed(repo: String, busy: [BusyIssue])
    /// A cache entry of `repo` changed (a webhook, a poll, a dispatch, an unstick, a sync): the
    /// entry as it is now and the issue's newest dispatch or unstick.
    func issueChanged(repo: String, change: IssueChange)
}

extension ServeMonitor {
    public func issueChanged(repo: String, change: IssueChange) {}
}
