import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// Starts parameterised jobs on a Jenkins server and reads their queue items.
///
/// Authenticates with Basic `username:apiToken`. Before its first build request the client asks
/// `/crumbIssuer/api/json` once for a CSRF crumb and sends it on every POST if the server issued
/// one; API-token requests need none, so a missing issuer is fine.
///
/// The `HTTPClient` must not follow redirects (create it with `HTTPClientFactory.makeHTTPClient`):
/// Jenkins answers `303` when it merged a request into an identical queued item, and that status
/// is the answer. If a shared client follows redirects anyway, the client still reads the `303`
/// from the response history, at the cost of one needless GET of the queue item.
public final class JenkinsClient: JobStarter, Sendable {
    private let transport: HTTPTransport
    let serverURL: String
    private let logger: Logger
    private let crumbs = JenkinsCrumbCache()

    /// - Parameters:
    ///   - http: the shared client; the caller shuts it down.
    ///   - serverURL: the Jenkins root, possibly under a path prefix (`https://host/jenkins`).
    ///   - requestTimeout: deadline for one request, answer body included.
    public init(
        http: HTTPClient, serverURL: String, username: String, apiToken: Secret,
        requestTimeout: Duration = .seconds(30), logger: Logger
    ) {
        let authorization = "Basic " + Data("\(username):\(apiToken.reveal())".utf8).base64EncodedString()
        // One attempt per request, reads included: an unreachable or failing Jenkins is reported at
        // once, and the dispatch ledger, not this client, decides whether to ask again.
        self.transport = HTTPTransport(
            http: http, headers: [("Authorization", authorization)], timeout: requestTimeout,
            retryPolicy: RetryPolicy(maxAttempts: 1), logger: logger, service: .jenkins)
        self.serverURL = serverURL.trimmingTrailingSlashes()
        self.logger = logger
    }

    /// `/job/A/job/B/job/C` for "A/B/C", each folder or job name encoded as one path segment.
    /// Empty segments (a leading, trailing or doubled "/") are ignored.
    public static func jobURLPath(_ jobPath: String) -> String {
        jobPath.split(separator: "/", omittingEmptySubsequences: true)
            .map { "/job/" + HTTPEncoding.pathSegment(String($0)) }
            .joined()
    }

    /// Build `number`'s web page on the configured server, for a person to open.
    public func buildPageURL(path jobPath: String, number: Int) -> String {
        serverURL + Self.jobURLPath(jobPath) + "/\(number)/"
    }

    // MARK: JobStarter

    /// Asks for the crumb now (once per client), so a dispatch's intent is written only when the
    /// POST is all that is left.
    public func prepareToStart() async throws {
        _ = try await crumb()
    }

    /// Queues a build of `jobPath` with `parameters` sent as a form body, in order.
    ///
    /// The POST is sent once and never retried on a transport failure: a request that reached
    /// Jenkins but whose answer was lost has already queued a build, and a retry would queue a
    /// second one. The caller reports the failure and the dispatch ledger decides what happens next.
    /// The one retry there is concerns a `403` naming the crumb: Jenkins refused the request
    /// without queueing anything, so asking for a fresh crumb and sending again is safe.
    public func startJob(path jobPath: String, parameters: [JobParameter]) async throws -> JobStart {
        let jobURLPath = Self.jobURLPath(jobPath)
        let url = serverURL + jobURLPath + "/buildWithParameters"
        guard !jobURLPath.isEmpty else {
            throw JenkinsError.jobNotFound(jobPath: jobPath, url: url)
        }
        let body = HTTPEncoding.formBody(parameters.map { ($0.name, $0.value) })

        var answer = try await postBuild(url: url, body: body, crumb: try await crumb())
        if answer.status == 403, Self.text(of: answer).lowercased().contains("crumb") {
            logger.debug("Jenkins refused the crumb; fetching a new one", metadata: ["url": "\(url)"])
            await crumbs.forget()
            answer = try await postBuild(url: url, body: body, crumb: try await crumb())
        }

        // With a redirect-following HTTPClient the final answer is the queue item's; the first hop
        // is what Jenkins said to the POST.
        let status = answer.hops.first?.status ?? answer.status
        let headers = answer.hops.first?.headers ?? answer.headers
        switch status {
        case 201, 303:
            let location = headers.first(name: "location").map { Self.absolute($0, against: url) }
            return JobStart(queueID: location.flatMap(Self.queueID), queueURL: location, merged: status == 303)
        case 401:
            throw JenkinsError.unauthorized(url: url)
        case 404:
            throw JenkinsError.jobNotFound(jobPath: jobPath, url: url)
        default:
            throw JenkinsError.http(status: status, url: url, message: answer.errorText)
        }
    }

