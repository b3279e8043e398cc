import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// GitHub's REST and GraphQL APIs for one repository: lists and reads issues, moves labels and
/// finds linked branches.
///
/// Requests carry the token only in the `Authorization` header; URLs, errors and log lines never
/// contain it. Server errors and transport failures are retried per `RetryPolicy`; a spent rate
/// limit is waited out when the wait is short and reported as `GitHubError.rateLimited` otherwise.
/// Mutating requests are spaced `writeSpacing` apart, as GitHub asks of integrations to stay clear
/// of its secondary rate limits.
///
/// The `HTTPClient` is shared and owned by the caller (see `HTTPClientFactory.makeHTTPClient`).
public final class GitHubClient: IssueSource, LabelWriter, BranchResolver, Sendable {
    /// Sent as `User-Agent`; GitHub rejects requests without one.
    public static let userAgent = "coordinator/0.1"

    /// The linked-branches query. Ten is far more than one issue ever has; more than one is already
    /// a reason to skip the dispatch, so paging further would add nothing.
    static let linkedBranchesQuery =
        "query($owner:String!,$name:String!,$number:Int!){ repository(owner:$owner,name:$name){ issue(number:$number){ linkedBranches(first:10){ nodes{ ref{ name } } } } } }"

    private let exchange: HTTPExchange
    private let apiBase: String
    private let graphQLURL: String
    private let owner: String
    private let repo: String
    private let token: Secret
    private let writeSpacing: Duration
    private let retryPolicy: RetryPolicy
    private let logger: Logger
    private let state: GitHubTokenState
    private let maxListPages: Int

    /// The most pages one listing follows: 100 000 issues at 100 a page. A `Link` header that
    /// keeps naming new pages past that is broken, and following it would never end.
    public static let defaultMaxListPages = 1000

