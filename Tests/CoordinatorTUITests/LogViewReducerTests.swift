import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The build log view (`l`), as pure reducer steps against a log held in memory.
final class LogViewReducerTests: XCTestCase {
    private let build = LogBuild(jobPath: "demo-job", number: 7, url: "http://jenkins.test/job/demo-job/7/")

    /// `count` lines, "line 1" … , as a log's bytes.
    private func logBytes(_ count: Int, from first: Int = 1, width: Int = 0) -> [UInt8] {
        Array((first..<(first + count)).map { "line \($0)" + String(repeating: "x", count: width) + "\n" }.joined().utf8)
    }

    /// What Jenkins answers to `read` on a log of `bytes` (`running`: the build has not ended).
    private func answer(_ read: LogRead, _ bytes: [UInt8], running: Bool) -> BuildLogBytes {
        let from = min(read.start ?? max(0, bytes.count - read.limit), bytes.count)
        let end = min(from + read.limit, bytes.count)
        return BuildLogBytes(start: from, bytes: Array(bytes[from..<end]), nextStart: end, more: end < bytes.count || running)
    }

    /// Runs the log effects among `effects` against `bytes` until none is left.
    @discardableResult
    private func serve(_ state: inout ConsoleState, _ effects: [ConsoleEffect], _ bytes: [UInt8], running: Bool) -> [LogRead] {
        var queue = effects
        var reads: [LogRead] = []
        while !queue.isEmpty {
            let effect = queue.removeFirst()
            switch effect {
            case let .locateLog(view, _, _, _):
                queue += reduce(&state, .logLocated(view: view, .success(.build(build))))
            case let .readLog(read):
                reads.append(read)
                queue += reduce(&state, .logRead(read, .success(answer(read, bytes, running: running))))
            default:
                break
            }
        }
        return reads
    }

    private func matched(_ state: ConsoleState) -> String? {
        guard let view = state.log, let index = view.matched else { return nil }
        return view.lines[index].plain
    }

    private func shown(_ state: ConsoleState) -> [String] {
        guard let view = state.log else { return [] }
        let height = LogView.height(for: state.size)
        return Array(view.lines.dropFirst(view.top).prefix(height)).map(\.plain)
    }

    func testLOpensTheSelectedIssuesLogAtItsTailAndFollowsIt() {
        var state = Fixtures.loadedState()
        let effects = press(&state, .char("l"))
        guard case let .locateLog(view, repo, issue, dispatchID)? = effects.first else {
            return XCTFail("expected the build to be looked up, got \(effects)")
        }
        XCTAssertEqual(repo, "demo")
        XCTAssertEqual(issue, state.selectedNumber)
        XCTAssertNil(dispatchID, "the issue's newest dispatch")
        XCTAssertEqual(state.log?.phase, .locating)
        let log = logBytes(100_000)
        let reads = serve(&state, reduce(&state, .logLocated(view: view, .success(.build(build)))), log, running: true)
        XCTAssertEqual(reads.map(\.start), [nil], "the tail, not the whole log")
        XCTAssertEqual(reads.first?.limit, 256 * 1024)
        let height = LogView.height(for: state.size)
        XCTAssertEqual(shown(state).last, "line 100000")
        XCTAssertEqual(shown(state).count, height)
        XCTAssertTrue(state.log?.lines.first?.plain.hasPrefix("line ") ?? false, "the line cut by the read's start is dropped")
        XCTAssertTrue(render(state, size: state.size).plainText.contains("line 100000"))
        XCTAssertTrue(render(state, size: state.size).plainText.contains("build #7"))

        // Following: new lines arrive on the clock, without a key.
        let grown = log + logBytes(10, from: 100_001)
        state.now = state.now.addingTimeInterval(1)
        let polled = serve(&state, reduce(&state, .tick(state.now)), grown, running: false)
        XCTAssertEqual(polled.map(\.start), [log.count], "from where the last read ended")
        XCTAssertEqual(shown(state).last, "line 100010")
        XCTAssertTrue(render(state, size: state.size).plainText.contains("finished"))
        state.now = state.now.addingTimeInterval(5)
        XCTAssertEqual(reduce(&state, .tick(state.now)), [], "a finished build is not asked again")
    }