    /// Reads queue item `id`. Jenkins forgets items about five minutes after they left the queue,
    /// so a `404` here is ordinary for an old dispatch.
    public func queueItem(id: Int) async throws -> QueueItem {
        let url = "\(serverURL)/queue/item/\(id)/api/json"
        let payload = try await getJSON(url, as: JenkinsQueueItemPayload.self).payload
        return QueueItem(
            id: payload.id ?? id, why: payload.why, cancelled: payload.cancelled ?? false,
            buildNumber: payload.executable?.number, buildURL: payload.executable?.url)
    }

    /// Looks for the job a dispatch may have started: first among the waiting queue items, then
    /// among the job's newest 50 builds (an item leaves the queue for the builds list, so this
    /// order cannot miss one that moves in between). Times are compared on Jenkins' clock: the
    /// skew comes from each answer's `Date` header.
    public func findJob(_ query: JobQuery) async throws -> JobSighting? {
        let queueURL = "\(serverURL)/queue/api/json?tree=\(HTTPEncoding.queryComponent(JobLookup.queueTree))"
        let queue = try await getJSON(queueURL, as: JobLookup.QueuePayload.self)
        if let found = JobLookup.match(queue.payload.candidates(), query: query, skew: queue.skew) {
            return found.sighting
        }
        let buildsURL = serverURL + Self.jobURLPath(query.jobPath) + "/api/json?tree=\(HTTPEncoding.queryComponent(JobLookup.buildsTree))"
        let builds = try await getJSON(buildsURL, as: JobLookup.BuildsPayload.self)
        return JobLookup.match(builds.payload.candidates(), query: query, skew: builds.skew)?.sighting
    }

    public func build(path jobPath: String, number: Int) async throws -> JenkinsBuild? {
        let url = serverURL + Self.jobURLPath(jobPath) + "/\(number)/api/json?tree=number,building,result,duration,timestamp"
        let answer: (payload: BuildPayload, skew: TimeInterval)
        do {
            answer = try await getJSON(url, as: BuildPayload.self)
        } catch let JenkinsError.http(status, _, _) where status == 404 {
            return nil
        }
        let build = answer.payload
        // Jenkins' milliseconds, bounded before any conversion: outside data never traps.
        let duration = build.duration.flatMap { $0.isFinite && $0 >= 0 && $0 < 1e13 ? Int($0) : nil }
        // The Date header counts whole seconds: a skew under two seconds is its rounding, not a clock.
        let skew = abs(answer.skew) < 2 ? 0 : answer.skew
        let started = build.timestamp.flatMap { $0.isFinite && $0 > 0 && $0 < 1e15 ? Date(timeIntervalSince1970: $0 / 1000 - skew) : nil }
        return JenkinsBuild(number: build.number ?? number, building: build.building ?? false, result: build.result, durationMS: duration, startedAt: started)
    }

    public func buildNumber(path jobPath: String, queueItem id: Int) async throws -> Int? {
        let url = serverURL + Self.jobURLPath(jobPath) + "/api/json?tree=\(HTTPEncoding.queryComponent("builds[number,queueId]{0,50}"))"
        let builds = try await getJSON(url, as: JobLookup.BuildsPayload.self).payload
        return (builds.builds ?? []).compactMap { $0 }.first { $0.queueId == id }?.number
    }

    private struct BuildPayload: Decodable {
        var number: Int?
        var building: Bool?
        var result: String?
        var duration: Double?
        var timestamp: Double?
    }

    /// GETs and decodes `url`; `skew` is Jenkins' clock minus ours when it answered.
    func getJSON<Payload: Decodable>(_ url: String, as: Payload.Type) async throws -> (payload: Payload, skew: TimeInterval) {
        let answer = try await get(url)
        let received = Date()
        switch answer.status {
        case 200:
            break
        case 401:
            throw JenkinsError.unauthorized(url: url)
        default:
            throw JenkinsError.http(status: answer.status, url: url, message: answer.errorText)
        }
        do {
            let payload = try answer.decoded(Payload.self)
            let serverTime = answer.header("date").flatMap(Timestamp.parseHTTPDate)
            return (payload, serverTime.map { $0.timeIntervalSince(received) } ?? 0)
        } catch {
            throw JenkinsError.malformed(url: url, message: error.message)
        }
    }

    // MARK: Requests

