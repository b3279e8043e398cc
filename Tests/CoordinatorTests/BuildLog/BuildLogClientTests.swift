@testable import Coordinator
import Foundation
import Sandbox
import XCTest

/// `JenkinsClient.logText` and `logSize` against the Sandbox's Jenkins over real HTTP.
final class BuildLogClientTests: XCTestCase {
    private var harness: SandboxHarness?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    private let parameters = [JobParameter("REPO_URL", "https://github.com/acme/demo.git"), JobParameter("BRANCH_NAME", "main")]

    /// A Sandbox whose builds run an hour and write `lines` at once; one build started.
    private func runningBuild(lines: [String] = ["one", "two", "three"]) async throws -> (SandboxHarness, JenkinsClient, queueID: Int) {
        var scenario = SandboxHarness.scenario()
        scenario.jenkins.buildDurationMs = 3_600_000
        scenario.jenkins.jobs[0].log = Scenario.Log(lines: lines)
        let sandbox = try await SandboxHarness.start(scenario)
        harness = sandbox
        let jenkins = sandbox.jenkins()
        let start = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        return (sandbox, jenkins, try XCTUnwrap(start.queueID))
    }

    private let header = "Started by user \(SandboxHarness.jenkinsUser)\n"

    func testReadsTheLogFromAnOffsetWhileTheBuildRunsThenToItsEnd() async throws {
        let (sandbox, jenkins, queueID) = try await runningBuild()
        let log = header + "one\ntwo\nthree\n"
        let first = try await jenkins.logText(path: SandboxHarness.jobPath, number: 1, start: 0, limit: 1 << 20)
        let piece = try XCTUnwrap(first)
        XCTAssertEqual(String(decoding: piece.bytes, as: UTF8.self), log.replacingOccurrences(of: "\n", with: "\r\n"))
        XCTAssertEqual(piece.nextStart, log.utf8.count, "X-Text-Size, not the body's length")
        XCTAssertTrue(piece.more)

        try await sandbox.server.appendBuildLog(queueID: queueID, Array("four\n".utf8))
        try await sandbox.server.finishBuild(queueID: queueID, .failure)
        let second = try await jenkins.logText(path: SandboxHarness.jobPath, number: 1, start: piece.nextStart, limit: 1 << 20)
        let rest = try XCTUnwrap(second)
        XCTAssertEqual(String(decoding: rest.bytes, as: UTF8.self), "four\r\nFinished: FAILURE\r\n")
        XCTAssertFalse(rest.more, "the build ended")
        XCTAssertEqual(rest.nextStart, (log + "four\nFinished: FAILURE\n").utf8.count)
        let size = try await jenkins.logSize(path: SandboxHarness.jobPath, number: 1)
        XCTAssertEqual(size, rest.nextStart)

        let path = "/jenkins/job/Coordinator/job/demo/job/executor/1/logText/progressiveText"
        let reads = await sandbox.requests(containing: path)
        XCTAssertEqual(reads.map(\.query), ["start=0", "start=\(piece.nextStart)", "start=0"], "built from the job path")
    }

