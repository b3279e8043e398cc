import Coordinator
import CoordinatorPostgres
import CoordinatorService
import Foundation
import Logging
import TestSupport
import XCTest

/// `Idempotency-Key`s kept in the database for every instance: a key sent to two instances acts
/// once (the second waits for the first's answer), another request with the key is refused, an
/// instance dying mid-action lets the waiting one act, an expired key acts again, and a database
/// that cannot answer acts not at all.
final class PostgresIdempotencyTests: PostgresTestCase {

    /// How many times the actions of a test ran, and a gate that holds them until opened.
    final class Actions: @unchecked Sendable {
        private let lock = NSLock()
        private var runs = 0
        private var open = false

        var count: Int { lock.withLock { runs } }

        func release() { lock.withLock { open = true } }

        /// An action answering `text`, held until `release()` when `held`.
        func action(_ text: String, held: Bool = false) -> @Sendable () async -> APIAnswer {
            { [self] in
                lock.withLock { runs += 1 }
                while held, !lock.withLock({ open }) { try? await Task.sleep(for: .milliseconds(20)) }
                return APIAnswer(statusCode: 202, body: Data(text.utf8))
            }
        }
    }

    /// Two instances, A and B, on a fresh database; B waits `waitB` for a key still running.
    private struct Instances {
        var server: TemporaryPostgres
        var settings: PostgresStoreSettings
        var databases: [PostgresStore]
        var a: PostgresIdempotency { keys[0] }
        var b: PostgresIdempotency { keys[1] }
        var keys: [PostgresIdempotency]

        func shutdown() async {
            for database in databases { await database.connections.shutdown() }
        }
    }

    private func instances(waitB: Duration = .seconds(50)) async throws -> Instances {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        var databases: [PostgresStore] = []
        var keys: [PostgresIdempotency] = []
        for (name, wait) in [("a", Duration.seconds(50)), ("b", waitB)] {
            let database = try await PostgresStore.open(
                PostgresEndpoint(settings: settings, applicationName: "coordinator keys \(name)"), logger: PostgresMigrations.quietLogger)
            databases.append(database)
            keys.append(PostgresIdempotency(database: database, wait: wait, logger: PostgresMigrations.quietLogger))
        }
        return Instances(server: server, settings: settings, databases: databases, keys: keys)
    }

