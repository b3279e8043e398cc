import Foundation

/// Where the Jenkins build of one dispatch stands (SPEC §10).
public enum BuildState: String, Codable, Sendable, Equatable, CaseIterable {
    /// The queue item waits for an executor.
    case queued
    /// The build runs.
    case running
    case success
    case failure
    case unstable
    case aborted
    /// Someone cancelled the queue item before it became a build.
    case cancelled
    /// Jenkins no longer knows the queue item (it forgets left items after about 5 minutes) and
    /// no build number was recorded, or the recorded build is gone.
    case unknown

    /// The build (or queue item) will not change any more: the ledger records it once.
    public var isFinished: Bool {
        switch self {
        case .success, .failure, .unstable, .aborted, .cancelled: return true
        case .queued, .running, .unknown: return false
        }
    }

    /// The state for Jenkins' `result` of a finished build (`SUCCESS`, `FAILURE`, `UNSTABLE`,
    /// `ABORTED`, `NOT_BUILT`); nil for anything else.
    public init?(jenkinsResult: String) {
        switch jenkinsResult.uppercased() {
        case "SUCCESS": self = .success
        case "FAILURE": self = .failure
        case "UNSTABLE": self = .unstable
        case "ABORTED", "NOT_BUILT": self = .aborted
        default: return nil
        }
    }
}

/// The build of one dispatch as far as it is known.
public struct BuildStatus: Codable, Sendable, Equatable {
    public var state: BuildState
    /// The build number, once the queue item became a build.
    public var number: Int?
    public var url: String?
    /// How long a finished build ran.
    public var duration: TimeInterval?
    /// When a finished build ended (start + duration, Jenkins' clock), or when the ledger learnt
    /// that it had.
    public var finishedAt: Date?

    public init(state: BuildState, number: Int? = nil, url: String? = nil, duration: TimeInterval? = nil, finishedAt: Date? = nil) {
        self.state = state
        self.number = number
        self.url = url
        self.duration = duration
        self.finishedAt = finishedAt
    }

    /// `#12 failure (3m)`, `queued`, `#4 running` (in the words of `BusyIssueReport.Build`, which
    /// a client of `serve` has).
    public var summary: String {
        BusyIssueReport.Build(self).summary
    }
}
