import Coordinator
import CoordinatorPostgres
import CoordinatorService
import Foundation
import Logging
import TestSupport
import XCTest

/// Operator events between two instances over LISTEN/NOTIFY: what A publishes reaches B's
/// consoles once (and not A's twice), a relayed event is not sent back, an event too large for a
/// NOTIFY becomes a reload, and after B's listening connection is cut B's consoles are told to
/// reload and hear A again.
final class PostgresEventRelayTests: PostgresTestCase {

    /// What one hub's client heard, collected as it arrives.
    final class Heard: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [OperatorEvent] = []
        private var read = 0
        let task: Task<Void, Never>

        init(_ stream: AsyncStream<OperatorEvent>) {
            let box = Box()
            task = Task { for await event in stream where event.kind != .keepalive { box.heard?.append(event) } }
            box.heard = self
        }

        final class Box: @unchecked Sendable { weak var heard: Heard? }

        func append(_ event: OperatorEvent) {
            lock.withLock { events.append(event) }
        }

        private func take() -> OperatorEvent? {
            lock.withLock {
                guard read < events.count else { return nil }
                read += 1
                return events[read - 1]
            }
        }

        /// The next event not yet taken, waiting up to `timeout`.
        func next(within timeout: Duration = .seconds(10), line: UInt = #line) async throws -> OperatorEvent {
            var taken: OperatorEvent?
            try await waitUntil("an event", timeout: timeout, line: line) {
                taken = take()
                return taken != nil
            }
            return try XCTUnwrap(taken)
        }
    }

    func testEventsReachTheOtherInstanceOnceAndAfterACutConnectionItReloads() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        func instance(_ name: String) async throws -> (PostgresStore, EventHub, Task<Void, Never>) {
            let database = try await PostgresStore.open(PostgresEndpoint(settings: settings, applicationName: "coordinator relay \(name)"), logger: PostgresMigrations.quietLogger)
            let relay = PostgresEventRelay(database: database, logger: PostgresMigrations.quietLogger)
            let hub = EventHub(relay: relay)
            let task = Task { await relay.run { kind, data in hub.publish(kind, data: data, relayed: true) } }
            return (database, hub, task)
        }
        let (dbA, a, taskA) = try await instance("a")
        let (dbB, b, taskB) = try await instance("b")
        let heardByA = Heard(a.attach(lastEventID: nil).stream)
        let heardByB = Heard(b.attach(lastEventID: nil).stream)
        // Both listen before anything is sent: LISTEN is not retroactive.
        try await waitUntil("both instances listen", timeout: .seconds(10)) {
            let listening = try server.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'coordinator relay %' AND query LIKE 'LISTEN%'",
                database: settings.database)
            return listening.trimmingCharacters(in: .whitespacesAndNewlines) == "2"
        }

        a.publish(.dispatch, data: #"{"repo":"demo","issue":7}"#)
        let own = try await heardByA.next()
        XCTAssertEqual(own.data, #"{"repo":"demo","issue":7}"#)
        let relayed = try await heardByB.next()
        XCTAssertEqual(relayed.kind, .dispatch)
        XCTAssertEqual(relayed.data, #"{"repo":"demo","issue":7}"#)
        // B's relayed copy is not sent back to A: A's next event is B's own.
        b.publish(.poll, data: #"{"repo":"demo"}"#)
        _ = try await heardByB.next()
        let fromB = try await heardByA.next()
        XCTAssertEqual(fromB.kind, .poll, "A heard its own event back instead of B's")

        // Too large for a NOTIFY: the other instance's consoles reload.
        a.publish(.issue, data: String(repeating: "x", count: 9_000))
        _ = try await heardByA.next()
        let large = try await heardByB.next()
        XCTAssertEqual(large.kind, .reload)

        // B's listening connection is cut: B's consoles reload, then hear A again.
        let cut = try server.terminateBackends(applicationLike: "coordinator relay b")
        XCTAssertGreaterThanOrEqual(cut, 1)
        let reload = try await heardByB.next(within: .seconds(15))
        XCTAssertEqual(reload.kind, .reload)
        try await waitUntil("B listens again", timeout: .seconds(15)) {
            let listening = try server.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'coordinator relay b' AND query LIKE 'LISTEN%'",
                database: settings.database)
            return listening.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        }
        a.publish(.dispatch, data: #"{"repo":"demo","issue":8}"#)
        let again = try await heardByB.next()
        XCTAssertEqual(again.data, #"{"repo":"demo","issue":8}"#)

        for task in [taskA, taskB] { task.cancel(); await task.value }
        heardByA.task.cancel()
        heardByB.task.cancel()
        await dbA.connections.shutdown()
        await dbB.connections.shutdown()
    }
}
