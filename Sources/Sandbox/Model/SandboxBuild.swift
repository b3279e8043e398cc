import Foundation

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

    public init(jobPath: String, parameters: [String: String], queueID: Int, buildNumber: Int?, queuedAt: Date, cancelled: Bool) {
        self.jobPath = jobPath
        self.parameters = parameters
        self.queueID = queueID
        self.buildNumber = buildNumber
        self.queuedAt = queuedAt
        self.cancelled = cancelled
    }
}
