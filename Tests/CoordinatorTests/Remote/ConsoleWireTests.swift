import Foundation
import XCTest
@testable import Coordinator

/// The console protocol's coding: the core's values come back equal, times to the millisecond,
/// log bytes as base64; and the Server-Sent Events parser reads what the WHATWG rules say.
final class ConsoleWireTests: XCTestCase {
    func roundTrip<T: Codable & Equatable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try ConsoleWire.data(value)
        XCTAssertEqual(try ConsoleWire.decode(T.self, from: data), value, String(decoding: data, as: UTF8.self), file: file, line: line)
    }

    func testTheCoresValuesComeBackEqual() throws {
        let time = Date(timeIntervalSince1970: 1_795_000_000.123)
        let issue = Issue(number: 7, title: "Émoji 🚀 title", labels: ["status-02:awaiting-planning"], createdAt: Timestamp.parse("2026-11-20T08:00:00Z"))
        var history = HistoryProjection()
        history.apply(HistoryRecord(
            time: time, dispatchID: "d7", issue: 7, pickup: "status-02:awaiting-planning", busy: "status-03:planning",
            step: .intent(.init(workflow: "create-plan", by: "alice (api)"))))
        let summary = try XCTUnwrap(history.last(issue: 7))
        try roundTrip(CacheSnapshot(issues: [7: issue], times: CacheTimes(lastChecked: time, lastFullRefresh: nil, cursor: time), notice: "moved aside", lastDispatches: [7: summary]))
        let receipt = DispatchReceipt(
            issueNumber: 7, jobPath: "A/b", labelMove: LabelMove(remove: "x", add: "y"), queueID: 3, merged: false, labels: ["y"], cacheUpdated: true)
        try roundTrip(OperatorDispatch(outcome: .dispatched(receipt), change: IssueChange(number: 7, cached: issue, history: summary)))
        try roundTrip(OperatorDispatch(outcome: .skipped(issue: 7, reason: .labelsChanged(live: ["z"]))))
        try roundTrip(OperatorDispatch(outcome: .failed(DispatchFailure(issueNumber: 7, stage: .prepare, message: "no", jobStarted: false))))
        try roundTrip(WorkflowRules())
        try roundTrip(BuildLogBytes(start: 10, bytes: Array("line\n\u{1B}[31mred\u{FF}".utf8) + [0xFF, 0x00], nextStart: 30, more: true))
        let text = try ConsoleWire.line(BuildLogBytes(start: 0, bytes: [0, 1, 2], nextStart: 3, more: false))
        XCTAssertTrue(text.contains(#""bytes":"AAEC""#), text)
        XCTAssertThrowsError(try ConsoleWire.decode(BuildLogBytes.self, from: Data(#"{"start":0,"bytes":"%%%","nextStart":0,"more":false}"#.utf8)))
    }

    func testServerSentEventsParse() {
        var parser = ServerSentEventParser()
        var events = parser.feed(Array("retry: 2000\n\n: comment\nid: r-1\nevent: issue\ndata: {\"a\":\n".utf8))
        XCTAssertEqual(events, [])
        events = parser.feed(Array("data: 1}\n\nid: r-2\r\nevent: poll\r\ndata: x\r\n\r\n".utf8))
        XCTAssertEqual(events, [
            ServerSentEvent(id: "r-1", event: "issue", data: "{\"a\":\n1}"),
            ServerSentEvent(id: "r-2", event: "poll", data: "x"),
        ])
        // Split anywhere, even inside a CRLF; the id stays for the next event.
        let bytes = Array("data:no space\r".utf8)
        XCTAssertEqual(parser.feed(bytes), [])
        XCTAssertEqual(parser.feed(Array("\n\r\n".utf8)), [ServerSentEvent(id: "r-2", event: "message", data: "no space")])
    }

    func testAnEventPastTheDataBoundIsDroppedAndTheNextStillReads() {
        var parser = ServerSentEventParser()
        let line = Array(("data: " + String(repeating: "x", count: 1 << 20 - 10) + "\n").utf8)
        var events: [ServerSentEvent] = []
        for _ in 0..<17 { events += parser.feed(line) }
        events += parser.feed(Array("\nevent: poll\ndata: small\n\n".utf8))
        XCTAssertEqual(events, [ServerSentEvent(id: nil, event: "poll", data: "small")])
    }
}