    /// A view with a small window, so a log of a few thousand lines is "huge".
    private func smallWindow(_ state: inout ConsoleState) {
        state.log?.chunkBytes = 4 * 1024
        state.log?.windowBytes = 32 * 1024
    }

    func testAHugeLogIsHeldOnlyAsABoundedWindowWhichMovesBothWays() {
        var state = Fixtures.loadedState()
        let log = logBytes(20_000, width: 20)
        let effects = press(&state, .char("l"))
        smallWindow(&state)
        XCTAssertGreaterThan(log.count, 4 * (state.log?.windowBytes ?? 0))
        serve(&state, effects, log, running: false)
        // Reading backwards, piece by piece, up to the start of the log.
        var reads = 0
        while let view = state.log, !view.atLogStart, reads < 200 {
            reads += serve(&state, press(&state, .pageUp), log, running: false).count
            XCTAssertLessThanOrEqual(state.log.map { $0.nextStart - $0.windowStart } ?? 0, 32 * 1024 + 4 * 1024)
        }
        XCTAssertTrue(state.log?.atLogStart ?? false)
        press(&state, .char("g"))
        XCTAssertEqual(shown(state).first, "line 1" + String(repeating: "x", count: 20))
        XCTAssertEqual(state.log?.follow, false)
        // The window's lines are the log's lines, in order, with nothing lost at the seams.
        let numbers = state.log?.lines.compactMap { Int($0.plain.dropFirst(5).prefix { $0.isNumber }) } ?? []
        XCTAssertEqual(numbers, Array(1...numbers.count))
        // G reads the tail again; j past the window's end reads forward.
        serve(&state, press(&state, .char("G")), log, running: false)
        XCTAssertEqual(shown(state).last, "line 20000" + String(repeating: "x", count: 20))
    }

    func testScrollingDownPastTheWindowReadsOnwardWithoutGapsOrRepeats() {
        var state = Fixtures.loadedState()
        let log = logBytes(20_000, width: 20)
        let effects = press(&state, .char("l"))
        smallWindow(&state)
        serve(&state, effects, log, running: false)
        serve(&state, press(&state, .char("g")), log, running: false)
        var seen: [Int] = []
        var guardCount = 0
        let height = LogView.height(for: state.size)
        while guardCount < 20_000 {
            guardCount += 1
            seen += shown(state).compactMap { Int($0.dropFirst(5).prefix { $0.isNumber }) }.filter { $0 > (seen.last ?? 0) }
            if seen.last == 20_000 { break }
            serve(&state, press(&state, .pageDown), log, running: false)
            XCTAssertLessThanOrEqual(state.log.map { $0.nextStart - $0.windowStart } ?? 0, 32 * 1024 + 4 * 1024)
        }
        XCTAssertEqual(seen, Array(1...20_000), "every line once, in order (page of \(height))")
    }

    func testSearchFindsALineAndNAndShiftNWalkTheMatches() {
        var state = Fixtures.loadedState()
        serve(&state, press(&state, .char("l")), logBytes(500), running: false)
        press(&state, .char("/"))
        XCTAssertTrue(state.log?.isEditingSearch ?? false)
        type(&state, "line 12")
        XCTAssertTrue(render(state, size: state.size).plainText.contains("/line 12_"))
        press(&state, .enter)
        XCTAssertEqual(matched(state), "line 12")
        press(&state, .char("n"))
        XCTAssertEqual(matched(state), "line 120")
        press(&state, .char("N"))
        XCTAssertEqual(matched(state), "line 12")
        press(&state, .char("/"))
        type(&state, "no such text")
        press(&state, .enter)
        XCTAssertEqual(state.result?.message, "“no such text” is not in the log")
    }

    func testAQueuedBuildSaysWhyAndIsAskedAgainUntilItStarts() {
        var state = Fixtures.loadedState()
        guard case let .locateLog(view, _, _, _)? = press(&state, .char("l")).first else { return XCTFail("no lookup") }
        XCTAssertEqual(reduce(&state, .logLocated(view: view, .success(.queued(why: "Waiting for next available executor")))), [])
        XCTAssertTrue(render(state, size: state.size).plainText.contains("queued in Jenkins, not started: Waiting for next available executor"))
        state.now = state.now.addingTimeInterval(0.1)
        XCTAssertEqual(reduce(&state, .tick(state.now)), [], "not before the poll interval")
        state.now = state.now.addingTimeInterval(1)
        guard case .locateLog? = reduce(&state, .tick(state.now)).first else { return XCTFail("asked again") }
    }