    /// - Parameter limit: read at most this many body bytes (nil: the whole body).
    func get(_ url: String, accept: String = "application/json", keepingAtMost limit: Int? = nil, method: HTTPMethod = .GET) async throws -> HTTPAnswer {
        do {
            return try await transport.send(
                transport.request(method, url: url, headers: [("Accept", accept)]), retrying: true, keepingAtMost: limit)
        } catch let failure as HTTPTransportFailure {
            throw JenkinsError.transport(url: url, message: failure.text)
        }
    }

    /// Sends a build request exactly once (see `startJob`).
    private func postBuild(url: String, body: String, crumb: JenkinsCrumb?) async throws -> HTTPAnswer {
        let request = transport.request(.POST, url: url, headers: crumb.map { [($0.field, $0.value)] } ?? [], body: .form(body))
        do {
            return try await transport.send(request, retrying: false)
        } catch let failure as HTTPTransportFailure {
            // Sent but unanswered: Jenkins may have queued the build. Only asking it can tell.
            if failure.mayHaveArrived { throw JenkinsError.answerLost(url: url, message: failure.text) }
            throw JenkinsError.transport(url: url, message: failure.text)
        }
    }

    /// The crumb to send on POSTs, asked for once per client. A transport failure is not
    /// remembered (the next call asks again); any answer is.
    private func crumb() async throws -> JenkinsCrumb? {
        try await crumbs.value { [self] in
            let url = "\(serverURL)/crumbIssuer/api/json"
            let answer = try await get(url)
            switch answer.status {
            case 200:
                guard let payload = try? JSONDecoder().decode(JenkinsCrumbPayload.self, from: answer.body) else {
                    throw JenkinsError.malformed(url: url, message: "the crumb issuer's answer is not the expected JSON")
                }
                // Both become a request header; NIO traps on an invalid name, so check them here.
                guard HeaderField.isValidName(payload.crumbRequestField) else {
                    throw JenkinsError.malformed(url: url, message: "the crumb issuer named an invalid header field \(String(reflecting: payload.crumbRequestField))")
                }
                guard HeaderField.isValidValue(payload.crumb) else {
                    throw JenkinsError.malformed(url: url, message: "the crumb issuer sent a crumb that is not a valid header value")
                }
                return JenkinsCrumb(field: payload.crumbRequestField, value: payload.crumb)
            case 401:
                throw JenkinsError.unauthorized(url: url)
            default:
                // No issuer (404) or CSRF protection off: API-token requests go through without.
                return nil
            }
        }
    }

    // MARK: Answer interpretation

    /// The queue item id in `…/queue/item/ID/`.
    static func queueID(_ location: String) -> Int? {
        let parts = (URLComponents(string: location)?.path ?? location).split(separator: "/")
        guard let index = parts.lastIndex(of: "item"), index > parts.startIndex,
            parts[parts.index(before: index)] == "queue", index + 1 < parts.endIndex
        else { return nil }
        return Int(parts[index + 1])
    }

    static func absolute(_ location: String, against base: String) -> String {
        guard let resolved = URL(string: location, relativeTo: URL(string: base)) else { return location }
        return resolved.absoluteString
    }

    static func text(of answer: HTTPAnswer) -> String {
        String(decoding: answer.body.prefix(4096), as: UTF8.self)
    }
}

/// A CSRF crumb: send `field: value` on every POST.
struct JenkinsCrumb: Sendable, Equatable {
    var field: String
    var value: String
}

/// Remembers the crumb issuer's answer for the client's life, and makes concurrent first POSTs
/// share one crumb request.
actor JenkinsCrumbCache {
    private enum State {
        case unknown
        case fetching(Task<JenkinsCrumb?, Error>)
        case known(JenkinsCrumb?)
    }

    private var state = State.unknown

    func value(fetch: @escaping @Sendable () async throws -> JenkinsCrumb?) async throws -> JenkinsCrumb? {
        switch state {
        case let .known(crumb):
            return crumb
        case let .fetching(task):
            return try await task.value
        case .unknown:
            let task = Task { try await fetch() }
            state = .fetching(task)
            do {
                let crumb = try await task.value
                state = .known(crumb)
                return crumb
            } catch {
                state = .unknown
                throw error
            }
        }
    }

    func forget() {
        state = .unknown
    }
}

struct JenkinsCrumbPayload: Decodable {
    var crumb: String
    var crumbRequestField: String
}

/// `GET /queue/item/ID/api/json`: `why` while waiting, `executable` once a build runs.
struct JenkinsQueueItemPayload: Decodable {
    struct Executable: Decodable {
        var number: Int?
        var url: String?
    }
    var id: Int?
    var why: String?
    var cancelled: Bool?
    var executable: Executable?
}
