import Coordinator
import Foundation

/// What happened: a key, a resize, a clock tick, or a backend call that came back.
public enum ConsoleAction: Sendable, Equatable {
    /// The console opened: load every cache and fetch every repo live.
    case started
    case keyPressed(Key)
    /// A click or a wheel turn (with mouse reporting on): mapped to panes and rows through the
    /// renderer's own layout.
    case mouse(MouseEvent)
    case resized(ScreenSize)
    case tick(Date)
    case cacheLoaded(repo: String, Result<CacheSnapshot, ConsoleFailure>)
    /// A live listing came back at `at`; it was asked for at `requestedAt` (nil: unknown), so a
    /// label move answered after that is newer than what it lists.
    case liveLoaded(repo: String, Result<[Issue], ConsoleFailure>, at: Date, requestedAt: Date? = nil)
    case previewLoaded(repo: String, issue: Int, Result<PlanOutcome, ConsoleFailure>)
    /// `change`: the issue as the dispatch left it in the cache and the history (nil: unknown, so
    /// the cache is read again).
    case dispatchFinished(repo: String, DispatchOutcome, change: IssueChange? = nil, at: Date)
    /// A dispatch, sync or unstick of `repo` has waited a second for the repository's lock, held by `holder`.
    case lockWaiting(repo: String, holder: RepoLock.Holder?)
    case syncFinished(repo: String, Result<CacheSnapshot, ConsoleFailure>, at: Date)
    case rateLimitLoaded(RateLimitSnapshot?)
    case busySurveyed(repo: String, [BusyIssue], at: Date)
    case historyLoaded(Result<HistoryAudit, ConsoleFailure>, at: Date)
    case logLocated(view: Int, Result<LogLocation, ConsoleFailure>)
    case logRead(LogRead, Result<BuildLogBytes?, ConsoleFailure>)
    /// The browser for `url` could not be started (nil: it was).
    case urlOpened(String, failure: String?)
    case unstickFinished(repo: String, issue: Int, Result<UnstickResult, ConsoleFailure>, at: Date)
    /// From the event stream of the `serve` the console is attached to.
    case server(ServerSignal)
}
