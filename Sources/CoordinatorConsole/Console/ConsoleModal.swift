import Coordinator

/// One issue named in a dispatch confirmation.
public struct DispatchCandidate: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var labelMove: LabelMove
    public var workflow: WorkflowName
}

/// An overlay that takes the keys until it closes. Destructive actions are confirmed with `y`;
/// every other key cancels, so No is the default.
public enum ConsoleModal: Sendable, Equatable {
    case confirmDispatch(repo: String, jobPath: String, issues: [DispatchCandidate])
    case confirmSync(repo: String)
    /// `u` on a busy issue: `p` back to the pickup label, `f` on to the failure label.
    case chooseUnstick(UnstickRequest)
    /// The exact label move of the chosen unstick, confirmed with `y` like a dispatch.
    case confirmUnstick(UnstickRequest, target: UnstickTarget, move: LabelMove)
    /// `D` with marked issues: those that can be dispatched, and the marked ones skipped, with why.
    case confirmMarkedDispatch(repo: String, jobPath: String, issues: [DispatchCandidate], skipped: [SkippedIssue])
    /// `u` with marked issues: `p` or `f` for all of them.
    case chooseMarkedUnstick(MarkedUnstick)
    /// Each marked issue's exact move to `target`, and those that cannot take it; `y` confirms.
    case confirmMarkedUnstick(MarkedUnstick, target: UnstickTarget, moves: [MarkedMove], skipped: [SkippedIssue])
    case help
}