    /// - Parameters:
    ///   - http: the shared client; the caller shuts it down.
    ///   - apiBase: `https://api.github.com`, `https://HOST/api/v3`, or a sandbox URL
    ///     (`RepoURL.apiBase(override:)`).
    ///   - graphQLURL: the GraphQL endpoint (`RepoURL.graphQLURL(override:)`).
    ///   - writeSpacing: least time between the starts of two mutating requests (POST, PUT, PATCH,
    ///     DELETE) sent by this client.
    ///   - requestTimeout: deadline for one attempt, answer body included.
    ///   - tokenState: shared by every client that uses the same token.
    ///   - maxListPages: the most pages `listIssues` follows before it fails.
    public init(
        http: HTTPClient, apiBase: String, graphQLURL: String, owner: String, repo: String, token: Secret,
        writeSpacing: Duration = .seconds(1), requestTimeout: Duration = .seconds(30),
        retryPolicy: RetryPolicy = .default, tokenState: GitHubTokenState = GitHubTokenState(),
        maxListPages: Int = GitHubClient.defaultMaxListPages, logger: Logger
    ) {
        self.maxListPages = max(1, maxListPages)
        self.state = tokenState
        self.exchange = HTTPExchange(http: http, timeout: requestTimeout, logger: logger)
        self.apiBase = apiBase.trimmingTrailingSlashes()
        self.graphQLURL = graphQLURL
        self.owner = owner
        self.repo = repo
        self.token = token
        self.writeSpacing = writeSpacing
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// The rate-limit headers of the most recent answer that carried them, or nil before the first.
    public func rateLimit() async -> RateLimitSnapshot? {
        await state.rateLimit
    }

    // MARK: IssueSource

    /// Lists the repository's issues, pull requests dropped, following `Link: rel="next"` to the
    /// last page. A `Link` that leads back to a page already read, or on past `maxListPages`
    /// pages, fails the listing with `GitHubError.malformed`: a broken server must not keep a
    /// refresh going forever.
    ///
    /// When `validator` belongs to this exact first-page URL the request is conditional; a `304`
    /// then returns an empty, `notModified` listing (free of rate-limit quota). A fresh validator
    /// is returned only for single-page answers: an unchanged first page says nothing about the
    /// pages after it.
    public func listIssues(state filter: IssueStateFilter, since: Date?, validator: ListValidator?) async throws -> IssueListing {
        var query: [(name: String, value: String)] = [("state", filter.rawValue), ("per_page", "100")]
        if let since { query.append(("since", Timestamp.format(since))) }
        let firstURL = "\(repoPath)/issues?\(HTTPEncoding.query(query))"

        var conditional: [(String, String)] = []
        // The validator comes from the cache file; one that cannot be a header value would fail
        // every incremental refresh, so it costs one unconditional request instead.
        if let validator, validator.url == firstURL, HeaderField.isValidValue(validator.etag) {
            conditional.append(("If-None-Match", validator.etag))
        }

        var issues: [Issue] = []
        var serverDate: Date?
        var firstETag: String?
        var pages = 0
        var visited: Set<String> = []
        var nextURL: String? = firstURL
        while let url = nextURL {
            guard visited.insert(url).inserted else {
                throw GitHubError.malformed(url: url, message: "the Link header leads back to a page already read")
            }
            guard pages < maxListPages else {
                throw GitHubError.malformed(
                    url: url, message: "the Link header leads on past \(maxListPages) pages; a listing that long is not believed")
            }
            let answer = try await perform(.GET, url: url, headers: pages == 0 ? conditional : [])
            if pages == 0 {
                serverDate = answer.header("date").flatMap(Timestamp.parseHTTPDate)
                if answer.status == 304, let validator, !conditional.isEmpty {
                    return IssueListing(issues: [], serverDate: serverDate, notModified: true, validator: validator)
                }
                firstETag = answer.header("etag")
            }
            try requireOK(answer, url: url)
            let payloads = try decode([GitHubIssuePayload].self, from: answer, url: url)
            issues += payloads.filter { !$0.isPullRequest }.map(\.issue)
            pages += 1
            nextURL = try answer.header("link").flatMap(LinkHeader.next).map { next in
                // The token goes wherever the next page is; only follow links to the API we were given.
                guard Self.sameOrigin(next, apiBase) else {
                    throw GitHubError.malformed(url: url, message: "the next page is on another server: \(next)")
                }
                return next
            }
        }

        let newValidator = (pages == 1 ? firstETag : nil).map { ListValidator(url: firstURL, etag: $0) }
        return IssueListing(issues: issues, serverDate: serverDate, notModified: false, validator: newValidator)
    }

    /// Reads one issue (a pull request number answers too, as the pull request's issue view).
    public func issue(number: Int) async throws -> Issue {
        let url = "\(repoPath)/issues/\(number)"
        let answer = try await perform(.GET, url: url)
        try requireOK(answer, url: url)
        return try decode(GitHubIssuePayload.self, from: answer, url: url).issue
    }

    // MARK: LabelWriter

    /// Adds `labels` to issue `number`; returns every label the issue now has. Adding a label the
    /// issue already has is a no-op on GitHub, which is what makes retrying this POST safe.
    public func addLabels(_ labels: [String], toIssue number: Int) async throws -> [String] {
        let url = "\(repoPath)/issues/\(number)/labels"
        let body = try JSONEncoder().encode(GitHubLabelsRequest(labels: labels))
        let answer = try await perform(.POST, url: url, body: body)
        try requireOK(answer, url: url)
        return try decode([GitHubLabelPayload].self, from: answer, url: url).map(\.name)
    }

    /// Removes `label` from issue `number`; returns the remaining labels, or nil when GitHub
    /// answers `404` (the label was not on the issue, e.g. someone removed it already).
    public func removeLabel(_ label: String, fromIssue number: Int) async throws -> [String]? {
        let url = "\(repoPath)/issues/\(number)/labels/\(HTTPEncoding.pathSegment(label))"
        do {
            let answer = try await perform(.DELETE, url: url)
            try requireOK(answer, url: url)
            return try decode([GitHubLabelPayload].self, from: answer, url: url).map(\.name)
        } catch GitHubError.http(status: 404, url: _, message: _) {
            return nil
        }
    }

    // MARK: BranchResolver

    /// The names of the branches linked to issue `number` (GitHub's "Development" section), in
    /// GitHub's order. Links whose branch was deleted (`ref: null`) are left out.
    public func linkedBranches(issue number: Int) async throws -> [String] {
        let request = GraphQLRequest(
            query: Self.linkedBranchesQuery,
            variables: .init(owner: owner, name: repo, number: number))
        let answer = try await perform(.POST, url: graphQLURL, body: try JSONEncoder().encode(request), mutating: false)
        try requireOK(answer, url: graphQLURL)
        let response = try decode(LinkedBranchesResponse.self, from: answer, url: graphQLURL)
        if let errors = response.errors, !errors.isEmpty {
            throw GitHubError.graphQL(message: errors.map { $0.message ?? $0.type ?? "unknown error" }.joined(separator: "; "))
        }
        guard let issue = response.data?.repository?.issue else {
            throw GitHubError.graphQL(message: "issue #\(number) not found in \(owner)/\(repo)")
        }
        return (issue.linkedBranches?.nodes ?? []).compactMap { $0?.ref?.name }
    }

    // MARK: Requests

    private var repoPath: String {
        "\(apiBase)/repos/\(HTTPEncoding.pathSegment(owner))/\(HTTPEncoding.pathSegment(repo))"
    }

    private func makeRequest(_ method: HTTPMethod, url: String, body: Data?, headers extra: [(String, String)]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token.reveal())")
        request.headers.add(name: "Accept", value: "application/vnd.github+json")
        request.headers.add(name: "X-GitHub-Api-Version", value: "2022-11-28")
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    /// Sends a request until it gets an answer worth returning: any 2xx or 3xx (the caller decides
    /// what a `304` means). Everything else ends as a `GitHubError`.
    ///
    /// - Parameter mutating: spaces the request after the previous mutating one; defaults to
    ///   "anything but GET" (a GraphQL query is a POST that changes nothing and passes `false`).
    private func perform(
        _ method: HTTPMethod, url: String, body: Data? = nil, headers: [(String, String)] = [], mutating: Bool? = nil
    ) async throws -> HTTPAnswer {
        let isMutating = mutating ?? (method != .GET && method != .HEAD)
        // Checked before sending: the HTTP client's error for a bad header value quotes the value,
        // and this value is the token.
        guard HeaderField.isValidValue(token.reveal()) else {
            throw GitHubError.unusableToken(reason: Self.unusableTokenReason)
        }
        let request = makeRequest(method, url: url, body: body, headers: headers)
        let clock = ContinuousClock()
        var failedAttempts = 0
        var rateLimitWaits = 0
        while true {
            if isMutating {
                let slot = await state.reserveWriteSlot(spacing: writeSpacing, now: clock.now)
                try await clock.sleep(until: slot, tolerance: nil)
            }

            let answer: HTTPAnswer
            do {
                answer = try await exchange.send(request)
            } catch let failure as HTTPTransportFailure {
                failedAttempts += 1
                guard failure.retriable, failedAttempts < retryPolicy.maxAttempts else {
                    throw GitHubError.transport(url: url, message: Self.afterAttempts(failure.message, failedAttempts))
                }
                try await backOff(after: failedAttempts, method: method, url: url, reason: failure.message)
                continue
            }

            if let snapshot = Self.rateLimitSnapshot(answer.headers) {
                await state.record(snapshot)
            }

            switch answer.status {
            case 200..<400:
                return answer
            case 401:
                throw GitHubError.unauthorized(url: url, message: Self.message(of: answer))
            case 403, 429:
                guard let limit = Self.rateLimitWait(answer) else {
                    throw GitHubError.http(status: answer.status, url: url, message: Self.message(of: answer))
                }
                guard case let .after(wait, retryAt) = limit else {
                    throw GitHubError.rateLimited(url: url, retryAt: nil)
                }
                guard wait <= retryPolicy.maxRateLimitWait, rateLimitWaits < retryPolicy.maxAttempts else {
                    throw GitHubError.rateLimited(url: url, retryAt: retryAt)
                }
                rateLimitWaits += 1
                logger.notice(
                    "GitHub rate limit spent; waiting \(wait) before retrying",
                    metadata: ["method": "\(method.rawValue)", "url": "\(url)", "status": "\(answer.status)"])
                try await Task.sleep(for: wait)
            case 500..<600:
                failedAttempts += 1
                guard failedAttempts < retryPolicy.maxAttempts else {
                    throw GitHubError.http(
                        status: answer.status, url: url, message: Self.afterAttempts(Self.message(of: answer), failedAttempts))
                }
                try await backOff(after: failedAttempts, method: method, url: url, reason: "status \(answer.status)")
            default:
                throw GitHubError.http(status: answer.status, url: url, message: Self.message(of: answer))
            }
        }
    }

    static let unusableTokenReason = "it contains a line break or another control character"

    private func backOff(after attempt: Int, method: HTTPMethod, url: String, reason: String) async throws {
        let delay = retryPolicy.backoff(afterAttempt: attempt)
        logger.debug(
            "retrying \(method.rawValue) \(url) in \(delay) after attempt \(attempt): \(reason)",
            metadata: ["method": "\(method.rawValue)", "url": "\(url)"])
        try await Task.sleep(for: delay)
    }

    private static func afterAttempts(_ message: String, _ attempts: Int) -> String {
        attempts > 1 ? "\(message) (after \(attempts) attempts)" : message
    }

    /// Only `200`/`201` carry the JSON the callers decode; another 2xx/3xx is unexpected here.
    private func requireOK(_ answer: HTTPAnswer, url: String) throws {
        guard answer.status == 200 || answer.status == 201 else {
            throw GitHubError.http(status: answer.status, url: url, message: Self.message(of: answer))
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, from answer: HTTPAnswer, url: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: answer.body)
        } catch {
            throw GitHubError.malformed(url: url, message: Self.describe(error, body: answer.body))
        }
    }

