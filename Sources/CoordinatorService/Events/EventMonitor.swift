import Coordinator
import Foundation
import Synchronization

/// What the engine reports, as operator events: each dispatch's outcome, each poll, and each
/// build whose state changed since the last survey of its repository. The JSON shapes are these
/// `Encodable` structs, with snake_case keys as the API's documents.
public final class EventMonitor: ServeMonitor {
    /// `poll`: a safety-net poll of a repository ended.
    struct PollEvent: Encodable {
        var repo: String
        var at: String
    }

    /// `build`: a busy issue's build changed state (or was seen for the first time).
    struct BuildEvent: Encodable {
        var repo: String
        var issue: BusyIssueReport
    }

    private let hub: EventHub
    private let clock: @Sendable () -> Date
    /// Per repository, per issue: the build state last published.
    private let lastBuildStates = Mutex<[String: [Int: String]]>([:])

    public init(hub: EventHub, clock: @escaping @Sendable () -> Date = Date.init) {
        self.hub = hub
        self.clock = clock
    }

    /// `dispatch`: the outcome as the API answers an operator's dispatch (`DispatchResultDocument`).
    public func dispatched(repo: String, outcome: DispatchOutcome) {
        publish(.dispatch, DispatchResultDocument(repo: repo, outcome: outcome, by: nil))
    }

    public func polled(repo: String) {
        publish(.poll, PollEvent(repo: repo, at: Timestamp.format(clock())))
    }

    public func webhookToJenkins(_ latency: Duration) {}

    /// `issue`: `IssueEventDocument`, in the console protocol's coding (what an attached console
    /// puts into its rows as it is).
    public func issueChanged(repo: String, change: IssueChange) {
        guard let data = try? ConsoleWire.line(IssueEventDocument(repo: repo, change: change)) else { return }
        hub.publish(.issue, data: data)
    }

    public func surveyed(repo: String, busy: [BusyIssue]) {
        let now = clock()
        let changed = lastBuildStates.withLock { states -> [BusyIssue] in
            var seen: [Int: String] = [:]
            var changed: [BusyIssue] = []
            for issue in busy {
                let state = issue.build.map { "\($0.number.map(String.init) ?? "?") \($0.state.rawValue)" } ?? "none"
                seen[issue.number] = state
                if states[repo]?[issue.number] != state { changed.append(issue) }
            }
            states[repo] = seen
            return changed
        }
        for issue in changed { publish(.build, BuildEvent(repo: repo, issue: BusyIssueReport(issue, now: now))) }
    }

    private func publish(_ kind: OperatorEvent.Kind, _ value: some Encodable) {
        // As the API's documents, on one line: one `data:` line per event.
        guard let data = try? JSONText.line(value) else { return }
        hub.publish(kind, data: data)
    }
}
