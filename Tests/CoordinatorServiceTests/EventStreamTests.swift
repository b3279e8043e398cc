import AsyncHTTPClient
import Coordinator
@testable import CoordinatorService
import Foundation
import NIOCore
import Sandbox
import XCTest

/// `GET /api/events` over real HTTP: a relabel in the Sandbox reaches an attached client as a
/// `dispatch` event without it asking; a reconnect with `Last-Event-ID` resumes; the token gate
/// holds; shutting `serve` down ends the stream.
final class EventStreamTests: XCTestCase {
    static let readToken = "events-read-token-for-tests"
    private var daemon: DaemonHarness?
    /// Made in `setUp` (an `HTTPClient` must be shut down, and XCTest makes an instance per test).
    private var http: HTTPClient?

    override func setUp() async throws {
        try await super.setUp()
        http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    override func tearDown() async throws {
        await daemon?.stop()
        daemon = nil
        try await http?.shutdown()
        http = nil
        try await super.tearDown()
    }

    /// The events an open stream delivers, parsed as they arrive.
    private final class EventReader: @unchecked Sendable {
        private var iterator: HTTPClientResponse.Body.AsyncIterator
        private var pending = ""

        init(_ response: HTTPClientResponse) {
            iterator = response.body.makeAsyncIterator()
        }

        /// The next event (id, type, data); nil when the stream ended.
        func next() async throws -> (id: String, event: String, data: String)? {
            while true {
                if let end = pending.range(of: "\n\n") {
                    let block = String(pending[..<end.lowerBound])
                    pending = String(pending[end.upperBound...])
                    var fields: [String: String] = [:]
                    for line in block.split(separator: "\n") {
                        guard let colon = line.firstIndex(of: ":") else { continue }
                        fields[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                    }
                    if let id = fields["id"], let event = fields["event"] { return (id, event, fields["data"] ?? "") }
                    continue
                }
                guard let buffer = try await iterator.next() else { return nil }
                pending += String(buffer: buffer)
            }
        }
    }

    private func open(_ base: String, token: String?, lastEventID: String? = nil) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: base + "/api/events")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        return try await XCTUnwrap(http).execute(request, timeout: .seconds(30))
    }

    private func nextEvent(_ reader: EventReader, _ type: String) async throws -> (id: String, event: String, data: String) {
        try await withThrowingTaskGroup(of: (id: String, event: String, data: String)?.self) { group in
            group.addTask {
                while let event = try await reader.next() {
                    if event.event == type { return event }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let event = first else { throw EventTimeout(type: type) }
            return event
        }
    }

    struct EventTimeout: Error { var type: String }

    func testARelabelReachesAnAttachedClientAsADispatchAndAReconnectResumes() async throws {
        let issues = (1...2).map { Scenario.Issue(number: $0, title: "Issue \($0)", createdAt: "2026-11-20T08:00:00Z") }
        let h = try await DaemonHarness.start(
            issues: issues, operators: [ServeOperator(name: "bob", role: .read, tokenDigest: TokenDigest(of: Self.readToken))])
        daemon = h

        let refused = try await open(h.url, token: "wrong")
        XCTAssertEqual(refused.status.code, 401)
        let response = try await open(h.url, token: Self.readToken)
        XCTAssertEqual(response.status.code, 200)
        XCTAssertEqual(response.headers.first(name: "Content-Type"), "text/event-stream; charset=utf-8")
        let reader = EventReader(response)

        _ = await h.server.setLabels(owner: "acme", repo: "demo", number: 2, labels: ["status-02:awaiting-planning"])
        let dispatch = try await nextEvent(reader, "dispatch")
        let fields = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dispatch.data.utf8)) as? [String: Any])
        XCTAssertEqual(fields["repo"] as? String, "demo")
        XCTAssertEqual(fields["issue"] as? Int, 2)
        XCTAssertEqual(fields["outcome"] as? String, "dispatched")
        XCTAssertEqual(fields["labels"] as? [String], ["status-03:planning"])

        // Another dispatch while no client listens; a reconnect from the last id seen gets it.
        let events = h.daemon.events
        let missedBefore = events.publish(.poll, data: #"{"repo":"demo","at":"marker"}"#)
        let resumed = EventReader(try await open(h.url, token: Self.readToken, lastEventID: dispatch.id))
        let replayed = try await nextEvent(resumed, "poll")
        XCTAssertLessThanOrEqual(Self.sequence(dispatch.id), Self.sequence(replayed.id))
        var seenMarker = replayed.id == missedBefore.id
        while !seenMarker, let next = try await resumed.next() { seenMarker = next.id == missedBefore.id }
        XCTAssertTrue(seenMarker, "the event published after the last one seen is replayed")

        // An id of another run gets a reload.
        let stale = EventReader(try await open(h.url, token: Self.readToken, lastEventID: "0-5"))
        let reload = try await nextEvent(stale, "reload")
        XCTAssertTrue(reload.data.contains("serve restarted"), reload.data)
    }

    func testShuttingServeDownEndsAnOpenStream() async throws {
        let h = try await DaemonHarness.start(
            operators: [ServeOperator(name: "bob", role: .read, tokenDigest: TokenDigest(of: Self.readToken))])
        daemon = h
        let reader = EventReader(try await open(h.url, token: Self.readToken))
        XCTAssertEqual(h.daemon.events.clientCount, 1)
        let began = ContinuousClock.now
        await h.stop()
        daemon = nil
        while try await reader.next() != nil {}
        XCTAssertLessThan(ContinuousClock.now - began, .seconds(10), "not held until the shutdown grace ran out")
    }

    private static func sequence(_ id: String) -> Int {
        id.split(separator: "-").last.flatMap { Int($0) } ?? -1
    }
}
