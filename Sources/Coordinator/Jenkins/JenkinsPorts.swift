import Foundation

/// How Jenkins took a build request.
public struct JobStart: Sendable, Equatable, Codable {
    /// The queue item id from `Location: …/queue/item/ID/`, when Jenkins gave one.
    public var queueID: Int?
    /// The queue item URL Jenkins answered with.
    public var queueURL: String?
    /// `true` for `303`: Jenkins merged the request into an identical queued item (not a second job).
    public var merged: Bool

    public init(queueID: Int?, queueURL: String?, merged: Bool) {
        self.queueID = queueID
        self.queueURL = queueURL
        self.merged = merged
    }
}

/// A Jenkins queue item as `GET /queue/item/ID/api/json` describes it.
public struct QueueItem: Sendable, Equatable {
    public var id: Int
    public var why: String?
    public var cancelled: Bool
    public var buildNumber: Int?
    public var buildURL: String?

    public init(id: Int, why: String?, cancelled: Bool, buildNumber: Int?, buildURL: String?) {
        self.id = id
        self.why = why
        self.cancelled = cancelled
        self.buildNumber = buildNumber
        self.buildURL = buildURL
    }
}

/// Starts parameterised Jenkins jobs and reads their queue items.
public protocol JobStarter: Sendable {
    /// `POST {server}/job/A/job/B/buildWithParameters` with `parameters` as a form body.
    /// `jobPath` is "A/B" (folders separated by "/"). Throws `JenkinsError` for any answer but 201/303.
    func startJob(path jobPath: String, parameters: [JobParameter]) async throws -> JobStart
    func queueItem(id: Int) async throws -> QueueItem
}

/// One build parameter, in the order it is sent.
public struct JobParameter: Sendable, Equatable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A failed Jenkins request. Never carries the API token.
public enum JenkinsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unauthorized(url: String)
    case jobNotFound(jobPath: String, url: String)
    case http(status: Int, url: String, message: String)
    case transport(url: String, message: String)
    case malformed(url: String, message: String)

    public var description: String {
        switch self {
        case let .unauthorized(url):
            return "Jenkins refused the credentials (401) at \(url): check [jenkins] username/api_token or JENKINS_USER/JENKINS_TOKEN"
        case let .jobNotFound(jobPath, url):
            return "Jenkins has no job '\(jobPath)' (404 at \(url)): check executor_job_path"
        case let .http(status, url, message):
            return "Jenkins answered \(status) \(message) at \(url)"
        case let .transport(url, message):
            return "Jenkins could not be reached at \(url): \(message)"
        case let .malformed(url, message):
            return "Jenkins sent an unexpected answer at \(url): \(message)"
        }
    }
}
