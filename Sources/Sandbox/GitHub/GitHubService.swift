import Foundation

/// The simulated GitHub: REST v3 (github.com and Enterprise `/api/v3` shapes) and the GraphQL
/// linked-branches query, with tokens, hourly quotas and conditional requests.
///
/// Plain value type: the owning actor serialises access, so every handler here is synchronous.
struct GitHubService: Sendable {
    var repositories: [String: GitHubRepository] = [:]
    var tokens: [String: Scenario.Token] = [:]
    /// GitHub Apps: their JWT endpoints and the installation tokens they bought.
    var apps: GitHubAppHost
    var rateLimits = RateLimitBook()
    var nextLabelID = 9_000_001
    var nextEventID = GitHubService.firstEventID
    /// The latest `updated_at` handed out by an edit; later edits never go below it.
    var lastEdit = Date(timeIntervalSince1970: 0)
    /// Issue changes not yet handed to the webhook sender; the world takes them after each call.
    var changes: [IssueChange] = []
    /// The webhook sender, whose hooks `/repos/{owner}/{repo}/hooks` lists and edits (nil: none).
    var webhooks: WebhookDispatcher?

    init(scenario: Scenario.GitHub, webhooks: WebhookDispatcher? = nil) {
        apps = GitHubAppHost(apps: scenario.apps)
        self.webhooks = webhooks
        for token in scenario.tokens { tokens[token.token] = token }
        for (index, repo) in scenario.repositories.enumerated() {
            let id = 700_000 + index + 1
            var labels: [LabelDefinition] = []
            for label in scenario.labels + repo.labels where !labels.contains(where: { $0.name == label.name }) {
                labels.append(LabelDefinition(id: nextLabelID, name: label.name, color: label.color, description: label.description))
                nextLabelID += 1
            }
            var state = GitHubRepository(
                id: id, owner: repo.owner, name: repo.name, defaultBranch: repo.defaultBranch, htmlHost: repo.htmlHost,
                description: repo.description, createdAt: Date(timeIntervalSince1970: 1_700_000_000), labels: labels, issues: [:]
            )
            for issue in repo.issues {
                let created = Timestamp.parse(issue.createdAt) ?? Date(timeIntervalSince1970: 0)
                let updated = issue.updatedAt.flatMap(Timestamp.parse) ?? created
                let closed = issue.state == "closed" ? (issue.closedAt.flatMap(Timestamp.parse) ?? updated) : nil
                let labelNames = issue.labels.map { state.resolveLabel($0, nextID: &nextLabelID).name }
                let live = SandboxIssue(
                    owner: repo.owner, repo: repo.name, number: issue.number, title: issue.title, body: issue.body,
                    state: issue.state, labels: labelNames, assignees: issue.assignees, user: issue.user,
                    createdAt: created, updatedAt: updated, closedAt: closed, isPullRequest: issue.pullRequest,
                    linkedBranches: issue.linkedBranches, locked: issue.locked, comments: issue.comments
                )
                state.issues[issue.number] = live
                state.events[issue.number] = scenarioHistory(of: issue, as: live, in: &state)
                state.createdAt = min(state.createdAt, created)
            }
            repositories[state.key] = state
        }
    }

    /// Who a token acts as: its account's login, or an App's bot for an installation token.
    func login(of token: String, now: Date) -> String? {
        if let account = tokens[token] { return account.login }
        if case let .installation(_, _, login) = apps.use(of: token, now: now) { return login }
        return nil
    }

    func repository(owner: String, name: String) -> GitHubRepository? {
        repositories[GitHubRepository.key(owner: owner, name: name)]
    }

    // MARK: Request entry point

