import Coordinator
import Foundation
import Synchronization

/// What the engine reports, as operator events: each dispatch's outcome, each poll, and each
/// build whose state changed since the last survey of its repository. The JSON shapes are these
/// `Encodable` structs, with snake_case keys as the API's documents.
public final class EventMonitor: ServeMonitor {
    /// `dispatch`: one dispatch's outcome.
    struct DispatchEvent: Encodable {
        var repo: String
        var issue: Int
        /// `dispatched`, `recovered`, `skipped` or `failed`.
        var outcome: String
        var summary: String
        var labels: [String]?
        var queueID: Int?
        var buildURL: String?
    }

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

    public func dispatched(repo: String, outcome: DispatchOutcome) {
        var event = DispatchEvent(repo: repo, issue: outcome.issueNumber, outcome: "", summary: outcome.summary)
        switch outcome {
        case let .dispatched(receipt), let .recovered(receipt):
            if case .recovered = outcome { event.outcome = "recovered" } else { event.outcome = "dispatched" }
            event.labels = receipt.labels
            event.queueID = receipt.queueID
            event.buildURL = receipt.buildURL
        case .skipped:
            event.outcome = "skipped"
        case .failed:
            event.outcome = "failed"
        }
        publish(.dispatch, event)
    }

    public func polled(repo: String) {
        publish(.poll, PollEvent(repo: repo, at: Timestamp.format(clock())))
    }

    public func webhookToJenkins(_ latency: Duration) {}

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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // As the API's documents: snake_case keys; one line, so one `data:` line per event.
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let data = try? encoder.encode(value) else { return }
        hub.publish(kind, data: String(decoding: data, as: UTF8.self))
    }
}
