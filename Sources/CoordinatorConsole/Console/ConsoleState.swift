import Coordinator
import Foundation

/// The size of the terminal in cells.
public struct ScreenSize: Sendable, Equatable {
    public var rows: Int
    public var columns: Int

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }
}

/// Names a piece of work shown in the footer, so a result can close the task that started it.
public struct TaskKey: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case loadCache, refresh, sync, dispatch, preview, unstick, history
    }

    public var kind: Kind
    public var repo: String
    public var issue: Int?

    public init(_ kind: Kind, repo: String, issue: Int? = nil) {
        self.kind = kind
        self.repo = repo
        self.issue = issue
    }
}

/// Everything the console shows, in one value. Only `reduce` changes it.
public struct ConsoleState: Sendable, Equatable {
    public var repos: [RepoStatus]
    public var selectedRepo = 0
    public var focus: Pane = .issues
    public var view: IssueView = .eligible
    /// The stale view's list across every repository; empty in the other views.
    public var stale = StaleList()
    /// The history view (`H`): shown over the issues and detail panes while not nil.
    public var history: HistoryList?
    /// The build log view (`l`): shown over everything but the header and footer while not nil.
    public var log: LogView?
    /// Whether `o` may start a browser (a display is set); otherwise the footer shows the URL.
    public var canOpenLinks: Bool
    public var filter = ""
    public var isEditingFilter = false
    /// Whether the detail pane shows the dry-run plan (fetched per issue on demand).
    public var showPreview = false
    public var modal: ConsoleModal?
    /// Set by `q` while a write (dispatch, sync, unstick) is in flight: closing the console would
    /// close the HTTP client under it, so it quits by itself once the last write's result is in.
    public var quitting = false
    public var running: [TaskKey: RunningTask] = [:]
    /// Per repository, the bulk action on its marked issues whose results are still coming in.
    public var bulk: [String: BulkRun] = [:]
    public var nextTaskID = 1
    public var result: TaskResult?
    public var now: Date
    public var readOnly: Bool
    /// Why, as the refusal of a write says it.
    public var readOnlyReason = "started with --read-only"
    /// The `serve` this console is attached to; nil: a local console over the cache directory.
    public var server: ServerLink?
    /// Seconds between automatic live refreshes; 0 = off.
    public var refreshSeconds: Int
    public var lastAutoRefresh: Date
    /// When the busy issues were last surveyed (while the busy view is shown, every
    /// `busySurveySeconds`).
    public var lastBusySurvey: Date
    public var rateLimit: RateLimitSnapshot?
    public var size: ScreenSize
    public var detailScroll = 0
    /// A line for the header, e.g. the sandbox's address in `coordinator demo`.
    public var banner: String?
    /// Whether clicks and the wheel reach the console (what the help says about the mouse).
    public var mouse: Bool

    public init(
        repos: [ConsoleRepo], now: Date, size: ScreenSize = ScreenSize(rows: 24, columns: 80),
        readOnly: Bool = false, refreshSeconds: Int = 0, banner: String? = nil, canOpenLinks: Bool = false, mouse: Bool = true
    ) {
        self.mouse = mouse
        self.canOpenLinks = canOpenLinks
        self.repos = repos.map(RepoStatus.init(repo:))
        self.now = now
        self.size = size
        self.readOnly = readOnly
        self.refreshSeconds = refreshSeconds
        self.lastAutoRefresh = now
        self.lastBusySurvey = now
        self.banner = banner
    }

    public var currentRepo: RepoStatus? {
        repos.indices.contains(selectedRepo) ? repos[selectedRepo] : nil
    }

    public var selectedRow: IssueRow? { currentRepo?.selectedRow }

    /// Running tasks in the order they started.
    public var runningTasks: [RunningTask] { running.values.sorted { $0.id < $1.id } }

    func repoIndex(_ name: String) -> Int? {
        repos.firstIndex { $0.name == name }
    }
}