    mutating func handle(_ request: IncomingRequest, now: Date) -> OutgoingResponse {
        var segments = request.pathSegments
        var apiBase = request.origin
        if segments.starts(with: ["api", "v3"]) {
            segments.removeFirst(2)
            apiBase += "/api/v3"
        }
        let isGraphQL = segments == ["graphql"] || segments == ["api", "graphql"]

        let bearer = Self.bearerToken(request.header("authorization"))
        if !isGraphQL, GitHubAppHost.isAppRoute(segments) {
            return Self.decorate(apps.handle(
                request, segments: segments, jwt: bearer, representation: GitHubRepresentation(apiBase: apiBase), now: now))
        }
        // An installation token: the App's bot, on its installation's repositories only, with the
        // installation's rate limit (every token it buys shares it, as on GitHub).
        var installationScope: Set<String>?
        var rateKey = bearer ?? ""
        var installationAccount: Scenario.Token?
        if let bearer, tokens[bearer] == nil {
            switch apps.use(of: bearer, now: now) {
            case .unknown, .refused:
                break
            case let .installation(id, repositories, login):
                installationScope = repositories
                rateKey = "installation:\(id)"
                installationAccount = Scenario.Token(token: bearer, login: login, scopes: [], fineGrained: true)
            }
        }
        guard let token = bearer, let account = tokens[token] ?? installationAccount else {
            var response = GitHubError.response(401, "Bad credentials")
            response.setHeader("www-authenticate", "Bearer realm=\"GitHub\"")
            return Self.decorate(response)
        }
        if let installationScope {
            if segments == ["user"] {
                return Self.decorate(GitHubError.response(403, "Resource not accessible by integration"))
            }
            // Another repository is invisible to the installation: GitHub answers 404, not 403.
            if segments.count >= 3, segments[0] == "repos", !installationScope.contains("\(segments[1])/\(segments[2])".lowercased()) {
                return Self.decorate(GitHubError.notFound())
            }
        }
        let resource = isGraphQL ? "graphql" : "core"
        let before = rateLimits.status(token: rateKey, resource: resource, limit: account.hourlyQuota, now: now)
        // GitHub's own rate-limit endpoint is free, so a client can always ask when to retry.
        let free = request.method == "GET" && segments == ["rate_limit"]
        if before.remaining == 0, !free {
            var response = GitHubError.response(403, "API rate limit exceeded for user ID \(GitHubRepresentation.userID(account.login)).")
            response.headers += before.headers
            return Self.decorate(response)
        }

        let representation = GitHubRepresentation(apiBase: apiBase)
        var response: OutgoingResponse
        if isGraphQL {
            response = request.method == "POST"
                ? graphQL(request, representation: representation)
                : GitHubError.notFound()
        } else if free {
            response = .json(200, .object([
                ("resources", .object([("core", rateLimitJSON(before))])), ("rate", rateLimitJSON(before)),
            ]))
        } else {
            response = rest(request, segments: segments, account: account, representation: representation, now: now)
        }

        if request.method == "GET", response.status == 200 {
            let tag = EntityTag.weak(for: response.body)
            response.setHeader("ETag", tag)
            if let ifNoneMatch = request.header("if-none-match"), EntityTag.ifNoneMatch(ifNoneMatch, matches: tag) {
                // A revalidated 304 is free on GitHub; that is the point of sending ETags.
                response = OutgoingResponse(status: 304, headers: [("ETag", tag)] + before.headers + Self.scopeHeaders(account))
                return Self.decorate(response)
            }
        }
        if !free { rateLimits.charge(token: rateKey, resource: resource, now: now) }
        response.headers += rateLimits.status(token: rateKey, resource: resource, limit: account.hourlyQuota, now: now).headers
        response.headers += Self.scopeHeaders(account)
        return Self.decorate(response)
    }

    /// GitHub names a classic token's scopes on every authenticated answer, and sends nothing of
    /// the kind for a fine-grained token.
    static func scopeHeaders(_ account: Scenario.Token) -> [(String, String)] {
        account.fineGrained ? [] : [("X-OAuth-Scopes", account.scopes.joined(separator: ", "))]
    }

