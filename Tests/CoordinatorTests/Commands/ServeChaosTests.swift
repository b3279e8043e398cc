import Foundation
import Sandbox
import TestSupport
import XCTest
@testable import Coordinator

#if canImport(Glibc)
import Glibc
#endif

/// Chaos on one PostgreSQL store: two `serve` instances (A and B) that both receive every webhook,
/// and a cron loop of `coordinator run --all`, while a "human" relabels issues to pickup labels,
/// one serve instance after the other is SIGKILLed and restarted, and every coordinator's
/// database connections are cut now and then (`pg_terminate_backend`).
///
/// Each issue cycles pickup → (a coordinator dispatches it: one build, busy label) → the next
/// pickup once its build exists and the busy label is on, alternating create-plan (`status-02`)
/// and implement (`status-05`), so each relabel is owed exactly one build of its own workflow.
/// At the end: no duplicate build, no lost pickup, no issue left on a pickup label, and every
/// pickup built within 30 s of its relabel (the issue: no repository without an owner for more
/// than 30 s), the time after the last kill included.
final class ServeChaosTests: CommandTestCase {
    static let postgres = TemporaryPostgres.Shared()

    override class func tearDown() {
        postgres.stop()
        super.tearDown()
    }

    // MARK: The knobs

    /// Relabels to a pickup label (the issue asks for 200).
    static let relabelCount = 200
    /// Spread evenly over this long: one every `relabelSpan / relabelCount`.
    static let relabelSpan: Duration = .seconds(60)
    static let issuesPerRepo = 8
    static let pollSeconds = 3
    /// Pause before each SIGKILL of a serve instance (A and B by turns), in ms; the restart follows at once.
    static let killPause = 2_500...4_500
    /// Pause before each cut of every coordinator connection, in ms.
    static let cutPause = 3_000...6_000
    /// The longest a pickup may wait for its build.
    static let ownerlessLimit: TimeInterval = 30
    /// After the last relabel, how long every pickup gets to reach its build and busy label.
    static let settleLimit: Duration = .seconds(45)
    /// Added to every Jenkins build request and every label added on GitHub, as real servers
    /// take their time: a kill or a cut lands between a dispatch's steps more often.
    static let jenkinsLatencyMs = 100
    static let labelLatencyMs = 150

    // MARK: The scenario

    /// The two repositories of the standard fixtures, each with `issuesPerRepo` open issues on a
    /// human label (`status-04`), one linked branch each (implement needs one).
    static func chaosScenario() -> Scenario {
        func issues() -> [Scenario.Issue] {
            (1...issuesPerRepo).map { number in
                Scenario.Issue(
                    number: number, title: "Chaos \(number)", body: "Relabelled again and again", labels: [h04], user: "alice",
                    createdAt: "2026-11-20T08:00:00Z", linkedBranches: ["\(number)-work"])
            }
        }
        return Scenario(
            github: .init(
                tokens: [.init(token: githubToken, login: "e2e-bot", hourlyQuota: 1_000_000)],
                repositories: [
                    .init(owner: alpha.owner, name: alpha.repo, issues: issues()),
                    .init(owner: beta.owner, name: beta.repo, defaultBranch: "develop", issues: issues()),
                ]),
            jenkins: .init(
                users: [.init(username: "bot", apiToken: jenkinsToken)], crumb: true, startDelayMs: 0, buildDurationMs: 0,
                jobs: [.init(path: alpha.jobPath), .init(path: beta.jobPath)]))
    }

    /// The k-th relabel of an issue (from 0): create-plan on even turns, implement on odd ones.
    static func turn(_ k: Int) -> (pickup: String, busy: String, workflow: String) {
        k % 2 == 0 ? (p02, b03, "create-plan") : (p05, b06, "implement")
    }

    /// One issue the human relabels.
    struct Target {
        var repo: ConfigFile.Repo
        var number: Int
        var key: BuildKey { BuildKey(job: repo.jobPath, issue: number) }
        var name: String { "\(repo.name)#\(number)" }
    }

    /// One relabel to a pickup label and when its build was first seen queued.
    struct Pickup {
        var pickup: String
        var busy: String
        var workflow: String
        var at: Date
        var builtAt: Date?
        var wait: TimeInterval? { builtAt.map { $0.timeIntervalSince(at) } }
    }

