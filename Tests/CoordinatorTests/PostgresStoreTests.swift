import Coordinator
import CoordinatorPostgres
import Foundation
import Logging
import PostgresNIO
import Sandbox
import TestSupport
import XCTest

/// The PostgreSQL store under the core, against a real server (one per class) and the Sandbox:
/// the same dispatches as the files, shared by "processes" (each its own `PostgresStore`, its
/// own connections), its lock held across them, a cut connection stopping a session's writes,
/// and a cache directory imported and exported byte for byte.
final class PostgresStoreTests: XCTestCase {
    static let postgres = TemporaryPostgres.Shared()
    private var server: TemporaryPostgres!
    private var opened: [PostgresStore] = []

    override func setUp() async throws {
        server = try Self.postgres.server()
    }

    override func tearDown() async throws {
        for database in opened { await database.connections.shutdown() }
        opened = []
    }

    override class func tearDown() {
        postgres.stop()
        super.tearDown()
    }

    private static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// A new database on the server, and the settings of its URL.
    private func freshDatabase() throws -> PostgresStoreSettings {
        let name = "s_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        _ = try server.psql("CREATE DATABASE \(name)")
        return PostgresStoreSettings(url: try PostgresURL(parsing: "postgres://\(TemporaryPostgres.user)@127.0.0.1:\(server.port)/\(name)?sslmode=disable"))
    }

    /// One "process": its own pool on `settings`' database, migrated.
    private func open(_ settings: PostgresStoreSettings, name: String = "test") async throws -> PostgresStore {
        let database = try await PostgresStore.open(
            PostgresEndpoint(settings: settings, applicationName: "coordinator test \(name)"), logger: Self.quiet)
        opened.append(database)
        return database
    }

    private func workspace(_ fixture: CoordinatorFixture, _ database: PostgresStore) -> Workspace {
        Workspace.open(config: fixture.config, logger: Self.quiet, retryPolicy: CoordinatorFixture.fastRetries, stores: database.stores)
    }

    private func record(_ issue: Int, _ step: HistoryStep, id: String) -> HistoryRecord {
        HistoryRecord(time: Date(timeIntervalSince1970: 1_700_000_000), dispatchID: id, issue: issue,
                      pickup: "status-02:awaiting-planning", busy: "status-03:planning", step: step)
    }