    /// Waits until a connection of instance `name` waits on a row lock.
    private func waitForLockWait(_ name: String, _ instances: Instances) async throws {
        try await waitUntil("instance \(name) waits on the key's row", timeout: .seconds(10)) {
            try instances.server.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'coordinator keys \(name)' AND wait_event_type = 'Lock'",
                database: instances.settings.database) == "1"
        }
    }

    /// `keys` answering `key` of "ada" with an action held by `actions`, once it acts.
    private func actingHeld(_ keys: PostgresIdempotency, key: String, _ actions: Actions) async throws -> Task<(answer: APIAnswer, replayed: Bool), Never> {
        let first = Task { await keys.answer(key: key, operatorName: "ada", fingerprint: "POST /x {}", actions.action("from a", held: true)) }
        try await waitUntil("the first request acts", timeout: .seconds(10)) { actions.count == 1 }
        return first
    }

    func testAKeySentToTwoInstancesActsOnceAndTheSecondGetsTheFirstsAnswer() async throws {
        let instances = try await instances()
        let (a, b) = (instances.a, instances.b)
        let actions = Actions()
        let first = try await actingHeld(a, key: "k-1", actions)
        let second = Task { await b.answer(key: "k-1", operatorName: "ada", fingerprint: "POST /x {}", actions.action("from b")) }
        try await waitForLockWait("b", instances)
        actions.release()
        let (answerA, replayedA) = await first.value
        let (answerB, replayedB) = await second.value
        XCTAssertEqual(actions.count, 1, "the key acted on both instances")
        XCTAssertFalse(replayedA)
        XCTAssertTrue(replayedB)
        XCTAssertEqual(answerB, answerA)
        XCTAssertEqual(answerB.statusCode, 202)
        XCTAssertEqual(String(decoding: answerB.body, as: UTF8.self), "from a")

        // Later, on either instance: the same answer, without acting.
        let (later, replayedLater) = await a.answer(key: "k-1", operatorName: "ada", fingerprint: "POST /x {}", actions.action("again"))
        XCTAssertTrue(replayedLater)
        XCTAssertEqual(later, answerA)
        XCTAssertEqual(actions.count, 1)
        await instances.shutdown()
    }

    func testTheKeyWithAnotherRequestIsRefusedAndKeysBelongToTheirOperator() async throws {
        let instances = try await instances()
        let (a, b) = (instances.a, instances.b)
        let actions = Actions()
        _ = await a.answer(key: "k-2", operatorName: "ada", fingerprint: "POST /repos/demo/issues/7/dispatch ", actions.action("dispatched 7"))
        let (reused, replayed) = await b.answer(key: "k-2", operatorName: "ada", fingerprint: "POST /repos/demo/issues/8/dispatch ", actions.action("dispatched 8"))
        XCTAssertFalse(replayed)
        XCTAssertEqual(reused, .idempotencyKeyReused)
        XCTAssertEqual(reused.statusCode, 422)
        XCTAssertEqual(actions.count, 1)
        // Another operator's key of the same name is another key.
        let (own, ownReplayed) = await b.answer(key: "k-2", operatorName: "grace", fingerprint: "POST /repos/demo/issues/8/dispatch ", actions.action("dispatched 8"))
        XCTAssertFalse(ownReplayed)
        XCTAssertEqual(String(decoding: own.body, as: UTF8.self), "dispatched 8")
        XCTAssertEqual(actions.count, 2)
        await instances.shutdown()
    }

    func testAnInstanceDyingMidActionLetsTheWaitingRequestActInItsPlace() async throws {
        let instances = try await instances()
        let (a, b) = (instances.a, instances.b)
        let held = Actions()
        let first = try await actingHeld(a, key: "k-3", held)
        let actions = Actions()
        let second = Task { await b.answer(key: "k-3", operatorName: "ada", fingerprint: "POST /x {}", actions.action("from b")) }
        try await waitForLockWait("b", instances)
        // A's connection dies as a killed instance's would: its row goes with its transaction.
        XCTAssertEqual(try instances.server.terminateBackends(applicationLike: "coordinator keys a"), 1)
        let (answerB, replayedB) = await second.value
        XCTAssertFalse(replayedB)
        XCTAssertEqual(String(decoding: answerB.body, as: UTF8.self), "from b")
        XCTAssertEqual(actions.count, 1)
        // A's action ends later: its client gets its answer, but the key keeps B's.
        held.release()
        let (answerA, _) = await first.value
        XCTAssertEqual(String(decoding: answerA.body, as: UTF8.self), "from a")
        XCTAssertEqual(
            try instances.server.psql("SELECT convert_from(body, 'UTF8') FROM coordinator_idempotency WHERE key = 'k-3'", database: instances.settings.database),
            "from b")
        await instances.shutdown()
    }

    func testAKeyStillRunningPastTheWaitIsAnsweredRetryAndAnExpiredKeyActsAgain() async throws {
        let instances = try await instances(waitB: .milliseconds(300))
        let (a, b) = (instances.a, instances.b)
        let held = Actions()
        let first = try await actingHeld(a, key: "k-4", held)
        let actions = Actions()
        let (retry, replayed) = await b.answer(key: "k-4", operatorName: "ada", fingerprint: "POST /x {}", actions.action("from b"))
        XCTAssertFalse(replayed)
        XCTAssertEqual(retry.statusCode, 409)
        XCTAssertTrue(String(decoding: retry.body, as: UTF8.self).contains("still running"), String(decoding: retry.body, as: UTF8.self))
        XCTAssertEqual(actions.count, 0)
        held.release()
        _ = await first.value

        // A day and more later the key is forgotten: the same request acts again.
        try instances.server.psql(
            "UPDATE coordinator_idempotency SET created_at = now() - interval '25 hours' WHERE key = 'k-4'", database: instances.settings.database)
        let (again, againReplayed) = await b.answer(key: "k-4", operatorName: "ada", fingerprint: "POST /x {}", actions.action("from b"))
        XCTAssertFalse(againReplayed)
        XCTAssertEqual(String(decoding: again.body, as: UTF8.self), "from b")
        XCTAssertEqual(actions.count, 1)
        await instances.shutdown()
    }

    func testADatabaseThatCannotAnswerActsNotAndSaysSendAgain() async throws {
        let instances = try await instances()
        let keys = instances.a
        try instances.server.psql("DROP DATABASE \(instances.settings.database) WITH (FORCE)")
        let actions = Actions()
        let (answer, replayed) = await keys.answer(key: "k-5", operatorName: "ada", fingerprint: "POST /x {}", actions.action("acted"))
        XCTAssertFalse(replayed)
        XCTAssertEqual(answer.statusCode, 503)
        XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("nothing was done"), String(decoding: answer.body, as: UTF8.self))
        XCTAssertEqual(actions.count, 0)
        await instances.shutdown()
    }
}
