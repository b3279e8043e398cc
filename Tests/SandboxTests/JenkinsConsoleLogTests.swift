import Foundation
import Sandbox
import XCTest

/// A build's console log as Jenkins serves it: `consoleText`, and `logText/progressiveText` with
/// `X-Text-Size` and `X-More-Data`; the scenario's lines at their rate; the control API's appends.
final class JenkinsConsoleLogTests: SandboxTestCase {
    /// Ten minutes, and a line every ten seconds: the tests move the Sandbox's clock, so nothing
    /// moves on its own while they run.
    private static let buildDurationMs = 600_000
    private var log: Scenario.Log? = Scenario.Log(lines: ["step one", "\u{1B}[31mstep two\u{1B}[0m", "step three", "step four"], linesPerSecond: 0.1)

    override func adjust(_ scenario: inout Scenario) {
        scenario.jenkins.crumb = false
        scenario.jenkins.startDelayMs = 0
        scenario.jenkins.buildDurationMs = Self.buildDurationMs
        if let index = scenario.jenkins.jobs.firstIndex(where: { $0.path == "Coordinator/mcp_coder/executor" }) {
            scenario.jenkins.jobs[index].log = log
        }
    }

    private let job = "/job/Coordinator/job/mcp_coder/job/executor"
    private let form = "REPO_URL=https%3A%2F%2Fgithub.com%2Facme%2Fmcp_coder.git&BRANCH_NAME=main&COMMAND=mcp-coder+implement+105&GITHUB_CREDENTIALS_ID=github-pat"
    private var clockOffset: TimeInterval = 0

    private func advanceClock(seconds: TimeInterval) async {
        clockOffset += seconds
        await server.setClockOffset(seconds: clockOffset)
    }

    /// Queues one build (it starts at once) and gives its queue id.
    private func queue() async throws -> Int {
        let reply = try await jk("POST", job + "/buildWithParameters", form: form + "&N=\(UUID().uuidString)")
        XCTAssertEqual(reply.status, 201)
        let location = try XCTUnwrap(reply.header("Location"))
        return try XCTUnwrap(Int(location.split(separator: "/").last.map(String.init) ?? ""))
    }

    private func finish(_ id: Int, _ result: String) async throws {
        let reply = try await control("POST", "/jenkins/queue/\(id)/result", json: #"{"result":"\#(result)","finish":true}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
    }

    private func progressive(_ build: String, start: String?) async throws -> Reply {
        try await jk(job + "/\(build)/logText/progressiveText" + (start.map { "?start=\($0)" } ?? ""))
    }

    /// What progressiveText sends for `text`: every lone LF as CRLF.
    private func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    }

    func testTheScenarioLinesAppearAtTheirRateWhileTheBuildRuns() async throws {
        _ = try await queue()
        await advanceClock(seconds: 15)
        let running = try await jk(job + "/1/consoleText")
        XCTAssertEqual(running.status, 200)
        XCTAssertEqual(running.header("Content-Type")?.lowercased(), "text/plain;charset=utf-8")
        XCTAssertEqual(running.text, "Started by user bot\nstep one\n\u{1B}[31mstep two\u{1B}[0m\n", "two lines in 15 s at one every 10 s")
        await advanceClock(seconds: 10)
        let later = try await jk(job + "/1/consoleText")
        XCTAssertTrue(later.text.hasPrefix(running.text), "the log only grows")
        XCTAssertTrue(later.text.hasSuffix("step three\n"))
    }

    func testAnEndedBuildHasWrittenEveryLineThenFinishedWithItsResult() async throws {
        let id = try await queue()
        try await finish(id, "FAILURE")
        let reply = try await jk(job + "/1/consoleText")
        XCTAssertEqual(reply.text, "Started by user bot\nstep one\n\u{1B}[31mstep two\u{1B}[0m\nstep three\nstep four\nFinished: FAILURE\n")
    }

    func testProgressiveTextSendsTheLogFromStartWithItsSizeAndMoreDataWhileRunning() async throws {
        let id = try await queue()
        await advanceClock(seconds: 5)
        let whole = try await progressive("1", start: "0")
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.header("Content-Type")?.lowercased(), "text/plain;charset=utf-8")
        let log = "Started by user bot\nstep one\n"
        XCTAssertEqual(whole.text, crlf(log), "lone LFs go out as CRLF, as Jenkins' LineEndNormalizingWriter sends them")
        XCTAssertEqual(whole.header("X-Text-Size"), String(log.utf8.count), "the size counts the log's bytes, not the body's")
        XCTAssertEqual(whole.header("X-More-Data"), "true")

        let none = try await progressive("1", start: nil)
        XCTAssertEqual(none.text, whole.text, "no start is start=0")

        let tail = try await progressive("1", start: "20")
        XCTAssertEqual(tail.text, "step one\r\n")
        XCTAssertEqual(tail.header("X-Text-Size"), String(log.utf8.count))

        let atEnd = try await progressive("1", start: String(log.utf8.count))
        XCTAssertEqual(atEnd.body, Data(), "nothing new yet")
        XCTAssertEqual(atEnd.header("X-More-Data"), "true")