    func testTwoProcessesRunningTogetherDispatchEachIssueOnceAndShareCacheAndHistory() async throws {
        let fixture = try await CoordinatorFixture.start(issues: (1...6).map { .open($0, ["status-02:awaiting-planning"]) })
        let settings = try freshDatabase()
        let a = workspace(fixture, try await open(settings, name: "a"))
        let b = workspace(fixture, try await open(settings, name: "b"))
        async let first = CoordinatorRun(services: a.repos, actor: "a (run)").run(RunOptions())
        async let second = CoordinatorRun(services: b.repos, actor: "b (run)").run(RunOptions())
        let reports = await [first, second]
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 6, "each issue once: \(reports)")
        for number in 1...6 {
            let live = await fixture.liveLabels(number)
            XCTAssertEqual(live, ["status-03:planning"], "#\(number)")
        }
        // The cache both wrote is one, and holds the moved labels; a third process reads it and
        // the whole history from the database alone.
        let c = workspace(fixture, try await open(settings, name: "c"))
        let cached = try await c.repos[0].readCache().cache
        XCTAssertEqual(cached.issues.values.map(\.labels).filter { $0 == ["status-03:planning"] }.count, 6)
        await c.repos[0].history.refresh()
        XCTAssertEqual(c.repos[0].history.current().dispatches.values.filter { $0.lastStep == .done }.count, 6)
        XCTAssertNil(fixture.cacheBytes(), "nothing was written into the cache directory")
        // Another run changes nothing.
        let again = await CoordinatorRun(services: c.repos, actor: "c (run)").run(RunOptions(forceRefresh: true))
        let after = await fixture.builds()
        XCTAssertEqual(after.count, 6, "\(again)")
        for workspace in [a, b, c] { await workspace.shutdown() }
        await fixture.stop()
    }

    func testTheLockIsExclusiveAcrossProcessesAndGoesWithACutConnection() async throws {
        let settings = try freshDatabase()
        let repo = "github.com_acme_demo"
        let a = try await open(settings, name: "lock-a").repoStore(key: repo, logger: Self.quiet)
        let b = try await open(settings, name: "lock-b").repoStore(key: repo, logger: Self.quiet)
        let held = try await a.lock(timeout: .seconds(5), waiting: { _ in })
        try await held.saveCache(IssueCache(lastChecked: Date(timeIntervalSince1970: 1_800_000_000), issues: [:]))
        do {
            _ = try await b.lock(timeout: .milliseconds(300), waiting: { _ in })
            XCTFail("b took the lock a holds")
        } catch {
            XCTAssertTrue("\(error)".contains("locked"), "\(error)")
        }
        // The holder's connection is cut: its lock goes with it, and it can write nothing more.
        let cut = try server.terminateBackends(applicationLike: "coordinator test lock-a")
        XCTAssertGreaterThanOrEqual(cut, 1)
        let taken = try await b.lock(timeout: .seconds(5), waiting: { _ in })
        do {
            try await held.append(record(1, .intent(.init(workflow: "create-plan", by: "a")), id: "late"))
            XCTFail("a session whose connection was cut appended to the history")
        } catch {
            XCTAssertFalse("\(error)".isEmpty)
        }
        await held.release()
        try await taken.append(record(1, .intent(.init(workflow: "create-plan", by: "b")), id: "b1"))
        await taken.release()
        await b.history.refresh()
        XCTAssertEqual(b.history.current().dispatches.keys.sorted(), ["b1"])
    }

    func testHistoryIsCheckpointedAndANewProcessStartsFromTheCheckpoint() async throws {
        let settings = try freshDatabase()
        let repo = "github.com_acme_demo"
        let writer = try await open(settings, name: "writer").repoStore(key: repo, logger: Self.quiet)
        try await writer.withSession { session in
            for n in 1...300 {
                try await session.append(record(n, .intent(.init(workflow: "create-plan", by: "w")), id: "d\(n)"))
                try await session.append(record(n, .done(queueID: n, buildURL: nil, message: nil), id: "d\(n)"))
            }
            await session.maintain()
        }
        let checkpointed = try server.psql("SELECT seq FROM coordinator_history_checkpoint WHERE repo = '\(repo)'", database: settings.database)
        XCTAssertEqual(checkpointed.trimmingCharacters(in: .whitespacesAndNewlines), "600")
        // Rows after the checkpoint, then a damaged one: a new process reads both and says so.
        try await writer.withSession { session in
            try await session.append(record(301, .intent(.init(workflow: "create-plan", by: "w")), id: "d301"))
        }
        _ = try server.psql(
            "INSERT INTO coordinator_history (repo, line, recorded_at) VALUES ('\(repo)', 'not json'::bytea, now())", database: settings.database)
        let reader = try await open(settings, name: "reader").repoStore(key: repo, logger: Self.quiet)
        await reader.history.refresh()
        let projection = reader.history.current()
        XCTAssertEqual(projection.recordCount, 601, "the damaged row is no record")
        XCTAssertEqual(projection.recordCount, writer.history.current().recordCount)
        XCTAssertNotNil(projection.dispatches["d301"])
        XCTAssertTrue(reader.history.notices().contains { $0.contains("not a history record") }, "\(reader.history.notices())")
        let audit = try await reader.history.audit()
        XCTAssertEqual(audit.dispatches.count, 301)
        XCTAssertEqual(audit.notices.count, 1)
    }

    func testADispatchLeftUnfinishedIsAbandonedOnlyWhenNobodyHoldsTheLock() async throws {
        let settings = try freshDatabase()
        let repo = "github.com_acme_demo"
        let dead = try await open(settings, name: "dead").repoStore(key: repo, logger: Self.quiet)
        let other = try await open(settings, name: "other").repoStore(key: repo, logger: Self.quiet)
        // One dispatch ended, one did not: its process "died" after the intent.
        let held = try await dead.lock(timeout: .seconds(5), waiting: { _ in })
        try await held.append(record(1, .intent(.init(workflow: "create-plan", by: "dead")), id: "ended"))
        try await held.append(record(1, .done(queueID: 1, buildURL: nil, message: nil), id: "ended"))
        try await held.append(record(2, .intent(.init(workflow: "create-plan", by: "dead")), id: "left"))
        var abandoned = await other.abandonedDispatches(quiet: .zero)
        XCTAssertEqual(abandoned, [], "the lock is held: the dispatch is in hand, not abandoned")
        _ = try server.terminateBackends(applicationLike: "coordinator test dead")
        try await waitUntil("the dead session's lock is gone", timeout: .seconds(10)) {
            await other.abandonedDispatches(quiet: .zero) == ["left"]
        }
        abandoned = await other.abandonedDispatches(quiet: .seconds(10 * 365 * 86_400))
        XCTAssertEqual(abandoned, [], "its last record is not ten years old")
        await held.release()
        // The files of one machine never hand work to another.
        let files = FileRepoStore(files: IssueCacheStore(directory: NSTemporaryDirectory(), repo: RepoURL(parsing: "https://github.com/acme/demo")!), logger: Self.quiet)
        let none = await files.abandonedDispatches(quiet: .zero)
        XCTAssertEqual(none, [])
    }

    func testACorruptCacheIsSetAsideAndRebuilt() async throws {
        let settings = try freshDatabase()
        let repo = "github.com_acme_demo"
        let store = try await open(settings).repoStore(key: repo, logger: Self.quiet)
        _ = try server.psql(
            "INSERT INTO coordinator_issue_cache (repo, document) VALUES ('\(repo)', '{\"last_checked\": 12'::bytea)", database: settings.database)
        guard case .corrupt = try await store.readCache() else { return XCTFail("a corrupt document read as a cache") }
        let loaded = try await store.withSession { try await $0.loadCache() }
        XCTAssertTrue(loaded.cache.issues.isEmpty)
        let notice = try XCTUnwrap(loaded.notice)
        XCTAssertTrue(notice.contains("was corrupt") && notice.contains("kept aside"), notice)
        let kept = try server.psql("SELECT count(*) FROM coordinator_issue_cache WHERE repo LIKE '\(repo).corrupt-%'", database: settings.database)
        XCTAssertEqual(kept.trimmingCharacters(in: .whitespacesAndNewlines), "1")
    }

    func testACacheDirectoryImportedAndExportedComesBackByteForByte() async throws {
        let fixture = try await CoordinatorFixture.start(issues: [
            .open(1, ["status-02:awaiting-planning"]), .open(2, ["status-05:plan-ready"], branches: ["2-x"]),
            .open(3, ["status-08:ready-pr"]), .open(4, ["bug"]),
        ])
        // A real cache directory: dispatches, a skip (no linked branch), history from before.
        _ = await fixture.run()
        let files = fixture.store
        let before = try [files.fileURL, files.ledgerURL, files.skipNotesURL].map { try Data(contentsOf: $0) }
        let settings = try freshDatabase()
        let database = try await open(settings)
        let transfer = PostgresTransfer(database: database, logger: Self.quiet)
        let key = files.repo.cacheStem
        let imported = try await transfer.importFiles(files, key: key)
        XCTAssertEqual(imported.cache, "imported")
        XCTAssertGreaterThan(imported.historyLines, 0)
        // Again: nothing added, nothing overwritten.
        let again = try await transfer.importFiles(files, key: key)
        XCTAssertEqual(again.cache, "already there")
        XCTAssertEqual(again.historyLines, 0)
        XCTAssertEqual(again.historyKept, imported.historyLines)

        let out = fixture.directory.appendingPathComponent("exported").path
        let exported = try await transfer.exportFiles(key: key, to: IssueCacheStore(directory: out, repo: files.repo))
        XCTAssertEqual(exported.historyLines, imported.historyLines)
        let back = IssueCacheStore(directory: out, repo: files.repo)
        let after = try [back.fileURL, back.ledgerURL, back.skipNotesURL].map { try Data(contentsOf: $0) }
        XCTAssertEqual(after, before)
        XCTAssertEqual(HistoryLog(url: back.ledgerURL).records(), HistoryLog(url: files.ledgerURL).records())
        // Exporting onto files that exist is refused.
        do {
            _ = try await transfer.exportFiles(key: key, to: back)
            XCTFail("export overwrote files")
        } catch {
            XCTAssertTrue("\(error)".contains("already exist"), "\(error)")
        }
        // The imported state is what the core works from: nothing is dispatched again.
        let workspace = workspace(fixture, database)
        _ = await CoordinatorRun(services: workspace.repos, actor: "pg (run)").run(RunOptions(forceRefresh: true))
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 2, "the two dispatched from files, none again")
        await workspace.shutdown()
        await fixture.stop()
    }

    // MARK: A holder that lost the lock with its connection

    /// Another coordinator recorded an intent a moment ago and then lost its connection, and with
    /// it the lock: it may still be sending that build request. Asked now, Jenkins would have no
    /// job and a second one would be started (ServeChaosTests found 6 in 200 relabels): the issue
    /// is left alone until the record is `requestInFlightAllowance` old. An older one is settled
    /// as before (no such job: dispatched).
    func testAnIssueWhoseUnfinishedDispatchIsRecentIsLeftAloneAndAnOlderOneIsSettled() async throws {
        let (p02, b03) = ("status-02:awaiting-planning", "status-03:planning")
        let fixture = try await CoordinatorFixture.start(issues: [.open(1, [p02]), .open(2, [p02])])
        let settings = try freshDatabase()
        let other = try await open(settings, name: "other").repoStore(key: fixture.config.repos[0].repo.cacheStem, logger: Self.quiet)
        try await other.withSession { session in
            for (issue, id, age) in [(1, "recent", 0.0), (2, "old", 10.0)] {
                try await session.append(HistoryRecord(
                    time: Date().addingTimeInterval(-age), dispatchID: id, issue: issue, pickup: p02, busy: b03,
                    step: .intent(.init(workflow: "create-plan", by: "other@host (serve)"))))
            }
        }
        let workspace = workspace(fixture, try await open(settings, name: "b"))
        let report = await CoordinatorRun(services: workspace.repos, actor: "b (run)").run(RunOptions(keepGoing: true))
        let outcomes = report.repos[0].outcomes
        if case let .failed(held)? = outcomes.first(where: { $0.issueNumber == 1 }) {
            XCTAssertEqual(held.stage, .unresolved)
            XCTAssertTrue(held.message.contains("dispatch recent by other@host (serve) is unfinished"), held.message)
        } else {
            XCTFail("#1 was not left alone: \(outcomes)")
        }
        let first = await fixture.builds(issue: 1)
        XCTAssertEqual(first.count, 0)
        let labels = await fixture.liveLabels(1)
        XCTAssertEqual(labels, [p02])
        if case .dispatched? = outcomes.first(where: { $0.issueNumber == 2 }) {} else { XCTFail("#2 was not dispatched: \(outcomes)") }
        let second = await fixture.builds(issue: 2)
        XCTAssertEqual(second.count, 1)
        XCTAssertEqual(workspace.repos[0].history.current().dispatches["old"]?.lastStep, .jobAbsent)
        await workspace.shutdown()
        await fixture.stop()
    }

    /// A coordinator that lost its lock moved the labels of its dispatch (job started) but could
    /// not save the cache; a person then gave the next pickup. Planned from the stale cache, the
    /// next run must dispatch the pickup the issue carries now, not finish the old label move: that
    /// would add the old busy label beside the new pickup (a conflict, the pickup lost).
    func testAPlanFromAStaleCacheFollowsTheLivePickupAndLeavesTheOldDispatchAlone() async throws {
        let (p02, b03, p05, b06) = ("status-02:awaiting-planning", "status-03:planning", "status-05:plan-ready", "status-06:implementing")
        let fixture = try await CoordinatorFixture.start(issues: [.open(1, [p05], branches: ["1-work"])])
        let settings = try freshDatabase()
        let a = workspace(fixture, try await open(settings, name: "a"))
        _ = try await a.repos[0].sync()
        let store = try await open(settings, name: "zombie").repoStore(key: fixture.config.repos[0].repo.cacheStem, logger: Self.quiet)
        try await store.withSession { session in
            let time = Date().addingTimeInterval(-10)
            try await session.append(HistoryRecord(
                time: time, dispatchID: "zombie", issue: 1, pickup: p05, busy: b06, step: .intent(.init(workflow: "implement", by: "zombie@host (serve)"))))
            try await session.append(HistoryRecord(
                time: time, dispatchID: "zombie", issue: 1, pickup: p05, busy: b06, step: .jobStarted(queueID: 1, merged: false)))
        }
        _ = await fixture.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: [p02])
        let b = workspace(fixture, try await open(settings, name: "b"))
        let report = await CoordinatorRun(services: b.repos, actor: "b (run)").run(RunOptions())
        XCTAssertEqual(report.repos[0].refresh, .reused, "the stale cache was planned from")
        if case .dispatched? = report.repos[0].outcomes.first {} else { XCTFail("not dispatched: \(report.repos[0].outcomes)") }
        let labels = await fixture.liveLabels(1)
        XCTAssertEqual(labels, [b03])
        let builds = await fixture.builds(issue: 1)
        XCTAssertEqual(builds.map { $0.parameters["COMMAND"]?.contains(" create-plan 1 ") }, [true])
        for workspace in [a, b] { await workspace.shutdown() }
        await fixture.stop()
    }
}