    func testAnAnswerForAnEarlierOpeningIsIgnoredAndEscCloses() {
        var state = Fixtures.loadedState()
        guard case let .locateLog(first, _, _, _)? = press(&state, .char("l")).first else { return XCTFail("no lookup") }
        press(&state, .escape)
        XCTAssertNil(state.log)
        guard case let .locateLog(second, _, _, _)? = press(&state, .char("l")).first else { return XCTFail("no lookup") }
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(reduce(&state, .logLocated(view: first, .success(.unavailable("old")))), [])
        XCTAssertEqual(state.log?.phase, .locating)
        XCTAssertEqual(press(&state, .char("d")), [], "the log view only reads")
        XCTAssertEqual(state.result?.message, "the log view only reads: Esc goes back")
        press(&state, .char("l"))
        XCTAssertNil(state.log, "l closes it too")
    }

    func testInTheHistoryLOpensThatDispatchesLog() {
        var state = Fixtures.historyState()
        press(&state, .char("j"))
        let entry = state.history?.selected
        guard case let .locateLog(_, repo, issue, dispatchID)? = press(&state, .char("l")).first else { return XCTFail("no lookup") }
        XCTAssertEqual(repo, entry?.repo)
        XCTAssertEqual(issue, entry?.issue)
        XCTAssertEqual(dispatchID, entry?.dispatchID)
        press(&state, .escape)
        XCTAssertNotNil(state.history, "Esc goes back to the history")
    }

    func testSidewaysScrollAndAJenkinsFailureKeepsWhatIsShown() {
        var state = Fixtures.loadedState()
        serve(&state, press(&state, .char("l")), Array("0123456789abcdefghij-end\n".utf8), running: true)
        press(&state, .right)
        XCTAssertTrue(render(state, size: state.size).plainText.contains("89abcdefghij-end"))
        XCTAssertFalse(render(state, size: state.size).plainText.contains("01234567"))
        press(&state, .left)
        XCTAssertTrue(render(state, size: state.size).plainText.contains("0123456789"))
        state.now = state.now.addingTimeInterval(1)
        guard case let .readLog(read)? = reduce(&state, .tick(state.now)).first else { return XCTFail("no poll") }
        _ = reduce(&state, .logRead(read, .failure(ConsoleFailure("Jenkins answered 503"))))
        XCTAssertEqual(state.log?.lines.map(\.plain), ["0123456789abcdefghij-end"])
        XCTAssertEqual(state.result?.kind, .failure)
        XCTAssertEqual(state.log?.follow, false, "not asked again until F")
        press(&state, .char("F"))
        XCTAssertEqual(state.log?.follow, true)
    }

    func testColoursAreDrawnAndEveryOtherEscapeOrControlNeverReachesTheScreen() {
        var state = Fixtures.loadedState()
        var hostile = Array("\u{1B}[31mred\u{1B}[0m plain\n".utf8)
        hostile += Array("\u{1B}]2;pwned\u{07}after-osc\n".utf8)
        hostile += Array("\u{1B}[2J\u{1B}[Hafter-clear\n".utf8)
        hostile += [0x9B] + Array("31mC1-csi\n".utf8)
        hostile += Array("\u{009B}2Jcodepoint-c1 \u{202E}reversed\n".utf8)
        serve(&state, press(&state, .char("l")), hostile, running: false)
        let grid = render(state, size: state.size)
        let text = grid.plainText
        for expected in ["red plain", "after-osc", "after-clear", "C1-csi", "reversed"] {
            XCTAssertTrue(text.contains(expected), "\(expected) in\n\(text)")
        }
        XCTAssertFalse(text.contains("pwned"), "an OSC is dropped whole")
        for row in 0..<grid.size.rows {
            for column in 0..<grid.size.columns {
                let scalars = grid[row, column].character.unicodeScalars
                XCTAssertFalse(scalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E },
                               "a control at \(row),\(column)")
            }
        }
        guard let row = (0..<grid.size.rows).first(where: { grid.text(row: $0).contains("red plain") }),
              let column = Array(grid.text(row: row)).firstIndex(of: "r")
        else { return XCTFail("red line not drawn") }
        XCTAssertEqual(grid[row, column].style.role, .logRed, "SGR 31 is drawn red")
        XCTAssertEqual(grid[row, column + 4].style.role, .normal, "SGR 0 resets")
    }
}

