import Coordinator
import Foundation

/// The read side of the operator API: repositories and issues from the cache and the history, put
/// into the documents (`OperatorAPIDocuments`) through the core's own rules — eligibility and
/// dispatch order from `WorkflowRules`, the history's words from `HistoryEntry`. No network; the
/// cache is read without the lock (`RepoService.readCache`).
struct OperatorReads: Sendable {
    let repositories: any ServedRepositories

    /// `GET /api/repos`.
    func repos() async throws -> RepoListDocument {
        var documents: [RepoDocument] = []
        for served in repositories.servedRepositories() {
            let service = served.service
            let cached = try await cache(of: service)
            let open = cached.cache.issues.values.filter { $0.state == .open }
            let busyLabels = service.rules.busyLabels
            documents.append(RepoDocument(
                name: service.repo.name, fullName: service.repo.repo.fullName, openIssues: open.count,
                eligible: service.rules.eligible(open).count,
                busy: open.count(where: { $0.labels.contains(where: busyLabels.contains) }),
                conflicts: service.rules.conflicts(open).count,
                stuck: served.busySurvey.map { $0.count(where: \.isStuck) },
                unfinishedDispatches: service.history.current().unfinished.count,
                queuedEvents: served.queuedEvents,
                lastPoll: served.lastPoll.map(Timestamp.format),
                lastChecked: cached.cache.lastChecked.map(Timestamp.format),
                lastFullRefresh: cached.cache.lastFullRefresh.map(Timestamp.format),
                lastError: served.lastError, cacheNotice: cached.notice))
        }
        return RepoListDocument(repos: documents)
    }

    /// `GET /api/repos/{name}/issues?view=`.
    func issues(repo name: String, view: IssueListView) async throws -> IssueListDocument {
        let service = try self.service(named: name)
        let issues = Array(try await cache(of: service).cache.issues.values)
        let rules = service.rules
        let listed: [Issue]
        switch view {
        case .eligible:
            listed = rules.eligible(issues).map(\.issue)
        case .busy:
            let busyLabels = rules.busyLabels
            listed = issues.filter { $0.state == .open && $0.labels.contains(where: busyLabels.contains) }.sorted { $0.number < $1.number }
        case .all:
            listed = issues.sorted { $0.number < $1.number }
        }
        let projection = service.history.current()
        return IssueListDocument(repo: service.repo.name, view: view, issues: listed.map { row($0, service: service, projection: projection) })
    }

    /// `GET /api/repos/{name}/issues/{number}`.
    func issue(repo name: String, number: Int) async throws -> IssueDetailDocument {
        let service = try self.service(named: name)
        guard let issue = try await cache(of: service).cache.issues[number] else {
            throw APIError.notFound("issue #\(number) is not in the cache of \(service.repo.name)")
        }
        let projection = service.history.current()
        let trail = projection.dispatches.values.filter { $0.issue == number }.sorted { $0.sequence > $1.sequence }
        return IssueDetailDocument(
            repo: service.repo.name, issue: row(issue, service: service, projection: projection),
            history: trail.map { DispatchDocument(HistoryEntry(repo: service.repo.name, $0)) })
    }

    /// `POST /api/repos/{name}/refresh`: every open issue as GitHub lists it now, as rows; the
    /// cache is not written (what the console's `r` does).
    func live(repo name: String) async throws -> IssueListDocument {
        let service = try self.service(named: name)
        let issues: [Issue]
        do {
            issues = try await service.fetchLive()
        } catch {
            throw APIError(status: .badGateway, code: "github_unavailable", message: "GitHub could not be read for \(service.repo.name): \(error)")
        }
        let projection = service.history.current()
        return IssueListDocument(repo: service.repo.name, view: .all, issues: issues.map { row($0, service: service, projection: projection) })
    }

    private func row(_ issue: Issue, service: RepoService, projection: HistoryProjection) -> IssueDocument {
        let rules = service.rules
        let eligibility = rules.classify(issue)
        let busyLabel = issue.state == .open ? issue.labels.first(where: rules.busyLabels.contains) : nil
        let workflow = eligibility.route?.workflow ?? busyLabel.flatMap(rules.mapping.route(forBusy:))?.workflow
        return IssueDocument(
            number: issue.number, title: issue.title, state: issue.state.rawValue, labels: issue.labels, url: issue.url,
            workflow: workflow?.rawValue, eligible: eligibility.route != nil, eligibility: eligibility.description,
            busyLabel: busyLabel,
            lastDispatch: projection.last(issue: issue.number).map { DispatchDocument(HistoryEntry(repo: service.repo.name, $0)) })
    }

    private func service(named name: String) throws -> RepoService {
        guard let served = repositories.servedRepositories().first(where: { $0.service.repo.name == name }) else {
            throw Self.noRepository(name, among: repositories)
        }
        return served.service
    }

    /// The `404` for a repository name from a URL that is not configured.
    static func noRepository(_ name: String, among repositories: any ServedRepositories) -> APIError {
        let known = repositories.servedRepositories().map(\.service.repo.name)
        // A name from the URL is echoed only when it is a plain word.
        let shown = LoggableHeader.isWellFormed(name) ? "'\(name)'" : "of that name"
        return APIError.notFound("no repository \(shown); configured: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
    }

    private func cache(of service: RepoService) async throws -> RepoService.CachedState {
        do {
            return try await service.readCache()
        } catch {
            throw APIError.internalError("the cache of \(service.repo.name) could not be read: \(error)")
        }
    }

    /// An issue number from a URL: 1 to 18 ASCII digits, more than zero. Never traps.
    static func issueNumber(_ text: String) -> Int? {
        guard (1...18).contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let number = Int(text), number > 0
        else { return nil }
        return number
    }
}
