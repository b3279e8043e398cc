import Foundation

/// All mutable state of one running Sandbox: the simulated GitHub and Jenkins, armed faults
/// and the request log. One actor, so every request sees a consistent world.
actor SandboxWorld {
    /// Jenkins lives under this prefix, so one port serves both services without ambiguity.
    static let jenkinsPrefix = "jenkins"

    let scenario: Scenario
    private(set) var github: GitHubService
    private(set) var jenkins: JenkinsService
    private var faults: [SandboxFault] = []
    private var log: [SandboxRequestRecord] = []
    private let clock: @Sendable () -> Date
    /// Added to `clock`: moves the simulated services' time (timestamps they record and report)
    /// without waiting, e.g. to make a build look an hour old.
    private(set) var clockOffset: TimeInterval = 0
    /// GitHub's webhook sender: every issue change is handed to it (see `publishChanges`).
    nonisolated let webhooks: WebhookDispatcher

    /// Who `sender` is in webhooks for a change made through the control API.
    static let humanLogin = "octocat"

    init(scenario: Scenario, now: @escaping @Sendable () -> Date = Date.init) {
        self.scenario = scenario
        self.clock = now
        webhooks = WebhookDispatcher(scenarioHooks: scenario.github.webhooks)
        github = GitHubService(scenario: scenario.github, webhooks: webhooks)
        jenkins = JenkinsService(scenario: scenario.jenkins)
    }

    private func now() -> Date { clock().addingTimeInterval(clockOffset) }

    func setClockOffset(_ seconds: TimeInterval) { clockOffset = seconds }

    // MARK: Serving

    /// Consumes one use of the first armed fault that matches, if any.
    func takeFault(method: String, path: String) -> SandboxFault.Effect? {
        guard let index = faults.firstIndex(where: { $0.matches(method: method, path: path) }) else { return nil }
        let effect = faults[index].effect
        faults[index].count -= 1
        if faults[index].count <= 0 { faults.remove(at: index) }
        return effect
    }

    func respond(to request: IncomingRequest) -> OutgoingResponse {
        let time = now()
        let segments = request.pathSegments
        let response: OutgoingResponse
        if segments.first == Self.jenkinsPrefix {
            let base = request.origin + "/" + Self.jenkinsPrefix
            response = jenkins.handle(request, segments: Array(segments.dropFirst()), base: base, now: time)
        } else {
            response = github.handle(request, now: time)
            let token = GitHubService.bearerToken(request.header("authorization"))
            publishChanges(sender: token.flatMap { github.login(of: $0, now: time) } ?? Self.humanLogin)
        }
        record(request, status: response.status)
        return response
    }

    func record(_ request: IncomingRequest, status: Int) {
        log.append(SandboxRequestRecord(method: request.method, path: request.path, query: request.query, status: status, time: now()))
    }

    // MARK: Inspection and control

    /// Uninstalls a GitHub App's installation (a revocation): its tokens get `401` from now on.
    func removeInstallation(_ id: Int, ofApp appID: Int) -> Bool {
        github.apps.removeInstallation(id, ofApp: appID)
    }

    func requests() -> [SandboxRequestRecord] { log }

    func builds() -> [SandboxBuild] {
        jenkins.settle(now: now())
        return jenkins.builds(now: now())
    }

    /// Sets the result a build ends with and, with `finish`, ends it now (see `JenkinsService.control`).
    func controlBuild(queueID: Int, result: SandboxBuildResult?, finish: Bool) -> Result<SandboxBuild, SandboxBuildControlError> {
        let time = now()
        return jenkins.control(queueID: queueID, result: result, finish: finish, now: time)
            .map { $0.asBuild(now: time, buildDuration: jenkins.buildDuration) }
    }

    /// Adds bytes to a running build's log; the log's new size (see `JenkinsService.appendLog`).
    func appendBuildLog(queueID: Int, bytes: Data) -> Result<Int, SandboxLogAppendError> {
        jenkins.appendLog(queueID: queueID, bytes: bytes, now: now())
    }

    func issue(owner: String, repo: String, number: Int) -> SandboxIssue? {
        github.repository(owner: owner, name: repo)?.issues[number]
    }

    func issues(owner: String, repo: String) -> [SandboxIssue]? {
        github.repository(owner: owner, name: repo).map { $0.issues.values.sorted { $0.number < $1.number } }
    }

    /// The issue's events, oldest first; nil for an unknown repository or issue.
    func issueEvents(owner: String, repo: String, number: Int) -> [SandboxIssueEvent]? {
        guard let repository = github.repository(owner: owner, name: repo), repository.issues[number] != nil else { return nil }
        return repository.events[number] ?? []
    }

    func setLabels(owner: String, repo: String, number: Int, labels: [String], actor: String = SandboxWorld.humanLogin) -> SandboxIssue? {
        defer { publishChanges(sender: actor) }
        return github.setLabels(owner: owner, repo: repo, number: number, labels: labels, now: now())
    }

    func setState(owner: String, repo: String, number: Int, open: Bool, actor: String = SandboxWorld.humanLogin) -> SandboxIssue? {
        defer { publishChanges(sender: actor) }
        return github.setState(owner: owner, repo: repo, number: number, open: open, now: now())
    }

    func setLinkedBranches(owner: String, repo: String, number: Int, branches: [String]) -> SandboxIssue? {
        defer { publishChanges(sender: Self.humanLogin) }
        return github.setLinkedBranches(owner: owner, repo: repo, number: number, branches: branches, now: now())
    }

    func createIssue(owner: String, repo: String, _ new: SandboxNewIssue) -> SandboxIssue? {
        defer { publishChanges(sender: new.user) }
        return github.createIssue(owner: owner, repo: repo, new, now: now())
    }

    func editIssue(owner: String, repo: String, number: Int, title: String?, body: String?, actor: String = SandboxWorld.humanLogin) -> SandboxIssue? {
        defer { publishChanges(sender: actor) }
        return github.editText(owner: owner, repo: repo, number: number, title: title, body: body, now: now())
    }

    /// Records the issue changes the last call made as issue events by `sender`, and hands them
    /// to the webhook sender, which queues their deliveries and returns at once.
    private func publishChanges(sender: String) {
        guard !github.changes.isEmpty else { return }
        let changes = github.changes
        github.changes.removeAll()
        for change in changes { github.recordEvents(change, actor: sender) }
        webhooks.publish(changes, github: github, sender: sender, now: now())
    }

    func cancelQueueItem(_ id: Int) -> Bool {
        jenkins.cancel(queueID: id, now: now())
    }

    func injectFault(_ fault: SandboxFault) { faults.append(fault) }

    func armedFaults() -> [SandboxFault] { faults }

    func clearFaults() { faults.removeAll() }

    func reset() {
        github = GitHubService(scenario: scenario.github, webhooks: webhooks)
        jenkins = JenkinsService(scenario: scenario.jenkins)
        faults.removeAll()
        log.removeAll()
        clockOffset = 0
        webhooks.reset()
    }
}
