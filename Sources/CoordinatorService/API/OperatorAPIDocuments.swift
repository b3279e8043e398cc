import Coordinator
import Foundation

// The JSON documents of `serve`'s operator API, in one place. They are encoded with `JSONText`
// (sorted keys); the coding keys are spelled snake_case here, so a client decodes them with a
// plain `JSONDecoder`. Times are ISO-8601 UTC with a `Z`. Absent values are left out.

/// Every error: `{"error": CODE, "message": …}`; CODE is `unauthorized` (401), `forbidden` (403),
/// `not_found` (404), `bad_request` (400) or `internal_error` (500).
public struct APIErrorDocument: Codable, Sendable, Equatable {
    public var error: String
    public var message: String
}

/// `GET /api/repos`: the configured repositories, in config order.
public struct RepoListDocument: Codable, Sendable, Equatable {
    public var repos: [RepoDocument]
}

/// One repository as `serve` knows it from its cache, its history and its own loops: the figures
/// the console's repos pane shows, and what `serve` adds (the last poll, events waiting).
public struct RepoDocument: Codable, Sendable, Equatable {
    /// The config's name (`[coordinator.repos.NAME]`): what the other endpoints take.
    public var name: String
    /// `owner/name` on GitHub.
    public var fullName: String
    /// Open issues in the cache.
    public var openIssues: Int
    /// Open issues the workflow rules would dispatch now (`WorkflowRules.eligible`).
    public var eligible: Int
    /// Open issues carrying a busy label.
    public var busy: Int
    /// Issues holding a pickup and a busy label at once.
    public var conflicts: Int
    /// Busy issues the stuck rules flag, as `serve`'s last survey (after a poll) found them; absent
    /// before the first.
    public var stuck: Int?
    /// Dispatches whose job may have started while their label move is not confirmed (the
    /// history's `unfinished`): they are finished before anything else is done for their issue.
    public var unfinishedDispatches: Int
    /// Webhook events waiting in the repository's lane.
    public var queuedEvents: Int
    /// `serve`'s last successful poll; absent before the first.
    public var lastPoll: String?
    /// The cache's last refresh, by anyone (`serve`, a cron run, a console), and last full one.
    public var lastChecked: String?
    public var lastFullRefresh: String?
    /// The last poll's or event's failure, while it is the latest word.
    public var lastError: String?
    /// A corrupt cache file was moved aside, say.
    public var cacheNotice: String?

    enum CodingKeys: String, CodingKey {
        case name, eligible, busy, conflicts, stuck
        case fullName = "full_name"
        case openIssues = "open_issues"
        case unfinishedDispatches = "unfinished_dispatches"
        case queuedEvents = "queued_events"
        case lastPoll = "last_poll"
        case lastChecked = "last_checked"
        case lastFullRefresh = "last_full_refresh"
        case lastError = "last_error"
        case cacheNotice = "cache_notice"
    }
}

/// Which issues `GET /api/repos/{name}/issues?view=` lists.
public enum IssueListView: String, Codable, Sendable, CaseIterable {
    /// Eligible issues, in dispatch order (the pickup label's priority, then number).
    case eligible
    /// Open issues carrying a busy label, by number.
    case busy
    /// Every cached issue, by number (closed ones the cache still holds included).
    case all
}

/// `GET /api/repos/{name}/issues`.
public struct IssueListDocument: Codable, Sendable, Equatable {
    public var repo: String
    public var view: IssueListView
    public var issues: [IssueDocument]
}

/// One issue as the cache holds it, with what the core makes of it.
public struct IssueDocument: Codable, Sendable, Equatable {
    public var number: Int
    public var title: String
    /// `open` or `closed`.
    public var state: String
    public var labels: [String]
    public var url: String
    /// The workflow of its pickup label when eligible, else of the busy label it carries.
    public var workflow: String?
    public var eligible: Bool
    /// `Eligibility`'s sentence: `eligible`, `not eligible: …`, or `conflict: …`.
    public var eligibility: String
    /// The busy label it carries, when open.
    public var busyLabel: String?
    /// The history's newest dispatch or unstick of the issue, by anyone.
    public var lastDispatch: DispatchDocument?

    enum CodingKeys: String, CodingKey {
        case number, title, state, labels, url, workflow, eligible, eligibility
        case busyLabel = "busy_label"
        case lastDispatch = "last_dispatch"
    }
}

/// `GET /api/repos/{name}/issues/{number}`: the issue and its trail.
public struct IssueDetailDocument: Codable, Sendable, Equatable {
    public var repo: String
    public var issue: IssueDocument
    /// The issue's dispatches and unsticks the history keeps at hand (every unfinished one, the
    /// newest per label, and any among the repository's newest thousand), newest first.
    /// `coordinator history` reads the archive too.
    public var history: [DispatchDocument]
}

/// One dispatch or unstick, in the core's words (`HistoryEntry`, as `coordinator history` and
/// the console's history view say it).
public struct DispatchDocument: Codable, Sendable, Equatable {
    public var dispatchID: String
    /// `dispatch` or `unstick`.
    public var kind: String
    public var workflow: String?
    /// `pickup → busy`, or what an unstick moved.
    public var move: String
    /// Who: `user@host (run)`, `… (serve)`, an operator.
    public var by: String?
    public var startedAt: String
    /// The history's step kind (`done`, `job_started`, …) and where it stands, in words.
    public var lastStep: String
    public var state: String
    /// `done`, `recovered`, `failed`, `unfinished`, `unstick`, or the last step.
    public var ended: String
    public var queueID: Int?
    public var buildNumber: Int?
    public var buildURL: String?
    public var buildResult: String?
    public var message: String?

    enum CodingKeys: String, CodingKey {
        case kind, workflow, move, by, state, ended, message
        case dispatchID = "dispatch_id"
        case startedAt = "started_at"
        case lastStep = "last_step"
        case queueID = "queue_id"
        case buildNumber = "build_number"
        case buildURL = "build_url"
        case buildResult = "build_result"
    }

    public init(_ entry: HistoryEntry) {
        dispatchID = entry.dispatchID
        kind = entry.kind
        workflow = entry.workflow
        move = entry.move
        by = entry.by
        startedAt = entry.startedAt
        lastStep = entry.lastStep
        state = entry.state
        ended = entry.ended
        queueID = entry.queueID
        buildNumber = entry.buildNumber
        buildURL = entry.buildURL
        buildResult = entry.buildResult
        message = entry.message
    }
}
