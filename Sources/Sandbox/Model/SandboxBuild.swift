import Foundation

/// How a Jenkins build ended: Jenkins' `hudson.model.Result` names, as its JSON spells them.
public enum SandboxBuildResult: String, Sendable, Equatable, Codable, CaseIterable {
    case success = "SUCCESS"
    case unstable = "UNSTABLE"
    case failure = "FAILURE"
    case notBuilt = "NOT_BUILT"
    case aborted = "ABORTED"

    /// `SUCCESS, UNSTABLE, FAILURE, NOT_BUILT, ABORTED`, for messages that list what is accepted.
    public static var spellings: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// One `buildWithParameters` that Jenkins accepted into its queue.
public struct SandboxBuild: Sendable, Equatable, Codable {
    /// Folder path as in the scenario: `Coordinator/mcp_coder/executor`.
    public var jobPath: String
    public var parameters: [String: String]
    public var queueID: Int
    /// Set once the queue item has left the queue and become a build.
    public var buildNumber: Int?
    public var queuedAt: Date
    public var cancelled: Bool
    /// True from the moment the item became a build until the build ended.
    public var building: Bool
    /// How the build ended; nil while it waits in the queue, runs, or when it was cancelled in the
    /// queue (Jenkins' `result` is null until the end).
    public var result: SandboxBuildResult?

    public init(
        jobPath: String, parameters: [String: String], queueID: Int, buildNumber: Int?, queuedAt: Date, cancelled: Bool,
        building: Bool = false, result: SandboxBuildResult? = nil
    ) {
        self.jobPath = jobPath
        self.parameters = parameters
        self.queueID = queueID
        self.buildNumber = buildNumber
        self.queuedAt = queuedAt
        self.cancelled = cancelled
        self.building = building
        self.result = result
    }
}

/// Why a build's result could not be set or the build not ended through the control API.
public enum SandboxBuildControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No queue item with this id was ever made.
    case unknownQueueItem(Int)
    /// The item was cancelled while it waited: it never became a build.
    case cancelled(queueID: Int)
    /// The build already ended with another result; Jenkins never changes a finished build's result.
    case alreadyEnded(queueID: Int, result: SandboxBuildResult)

    public var description: String {
        switch self {
        case .unknownQueueItem(let id): "no queue item \(id)"
        case .cancelled(let id): "queue item \(id) was cancelled and never became a build"
        case .alreadyEnded(let id, let result): "the build of queue item \(id) already ended with \(result.rawValue)"
        }
    }
}
