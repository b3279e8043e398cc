import Coordinator

/// Work the reducer asks for. The effect runner performs the backend ones off the UI thread; the
/// terminal loop performs `redraw` and `quit`.
public enum ConsoleEffect: Sendable, Equatable {
    case loadCache(repo: String)
    case fetchLive(repo: String)
    case preview(repo: String, issue: Issue)
    /// Dispatches `issues` one after another, in order.
    case dispatch(repo: String, issues: [Int])
    case sync(repo: String)
    case fetchRateLimit
    case redraw
    case quit
}
