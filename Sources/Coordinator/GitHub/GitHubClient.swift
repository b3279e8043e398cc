import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// GitHub's REST and GraphQL endpoints for one repository: lists and reads issues, moves labels
/// and finds linked branches.
///
/// How requests travel is `GitHubConnection`'s business (over the shared `HTTPTransport`):
/// requests carry the token only in the `Authorization` header; URLs, errors and log lines never
/// contain it. Server errors and transport failures are retried per `RetryPolicy`; a spent rate
/// limit is waited out when the wait is short and reported as `GitHubError.rateLimited` otherwise.
/// Mutating requests are spaced `writeSpacing` apart, as GitHub asks of integrations to stay clear
/// of its secondary rate limits.
///
/// The `HTTPClient` is shared and owned by the caller (see `HTTPClientFactory.makeHTTPClient`).
public final class GitHubClient: IssueSource, LabelWriter, BranchResolver, IssueEventReader, Sendable {
    let connection: GitHubConnection
    let apiBase: String
    private let graphQLURL: String
    let owner: String
    let repo: String
    private let auth: any GitHubAuth
    private let target: GitHubTarget
    private let listingBound: ListingBound

    /// Why a token cannot be sent; never quotes the token.
    static let unusableTokenReason = "it contains a line break or another control character"

    /// - Parameters:
    ///   - http: the shared client; the caller shuts it down.
    ///   - apiBase: `https://api.github.com`, `https://HOST/api/v3`, or a sandbox URL
    ///     (`RepoURL.apiBase(override:)`).
    ///   - graphQLURL: the GraphQL endpoint (`RepoURL.graphQLURL(override:)`).
    ///   - writeSpacing: least time between the starts of two mutating requests (POST, PUT, PATCH,
    ///     DELETE) sent with the same `tokenState`.
    ///   - requestTimeout: deadline for one attempt, answer body included.
    ///   - tokenState: shared by every client that uses the same token.
    ///   - listingBound: how far a paginated read goes before it fails (`ListingBound.standard`:
    ///     1 000 pages or 100 000 issues).
    public convenience init(
        http: HTTPClient, apiBase: String, graphQLURL: String, owner: String, repo: String, token: Secret,
        writeSpacing: Duration = .seconds(1), requestTimeout: Duration = .seconds(30),
        retryPolicy: RetryPolicy = .default, tokenState: GitHubTokenState = GitHubTokenState(),
        listingBound: ListingBound = .standard, logger: Logger
    ) {
        self.init(
            http: http, apiBase: apiBase, graphQLURL: graphQLURL, owner: owner, repo: repo,
            auth: GitHubTokenAuth(token: token, state: tokenState), writeSpacing: writeSpacing,
            requestTimeout: requestTimeout, retryPolicy: retryPolicy, listingBound: listingBound, logger: logger)
    }

    /// - Parameter auth: who the requests speak as — a token (`GitHubTokenAuth`) or a GitHub App
    ///   (`GitHubAppAuth`); shared by every client of the configured repositories.
    public init(
        http: HTTPClient, apiBase: String, graphQLURL: String, owner: String, repo: String, auth: any GitHubAuth,
        writeSpacing: Duration = .seconds(1), requestTimeout: Duration = .seconds(30),
        retryPolicy: RetryPolicy = .default, listingBound: ListingBound = .standard, logger: Logger
    ) {
        let apiBase = apiBase.trimmingTrailingSlashes()
        let target = GitHubTarget(apiBase: apiBase, owner: owner, repo: repo)
        self.connection = GitHubConnection(
            http: http, auth: auth, target: target, writeSpacing: writeSpacing, requestTimeout: requestTimeout,
            retryPolicy: retryPolicy, logger: logger)
        self.listingBound = listingBound
        self.auth = auth
        self.target = target
        self.apiBase = apiBase
        self.graphQLURL = graphQLURL
        self.owner = owner
        self.repo = repo
    }

    /// The rate-limit headers of the most recent answer that carried them, or nil before the first
    /// (for an App: the installation of this repository).
    public func rateLimit() async -> RateLimitSnapshot? {
        await auth.knownState(for: target)?.rateLimit
    }

    // MARK: IssueSource

