import Foundation
import Hummingbird
import Logging

/// A running Sandbox: simulated GitHub and Jenkins on one loopback port.
///
/// URL layout (see `Tests/Fidelity/SANDBOX.md`):
/// - GitHub REST at `baseURL` (github.com shape) and at `baseURL/api/v3` (Enterprise shape);
///   GraphQL at `baseURL/graphql` and `baseURL/api/graphql`;
/// - Jenkins at `baseURL/jenkins`;
/// - control and inspection at `baseURL/_sandbox/`.
///
/// Start and stop as many as needed in one process; each has its own state and port.
public final class SandboxServer: Sendable {
    public let port: Int
    public let host: String
    /// "https" when started with `tls`, else "http".
    public let scheme: String
    let world: SandboxWorld
    private let serving: Task<Void, Never>

    private init(port: Int, host: String, scheme: String, world: SandboxWorld, serving: Task<Void, Never>) {
        self.port = port
        self.host = host
        self.scheme = scheme
        self.world = world
        self.serving = serving
    }

    /// Binds, starts serving and returns once the port is known.
    /// - Parameters:
    ///   - port: `0` picks a free ephemeral port.
    ///   - tls: serve HTTPS with this certificate and key instead of plain HTTP.
    /// - Throws: `ScenarioError` for an invalid scenario, `SandboxTLSError`, or the bind error.
    public static func start(scenario: Scenario, host: String = "127.0.0.1", port: Int = 0, tls: SandboxTLS? = nil) async throws -> SandboxServer {
        try scenario.validate()
        let scheme = tls == nil ? "http" : "https"
        let world = SandboxWorld(scenario: scenario)
        var logger = Logger(label: "sandbox")
        // Stopping cancels the server task, which Hummingbird reports at error level; that is
        // the intended way down here, not a fault worth printing.
        logger.logLevel = .critical
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let failure = FailureBox()
        let application = Application(
            responder: SandboxResponder(world: world, fallbackAuthority: host, scheme: scheme),
            server: try tls?.serverBuilder() ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? port)
                portSink.finish()
            },
            logger: logger
        )
        let serving = Task {
            do {
                try await application.run()
            } catch {
                failure.set(error)
            }
            portSink.finish()
        }
        for await bound in ports {
            let server = SandboxServer(port: bound, host: host, scheme: scheme, world: world, serving: serving)
            world.webhooks.setAPIBase(server.baseURL)
            return server
        }
        serving.cancel()
        throw failure.get() ?? CancellationError()
    }

    /// Stops listening and closes open connections; safe to call more than once.
    public func stop() async {
        serving.cancel()
        await serving.value
        await world.webhooks.shutdown()
    }

    public var baseURL: String {
        host.contains(":") ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)"
    }

    /// GitHub REST base in the api.github.com shape; `githubEnterpriseAPIURL` serves the same data.
    public var githubAPIURL: String { baseURL }

    /// GitHub REST base in the Enterprise shape (`https://HOST/api/v3`).
    public var githubEnterpriseAPIURL: String { baseURL + "/api/v3" }

    public var githubGraphQLURL: String { baseURL + "/graphql" }

    /// Jenkins root, with a path prefix like a Jenkins behind a reverse proxy.
    public var jenkinsURL: String { baseURL + "/" + SandboxWorld.jenkinsPrefix }

    /// The control API root (`/_sandbox/`).
    public var controlURL: String { baseURL + "/" + ControlAPI.prefix }

    // MARK: Inspection

    /// Every `buildWithParameters` Jenkins accepted, in queue order.
    public func builds() async -> [SandboxBuild] { await world.builds() }

    public func issue(owner: String, repo: String, number: Int) async -> SandboxIssue? {
        await world.issue(owner: owner, repo: repo, number: number)
    }

    /// All issues and pull requests of a repository by number; `nil` for an unknown repository.
    public func issues(owner: String, repo: String) async -> [SandboxIssue]? {
        await world.issues(owner: owner, repo: repo)
    }

    /// What `GET /repos/{o}/{r}/issues/{n}/events` lists: the issue's label, state and title
    /// changes, oldest first; nil for an unknown repository or issue.
    public func issueEvents(owner: String, repo: String, number: Int) async -> [SandboxIssueEvent]? {
        await world.issueEvents(owner: owner, repo: repo, number: number)
    }

    /// GitHub and Jenkins requests received so far (control requests excluded).
    public func requests() async -> [SandboxRequestRecord] { await world.requests() }

    // MARK: Acting as a human

    /// Replaces the labels, as someone editing the issue on github.com would. `actor` is who the
    /// issue events and webhooks name (`octocat` unless given).
    @discardableResult
    public func setLabels(owner: String, repo: String, number: Int, labels: [String], actor: String = "octocat") async -> SandboxIssue? {
        await world.setLabels(owner: owner, repo: repo, number: number, labels: labels, actor: actor)
    }

    @discardableResult
    public func close(owner: String, repo: String, number: Int, actor: String = "octocat") async -> SandboxIssue? {
        await world.setState(owner: owner, repo: repo, number: number, open: false, actor: actor)
    }

    @discardableResult
    public func reopen(owner: String, repo: String, number: Int, actor: String = "octocat") async -> SandboxIssue? {
        await world.setState(owner: owner, repo: repo, number: number, open: true, actor: actor)
    }

    /// Changes the title and/or the body (nil leaves it), as a human would: an `edited` webhook,
    /// and a `renamed` issue event for a new title.
    @discardableResult
    public func editIssue(
        owner: String, repo: String, number: Int, title: String? = nil, body: String? = nil, actor: String = "octocat"
    ) async -> SandboxIssue? {
        await world.editIssue(owner: owner, repo: repo, number: number, title: title, body: body, actor: actor)
    }

    @discardableResult
    public func setLinkedBranches(owner: String, repo: String, number: Int, branches: [String]) async -> SandboxIssue? {
        await world.setLinkedBranches(owner: owner, repo: repo, number: number, branches: branches)
    }

    /// Opens a new issue (or pull request) numbered after the highest existing number.
    @discardableResult
    public func createIssue(
        owner: String, repo: String, title: String, body: String? = nil, labels: [String] = [],
        assignees: [String] = [], user: String = "octocat", isPullRequest: Bool = false, linkedBranches: [String] = []
    ) async -> SandboxIssue? {
        let new = SandboxNewIssue(
            title: title, body: body, labels: labels, assignees: assignees, user: user,
            isPullRequest: isPullRequest, linkedBranches: linkedBranches
        )
        return await world.createIssue(owner: owner, repo: repo, new)
    }

    /// Cancels a waiting Jenkins queue item; `false` if it is unknown or already left the queue.
    @discardableResult
    public func cancelQueueItem(_ id: Int) async -> Bool { await world.cancelQueueItem(id) }

    /// Decides how a Jenkins build ends, as a tester or the demo would: `result` (nil keeps the one
    /// it would end with, the scenario's `build_result`) and, with `finish`, ends it now — a build
    /// still waiting in the queue starts and ends at once — instead of after `build_duration_ms`.
    /// - Returns: the build as `builds()` shows it afterwards.
    /// - Throws: `SandboxBuildControlError` for an unknown or cancelled queue item, or a build that
    ///   already ended with another result.
    @discardableResult
    public func setBuildResult(queueID: Int, _ result: SandboxBuildResult?, finish: Bool = false) async throws -> SandboxBuild {
        try await world.controlBuild(queueID: queueID, result: result, finish: finish).get()
    }

    /// Ends a build now with `result`: `setBuildResult(queueID:result, finish: true)`.
    @discardableResult
    public func finishBuild(queueID: Int, _ result: SandboxBuildResult) async throws -> SandboxBuild {
        try await setBuildResult(queueID: queueID, result, finish: true)
    }

    /// Adds `bytes` to the log of the running build queue item `queueID` became, as if the build
    /// wrote them now (hostile bytes included: they go out as they are).
    /// - Returns: the log's size afterwards.
    /// - Throws: `SandboxLogAppendError` for an unknown item, one not yet a build, or an ended build.
    @discardableResult
    public func appendBuildLog(queueID: Int, _ bytes: some Sequence<UInt8>) async throws -> Int {
        try await world.appendBuildLog(queueID: queueID, bytes: Data(bytes)).get()
    }

    /// Shifts the simulated services' clock by `seconds` from the real one (negative = behind).
    /// Timestamps recorded while shifted keep their value when the offset changes again. The HTTP
    /// `Date` header always carries the real time.
    public func setClockOffset(seconds: TimeInterval) async { await world.setClockOffset(seconds) }

    /// Uninstalls a GitHub App's installation, as an organisation owner would: every token it
    /// bought gets `401 Bad credentials`, and its repositories' installation lookups `404`. False
    /// when the App has no such installation.
    public func removeInstallation(_ id: Int, ofApp appID: Int) async -> Bool {
        await world.removeInstallation(id, ofApp: appID)
    }

    // MARK: Faults and reset

    public func injectFault(_ fault: SandboxFault) async { await world.injectFault(fault) }

    public func clearFaults() async { await world.clearFaults() }

    /// Back to the scenario as loaded: issues, quotas, queue, faults and the request log.
    public func reset() async { await world.reset() }
}

/// Carries a start-up error out of the serving task.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?

    func set(_ error: any Error) {
        lock.withLock { self.error = error }
    }

    func get() -> (any Error)? {
        lock.withLock { error }
    }
}