    private static func decorate(_ response: OutgoingResponse) -> OutgoingResponse {
        var response = response
        response.headers += [
            ("x-github-api-version-selected", "2022-11-28"),
            ("x-github-media-type", "github.v3; format=json"),
            ("vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
        ]
        return response
    }

    private func rateLimitJSON(_ status: RateLimitBook.Status) -> JSONValue {
        .object([
            ("limit", .int(status.limit)), ("used", .int(status.used)), ("remaining", .int(status.remaining)),
            ("reset", .int(Int(status.reset.timeIntervalSince1970.rounded(.up)))),
        ])
    }

    /// Accepts `Bearer TOKEN` and the older `token TOKEN`, scheme case-insensitive as GitHub does.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    // MARK: REST routes

    private mutating func rest(
        _ request: IncomingRequest, segments: [String], account: Scenario.Token,
        representation: GitHubRepresentation, now: Date
    ) -> OutgoingResponse {
        let method = request.method
        if segments == ["user"], method == "GET" {
            return .json(200, representation.user(account.login))
        }
        guard segments.count >= 3, segments[0] == "repos", var repo = repository(owner: segments[1], name: segments[2]) else {
            return GitHubError.notFound()
        }
        let rest = Array(segments.dropFirst(3))
        if rest.first == "hooks" {
            return hooks(request, segments: Array(rest.dropFirst()), repo: repo, account: account, representation: representation, now: now)
        }
        switch (method, rest.count) {
        case ("GET", 0):
            return .json(200, representation.repository(repo))
        case ("GET", 3) where rest[0] == "issues" && rest[1] == "events":
            return event(rest[2], in: repo, representation: representation)
        case ("GET", 1) where rest[0] == "labels":
            // Paged like every GitHub listing: `per_page` (30, at most 100), `page`, a `Link` header.
            let paging = IssueListing.paging(request)
            var response = OutgoingResponse.json(200, .array(paging.page(of: repo.labels).map { representation.label($0, name: $0.name, repo: repo) }))
            if let link = paging.linkHeader(total: repo.labels.count, request: request) { response.headers.append(("Link", link)) }
            return response
        case ("GET", 1) where rest[0] == "issues":
            switch IssueListing.parse(request) {
            case .failure(let error):
                return error.response
            case .success(let listing):
                let all = listing.select(from: repo.issues.values)
                let items = listing.page(of: all).map { representation.issue($0, in: repo) }
                var response = OutgoingResponse.json(200, .array(Array(items)))
                if let link = listing.linkHeader(total: all.count, request: request) {
                    response.headers.append(("Link", link))
                }
                return response
            }
        default:
            break
        }
        guard rest.count >= 2, rest[0] == "issues", let number = Int(rest[1]), let issue = repo.issues[number] else {
            return GitHubError.notFound()
        }
        let tail = Array(rest.dropFirst(2))
        switch (method, tail) {
        case ("GET", []):
            return .json(200, representation.issue(issue, in: repo))
        case ("GET", ["labels"]):
            return .json(200, representation.labels(issue.labels, in: repo))
        case ("GET", ["events"]):
            return listEvents(of: number, in: repo, request: request, representation: representation)
        case ("POST", ["labels"]), ("PUT", ["labels"]):
            guard let body = JSONValue.parse(request.body) else {
                return GitHubError.response(400, "Problems parsing JSON")
            }
            guard let names = Self.labelNames(in: body) else {
                return GitHubError.validationFailed(resource: "Label", field: "labels")
            }
            let labels = method == "POST" ? issue.labels + names : names
            let updated = setLabels(labels, on: number, in: &repo, now: now)
            repositories[repo.key] = repo
            return .json(200, representation.labels(updated.labels, in: repo))
        case ("DELETE", ["labels"]):
            _ = setLabels([], on: number, in: &repo, now: now)
            repositories[repo.key] = repo
            return OutgoingResponse(status: 204)
        case ("DELETE", let path) where path.count == 2 && path[0] == "labels":
            // pathSegments are already percent-decoded: `status-02%3Aawaiting-planning` arrives here
            // as `status-02:awaiting-planning`.
            let name = path[1]
            guard let present = issue.labels.first(where: { $0.lowercased() == name.lowercased() }) else {
                return GitHubError.response(404, "Label does not exist")
            }
            let updated = setLabels(issue.labels.filter { $0 != present }, on: number, in: &repo, now: now)
            repositories[repo.key] = repo
            return .json(200, representation.labels(updated.labels, in: repo))
        default:
            return GitHubError.notFound()
        }
    }

    /// `{"labels":["a"]}`, a bare `["a"]`, or label objects `[{"name":"a"}]` — all accepted by GitHub.
    static func labelNames(in body: JSONValue) -> [String]? {
        let list: [JSONValue]
        if let array = body.arrayValue {
            list = array
        } else if let array = body["labels"]?.arrayValue {
            list = array
        } else {
            return nil
        }
        var names: [String] = []
        for item in list {
            guard let name = item.stringValue ?? item["name"]?.stringValue,
                  !name.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            names.append(name)
        }
        return names
    }

    // MARK: GraphQL

    private func graphQL(_ request: IncomingRequest, representation: GitHubRepresentation) -> OutgoingResponse {
        guard let body = JSONValue.parse(request.body), let query = body["query"]?.stringValue else {
            return GitHubError.response(400, "Problems parsing JSON")
        }
        switch IssuesQuery.parse(query: query, variables: body["variables"]) {
        case .failure(let failure):
            return Self.graphQLErrors([failure], data: nil)
        case .success(let q):
            guard let repo = repository(owner: q.owner, name: q.name) else {
                return Self.graphQLErrors(
                    [GraphQLFailure("Could not resolve to a Repository with the name '\(q.owner)/\(q.name)'.", type: "NOT_FOUND", path: [q.repositoryKey])],
                    data: .object([(q.repositoryKey, .null)])
                )
            }
            // Each issue field is answered under its own key; one that does not resolve is `null`
            // there plus a NOT_FOUND error naming that key, and the others are answered all the same.
            var fields: [(String, JSONValue)] = []
            var failures: [GraphQLFailure] = []
            for field in q.issues {
                // `issue(number:)` does not resolve pull requests on GitHub either.
                guard let issue = repo.issues[field.number], !issue.isPullRequest else {
                    failures.append(GraphQLFailure(
                        "Could not resolve to an Issue with the number of \(field.number).", type: "NOT_FOUND",
                        path: [q.repositoryKey, field.key]))
                    fields.append((field.key, .null))
                    continue
                }
                switch field.connection {
                case let .linkedBranches(first, names):
                    let connection: [(String, JSONValue)] = names.map { name in
                        name == "totalCount"
                            ? (name, .int(issue.linkedBranches.count))
                            : (name, .array(issue.linkedBranches.prefix(first).map { .object([("ref", .object([("name", .string($0))]))]) }))
                    }
                    fields.append((field.key, .object([("linkedBranches", .object(connection))])))
                case let .labeledEvents(page):
                    let events = (repo.events[field.number] ?? []).filter { $0.kind == .labeled }
                    fields.append((field.key, .object([("timelineItems", Self.labeledEvents(events, page: page))])))
                }
            }
            let data = JSONValue.object([(q.repositoryKey, .object(fields))])
            return failures.isEmpty ? .json(200, .object([("data", data)])) : Self.graphQLErrors(failures, data: data)
        }
    }

    /// A page of `labeled` events (oldest first, as the REST events list them) in GitHub's
    /// `timelineItems` shape: `last: N` is the newest N, still oldest first within the page.
    private static func labeledEvents(_ events: [SandboxIssueEvent], page: IssuesQuery.LabeledEvents) -> JSONValue {
        let shown = page.fromEnd ? Array(events.suffix(page.count)) : Array(events.prefix(page.count))
        let more = events.count > shown.count
        return .object(page.fields.map { field in
            switch field {
            case .totalCount:
                return ("totalCount", .int(events.count))
            case .pageInfo(let names):
                return ("pageInfo", .object(names.map { name in
                    (name, .bool(name == "hasPreviousPage" ? page.fromEnd && more : !page.fromEnd && more))
                }))
            case .nodes(let names):
                return ("nodes", .array(shown.map { event in
                    .object(names.map { name in
                        switch name {
                        case "createdAt": (name, .string(Timestamp.format(event.createdAt)))
                        case "label": (name, event.label.map { .object([("name", .string($0.name))]) } ?? .null)
                        default: (name, .string("LabeledEvent"))
                        }
                    })
                }))
            }
        })
    }

    private static func graphQLErrors(_ failures: [GraphQLFailure], data: JSONValue?) -> OutgoingResponse {
        let errors: [JSONValue] = failures.map { failure in
            var fields: [(String, JSONValue)] = []
            if let type = failure.type { fields.append(("type", .string(type))) }
            if !failure.path.isEmpty { fields.append(("path", .array(failure.path.map(JSONValue.string)))) }
            fields.append(("locations", .array([.object([("line", .int(1)), ("column", .int(1))])])))
            fields.append(("message", .string(failure.message)))
            return .object(fields)
        }
        var document: [(String, JSONValue)] = []
        if let data { document.append(("data", data)) }
        document.append(("errors", .array(errors)))
        return .json(200, .object(document))
    }
}