    func testTwoServesAndCronOnOnePostgresDispatchEveryPickupOnceThroughKillsAndCutConnections() async throws {
        let wallStart = ContinuousClock.now
        let server = try Self.postgres.server()
        let h = try await start(Self.chaosScenario())
        let database = "chaos_" + UUID().uuidString.prefix(8).lowercased()
        try server.psql("CREATE DATABASE \(database)")
        let url = "postgres://\(TemporaryPostgres.user)@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
        let secret = ServeCommandTests.webhookSecret
        h.addSecret(secret)
        let config = try writeStandardConfig(h, repos: [Self.alpha, Self.beta]) { config in
            config.extra = """

                [store]
                postgres_url = "\(url)"

                [serve]
                webhook_secret = "\(secret)"
                poll_seconds = \(Self.pollSeconds)
                listen = "127.0.0.1:0"

                """
        }
        var rng = SeededDraw(state: UInt64(Date().timeIntervalSince1970 * 1000))
        let seed = rng.state

        await h.server.injectFault(.delay(milliseconds: Self.jenkinsLatencyMs, method: "POST", path: "buildWithParameters", count: 1_000_000))
        await h.server.injectFault(.delay(milliseconds: Self.labelLatencyMs, method: "POST", path: "*/issues/*/labels", count: 1_000_000))
        // Each instance keeps its port across restarts, so each keeps its one webhook.
        let state = ChaosState()
        let rig = ChaosRig(
            h: h, postgres: server, config: config, ports: [try LoopbackPort.free(), try LoopbackPort.free()],
            state: state)
        state.serves = [try await rig.launch(0), try await rig.launch(1)]
        for port in rig.ports {
            try h.server.addWebhook(url: "http://127.0.0.1:\(port)/webhooks/github", secret: secret, timeoutMs: 5_000)
        }
        let (killSeed, cutSeed) = (rng.next(), rng.next())
        let cron = Task { await rig.cronLoop() }
        let killer = Task { await rig.killLoop(seed: killSeed) }
        let cutter = Task { await rig.cutLoop(seed: cutSeed) }

        // The human: a relabel every `interval`, to an issue whose last pickup is done.
        var targets: [Target] = []
        for repo in [Self.alpha, Self.beta] {
            for number in 1...Self.issuesPerRepo { targets.append(Target(repo: repo, number: number)) }
        }
        var pickups: [BuildKey: [Pickup]] = [:]
        var duplicatesSeen: Set<String> = []
        let interval = Self.relabelSpan / Self.relabelCount
        let chaosStart = ContinuousClock.now
        var nextRelabel = chaosStart
        var relabels = 0
        var cursor = 0

        /// Notes when each pickup's build appeared; the number of builds per issue.
        func observeBuilds() async -> [BuildKey: [SandboxBuild]] {
            var byKey: [BuildKey: [SandboxBuild]] = [:]
            for build in await h.server.builds() {
                byKey[BuildKey(job: build.jobPath, issue: Self.issueNumber(of: build) ?? -1), default: []].append(build)
            }
            for (key, builds) in byKey {
                let sorted = builds.sorted { $0.queueID < $1.queueID }
                byKey[key] = sorted
                var given = pickups[key] ?? []
                for (k, build) in sorted.enumerated() where k < given.count && given[k].builtAt == nil {
                    given[k].builtAt = build.queuedAt
                }
                pickups[key] = given
                if sorted.count > given.count {
                    duplicatesSeen.insert("\(key): \(sorted.count) builds for \(given.count) pickups")
                }
            }
            return byKey
        }

        /// The issue's last pickup has its build and its busy label (or it has had none yet); with
        /// `exactly`, and no more builds than pickups (a duplicate leaves the issue alone).
        func isReady(_ target: Target, _ builds: [BuildKey: [SandboxBuild]], exactly: Bool = true) async -> Bool {
            let given = pickups[target.key] ?? []
            let count = builds[target.key]?.count ?? 0
            guard exactly ? count == given.count : count >= given.count else { return false }
            let labels = await liveLabels(h, target.repo.key, target.number)
            return labels == [given.last?.busy ?? Self.h04]
        }

        // Bounded: issues that never become ready again (a duplicate, a lost pickup) end it early.
        let relabelDeadline = chaosStart + Self.relabelSpan + .seconds(30)
        while relabels < Self.relabelCount && ContinuousClock.now < relabelDeadline {
            let builds = await observeBuilds()
            if ContinuousClock.now >= nextRelabel {
                for offset in 0..<targets.count {
                    let target = targets[(cursor + offset) % targets.count]
                    guard await isReady(target, builds) else { continue }
                    let turn = Self.turn(pickups[target.key]?.count ?? 0)
                    let at = Date()
                    _ = await h.server.setLabels(owner: target.repo.owner, repo: target.repo.repo, number: target.number, labels: [turn.pickup])
                    pickups[target.key, default: []].append(Pickup(pickup: turn.pickup, busy: turn.busy, workflow: turn.workflow, at: at))
                    relabels += 1
                    cursor = (cursor + offset + 1) % targets.count
                    nextRelabel += interval
                    // Behind schedule (every issue was busy): no burst to catch up.
                    if nextRelabel < ContinuousClock.now - interval { nextRelabel = ContinuousClock.now }
                    break
                }
            }
            try await Task.sleep(for: .milliseconds(25))
        }

        // The chaos stops; what was started is finished (a restart under way completes).
        state.stopChaos()
        _ = await killer.value
        _ = await cutter.value
        let chaosEnd = ContinuousClock.now
        let lastKill = state.lastKill

        // Every pickup gets its build and its busy label, within the bound.
        let settleDeadline = ContinuousClock.now + Self.settleLimit
        var settled = false
        while ContinuousClock.now < settleDeadline {
            let builds = await observeBuilds()
            var all = true
            for target in targets {
                if !(await isReady(target, builds, exactly: false)) {
                    all = false
                    break
                }
            }
            if all {
                settled = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Quiet time for a late duplicate to show: two polls of each instance and a cron run
        // that started after everything settled.
        let runsBefore = state.cronRuns
        let quietUntil = ContinuousClock.now + .seconds(2 * Self.pollSeconds + 1)
        while ContinuousClock.now < quietUntil || state.cronRuns < runsBefore + 2 {
            if ContinuousClock.now > quietUntil + .seconds(60) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let finalBuilds = await observeBuilds()
        state.stopCron()
        _ = await cron.value
        for (index, serve) in state.serves.enumerated() {
            if serve.isFinished {
                state.exitedOnItsOwn(await h.finish(serve, timeout: .seconds(5)))
                continue
            }
            serve.send(SIGTERM)
            let result = await h.finish(serve, timeout: .seconds(40))
            XCTAssertEqual(result.exitCode, 0, "serve \(index == 0 ? "A" : "B") on SIGTERM: \(result.description.suffix(4_000))")
        }

        // MARK: The verdict

        var duplicates: [String] = []
        var lost: [String] = []
        var wrongWorkflow: [String] = []
        var leftOnPickup: [String] = []
        var waits: [(TimeInterval, String)] = []
        let now = Date()
        for target in targets {
            let given = pickups[target.key] ?? []
            let builds = finalBuilds[target.key] ?? []
            if builds.count > given.count { duplicates.append("\(target.name): \(builds.count) builds for \(given.count) pickups") }
            if builds.count < given.count { lost.append("\(target.name): \(builds.count) builds for \(given.count) pickups") }
            for (k, pickup) in given.enumerated() {
                if k < builds.count, let workflow = Self.workflowName(of: builds[k]), workflow != pickup.workflow {
                    wrongWorkflow.append("\(target.name) pickup \(k + 1) (\(pickup.pickup)): build of \(workflow)")
                }
                waits.append((pickup.wait ?? now.timeIntervalSince(pickup.at), "\(target.name) pickup \(k + 1) (\(pickup.pickup)\(pickup.builtAt == nil ? ", never built" : ""))"))
            }
            let labels = await liveLabels(h, target.repo.key, target.number) ?? []
            if labels != [given.last?.busy ?? Self.h04] {
                leftOnPickup.append("\(target.name): \(labels), expected [\(given.last?.busy ?? Self.h04)]")
            }
        }
        let strays = finalBuilds.filter { key, _ in !targets.contains { $0.key == key } }
        let cancelled = finalBuilds.values.joined().filter(\.cancelled).count
        let sortedWaits = waits.map(\.0).sorted()
        let longest = waits.max { $0.0 < $1.0 }
        func percentile(_ p: Double) -> TimeInterval {
            sortedWaits.isEmpty ? 0 : sortedWaits[min(sortedWaits.count - 1, Int(Double(sortedWaits.count) * p))]
        }
        let totalBuilds = finalBuilds.values.reduce(0) { $0 + $1.count }
        // How often the chaos hit a coordinator at work: the history's steps (interrupted
        // dispatches leave `failed`, `job_absent`, `job_found`, recoveries), and the store errors
        // the coordinators logged.
        let steps = (try? server.psql("""
            SELECT e || ' ' || n FROM (SELECT convert_from(line, 'UTF8')::json->>'event' AS e, count(*) AS n
            FROM coordinator_history GROUP BY 1) t ORDER BY e
            """, database: database))?.split(separator: "\n").joined(separator: ", ") ?? "?"
        let outputs = h.allResults.map(\.output)
        func lines(_ needles: String...) -> Int {
            outputs.reduce(0) { sum, output in
                sum + output.split(separator: "\n").filter { line in needles.allSatisfy { line.contains($0) } }.count
            }
        }
        let storeErrors = lines("PostgreSQL store at", "unavailable")
        let recoveries = lines("started a job without moving the labels; finishing it")
        let heldBack = lines("left alone for now")
        let wall = ContinuousClock.now - wallStart
        let summary = """
            ServeChaosTests (seed \(seed)): \(relabels) relabels on \(targets.count) issues in 2 repositories → \(totalBuilds) builds, \
            \(duplicates.count) issues with duplicates, \(lost.count) with lost pickups; \
            \(state.kills) serve kills (\(state.startFailures.count) failed starts retried, \(state.exits.count) exited on their own), \
            \(state.cuts) connection cuts ending \(state.backendsEnded) connections, \
            \(state.cronRuns) cron runs (exit codes \(state.cronExits.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))); \
            relabel→build longest \(String(format: "%.2f", longest?.0 ?? 0)) s (\(longest?.1 ?? "-")), \
            median \(String(format: "%.2f", percentile(0.5))) s, p95 \(String(format: "%.2f", percentile(0.95))) s; \
            chaos \(Self.seconds(chaosEnd - chaosStart)) s, last kill \(lastKill.map { Self.seconds(chaosEnd - $0) } ?? "-") s before its end, \
            settled \(settled), wall \(Self.seconds(wall)) s; \
            history steps: \(steps); \(recoveries) recoveries, \(heldBack) dispatches held back behind an unfinished one, \
            \(storeErrors) store-unavailable log lines
            """
        print(summary)
        for line in state.startFailures { print("  start failure: \(line)") }

        XCTAssertEqual(relabels, Self.relabelCount, "the relabels stopped: no issue was ready for the next one\n\(summary)")
        XCTAssertTrue(settled, "not every pickup reached its build and busy label within \(Self.settleLimit) after the chaos\n\(summary)")
        XCTAssertTrue(duplicates.isEmpty && duplicatesSeen.isEmpty, "duplicate builds: \(duplicates) (seen during the run: \(duplicatesSeen.sorted()))\n\(summary)")
        XCTAssertTrue(lost.isEmpty, "lost pickups: \(lost)\n\(summary)")
        XCTAssertTrue(wrongWorkflow.isEmpty, "builds of the wrong workflow: \(wrongWorkflow)")
        XCTAssertTrue(leftOnPickup.isEmpty, "issues not on their busy label: \(leftOnPickup)")
        XCTAssertTrue(strays.isEmpty, "builds of no relabelled issue: \(strays.keys)")
        XCTAssertEqual(cancelled, 0)
        XCTAssertEqual(totalBuilds, relabels, summary)
        let late = waits.filter { $0.0 > Self.ownerlessLimit }.map { "\($0.1): \(String(format: "%.1f", $0.0)) s" }
        XCTAssertTrue(late.isEmpty, "pickups that waited more than \(Int(Self.ownerlessLimit)) s for their build: \(late)\n\(summary)")
        // The chaos happened as designed.
        XCTAssertGreaterThanOrEqual(state.kills, 8, summary)
        XCTAssertGreaterThanOrEqual(state.cuts, 5, summary)
        XCTAssertGreaterThan(state.backendsEnded, 0, summary)
        XCTAssertGreaterThanOrEqual(state.cronRuns, 5, summary)
        XCTAssertTrue(state.problems.isEmpty, "\(state.problems)")
        XCTAssertTrue(state.exits.isEmpty, "serve instances that ended without being killed: \(state.exits.map { $0.description.suffix(4_000) })")
        for result in state.cronResults {
            XCTAssertFalse(result.timedOut, "a cron run hung: \(result.description.suffix(4_000))")
            XCTAssertTrue([0, 1].contains(result.exitCode) && result.signal == nil, String(result.description.suffix(4_000)))
        }
        if !(duplicates.isEmpty && lost.isEmpty && late.isEmpty) {
            let named = (duplicates + lost + late.prefix(3)).compactMap { $0.split(separator: ":").first.map(String.init) }
            let affected = Set(named.map { $0.split(separator: " ").first.map(String.init) ?? $0 })
            for target in targets where affected.contains(target.name) {
                await Self.printTimeline(of: target, pickups: pickups[target.key] ?? [], builds: finalBuilds[target.key] ?? [], h: h)
            }
            Self.printTraces(of: affected, in: h.allResults)
        }
    }

    // MARK: Helpers

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    /// Runs blocking work (psql) on a thread of its own, never on the cooperative pool the
    /// Sandbox and the test share.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// What happened to one issue, in order: the human's and the bot's label events, its
    /// builds, and the pickups the test gave it.
    static func printTimeline(of target: Target, pickups: [Pickup], builds: [SandboxBuild], h: CommandHarness) async {
        var lines: [(Date, String)] = []
        for event in await h.server.issueEvents(owner: target.repo.owner, repo: target.repo.repo, number: target.number) ?? [] {
            lines.append((event.createdAt, "\(event.kind.rawValue) \(event.label?.name ?? "") by \(event.actor)"))
        }
        for build in builds {
            lines.append((build.queuedAt, "build: queue item \(build.queueID), \(workflowName(of: build) ?? "?")"))
        }
        for (k, pickup) in pickups.enumerated() {
            lines.append((pickup.at, "test: pickup \(k + 1) \(pickup.pickup)"))
        }
        let format = DateFormatter()
        format.dateFormat = "HH:mm:ss.SSS"
        format.timeZone = TimeZone(identifier: "UTC")
        print("=== \(target.name)")
        for (time, text) in lines.sorted(by: { $0.0 < $1.0 }) { print("  \(format.string(from: time)) \(text)") }
    }

    /// The log lines of every coordinator that name one of `issues` ("alpha#3"), for a failure's diagnosis.
    static func printTraces(of issues: Set<String>, in results: [CommandResult]) {
        for issue in issues.sorted() {
            let parts = issue.split(separator: "#")
            guard parts.count == 2 else { continue }
            let (repo, number) = (String(parts[0]), String(parts[1]))
            print("--- \(issue)")
            for result in results {
                let lines = result.output.split(separator: "\n").filter { $0.contains("#\(number)") && $0.contains(repo) }
                guard !lines.isEmpty else { continue }
                print("  coordinator \(result.arguments.first ?? "") → \(result.signal.map { "signal \($0)" } ?? "exit \(result.exitCode)")")
                for line in lines { print("    \(line)") }
            }
        }
    }
}

/// The chaos around the test's relabels: serve instances killed and restarted, connections
/// cut, cron runs, each a loop of its own until `state` says stop.
private struct ChaosRig: Sendable {
    let h: CommandHarness
    let postgres: TemporaryPostgres
    let config: String
    /// Serve A's and B's port, kept across restarts.
    let ports: [Int]
    let state: ChaosState

    /// Starts serve A (0) or B (1) on its port. One that stops at start-up (its database
    /// connection cut while it migrated, say) is started again, as a supervisor would.
    func launch(_ index: Int) async throws -> LaunchedCommand {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (serve, port) = try await ServeCommandTests.launchServe(
                    h, config: config, arguments: ["--listen", "127.0.0.1:\(ports[index])"])
                XCTAssertEqual(port, ports[index])
                return serve
            } catch {
                state.startFailed("serve \(index == 0 ? "A" : "B") attempt \(attempt): \(error)")
                if attempt >= 5 { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// `run --all` again and again, until the very end.
    func cronLoop() async {
        while state.cronWanted {
            let result = try? await h.run(["run", "--all", "--keep-going", "--config", config], timeout: .seconds(90))
            state.cronFinished(result)
            try? await Task.sleep(for: .milliseconds(300))
        }
    }

    /// SIGKILL A and restart it on its port; then B; … every few seconds.
    func killLoop(seed: UInt64) async {
        var rng = SeededDraw(state: seed)
        var which = 0
        while state.chaos {
            await state.pause(milliseconds: Int.random(in: ServeChaosTests.killPause, using: &rng))
            guard state.chaos else { break }
            let victim = state.serves[which]
            if victim.isFinished {
                state.exitedOnItsOwn(await h.finish(victim, timeout: .seconds(5)))
            } else {
                victim.send(SIGKILL)
                _ = await h.finish(victim, timeout: .seconds(10))
                state.killed()
            }
            do {
                let restarted = try await launch(which)
                state.replaceServe(which, with: restarted)
            } catch {
                state.chaosFailed("serve \(which == 0 ? "A" : "B") could not be restarted: \(error)")
                break
            }
            which = 1 - which
        }
    }

    /// Cuts every coordinator's connections (serve and cron alike) now and then.
    func cutLoop(seed: UInt64) async {
        var rng = SeededDraw(state: seed)
        while state.chaos {
            await state.pause(milliseconds: Int.random(in: ServeChaosTests.cutPause, using: &rng))
            guard state.chaos else { break }
            do {
                let server = postgres
                let ended = try await ServeChaosTests.offThePool { try server.terminateBackends(applicationLike: "coordinator %") }
                state.cut(ended)
            } catch {
                state.chaosFailed("cutting connections failed: \(error)")
            }
        }
    }
}

/// What the chaos tasks share with the test: the two serve instances and what happened.
private final class ChaosState: @unchecked Sendable {
    private let lock = NSLock()
    private var _serves: [LaunchedCommand] = []
    private var _chaos = true
    private var _cronWanted = true
    private var _kills = 0
    private var _lastKill: ContinuousClock.Instant?
    private var _cuts = 0
    private var _backendsEnded = 0
    private var _startFailures: [String] = []
    private var _exits: [CommandResult] = []
    private var _problems: [String] = []
    private var _cronResults: [CommandResult] = []

    var serves: [LaunchedCommand] {
        get { lock.withLock { _serves } }
        set { lock.withLock { _serves = newValue } }
    }
    var chaos: Bool { lock.withLock { _chaos } }
    var cronWanted: Bool { lock.withLock { _cronWanted } }
    var kills: Int { lock.withLock { _kills } }
    var lastKill: ContinuousClock.Instant? { lock.withLock { _lastKill } }
    var cuts: Int { lock.withLock { _cuts } }
    var backendsEnded: Int { lock.withLock { _backendsEnded } }
    var startFailures: [String] { lock.withLock { _startFailures } }
    var exits: [CommandResult] { lock.withLock { _exits } }
    var problems: [String] { lock.withLock { _problems } }
    var cronResults: [CommandResult] { lock.withLock { _cronResults } }
    var cronRuns: Int { lock.withLock { _cronResults.count } }
    var cronExits: [Int32: Int] {
        lock.withLock { _cronResults.reduce(into: [:]) { $0[$1.signal.map { -$0 } ?? $1.exitCode, default: 0] += 1 } }
    }

    func replaceServe(_ index: Int, with serve: LaunchedCommand) { lock.withLock { _serves[index] = serve } }
    func stopChaos() { lock.withLock { _chaos = false } }
    func stopCron() { lock.withLock { _cronWanted = false } }
    func killed() {
        lock.withLock {
            _kills += 1
            _lastKill = .now
        }
    }
    func cut(_ ended: Int) {
        lock.withLock {
            _cuts += 1
            _backendsEnded += ended
        }
    }
    func startFailed(_ what: String) { lock.withLock { _startFailures.append(what) } }
    func exitedOnItsOwn(_ result: CommandResult) { lock.withLock { _exits.append(result) } }
    func chaosFailed(_ what: String) { lock.withLock { _problems.append(what) } }
    func cronFinished(_ result: CommandResult?) {
        lock.withLock {
            if let result { _cronResults.append(result) } else { _problems.append("a cron run could not be started") }
        }
    }

    /// Sleeps `milliseconds`, waking early once the chaos stops.
    func pause(milliseconds: Int) async {
        let until = ContinuousClock.now + .milliseconds(milliseconds)
        while chaos && ContinuousClock.now < until {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

