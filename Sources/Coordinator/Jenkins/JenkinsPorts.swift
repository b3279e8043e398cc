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

/// Starts parameterised Jenkins jobs, reads their queue items, and finds a job whose start was
/// never confirmed.
public protocol JobStarter: Sendable {
    /// Obtains everything a build request needs besides its parameters (the CSRF crumb), so that a
    /// dispatch records its intent only when nothing but the POST itself is left to do.
    func prepareToStart() async throws
    /// `POST {server}/job/A/job/B/buildWithParameters` with `parameters` as a form body.
    /// `jobPath` is "A/B" (folders separated by "/"). Throws `JenkinsError` for any answer but
    /// 201/303, and `JenkinsError.answerLost` when the request may have reached Jenkins but no
    /// answer came back (the job may or may not be queued).
    func startJob(path jobPath: String, parameters: [JobParameter]) async throws -> JobStart
    func queueItem(id: Int) async throws -> QueueItem
    /// Looks in the queue, then among the job's recent builds, for a queue item or build of
    /// `query.jobPath` with exactly `query.parameters`, created at or after `query.notBefore`
    /// (measured on Jenkins' clock), and not one of the excluded ones. `nil`: there is none.
    func findJob(_ query: JobQuery) async throws -> JobSighting?
    /// Reads build `number` of `jobPath` (`GET …/job/A/job/B/N/api/json`); nil when Jenkins has no
    /// such build (`404`). Built from the job path, never from a URL an answer gave, so the
    /// credentials go nowhere but the configured server.
    func build(path jobPath: String, number: Int) async throws -> JenkinsBuild?
    /// The number of the build that queue item `id` became, looked up among the job's newest 50
    /// builds (after Jenkins forgot the queue item); nil when none of them came from it.
    func buildNumber(path jobPath: String, queueItem id: Int) async throws -> Int?
}

/// One build as `GET …/N/api/json` describes it.
public struct JenkinsBuild: Sendable, Equatable {
    public var number: Int
    public var building: Bool
    /// `SUCCESS`, `FAILURE`, `UNSTABLE`, `ABORTED`, `NOT_BUILT`; nil while building.
    public var result: String?
    public var durationMS: Int?
    /// When the build started, converted to our clock.
    public var startedAt: Date?

    public init(number: Int, building: Bool, result: String?, durationMS: Int?, startedAt: Date?) {
        self.number = number
        self.building = building
        self.result = result
        self.durationMS = durationMS
        self.startedAt = startedAt
    }
}

/// What `JobStarter.findJob` looks for: the job one dispatch may have started.
public struct JobQuery: Sendable, Equatable {
    public var jobPath: String
    public var parameters: [JobParameter]
    /// The dispatch's intent time, on our clock; the finder converts it to Jenkins' clock.
    public var notBefore: Date
    /// Queue items recorded against other dispatches: never this one's job.
    public var excludedQueueIDs: Set<Int>
    /// Builds recorded against other dispatches.
    public var excludedBuildURLs: Set<String>

    public init(jobPath: String, parameters: [JobParameter], notBefore: Date, excludedQueueIDs: Set<Int> = [], excludedBuildURLs: Set<String> = []) {
        self.jobPath = jobPath
        self.parameters = parameters
        self.notBefore = notBefore
        self.excludedQueueIDs = excludedQueueIDs
        self.excludedBuildURLs = excludedBuildURLs
    }
}

/// A queue item or build that `findJob` found.
public struct JobSighting: Sendable, Equatable {
    public enum Place: String, Sendable, Equatable, Codable {
        /// Still waiting in Jenkins' queue.
        case queue
        /// Among the job's builds (running or finished).
        case builds
    }

    public var place: Place
    public var queueID: Int?
    public var buildNumber: Int?
    public var buildURL: String?

    public init(place: Place, queueID: Int?, buildNumber: Int? = nil, buildURL: String? = nil) {
        self.place = place
        self.queueID = queueID
        self.buildNumber = buildNumber
        self.buildURL = buildURL
    }
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
    /// The request never reached Jenkins (refused, unreachable, connection timed out).
    case transport(url: String, message: String)
    /// The build request may have reached Jenkins, but its answer was lost (connection closed,
    /// reset or timed out after sending): a job may or may not be queued.
    case answerLost(url: String, message: String)
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
        case let .answerLost(url, message):
            return "Jenkins' answer to \(url) was lost (\(message)); the job may or may not have been queued"
        case let .malformed(url, message):
            return "Jenkins sent an unexpected answer at \(url): \(message)"
        }
    }
}

/// A piece of a build's console log, as `logText/progressiveText` gave it.
public struct BuildLogPiece: Sendable, Equatable {
    /// The log from the `start` asked for, as Jenkins sent it (Jenkins sends every lone `\n` as
    /// `\r\n`; `LogDecoder` reads both as a line end). At most the `limit` asked for.
    public var bytes: [UInt8]
    /// Where the next piece starts: Jenkins' `X-Text-Size`, never before `start`. When the answer
    /// was longer than `limit`, the offset after the bytes kept.
    public var nextStart: Int
    /// Jenkins may write more: the build runs (`X-More-Data: true`), or the answer was cut at
    /// `limit`.
    public var more: Bool

    public init(bytes: [UInt8], nextStart: Int, more: Bool) {
        self.bytes = bytes
        self.nextStart = nextStart
        self.more = more
    }
}

/// Reads build logs, and the queue items and builds that lead to them: what a log viewer needs
/// of Jenkins. Every URL is built from the job path, never taken from an answer.
public protocol BuildLogReading: Sendable {
    /// `GET …/job/A/job/B/N/logText/progressiveText?start=K`; at most `limit` bytes are read of
    /// the answer. Nil when Jenkins has no such build (`404`).
    func logText(path jobPath: String, number: Int, start: Int, limit: Int) async throws -> BuildLogPiece?
    /// The log's size in bytes now, read without downloading it (to open a viewer at the tail);
    /// nil when Jenkins has no such build.
    func logSize(path jobPath: String, number: Int) async throws -> Int?
    func queueItem(id: Int) async throws -> QueueItem
    func buildNumber(path jobPath: String, queueItem id: Int) async throws -> Int?
}