        try await finish(id, "SUCCESS")
        let done = try await progressive("1", start: String(log.utf8.count))
        XCTAssertNil(done.header("X-More-Data"), "no more data once the build ended")
        XCTAssertEqual(done.text, crlf("\u{1B}[31mstep two\u{1B}[0m\nstep three\nstep four\nFinished: SUCCESS\n"))
        let full = try await jk(job + "/1/consoleText")
        XCTAssertEqual(done.header("X-Text-Size"), String(full.body.count))
    }

    func testAStartBeyondTheLogStartsAgainAtZeroAsJenkinsDoes() async throws {
        let id = try await queue()
        try await finish(id, "SUCCESS")
        let full = try await jk(job + "/1/consoleText")
        let beyond = try await progressive("1", start: String(full.body.count + 1))
        XCTAssertEqual(beyond.status, 200)
        XCTAssertEqual(beyond.text, crlf(full.text), "Jenkins takes it for a log that rolled over")
        XCTAssertEqual(beyond.header("X-Text-Size"), String(full.body.count))
    }

    func testHeadGivesTheSizeAndNoBody() async throws {
        let id = try await queue()
        try await finish(id, "SUCCESS")
        let full = try await jk(job + "/1/consoleText")
        let head = try await jk("HEAD", job + "/1/logText/progressiveText?start=0")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("X-Text-Size"), String(full.body.count))
        XCTAssertTrue(head.body.isEmpty, "headers only")
        XCTAssertNil(head.header("X-More-Data"), "the build ended")
    }

    func testAStartThatIsNoNumberFailsOnTheServer() async throws {
        _ = try await queue()
        let reply = try await progressive("1", start: "abc")
        XCTAssertEqual(reply.status, 500)
        let negative = try await progressive("1", start: "-5")
        XCTAssertEqual(negative.status, 500)
    }

    func testAnUnknownBuildOrAQueueItemHasNoLog() async throws {
        let unknown = try await jk(job + "/7/consoleText")
        XCTAssertEqual(unknown.status, 404)
        let unknownPiece = try await progressive("7", start: "0")
        XCTAssertEqual(unknownPiece.status, 404)
        let otherJob = try await jk("/job/Coordinator/job/nope/job/executor/1/consoleText")
        XCTAssertEqual(otherJob.status, 404)
        let anonymous = try await jk(job + "/1/consoleText", auth: nil)
        XCTAssertEqual(anonymous.status, 401, "a log needs credentials like everything else")
    }

    func testLastBuildServesTheNewestBuildsLog() async throws {
        let first = try await queue()
        try await finish(first, "FAILURE")
        _ = try await queue()
        let last = try await jk(job + "/lastBuild/consoleText")
        XCTAssertEqual(last.status, 200)
        XCTAssertEqual(last.text, "Started by user bot\nstep one\n")
        let failed = try await progressive("lastFailedBuild", start: "0")
        XCTAssertTrue(failed.text.hasSuffix("Finished: FAILURE\r\n"), failed.text)
    }

    func testTheControlAPIAppendsBytesUnchangedToARunningBuild() async throws {
        let id = try await queue()
        await advanceClock(seconds: 5)
        let before = try await jk(job + "/1/consoleText").body
        let hostile: [UInt8] = [0x1B, 0x5D, 0x32, 0x3B, 0x74, 0x07, 0xFF, 0xC2, 0x9B, 0x32, 0x4A, 0x0A, 0xE2, 0x80, 0xAE, 0x0D]
        let reply = try await send("POST", server.controlURL + "/jenkins/queue/\(id)/log", body: Data(hostile))
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.object["log_size"] as? Int, before.count + hostile.count)
        let after = try await jk(job + "/1/consoleText").body
        XCTAssertEqual(after, before + Data(hostile))
        let piece = try await progressive("1", start: String(before.count))
        XCTAssertEqual([UInt8](piece.body), [0x1B, 0x5D, 0x32, 0x3B, 0x74, 0x07, 0xFF, 0xC2, 0x9B, 0x32, 0x4A, 0x0D, 0x0A, 0xE2, 0x80, 0xAE, 0x0D])
        XCTAssertEqual(piece.header("X-Text-Size"), String(after.count))

        // Growth: a large append is served whole and from any offset.
        let big = Data(repeating: UInt8(ascii: "x"), count: 300_000)
        let appended = try await send("POST", server.controlURL + "/jenkins/queue/\(id)/log", body: big)
        XCTAssertEqual(appended.status, 200)
        let grown = try await progressive("1", start: String(after.count))
        XCTAssertEqual(grown.body, big)

        try await finish(id, "SUCCESS")
        let closed = try await send("POST", server.controlURL + "/jenkins/queue/\(id)/log", body: Data("late\n".utf8))
        XCTAssertEqual(closed.status, 409, "an ended build's log is closed")
        let unknown = try await send("POST", server.controlURL + "/jenkins/queue/999/log", body: Data("x".utf8))
        XCTAssertEqual(unknown.status, 404)
    }
}

/// Without a scenario log a build writes a short default: who started it and its parameters.
final class JenkinsDefaultConsoleLogTests: SandboxTestCase {
    override func adjust(_ scenario: inout Scenario) {
        scenario.jenkins.crumb = false
        scenario.jenkins.startDelayMs = 0
        scenario.jenkins.buildDurationMs = 0
    }

    func testADefaultLogNamesTheParametersAndTheResult() async throws {
        let job = "/job/Coordinator/job/mcp_coder/job/executor"
        let queued = try await jk("POST", job + "/buildWithParameters", form: "REPO_URL=r&BRANCH_NAME=main")
        XCTAssertEqual(queued.status, 201)
        let reply = try await jk(job + "/1/consoleText")
        XCTAssertEqual(reply.text, """
            Started by user bot
            Building in workspace /var/jenkins_home/workspace/Coordinator/mcp_coder/executor
            [Sandbox] REPO_URL=r
            [Sandbox] BRANCH_NAME=main
            [Sandbox] the executor ran
            Finished: SUCCESS

            """)
        let piece = try await jk(job + "/1/logText/progressiveText?start=0")
        XCTAssertNil(piece.header("X-More-Data"))
        XCTAssertEqual(piece.header("X-Text-Size"), String(reply.body.count))
    }
}