    // MARK: Answer interpretation

    /// GitHub's own `message`, else the body when it is short text, else the status's reason phrase.
    static func message(of answer: HTTPAnswer) -> String {
        if let payload = try? JSONDecoder().decode(GitHubErrorPayload.self, from: answer.body) {
            return payload.message
        }
        let text = String(decoding: answer.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty, !text.contains("<") { return text }
        return HTTPResponseStatus(statusCode: answer.status).reasonPhrase
    }

    static func describe(_ error: Error, body: Data) -> String {
        let snippet = String(decoding: body.prefix(80), as: UTF8.self)
        switch error {
        case DecodingError.dataCorrupted(let context):
            return "not JSON (\(context.debugDescription)): \(snippet)"
        case DecodingError.keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\" at \(path(context.codingPath))"
        case DecodingError.typeMismatch(let type, let context):
            return "expected \(type) at \(path(context.codingPath))"
        case DecodingError.valueNotFound(let type, let context):
            return "null where \(type) was expected at \(path(context.codingPath))"
        default:
            return "\(error)"
        }
    }

    private static func path(_ codingPath: [CodingKey]) -> String {
        codingPath.isEmpty ? "the top level" : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    static func rateLimitSnapshot(_ headers: HTTPHeaders) -> RateLimitSnapshot? {
        guard let limit = headers.first(name: "x-ratelimit-limit").flatMap({ Int($0) }),
            let remaining = headers.first(name: "x-ratelimit-remaining").flatMap({ Int($0) })
        else { return nil }
        // A reset no clock can reach is shown as unknown rather than carried around as a `Date`
        // that formatting or arithmetic would choke on.
        let reset = headers.first(name: "x-ratelimit-reset").flatMap { Double($0) }
            .flatMap { abs($0) <= RateLimitWait.latestKnownEpochSeconds ? Date(timeIntervalSince1970: $0) : nil }
        return RateLimitSnapshot(limit: limit, remaining: remaining, reset: reset)
    }

    /// How long GitHub asks us to wait when `answer` says a rate limit is spent, or nil when it is
    /// a plain `403` (no permission) rather than a limit.
    ///
    /// Signals, in GitHub's order of precedence: `retry-after` seconds or HTTP date (secondary
    /// limits, `429`); `x-ratelimit-remaining: 0` with `x-ratelimit-reset`, measured against the
    /// server's `Date` so that a skewed local clock neither stretches nor cuts the wait; a bare
    /// `429`, for which GitHub's guidance is to wait a minute.
    ///
    /// The numbers come from the server, so any of them may be nonsense: a time that is not finite,
    /// a negative `retry-after`, or a wait beyond `RateLimitWait.longestKnown` answers `.unknown`
    /// (limited until a time we cannot name) instead of a `Duration` that would overflow. A reset
    /// already in the past is a wait of zero: the limit has reset.
    static func rateLimitWait(_ answer: HTTPAnswer, now: Date = Date()) -> RateLimitWait? {
        let retryAfter = answer.header("retry-after")?.trimmingCharacters(in: .whitespaces)
        let remaining = answer.header("x-ratelimit-remaining").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let reset = answer.header("x-ratelimit-reset").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard answer.status == 429 || retryAfter != nil || remaining == 0 else { return nil }

        if let retryAfter {
            if let seconds = Double(retryAfter) {
                guard seconds >= 0 else { return .unknown }
                return RateLimitWait(seconds: seconds, now: now)
            }
            if let date = Timestamp.parseHTTPDate(retryAfter) {
                return RateLimitWait(seconds: max(0, date.timeIntervalSince(now)), now: now)
            }
        }
        if let reset {
            guard reset.isFinite else { return .unknown }
            let serverNow = answer.header("date").flatMap(Timestamp.parseHTTPDate) ?? now
            return RateLimitWait(seconds: max(0, reset - serverNow.timeIntervalSince1970), now: now)
        }
        return RateLimitWait(seconds: 60, now: now)
    }

    /// Same scheme, host and port.
    static func sameOrigin(_ a: String, _ b: String) -> Bool {
        guard let x = URLComponents(string: a), let y = URLComponents(string: b) else { return false }
        func port(_ c: URLComponents) -> Int? { c.port ?? (c.scheme?.lowercased() == "https" ? 443 : c.scheme?.lowercased() == "http" ? 80 : nil) }
        return x.scheme?.lowercased() == y.scheme?.lowercased() && x.host?.lowercased() == y.host?.lowercased() && port(x) == port(y)
    }
}

/// What belongs to one token rather than one repository: the write slot (GitHub's secondary
/// limits count a token's writes across repositories) and the rate-limit snapshot. Behind an
/// actor so that concurrent requests see one of each; clients for several repositories that use
/// the same token share one.
public actor GitHubTokenState {
    private var lastWriteSlot: ContinuousClock.Instant?
    private(set) var rateLimit: RateLimitSnapshot?

    public init() {}

    /// Reserves the start time for the next mutating request: now, or `spacing` after the previous
    /// reservation, whichever is later. Reserving (not sleeping) inside the actor keeps concurrent
    /// writers in line without holding the actor while they wait.
    func reserveWriteSlot(spacing: Duration, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        var slot = now
        if let last = lastWriteSlot, last + spacing > slot { slot = last + spacing }
        lastWriteSlot = slot
        return slot
    }

    func record(_ snapshot: RateLimitSnapshot) {
        rateLimit = snapshot
    }
}
