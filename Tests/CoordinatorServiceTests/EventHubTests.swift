@testable import CoordinatorService
import XCTest

/// The operator event stream's buffer: order, resume after a reconnect, reload when a hole would
/// be left, slow clients dropped.
final class EventHubTests: XCTestCase {
    private func take(_ count: Int, from stream: AsyncStream<OperatorEvent>) async -> [OperatorEvent] {
        var taken: [OperatorEvent] = []
        for await event in stream {
            taken.append(event)
            if taken.count == count { break }
        }
        return taken
    }

    func testAttachedClientsGetEveryEventInOrderWithIDsOfThisRun() async {
        let hub = EventHub(epoch: "e1")
        let (_, first) = hub.attach(lastEventID: nil)
        let (_, second) = hub.attach(lastEventID: nil)
        hub.publish(.issue, data: #"{"number":1}"#)
        hub.publish(.dispatch, data: #"{"number":1}"#)
        let one = await take(2, from: first)
        let two = await take(2, from: second)
        XCTAssertEqual(one.map(\.id), ["e1-1", "e1-2"])
        XCTAssertEqual(one.map(\.kind), [.issue, .dispatch])
        XCTAssertEqual(one, two)
    }

    func testAReconnectWithTheLastIDGetsWhatItMissedAndNothingTwice() async {
        let hub = EventHub(epoch: "e1", capacity: 10)
        for n in 1...5 { hub.publish(.poll, data: "{\"n\":\(n)}") }
        let (_, stream) = hub.attach(lastEventID: "e1-3")
        hub.publish(.poll, data: #"{"n":6}"#)
        let events = await take(3, from: stream)
        XCTAssertEqual(events.map(\.id), ["e1-4", "e1-5", "e1-6"])
    }

    func testTooOldAnotherRunsOrAForgedIDMeansReload() async {
        let hub = EventHub(epoch: "e2", capacity: 3)
        for n in 1...10 { hub.publish(.poll, data: "{\"n\":\(n)}") }
        for (id, reason) in [("e2-2", "no longer kept"), ("e1-9", "serve restarted"), ("e2-99", "ahead"), ("garbage", "not one of this run"),
                             ("e2-\(String(repeating: "9", count: 40))", "not one of this run")] {
            let replay = hub.replay(after: id)
            XCTAssertEqual(replay.map(\.kind), [.reload], id)
            XCTAssertEqual(replay.first?.id, "e2-10", "the client resumes from the newest once it has reloaded")
            XCTAssertTrue(replay.first?.data.contains(reason) ?? false, "\(id): \(replay)")
        }
        let caughtUp = hub.replay(after: "e2-10")
        XCTAssertEqual(caughtUp, [], "nothing missed")
        let edge = hub.replay(after: "e2-7")
        XCTAssertEqual(edge.map(\.id), ["e2-8", "e2-9", "e2-10"], "the oldest kept follows the last seen: no hole")
    }

    func testAClientTooSlowToTakeItsEventsIsDroppedAndTheOthersKeepGoing() async {
        let hub = EventHub(epoch: "e3", capacity: 2, clientBuffer: 2)
        let (_, slow) = hub.attach(lastEventID: nil)
        let (_, fast) = hub.attach(lastEventID: nil)
        var fastSeen: [OperatorEvent] = []
        var iterator = fast.makeAsyncIterator()
        for n in 1...10 {
            hub.publish(.poll, data: "{\"n\":\(n)}")
            if let event = await iterator.next() { fastSeen.append(event) }
        }
        XCTAssertEqual(fastSeen.count, 10)
        var slowSeen = 0
        for await _ in slow { slowSeen += 1 }
        XCTAssertEqual(slowSeen, 4, "its buffer's worth, then its stream ended")
        let clients = hub.clientCount
        XCTAssertEqual(clients, 1)
    }

    func testTheWireTextIsServerSentEventsWithNoLineBreakInjected() {
        let event = OperatorEvent(id: "e-1", kind: .dispatch, data: "{\"a\":1}\nevent: reload\r")
        XCTAssertEqual(event.wireText, "id: e-1\nevent: dispatch\ndata: {\"a\":1}\ndata: event: reload\n\n")
        // A CRLF is one Character: the line break is still found, and its CR dropped.
        let crlf = OperatorEvent(id: "e-2", kind: .dispatch, data: "{\"a\":1}\r\nevent: reload\r\n")
        XCTAssertEqual(crlf.wireText, "id: e-2\nevent: dispatch\ndata: {\"a\":1}\ndata: event: reload\ndata: \n\n")
    }
}