    /// Lists the repository's issues, pull requests dropped, following `Link: rel="next"` to the
    /// last page. A `Link` that leads back to a page already read, or on past `listingBound`
    /// (pages or issues, whichever comes first), fails the listing with `GitHubError.malformed`
    /// naming the repository and the bound: a broken server must not keep a refresh going forever.
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
        var walk = PageWalk(bound: listingBound, what: "the issue listing of \(owner)/\(repo)", items: "issues")
        var nextURL: String? = firstURL
        while let url = nextURL {
            try walk.admit(url)
            let answer = try await connection.send(.GET, url: url, headers: pages == 0 ? conditional : [])
            if pages == 0 {
                serverDate = answer.header("date").flatMap(Timestamp.parseHTTPDate)
                if answer.status == 304, let validator, !conditional.isEmpty {
                    return IssueListing(issues: [], serverDate: serverDate, notModified: true, validator: validator)
                }
                firstETag = answer.header("etag")
            }
            let payloads = try connection.decode([GitHubIssuePayload].self, from: answer, url: url)
            try walk.count(payloads.count, url: url)
            issues += payloads.filter { !$0.isPullRequest }.map(\.issue)
            pages += 1
            nextURL = try nextPage(of: answer, url: url)
        }

        let newValidator = (pages == 1 ? firstETag : nil).map { ListValidator(url: firstURL, etag: $0) }
        return IssueListing(issues: issues, serverDate: serverDate, notModified: false, validator: newValidator)
    }

    /// Reads one issue (a pull request number answers too, as the pull request's issue view).
    public func issue(number: Int) async throws -> Issue {
        try await connection.json(GitHubIssuePayload.self, .GET, url: "\(repoPath)/issues/\(number)").issue
    }

    /// The page after `answer`, from its `Link` header. The token goes wherever the next page is:
    /// only links to the API we were given are followed.
    private func nextPage(of answer: HTTPAnswer, url: String) throws -> String? {
        try answer.header("link").flatMap(LinkHeader.next).map { next in
            guard Self.sameOrigin(next, apiBase) else {
                throw GitHubError.malformed(url: url, message: "the next page is on another server: \(next)")
            }
            return next
        }
    }

    /// The pages of one paginated read: none twice, and not more than `bound` allows.
    private struct PageWalk {
        var bound: ListingBound
        /// What is read, for the error: `the issue listing of acme/demo`.
        var what: String
        /// What the items are called: `issues`, `events`.
        var items: String
        var visited: Set<String> = []
        var received = 0

        /// Before asking for the page at `url`.
        mutating func admit(_ url: String) throws {
            guard visited.insert(url).inserted else {
                throw GitHubError.malformed(url: url, message: "the Link header leads back to a page already read")
            }
            guard visited.count <= bound.pages else {
                throw tooLong("its Link header leads on past \(bound.pages) pages", url: url)
            }
        }

        /// After a page of `count` items from `url`.
        mutating func count(_ count: Int, url: String) throws {
            received += count
            guard received <= bound.items else {
                throw tooLong("it holds more than \(bound.items) \(items)", url: url)
            }
        }

        private func tooLong(_ reason: String, url: String) -> GitHubError {
            .malformed(url: url, message: "stopped \(what): \(reason); a read is bounded to \(bound.wording(items: items)), whichever comes first, and one that long is not believed")
        }
    }

    // MARK: IssueEventReader

    /// The `labeled` and `unlabeled` events of issue `number`, oldest first
    /// (`GET /repos/{o}/{r}/issues/{n}/events`, every page).
    public func labelEvents(issue number: Int) async throws -> [IssueLabelEvent] {
        var events: [IssueLabelEvent] = []
        var walk = PageWalk(bound: listingBound, what: "the events of \(owner)/\(repo)#\(number)", items: "events")
        var nextURL: String? = "\(repoPath)/issues/\(number)/events?per_page=100"
        while let url = nextURL {
            try walk.admit(url)
            let answer = try await connection.send(.GET, url: url, headers: [])
            let payloads = try connection.decode([GitHubIssueEventPayload?].self, from: answer, url: url)
            try walk.count(payloads.count, url: url)
            events += payloads.compactMap { $0?.labelEvent }
            nextURL = try nextPage(of: answer, url: url)
        }
        return events
    }

    /// When `labels[n]` last came on issue `n`, `LabeledEventsBatch.maxIssues` issues per GraphQL
    /// request, the requests one after another. Numbers below 1 are no issues and are not asked.
    /// An issue GitHub cannot answer for is `.unanswered`; any other error fails the call.
    public func lastLabeled(_ labels: [Int: String]) async throws -> [Int: LastLabeled] {
        let numbers = labels.keys.filter { $0 > 0 }.sorted()
        var answers: [Int: LastLabeled] = [:]
        for start in stride(from: 0, to: numbers.count, by: LabeledEventsBatch.maxIssues) {
            let batch = numbers[start..<min(start + LabeledEventsBatch.maxIssues, numbers.count)]
            let request = GraphQLIssueBatch.Request(
                query: LabeledEventsBatch.query(Array(batch)), variables: .init(owner: owner, name: repo))
            let response = try await connection.json(
                LabeledEventsBatch.Response.self, .POST, url: graphQLURL, body: try JSONEncoder().encode(request), mutating: false)
            let asked = Dictionary(uniqueKeysWithValues: batch.compactMap { number in labels[number].map { (number, $0) } })
            answers.merge(try LabeledEventsBatch.lastLabeled(in: response, labels: asked)) { _, new in new }
        }
        return answers
    }

    // MARK: LabelWriter

    /// Adds `labels` to issue `number`; returns every label the issue now has. Adding a label the
    /// issue already has is a no-op on GitHub, which is what makes retrying this POST safe.
    public func addLabels(_ labels: [String], toIssue number: Int) async throws -> [String] {
        let url = "\(repoPath)/issues/\(number)/labels"
        let body = try JSONEncoder().encode(GitHubLabelsRequest(labels: labels))
        return try await connection.json([GitHubLabelPayload].self, .POST, url: url, body: body).map(\.name)
    }

    /// Removes `label` from issue `number`; returns the remaining labels, or nil when GitHub
    /// answers `404` (the label was not on the issue, e.g. someone removed it already).
    public func removeLabel(_ label: String, fromIssue number: Int) async throws -> [String]? {
        let url = "\(repoPath)/issues/\(number)/labels/\(HTTPEncoding.pathSegment(label))"
        do {
            return try await connection.json([GitHubLabelPayload].self, .DELETE, url: url).map(\.name)
        } catch GitHubError.http(status: 404, url: _, message: _) {
            return nil
        }
    }

    // MARK: BranchResolver

    /// The names of the branches linked to issue `number` (GitHub's "Development" section), in
    /// GitHub's order. Links whose branch was deleted (`ref: null`) are left out. An issue GitHub
    /// does not resolve (an unknown number, a pull request) is `GitHubError.graphQL`.
    public func linkedBranches(issue number: Int) async throws -> [String] {
        guard let branches = try await linkedBranches(issues: [number])[number] else {
            throw GitHubError.graphQL(message: "Could not resolve to an Issue with the number of \(number) in \(owner)/\(repo)")
        }
        return branches
    }

    /// The linked branches of several issues, `LinkedBranchesBatch.maxIssues` per GraphQL request,
    /// the requests one after another. Duplicates are asked once; numbers below 1 are no issues and
    /// are not asked. An issue GitHub does not resolve is absent from the result; any other error
    /// fails the call.
    public func linkedBranches(issues numbers: [Int]) async throws -> [Int: [String]] {
        var seen: Set<Int> = []
        let unique = numbers.filter { $0 > 0 && seen.insert($0).inserted }
        var branches: [Int: [String]] = [:]
        for start in stride(from: 0, to: unique.count, by: LinkedBranchesBatch.maxIssues) {
            let batch = Array(unique[start..<min(start + LinkedBranchesBatch.maxIssues, unique.count)])
            let request = LinkedBranchesBatch.Request(
                query: LinkedBranchesBatch.query(batch), variables: .init(owner: owner, name: repo))
            let response = try await connection.json(
                LinkedBranchesBatch.Response.self, .POST, url: graphQLURL, body: try JSONEncoder().encode(request), mutating: false)
            branches.merge(try LinkedBranchesBatch.branches(in: response, numbers: batch)) { _, new in new }
        }
        return branches
    }

    // MARK: URLs

    var repoPath: String {
        "\(apiBase)/repos/\(HTTPEncoding.pathSegment(owner))/\(HTTPEncoding.pathSegment(repo))"
    }

    /// Same scheme, host and port.
    static func sameOrigin(_ a: String, _ b: String) -> Bool {
        guard let x = URLComponents(string: a), let y = URLComponents(string: b) else { return false }
        func port(_ c: URLComponents) -> Int? { c.port ?? (c.scheme?.lowercased() == "https" ? 443 : c.scheme?.lowercased() == "http" ? 80 : nil) }
        return x.scheme?.lowercased() == y.scheme?.lowercased() && x.host?.lowercased() == y.host?.lowercased() && port(x) == port(y)
    }
}
