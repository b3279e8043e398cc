import Foundation
import Logging
@testable import Coordinator

/// An in-memory GitHub for unit tests of pure-ish logic; HTTP behaviour is tested against the Sandbox.
actor FakeGitHub: IssueSource, LabelWriter, BranchResolver, IssueEventReader {
    var issues: [Int: Issue] = [:]
    /// Label history per issue, as GitHub's issue events list it.
    var events: [Int: [IssueLabelEvent]] = [:]
    var eventCalls = 0
    /// Batched busy-since lookups (`lastLabeled`), and the issues each asked about.
    var lastLabeledCalls: [[Int]] = []
    var failLastLabeled = false
    var branches: [Int: [String]] = [:]
    var listCalls: [(state: IssueStateFilter, since: Date?)] = []
    var failLists = false
    var failLabelWrites = false
    var serverDate: Date?
    var labelCalls = 0

    init(_ issues: [Issue] = []) {
        for issue in issues { self.issues[issue.number] = issue }
    }

    func set(_ issue: Issue) { issues[issue.number] = issue }
    func setFailLists(_ fail: Bool) { failLists = fail }
    func setFailLabelWrites(_ fail: Bool) { failLabelWrites = fail }
    func setBranches(_ number: Int, _ names: [String]) { branches[number] = names }
    func setServerDate(_ date: Date?) { serverDate = date }
    func setEvents(_ number: Int, _ list: [IssueLabelEvent]) { events[number] = list }

    nonisolated func labelEvents(issue number: Int) async throws -> [IssueLabelEvent] {
        try await eventsOf(number)
    }

    func setFailLastLabeled(_ fail: Bool) { failLastLabeled = fail }

    /// Like GitHub's GraphQL: the newest `LabeledEventsBatch.eventsPerIssue` label events per issue;
    /// an unknown issue, or a label older than those, is unanswered.
    nonisolated func lastLabeled(_ labels: [Int: String]) async throws -> [Int: LastLabeled] {
        try await lastLabeledOf(labels)
    }

    private func lastLabeledOf(_ labels: [Int: String]) throws -> [Int: LastLabeled] {
        lastLabeledCalls.append(labels.keys.sorted())
        if failLastLabeled { throw GitHubError.http(status: 502, url: "fake/graphql", message: "Bad Gateway") }
        var answers: [Int: LastLabeled] = [:]
        for (number, label) in labels {
            guard issues[number] != nil else { answers[number] = .unanswered; continue }
            let labeled = (events[number] ?? []).filter { $0.action == .labeled }
            let page = labeled.suffix(LabeledEventsBatch.eventsPerIssue)
            if let newest = page.last(where: { $0.label == label }) {
                answers[number] = .at(newest.at)
            } else {
                answers[number] = labeled.count > page.count ? .unanswered : .never
            }
        }
        return answers
    }

    private func eventsOf(_ number: Int) throws -> [IssueLabelEvent] {
        eventCalls += 1
        guard issues[number] != nil else { throw GitHubError.http(status: 404, url: "fake/\(number)/events", message: "Not Found") }
        return events[number] ?? []
    }

    nonisolated func listIssues(state: IssueStateFilter, since: Date?, validator: ListValidator?) async throws -> IssueListing {
        try await list(state: state, since: since)
    }

    private func list(state: IssueStateFilter, since: Date?) throws -> IssueListing {
        listCalls.append((state, since))
        if failLists { throw GitHubError.http(status: 500, url: "fake", message: "Server Error") }
        let selected = issues.values.filter { issue in
            (state == .all || issue.state.rawValue == state.rawValue)
                && (since == nil || (issue.updatedAt ?? .distantPast) >= since!)
        }
        return IssueListing(issues: selected.sorted { $0.number < $1.number }, serverDate: serverDate)
    }

    nonisolated func issue(number: Int) async throws -> Issue {
        try await get(number)
    }

    private func get(_ number: Int) throws -> Issue {
        guard let issue = issues[number] else { throw GitHubError.http(status: 404, url: "fake/\(number)", message: "Not Found") }
        return issue
    }

    nonisolated func addLabels(_ labels: [String], toIssue number: Int) async throws -> [String] {
        try await mutate(number) { issue in issue.labels += labels.filter { !$0.isEmpty && !issue.labels.contains($0) } }
    }

    nonisolated func removeLabel(_ label: String, fromIssue number: Int) async throws -> [String]? {
        guard try await self.get(number).labels.contains(label) else { return nil }
        return try await mutate(number) { $0.labels.removeAll { $0 == label } }
    }

    private func mutate(_ number: Int, _ change: (inout Issue) -> Void) throws -> [String] {
        labelCalls += 1
        if failLabelWrites { throw GitHubError.http(status: 500, url: "fake/labels", message: "Server Error") }
        guard var issue = issues[number] else { throw GitHubError.http(status: 404, url: "fake/\(number)", message: "Not Found") }
        change(&issue)
        issues[number] = issue
        return issue.labels
    }

    nonisolated func linkedBranches(issue number: Int) async throws -> [String] {
        await branches[number] ?? []
    }

    /// Like GitHub: a number the fake knows neither as an issue nor by its branches is absent.
    nonisolated func linkedBranches(issues numbers: [Int]) async throws -> [Int: [String]] {
        await knownBranches(numbers)
    }

    private func knownBranches(_ numbers: [Int]) -> [Int: [String]] {
        var found: [Int: [String]] = [:]
        for number in numbers where issues[number] != nil || branches[number] != nil {
            found[number] = branches[number] ?? []
        }
        return found
    }
}

