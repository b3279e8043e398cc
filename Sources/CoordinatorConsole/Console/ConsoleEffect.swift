import Coordinator

/// Work the reducer asks for. The effect runner performs the backend ones off the UI thread; the
/// terminal loop performs `redraw` and `quit`.
public enum ConsoleEffect: Sendable, Equatable {
    case loadCache(repo: String)
    case fetchLive(repo: String)
    /// Plans `issues` (the selected one first) with their linked branches looked up in one batch.
    case preview(repo: String, issues: [Issue])
    /// Dispatches `issues` one after another, in order.
    case dispatch(repo: String, issues: [Int])
    case sync(repo: String)
    /// Surveys the busy issues among `issues`: builds, busy-since, stuck.
    case surveyBusy(repo: String, issues: [Issue])
    /// Moves each of `issues`' busy label back to its pickup label or on to its failure label, one
    /// after another, in order.
    case unstick(repo: String, issues: [Int], to: UnstickTarget)
    case fetchRateLimit
    /// Reads every repository's audit trail for the history view.
    case loadHistory
    /// Finds the build of issue `issue`'s dispatch `dispatchID` (nil: its newest) for the log view `view`.
    case locateLog(view: Int, repo: String, issue: Int, dispatchID: String?)
    /// Reads a piece of a build's log for the log view.
    case readLog(LogRead)
    /// Opens `url` in the browser (`$BROWSER`, else `xdg-open`), the URL passed as an argument.
    case openURL(String)
    case redraw
    case quit
}
