import XCTest
@testable import CoordinatorTUI

final class TerminalCheckTests: XCTestCase {
    func testARealTerminalIsAccepted() {
        XCTAssertNil(TerminalCheck.refusal(stdoutIsTerminal: true, environment: ["TERM": "xterm-256color"]))
    }

    func testWithoutATerminalTheConsolePointsToTheHeadlessCommands() throws {
        for (tty, env) in [(false, ["TERM": "xterm"]), (true, [:]), (true, ["TERM": ""]), (true, ["TERM": "dumb"])] {
            let message = try XCTUnwrap(TerminalCheck.refusal(stdoutIsTerminal: tty, environment: env))
            XCTAssertTrue(message.contains("coordinator status"))
            XCTAssertTrue(message.contains("coordinator diff"))
            XCTAssertTrue(message.contains("coordinator run"))
        }
    }

    func testATermThatTerminfoDoesNotKnowIsRefusedLikeDumb() throws {
        let unknown = ["TERM": "nonexistent-term"]
        XCTAssertNil(TerminalCheck.refusal(stdoutIsTerminal: true, environment: unknown), "without terminfo's answer it is taken")
        let message = try XCTUnwrap(TerminalCheck.refusal(
            stdoutIsTerminal: true, environment: unknown, knowsTerminal: { $0 != "nonexistent-term" }))
        XCTAssertTrue(message.hasPrefix(
            "coordinator: the console needs a terminal (terminfo does not know TERM \"nonexistent-term\"; set TERM to a terminal it knows, e.g. xterm-256color)."), message)
        XCTAssertTrue(message.contains("coordinator run --all --dry-run"), message)
        XCTAssertNil(TerminalCheck.refusal(stdoutIsTerminal: true, environment: ["TERM": "xterm"], knowsTerminal: { $0 != "nonexistent-term" }))
    }

    func testTerminfoKnowsXtermButNotAMadeUpName() {
        XCTAssertTrue(Terminfo.knows("xterm"))
        XCTAssertTrue(Terminfo.knows("xterm-256color"))
        XCTAssertFalse(Terminfo.knows("nonexistent-term"))
        XCTAssertFalse(Terminfo.knows(""))
        XCTAssertTrue(Terminfo.knows("xterm"), "asking about an unknown name leaves nothing behind")
    }

    func testKeyDecoding() {
        XCTAssertEqual(KeyDecoder.character(UInt32(UInt8(ascii: "j"))), .char("j"))
        XCTAssertEqual(KeyDecoder.character(9), .tab)
        XCTAssertEqual(KeyDecoder.character(13), .enter)
        XCTAssertEqual(KeyDecoder.character(27), .escape)
        XCTAssertEqual(KeyDecoder.character(127), .backspace)
        XCTAssertEqual(KeyDecoder.character(12), .control("l"))
        XCTAssertEqual(KeyDecoder.character(0x65E5), .char("日"))
        XCTAssertNil(KeyDecoder.character(0))
    }
}