/// An in-memory Jenkins that records every build request, and can lose its answers.
actor FakeJenkins: JobStarter {
    var started: [(path: String, parameters: [JobParameter])] = []
    /// When each entry of `started` was queued (on the fake's clock, which is ours).
    var queuedAt: [Date] = []
    var failure: JenkinsError?
    /// The next this-many build requests queue the job, then lose the answer.
    var answersToLose = 0
    /// The next this-many build requests are lost before Jenkins handles them: no job, no answer.
    var requestsToDrop = 0
    /// Thrown by `findJob`, e.g. Jenkins down while resolving.
    var findFailure: JenkinsError?
    var findCalls = 0
    var nextQueueID = 1

    func setFailure(_ error: JenkinsError?) { failure = error }
    func loseAnswers(_ count: Int) { answersToLose = count }
    func dropRequests(_ count: Int) { requestsToDrop = count }
    func setFindFailure(_ error: JenkinsError?) { findFailure = error }

    /// Queue items Jenkins still knows, and builds by number (a missing number answers 404).
    var queueItems: [Int: QueueItem] = [:]
    var builds: [Int: JenkinsBuild] = [:]
    /// Queue item id → build number, as the job's builds list shows it.
    var buildsByQueueItem: [Int: Int] = [:]
    var buildReads = 0
    var queueReads = 0
    func setQueueItem(_ item: QueueItem?, id: Int) { queueItems[id] = item }
    func setBuild(_ build: JenkinsBuild?, number: Int, queueItem: Int? = nil) {
        builds[number] = build
        if let queueItem { buildsByQueueItem[queueItem] = number }
    }

    func build(path jobPath: String, number: Int) async throws -> JenkinsBuild? {
        buildReads += 1
        if let failure, case .transport = failure { throw failure }
        return builds[number]
    }

    func buildNumber(path jobPath: String, queueItem id: Int) async throws -> Int? {
        buildsByQueueItem[id]
    }

    /// A job queued earlier by someone whose answer never got recorded.
    func seed(path: String, parameters: [JobParameter], at time: Date) {
        started.append((path, parameters))
        queuedAt.append(time)
        nextQueueID += 1
    }

    func prepareToStart() async throws {
        if let failure, case .transport = failure { throw failure }
    }

    func startJob(path jobPath: String, parameters: [JobParameter]) async throws -> JobStart {
        if let failure { throw failure }
        if requestsToDrop > 0 {
            requestsToDrop -= 1
            throw JenkinsError.answerLost(url: "fake", message: "the server closed the connection before answering")
        }
        started.append((jobPath, parameters))
        queuedAt.append(Date())
        defer { nextQueueID += 1 }
        if answersToLose > 0 {
            answersToLose -= 1
            throw JenkinsError.answerLost(url: "fake", message: "the server closed the connection before answering")
        }
        return JobStart(queueID: nextQueueID, queueURL: "http://jenkins/queue/item/\(nextQueueID)/", merged: false)
    }

    func queueItem(id: Int) async throws -> QueueItem {
        queueReads += 1
        if let item = queueItems[id] { return item }
        if builds.isEmpty && queueItems.isEmpty { throw JenkinsError.transport(url: "fake", message: "queue lookups are cosmetic") }
        throw JenkinsError.http(status: 404, url: "fake/queue/item/\(id)/api/json", message: "Not Found")
    }

    func findJob(_ query: JobQuery) async throws -> JobSighting? {
        findCalls += 1
        if let findFailure { throw findFailure }
        let candidates = zip(started.indices, started).map { index, job in
            JobLookup.Candidate(
                place: .queue, jobPath: JobLookup.normalizedJobPath(job.path), queueID: index + 1,
                createdAt: queuedAt[index].timeIntervalSince1970,
                parameters: Dictionary(job.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }))
        }
        return JobLookup.match(candidates, query: query, skew: 0)?.sighting
    }
}

/// `demoRepo` over in-memory fakes, its files in `store`; no waiting after a lost answer.
func fakeService(store: IssueCacheStore, github: FakeGitHub = FakeGitHub([]), jenkins: FakeJenkins = FakeJenkins()) -> RepoService {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return RepoService(
        repo: demoRepo, rules: WorkflowRules(), store: store, planner: DispatchPlanner(),
        refresher: CacheRefresher(policy: RefreshPolicy(duplicateWindow: 60, fullRefreshInterval: 86_400)),
        github: github, jobs: jenkins, timings: DispatchTimings(lostAnswerWait: .zero), logger: logger)
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func issue(_ number: Int, _ labels: [String], state: IssueState = .open, updated: String = "2026-11-24T09:00:00Z", title: String? = nil) -> Issue {
    Issue(
        number: number, title: title ?? "Issue \(number)", state: state, labels: labels, user: "alice",
        createdAt: Timestamp.parse("2026-11-20T08:00:00Z"), updatedAt: Timestamp.parse(updated),
        url: "https://github.com/acme/demo/issues/\(number)")
}

let demoRepo = RepoConfig(
    name: "demo", repoURLText: "https://github.com/acme/demo.git", repo: RepoURL(parsing: "https://github.com/acme/demo.git")!,
    executorJobPath: "Folder/Sub/Job", githubCredentialsID: "github-pat")