extension LogViewReducerTests {
    func testOverTheLogTheWheelScrollsItAndAClickOnlyPressesTheLogsHints() throws {
        var state = Fixtures.loadedState()
        let effects = press(&state, .char("l"))
        guard case let .locateLog(view, _, _, _)? = effects.first else { return XCTFail("no lookup") }
        let read = reduce(&state, .logLocated(view: view, .success(.build(LogBuild(jobPath: "j", number: 1)))))
        guard case let .readLog(request)? = read.first else { return XCTFail("no read") }
        let bytes = Array((1...500).map { "line \($0)\n" }.joined().utf8)
        _ = reduce(&state, .logRead(request, .success(BuildLogBytes(start: 0, bytes: bytes, nextStart: bytes.count, more: false))))
        let bottom = state.log?.top ?? 0
        _ = reduce(&state, .mouse(MouseEvent(row: 10, column: 10, kind: .wheelUp)))
        XCTAssertEqual(state.log?.top, bottom - 3)
        XCTAssertEqual(state.log?.follow, false)
        XCTAssertEqual(reduce(&state, .mouse(MouseEvent(row: 10, column: 10, kind: .click))), [], "a click in the log does nothing")
        XCTAssertNotNil(state.log)
        // The footer names the log's keys, and a click on one presses it.
        let footer = render(state, size: state.size).text(row: state.size.rows - 1)
        XCTAssertTrue(footer.contains("F follow") && footer.contains("/ search") && footer.contains("Esc back"), footer)
        XCTAssertFalse(footer.contains("d dispatch"), footer)
        let back = HintBar.placements(keyMap: .standard, width: state.size.columns, rateWidth: 0, inLog: true).first { $0.intent == .dismissMessage }
        let column = try XCTUnwrap(back).column + 2
        _ = reduce(&state, .mouse(MouseEvent(row: state.size.rows - 1, column: column, kind: .click)))
        XCTAssertNil(state.log, "Esc back, clicked")
        XCTAssertNil(state.modal)
    }
}

extension LogViewReducerTests {
    func testGWhileAFollowReadIsOnItsWayStillReadsTheStartAndTheLateAnswerIsDropped() throws {
        var state = Fixtures.loadedState()
        guard case let .locateLog(view, _, _, _)? = press(&state, .char("l")).first else { return XCTFail("no lookup") }
        guard case let .readLog(tail)? = reduce(&state, .logLocated(view: view, .success(.build(LogBuild(jobPath: "j", number: 1))))).first
        else { return XCTFail("no read") }
        let log = Array((1...3000).map { "line \($0)\n" }.joined().utf8)
        let tailStart = log.count - 4096
        _ = reduce(&state, .logRead(tail, .success(BuildLogBytes(start: tailStart, bytes: Array(log[tailStart...]), nextStart: log.count, more: true))))
        state.now = state.now.addingTimeInterval(1)
        guard case let .readLog(poll)? = reduce(&state, .tick(state.now)).first else { return XCTFail("no poll") }
        guard case let .readLog(top)? = press(&state, .char("g")).first else { return XCTFail("g read nothing while a poll was on its way") }
        XCTAssertEqual(top.start, 0)
        _ = reduce(&state, .logRead(top, .success(BuildLogBytes(start: 0, bytes: Array(log[0..<8192]), nextStart: 8192, more: true))))
        _ = reduce(&state, .logRead(poll, .success(BuildLogBytes(start: log.count, bytes: Array("late\n".utf8), nextStart: log.count + 5, more: true))))
        XCTAssertEqual(state.log?.lines.first?.plain, "line 1")
        XCTAssertFalse(state.log?.lines.contains { $0.plain == "late" } ?? true, "the poll's answer belongs to the old window")
    }
}
