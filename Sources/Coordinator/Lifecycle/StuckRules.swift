import Foundation

/// Why an issue that carries a busy label is stuck (SPEC §10).
public enum StuckReason: Codable, Sendable, Equatable, CustomStringConvertible {
    /// It has held the busy label longer than its workflow's timeout.
    case overTimeout(busyFor: TimeInterval, limit: TimeInterval)
    /// Its build ended more than the grace period ago and the label never moved on.
    case buildEnded(BuildState, ago: TimeInterval)
    /// Someone cancelled the queue item before it became a build.
    case queueItemCancelled
    /// Jenkins knows neither the queue item nor a build for it.
    case buildNotFound

    public var description: String {
        switch self {
        case let .overTimeout(busyFor, limit):
            return "busy for \(ElapsedText.duration(busyFor)), over the workflow's \(ElapsedText.duration(limit)) timeout"
        case let .buildEnded(state, ago):
            return "build ended (\(state.rawValue)) \(ElapsedText.duration(ago)) ago and the label never moved on"
        case .queueItemCancelled:
            return "the Jenkins queue item was cancelled"
        case .buildNotFound:
            return "Jenkins knows no build for it"
        }
    }

    /// A short word for narrow columns.
    public var brief: String {
        switch self {
        case .overTimeout: return "timeout"
        case let .buildEnded(state, _): return state.rawValue
        case .queueItemCancelled: return "cancelled"
        case .buildNotFound: return "no build"
        }
    }
}

/// Where an issue's busy-since time came from.
public enum BusySinceSource: String, Sendable, Equatable, Codable {
    /// Our own dispatch, from the ledger.
    case ledger
    /// The last `labeled` event for the busy label in GitHub's issue events.
    case events
}

/// One open issue carrying a busy label, with what is known about its build, and whether it is
/// stuck. What the console's busy view, `status` and `coordinator stuck` show.
public struct BusyIssue: Codable, Sendable, Equatable {
    public var number: Int
    public var title: String
    public var busyLabel: String
    /// The workflow the busy label belongs to; nil when no configured workflow owns it (a busy
    /// label of the label set outside the workflows).
    public var route: WorkflowRoute?
    public var busySince: Date?
    public var busySinceSource: BusySinceSource?
    /// The build of the newest dispatch that set this busy label; nil when we did not dispatch it.
    public var build: BuildStatus?
    /// Who dispatched it (`user@host (run)`), from the ledger.
    public var dispatchedBy: String?
    public var stuck: StuckReason?

    public init(
        number: Int, title: String, busyLabel: String, route: WorkflowRoute?, busySince: Date?,
        busySinceSource: BusySinceSource?, build: BuildStatus?, dispatchedBy: String? = nil, stuck: StuckReason?
    ) {
        self.number = number
        self.title = title
        self.busyLabel = busyLabel
        self.route = route
        self.busySince = busySince
        self.busySinceSource = busySinceSource
        self.build = build
        self.dispatchedBy = dispatchedBy
        self.stuck = stuck
    }

    public var isStuck: Bool { stuck != nil }
}

/// The stuck rules, pure: the same for the console, `status`, `coordinator stuck` and `serve`.
public struct StuckRules: Sendable, Equatable {
    /// How long after its build ended an issue may keep its busy label (the bot moves it at the
    /// very end of its job; the default leaves ten minutes for that).
    public var gracePeriod: TimeInterval

    public static let defaultGracePeriod: TimeInterval = 600

    public init(gracePeriod: TimeInterval = StuckRules.defaultGracePeriod) {
        self.gracePeriod = gracePeriod
    }

    /// Whether an issue holding a busy label since `busySince` (nil: unknown), with `build` (nil:
    /// not ours), under a workflow timeout of `timeout` (nil: none) is stuck at `now`, and why.
    /// The most telling reason wins: a cancelled or missing build, then an ended build, then the
    /// timeout.
    public func assess(busySince: Date?, timeout: TimeInterval?, build: BuildStatus?, now: Date) -> StuckReason? {
        if let build {
            switch build.state {
            case .cancelled: return .queueItemCancelled
            case .unknown: return .buildNotFound
            case .success, .failure, .unstable, .aborted:
                if let ended = build.finishedAt {
                    let ago = now.timeIntervalSince(ended)
                    if ago > gracePeriod { return .buildEnded(build.state, ago: ago) }
                }
            case .queued, .running:
                break
            }
        }
        if let busySince, let timeout {
            let busyFor = now.timeIntervalSince(busySince)
            if busyFor > timeout { return .overTimeout(busyFor: busyFor, limit: timeout) }
        }
        return nil
    }
}
