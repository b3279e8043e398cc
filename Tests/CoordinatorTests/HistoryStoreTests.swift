import Foundation
import Logging
import XCTest
@testable import Coordinator

/// The dispatch history as a store (SPEC §12): typed records decoded in one place, the one
/// projection, the checkpoint a new process starts from, compaction into the archive, and what
/// happens to lines and checkpoints that cannot be read.
final class HistoryStoreTests: XCTestCase {
    var dir: URL!
    var store: IssueCacheStore!
    var log: HistoryLog!
    let p02 = "status-02:awaiting-planning", b03 = "status-03:planning"

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory()
        store = IssueCacheStore(directory: dir.path, repo: demoRepo.repo)
        log = HistoryLog(url: store.ledgerURL)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// A new process's view of the history.
    func newHistory(retentionDays: Int = 90) -> RepoHistory {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return RepoHistory(
            log: store.ledgerURL, checkpoint: store.historyCheckpointURL, archive: store.historyArchiveURL,
            retentionDays: retentionDays, logger: logger)
    }

    /// One finished dispatch of `issue`: intent, started, labels moved, done, its build's end.
    func finishedDispatch(_ id: String, issue: Int, at time: Date) throws {
        let steps: [HistoryStep] = [
            .intent(.init(workflow: "create-plan", by: "cron@host (run)", issueUpdatedAt: time, jobPath: "Folder/Sub/Job", parameters: [JobParameter("BRANCH_NAME", "main")])),
            .jobStarted(queueID: issue, merged: false), .labelsMoved, .done(queueID: issue, buildURL: "http://j/job/x/\(issue)/", message: nil),
            .buildFinished(.init(buildNumber: issue, result: "SUCCESS", durationMS: 1000, finishedAt: time + 60)),
        ]
        // Written in one go, without an fsync per line: test set-up, thousands of lines.
        var lines = Data()
        for (offset, step) in steps.enumerated() {
            lines.append(HistoryLine.encode(HistoryRecord(time: time + TimeInterval(offset), dispatchID: id, issue: issue, pickup: p02, busy: b03, step: step)))
            lines.append(UInt8(ascii: "\n"))
        }
        if !FileManager.default.fileExists(atPath: store.ledgerURL.path) { try Data().write(to: store.ledgerURL) }
        let handle = try FileHandle(forWritingTo: store.ledgerURL)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: lines)
    }

    // MARK: Records

    func testEveryStepReadsBackAsItWasWritten() throws {
        let time = try XCTUnwrap(Timestamp.parse("2026-12-01T10:00:00Z"))
        let steps: [HistoryStep] = [
            .intent(.init(workflow: "implement", by: "alice@host (console)", issueUpdatedAt: time, jobPath: "A/B", parameters: [JobParameter("COMMAND", "make\nrun")])),
            .answerLost(message: "connection reset"), .jobStarted(queueID: 7, merged: true),
            .jobFound(place: .builds, queueID: 8, buildURL: "http://j/job/B/3/", message: "found"), .jobFound(place: nil, queueID: nil, buildURL: nil, message: nil),
            .jobAbsent(message: "none"), .labelsMoved, .done(queueID: 7, buildURL: nil, message: "recovered"), .failed(message: "HTTP 500"),
            .buildStarted(buildNumber: 3), .buildFinished(.init(buildNumber: 3, result: "FAILURE", durationMS: 4200, finishedAt: time)),
            .reset(workflow: "implement", by: "bob@host (console)", message: "status-06:implementing → status-05:plan-ready (pickup)"),
        ]
        for step in steps {
            let record = HistoryRecord(time: time, dispatchID: "d", issue: 12, pickup: "p", busy: "b", step: step)
            XCTAssertEqual(try HistoryLine.decode(HistoryLine.encode(record)), record, "\(step.kind)")
        }
    }

    func testLedgerLinesOfTheVersionBeforeReadWithoutLosingARecord() throws {
        // Exactly what the previous version wrote (workflow on every line, by on the intent).
        let lines = [
            #"{"busy":"status-03:planning","by":"op@host (run)","dispatch_id":"a1","event":"intent","issue":4,"issue_updated_at":"2026-11-24T09:00:00Z","job_path":"Folder/Sub/Job","parameters":[{"name":"BRANCH_NAME","value":"main"}],"pickup":"status-02:awaiting-planning","time":"2026-12-01T10:00:00Z","workflow":"create-plan"}"#,
            #"{"busy":"status-03:planning","dispatch_id":"a1","event":"job_started","issue":4,"merged":false,"pickup":"status-02:awaiting-planning","queue_id":31,"time":"2026-12-01T10:00:01Z","workflow":"create-plan"}"#,
            #"{"busy":"status-03:planning","dispatch_id":"a1","event":"labels_moved","issue":4,"pickup":"status-02:awaiting-planning","time":"2026-12-01T10:00:02Z","workflow":"create-plan"}"#,
            #"{"build_url":"http://j/job/x/9/","busy":"status-03:planning","dispatch_id":"a1","event":"done","issue":4,"pickup":"status-02:awaiting-planning","queue_id":31,"time":"2026-12-01T10:00:03Z","workflow":"create-plan"}"#,
            #"{"build_number":9,"busy":"status-03:planning","dispatch_id":"a1","duration_ms":5000,"event":"build_finished","finished_at":"2026-12-01T10:05:00Z","issue":4,"pickup":"status-02:awaiting-planning","result":"FAILURE","time":"2026-12-01T10:06:00Z"}"#,
            #"{"busy":"status-03:planning","by":"op@host (console)","dispatch_id":"reset-x","event":"reset","issue":4,"message":"status-03:planning → status-02:awaiting-planning (pickup)","pickup":"status-02:awaiting-planning","time":"2026-12-01T11:00:00Z","workflow":"create-plan"}"#,
            #"{"busy":"status-03:planning","by":"op@host (run)","dispatch_id":"b1","event":"intent","issue":5,"pickup":"status-02:awaiting-planning","time":"2026-12-01T12:00:00Z","workflow":"create-plan"}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: store.ledgerURL)
        let read = log.read(after: nil)
        XCTAssertEqual(read.notices, [])
        XCTAssertEqual(read.records.map(\.kind), [.intent, .jobStarted, .labelsMoved, .done, .buildFinished, .reset, .intent])
        let history = newHistory().current()
        let a1 = try XCTUnwrap(history.dispatches["a1"])
        XCTAssertEqual(a1.by, "op@host (run)")
        XCTAssertEqual(a1.workflow, "create-plan")
        XCTAssertEqual(a1.queueID, 31)
        XCTAssertEqual(a1.buildNumber, 9)
        XCTAssertEqual(a1.finished?.state, .failure)
        XCTAssertEqual(a1.labelsMovedAt, Timestamp.parse("2026-12-01T10:00:02Z"))
        XCTAssertNil(history.trail(issue: 4), "the reset closed its trail")
        XCTAssertEqual(history.last(issue: 4)?.by, "op@host (console)")
        XCTAssertEqual(history.unfinishedDispatch(issue: 5, pickup: p02)?.dispatchID, "b1", "an intent without parameters is still recovered")
        XCTAssertEqual(history.recordCount, 7)
    }

    func testAStepFromANewerVersionIsKeptReportedAndSkipped() throws {
        try finishedDispatch("a", issue: 1, at: Date())
        let future = #"{"busy":"status-03:planning","dispatch_id":"a","event":"bot_reported","issue":1,"pickup":"status-02:awaiting-planning","progress":40,"time":"2026-12-01T10:00:00Z"}"#
        let handle = try FileHandle(forWritingTo: store.ledgerURL)
        handle.seekToEndOfFile()
        handle.write(Data((future + "\n").utf8))
        try handle.close()
        try finishedDispatch("b", issue: 2, at: Date())

        let history = newHistory()
        let projection = history.current()
        XCTAssertEqual(projection.dispatches["a"]?.lastStep, .done, "an unknown step never changes where a dispatch stands")
        XCTAssertNotNil(projection.dispatches["b"])
        let notice = try XCTUnwrap(projection.notices.first)
        XCTAssertEqual(notice.kind, .unknownStep)
        XCTAssertEqual(notice.line, 6)
        XCTAssertTrue(notice.description.contains("bot_reported"), notice.description)
        XCTAssertTrue(String(decoding: try Data(contentsOf: store.ledgerURL), as: UTF8.self).contains(future), "the line stays in the file")
    }

    func testADamagedMiddleLineIsReportedWithFileAndLineAndTheRestLoads() throws {
        try finishedDispatch("a", issue: 1, at: Date())
        let handle = try FileHandle(forWritingTo: store.ledgerURL)
        handle.seekToEndOfFile()
        handle.write(Data(#"{"dispatch_id":"x","issue":"seven"}"#.utf8 + [UInt8(ascii: "\n")]))
        handle.write(Data("\u{1}garbage\n".utf8))
        try handle.close()
        try finishedDispatch("b", issue: 2, at: Date())

        let history = newHistory()
        let projection = history.current()
        XCTAssertEqual(Set(projection.dispatches.keys), ["a", "b"])
        XCTAssertEqual(projection.notices.map(\.line), [6, 7])
        XCTAssertEqual(projection.notices.map(\.kind), [.damaged, .damaged])
        XCTAssertEqual(projection.notices.first?.file, store.ledgerURL.path)
        XCTAssertTrue(projection.notices[0].description.contains(#"{"dispatch_id":"x","issue":"seven"}"#), projection.notices[0].description)
        XCTAssertTrue(history.notices().contains { $0.contains("line 7") }, "status shows them: \(history.notices())")
    }

    // MARK: The checkpoint

    func testANewProcessReadsTheCheckpointAndTheTailOnly() throws {
        let start = Date().addingTimeInterval(-3600)
        for number in 1...60 { try finishedDispatch("d\(number)", issue: number, at: start + TimeInterval(number)) }
        let writer = newHistory()
        writer.maintain()
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.historyCheckpointURL.path), "300 lines: a checkpoint is due")
        try finishedDispatch("tail", issue: 99, at: Date())

        // The lines before the checkpoint are never read again: blank them out in place.
        let checkpointed = try HistoryCheckpoint.decode(try Data(contentsOf: store.historyCheckpointURL)).position.offset
        let handle = try FileHandle(forWritingTo: store.ledgerURL)
        try handle.write(contentsOf: Data(repeating: UInt8(ascii: " "), count: Int(checkpointed) - 1))
        try handle.close()

        let reader = newHistory().current()
        XCTAssertEqual(reader.notices, [], "nothing before the checkpoint was read")
        XCTAssertEqual(reader.recordCount, 305)
        XCTAssertEqual(reader.dispatches.count, 61)
        XCTAssertEqual(reader.dispatches["d7"]?.finished?.state, .success)
        XCTAssertEqual(reader.recent(limit: 2).map(\.dispatchID), ["d60", "tail"])
    }

    func testTheCheckpointHoldsExactlyTheProjection() throws {
        let start = Date().addingTimeInterval(-600)
        for number in 1...5 { try finishedDispatch("d\(number)", issue: number, at: start) }
        try log.append(HistoryRecord(
            time: start, dispatchID: "u", issue: 9, pickup: p02, busy: b03,
            step: .intent(.init(workflow: "create-plan", by: "x", issueUpdatedAt: start, jobPath: "J", parameters: [JobParameter("A", "ü\"\n")]))))
        try log.append(.plain(.reset, id: "r", issue: 2, pickup: p02, busy: b03, at: start))
        let history = newHistory()
        history.checkpoint()
        let snapshot = try HistoryCheckpoint.decode(try Data(contentsOf: store.historyCheckpointURL))
        XCTAssertEqual(snapshot.projection, history.current())
        XCTAssertEqual(snapshot.projection, log.projection())
    }

    func testATornCheckpointIsMovedAsideAndRebuiltFromTheLog() throws {
        let start = Date().addingTimeInterval(-600)
        for number in 1...60 { try finishedDispatch("d\(number)", issue: number, at: start) }
        newHistory().checkpoint()
        let whole = try Data(contentsOf: store.historyCheckpointURL)
        let expected = log.projection()

        // What a writer killed mid-write would leave if it wrote in place: every cut is refused.
        for cut in [0, 10, whole.count / 2, whole.count - 1] {
            try whole.prefix(cut).write(to: store.historyCheckpointURL)
            let history = newHistory()
            XCTAssertEqual(history.current().dispatches, expected.dispatches, "cut at \(cut)")
            XCTAssertTrue(history.notices().contains { $0.contains("moved aside") }, "cut at \(cut): \(history.notices())")
            XCTAssertFalse(FileManager.default.fileExists(atPath: store.historyCheckpointURL.path))
        }
        // A flipped byte is caught by the checksum.
        var flipped = whole
        flipped[whole.count / 2] ^= 0x5a
        try flipped.write(to: store.historyCheckpointURL)
        XCTAssertEqual(newHistory().current().dispatches, expected.dispatches)
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".history.checkpoint.corrupt-") }
        XCTAssertEqual(aside.count, 5, "each damaged checkpoint is kept for a look: \(aside)")
    }

    func testACheckpointWhosePositionIsBeforeTheFilesStartIsRefused() throws {
        // Checksummed and whole, but it would leave the tail unread for ever.
        for position in [HistoryLog.Position(device: 1, inode: 2, offset: -5, line: 3), .init(device: 1, inode: 2, offset: 5, line: -1)] {
            let data = HistoryCheckpoint.encode(.init(position: position, projection: HistoryProjection()))
            XCTAssertThrowsError(try HistoryCheckpoint.decode(data), "\(position)")
        }
        XCTAssertNoThrow(try HistoryCheckpoint.decode(HistoryCheckpoint.encode(.init(
            position: .init(device: 1, inode: 2, offset: 5, line: 1), projection: HistoryProjection()))))
    }

    func testACheckpointKilledMidWriteLeavesTheOldOneAndTheLog() throws {
        // A real writer killed while writing: SIGKILL a child process in the middle of
        // AtomicFile.write is out of reach of XCTest, so the state it leaves is built: the old
        // checkpoint, and a half-written temp file beside it.
        let start = Date().addingTimeInterval(-600)
        for number in 1...10 { try finishedDispatch("d\(number)", issue: number, at: start) }
        newHistory().checkpoint()
        for number in 11...12 { try finishedDispatch("d\(number)", issue: number, at: start) }
        let temp = dir.appendingPathComponent(".\(store.historyCheckpointURL.lastPathComponent).tmp-99999-x")
        try Data(HistoryCheckpoint.magic + [1, 2, 3]).write(to: temp)
        let history = newHistory()
        XCTAssertEqual(history.current().dispatches, log.projection().dispatches)
        XCTAssertEqual(history.notices(), [])
    }

    // MARK: Compaction

    func testCompactionMovesOldFinishedHistoryToTheArchiveAndKeepsWhatRecoveryNeeds() async throws {
        let old = Date().addingTimeInterval(-200 * 86_400)
        for number in 1...10 { try finishedDispatch("old\(number)", issue: number, at: old) }
        // An unfinished dispatch from before the retention: recovery needs it, whatever its age.
        let plan = DispatchPlanner().plan(issue: issue(50, [p02]), route: WorkflowMapping.standard.route(forPickup: p02)!, repo: demoRepo, linkedBranches: nil).plan!
        try log.append(HistoryRecord(
            time: old + 100, dispatchID: "stalled", issue: 50, pickup: p02, busy: b03,
            step: .intent(.init(workflow: "create-plan", by: "cron@host (run)", jobPath: plan.jobPath, parameters: plan.parameters))))
        try log.append(HistoryRecord(time: old + 101, dispatchID: "stalled", issue: 50, pickup: p02, busy: b03, step: .jobStarted(queueID: 77, merged: false)))
        for number in 11...12 { try finishedDispatch("new\(number)", issue: number, at: Date().addingTimeInterval(-3600)) }
        let before = log.records()

        let jenkins = FakeJenkins()
        let service = fakeService(store: store, github: FakeGitHub([issue(50, [p02], updated: Timestamp.format(old))]), jenkins: jenkins)
        try await service.withLock { _ in }  // a session ends: compaction is due
        let kept = log.records()
        let archived = HistoryLog(url: store.historyArchiveURL).records()
        XCTAssertEqual(Set(archived.map(\.dispatchID)), Set((1...10).map { "old\($0)" }))
        XCTAssertEqual(Set(kept.map(\.dispatchID)), ["stalled", "new11", "new12"])
        XCTAssertEqual(archived.count + kept.count, before.count, "no record lost")
        XCTAssertEqual(Set(archived.map(HistoryLine.encode) + kept.map(HistoryLine.encode)), Set(before.map(HistoryLine.encode)))
        let projection = service.history.current()
        XCTAssertEqual(projection, newHistory().current(), "a new process starts from the new checkpoint")
        XCTAssertNil(projection.dispatches["old3"])
        XCTAssertEqual(projection.recordCount, kept.count)

        // Recovery after compaction still finds the unfinished dispatch: the labels move, no second job.
        let outcome = await service.dispatch(issueNumber: 50, by: "tester@host (run)").outcome
        guard case let .recovered(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(receipt.queueID, 77)
        let started = await jenkins.started.count
        XCTAssertEqual(started, 0)
    }

    func testCompactionWhileAnotherProcessAppendsLosesNothing() async throws {
        let old = Date().addingTimeInterval(-200 * 86_400)
        for number in 1...40 { try finishedDispatch("old\(number)", issue: number, at: old) }
        let compactor = fakeService(store: store)
        let appender = fakeService(store: store)  // another process: its own view of the history
        XCTAssertEqual(appender.history.current().recordCount, 200)
        let pickup = p02, busy = b03
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await compactor.withLock { _ in } }
            group.addTask {
                for number in 1...30 {
                    try await appender.withLock { session in
                        try await session.record(.plain(.intent, id: "new\(number)", issue: 100 + number, pickup: pickup, busy: busy))
                    }
                }
            }
            try await group.waitForAll()
        }
        let kept = log.records()
        let archived = HistoryLog(url: store.historyArchiveURL).records()
        XCTAssertEqual(archived.count, 200)
        XCTAssertEqual(Set(kept.map(\.dispatchID)), Set((1...30).map { "new\($0)" }))
        // Both processes' views agree with the files, whichever ran first.
        XCTAssertEqual(Set(appender.history.current().dispatches.keys), Set(kept.map(\.dispatchID)))
        XCTAssertEqual(Set(compactor.history.current().dispatches.keys), Set(kept.map(\.dispatchID)))
    }

    func testAnOldUnfinishedDispatchDoesNotMakeEverySessionCompactAgain() async throws {
        let old = Date().addingTimeInterval(-200 * 86_400)
        try finishedDispatch("old", issue: 1, at: old)
        try log.append(.plain(.intent, id: "stalled", issue: 2, pickup: p02, busy: b03, at: old + 10))
        let service = fakeService(store: store)
        try await service.withLock { _ in }
        XCTAssertEqual(HistoryLog(url: store.historyArchiveURL).records().map(\.dispatchID), Array(repeating: "old", count: 5))
        let inode = try XCTUnwrap(log.end()).inode
        try await service.withLock { _ in }
        try await fakeService(store: store).withLock { _ in }  // a new process: from the checkpoint
        XCTAssertEqual(try XCTUnwrap(log.end()).inode, inode, "the log was not rewritten again")
        XCTAssertNotNil(service.history.current().compactionNotBefore)
    }

    func testTheProjectionKeepsEachIssuesNewestAndWhatRecoveryNeedsNotTheYears() throws {
        let now = Date()
        // 1 200 finished dispatches of 5 issues over 240 days, newest last as a log holds them.
        for day in (1...240).reversed() {
            for number in 1...5 { try finishedDispatch("d\(day)-\(number)", issue: number, at: now.addingTimeInterval(-Double(day) * 3600)) }
        }
        // Issue 2 has a stalled dispatch from 220 hours ago: its later dispatches stay for recovery.
        try log.append(.plain(.intent, id: "stalled", issue: 2, pickup: "status-05:plan-ready", busy: "status-06:implementing", at: now.addingTimeInterval(-220 * 3600)))
        for number in 1...5 { try finishedDispatch("today-\(number)", issue: 100 + number, at: now) }
        let history = newHistory()
        history.checkpoint()
        let projection = history.current()
        // The newest thousand (days 1 … 198, four of day 199, the stalled one, today's five), and
        // issue 2's dispatches since it stalled (days 199 … 220).
        let newest = (1...198).flatMap { day in (1...5).map { "d\(day)-\($0)" } } + (2...5).map { "d199-\($0)" } + ["stalled"] + (1...5).map { "today-\($0)" }
        let sinceStalled = (199...220).map { "d\($0)-2" }
        XCTAssertEqual(Set(projection.dispatches.keys), Set(newest + sinceStalled))
        XCTAssertEqual(projection.dispatches.count, 1_021)
        XCTAssertEqual(projection.last(issue: 3)?.dispatchID, "d1-3")
        XCTAssertEqual(projection.unfinishedDispatch(issue: 2, pickup: "status-05:plan-ready")?.dispatchID, "stalled")
        XCTAssertEqual(projection.recordCount, 1_200 * 5 + 1 + 25)
        XCTAssertEqual(newHistory().current(), projection, "a new process starts from the same projection")
    }

    func testNothingToCompactInsideTheRetention() throws {
        for number in 1...3 { try finishedDispatch("d\(number)", issue: number, at: Date().addingTimeInterval(-80 * 86_400)) }
        let history = newHistory()
        history.maintain()
        XCTAssertEqual(try history.compact(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.historyArchiveURL.path))
        XCTAssertEqual(log.records().count, 15)
    }
}