    func testALimitKeepsOnlyThatMuchAndTheNextPieceGoesOnWhereItStopped() async throws {
        let (sandbox, jenkins, queueID) = try await runningBuild(lines: [])
        // A log far larger than the limit: only the limit is kept of each answer.
        let big = (0..<20_000).map { "line \($0)\n" }.joined()
        try await sandbox.server.appendBuildLog(queueID: queueID, Array(big.utf8))
        try await sandbox.server.finishBuild(queueID: queueID, .success)
        let expected = header + big + "Finished: SUCCESS\n"

        var start = 0
        var collected: [UInt8] = []
        var reads = 0
        while true {
            let next = try await jenkins.logText(path: SandboxHarness.jobPath, number: 1, start: start, limit: 4096)
            let piece = try XCTUnwrap(next)
            XCTAssertLessThanOrEqual(piece.bytes.count, 4096)
            XCTAssertGreaterThan(piece.nextStart, start, "every piece makes progress")
            collected += piece.bytes
            start = piece.nextStart
            reads += 1
            if !piece.more { break }
            XCTAssertLessThan(reads, 1000)
        }
        XCTAssertGreaterThan(reads, 10)
        let text = String(decoding: collected, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        XCTAssertEqual(text, expected, "the pieces join up with nothing lost or repeated")
    }

    func testTheSizeOfAHugeLogIsReadWithoutDownloadingIt() async throws {
        let (sandbox, jenkins, queueID) = try await runningBuild(lines: [])
        let size = try await sandbox.server.appendBuildLog(queueID: queueID, [UInt8](repeating: UInt8(ascii: "x"), count: 8 << 20))
        let read = try await jenkins.logSize(path: SandboxHarness.jobPath, number: 1)
        XCTAssertEqual(read, size)
        let tail = try await jenkins.logText(path: SandboxHarness.jobPath, number: 1, start: size - 10, limit: 1 << 20)
        XCTAssertEqual(tail?.bytes, [UInt8](repeating: UInt8(ascii: "x"), count: 10))
        XCTAssertEqual(tail?.nextStart, size)
    }

    func testNoSuchBuildIsNil() async throws {
        let (_, jenkins, _) = try await runningBuild()
        let piece = try await jenkins.logText(path: SandboxHarness.jobPath, number: 99, start: 0, limit: 100)
        XCTAssertNil(piece)
        let size = try await jenkins.logSize(path: SandboxHarness.jobPath, number: 99)
        XCTAssertNil(size)
        let elsewhere = try await jenkins.logText(path: "Coordinator/demo/missing", number: 1, start: 0, limit: 100)
        XCTAssertNil(elsewhere)
    }

    func testAStartBeyondTheLogGivesNothingRatherThanTheLogFromZero() async throws {
        let (_, jenkins, _) = try await runningBuild()
        let piece = try await jenkins.logText(path: SandboxHarness.jobPath, number: 1, start: 1_000_000, limit: 1 << 20)
        XCTAssertEqual(piece, BuildLogPiece(bytes: [], nextStart: 1_000_000, more: true))
    }

    func testWrongCredentialsAreRefusedAndNeverShown() async throws {
        let (sandbox, _, _) = try await runningBuild()
        let jenkins = sandbox.jenkins(secret: "wrong-secret-123")
        do {
            _ = try await jenkins.logText(path: SandboxHarness.jobPath, number: 1, start: 0, limit: 100)
            XCTFail("expected a refusal")
        } catch let error as JenkinsError {
            guard case .unauthorized = error else { return XCTFail("\(error)") }
            XCTAssertFalse(error.description.contains("wrong-secret-123"))
        }
    }

    func testTheSourceLengthTakesEachCRLFForALoneLF() {
        XCTAssertEqual(JenkinsClient.sourceLength(of: Array("a\r\nb\r\n".utf8)), 4)
        XCTAssertEqual(JenkinsClient.sourceLength(of: Array("a\rb\n".utf8)), 4)
    }

    /// `logBytes`: the log's own bytes (Jenkins' `\r\n` made `\n` again), at the tail or from an
    /// offset, in limited pieces that join into the whole log with offsets that are the log's.
    func testLogBytesGivesTheLogsOwnBytesInPiecesThatJoinExactly() async throws {
        let lines = (1...200).map { "line \($0)" }
        let (_, jenkins, _) = try await runningBuild(lines: lines)
        let log = Array((header + lines.map { $0 + "\n" }.joined()).utf8)
        let read = try await jenkins.logBytes(path: SandboxHarness.jobPath, number: 1, start: nil, limit: 100)
        let tail = try XCTUnwrap(read)
        XCTAssertEqual(tail.start, log.count - 100)
        XCTAssertEqual(tail.bytes, Array(log.suffix(100)), "no \\r: the log's bytes")
        XCTAssertEqual(tail.nextStart, log.count)
        XCTAssertTrue(tail.more, "the build runs")
        var joined: [UInt8] = []
        var start = 0
        while start < log.count {
            let answer = try await jenkins.logBytes(path: SandboxHarness.jobPath, number: 1, start: start, limit: 97)
            let piece = try XCTUnwrap(answer)
            XCTAssertEqual(piece.start, start)
            XCTAssertLessThanOrEqual(piece.bytes.count, 97)
            XCTAssertEqual(piece.nextStart, start + piece.bytes.count, "offsets count the log's bytes")
            joined += piece.bytes
            start = piece.nextStart
        }
        XCTAssertEqual(joined, log)
        let missing = try await jenkins.logBytes(path: SandboxHarness.jobPath, number: 9, start: nil, limit: 100)
        XCTAssertNil(missing, "no such build")
    }
}
