import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// How a `coordinator` process ended.
struct CommandResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    /// The exit status, or the signal number when `signal` is set.
    var exitCode: Int32
    /// Set when the process died of a signal.
    var signal: Int32?
    var stdout: String
    var stderr: String
    /// The harness killed it after its time was up.
    var timedOut: Bool
    /// The test killed it on purpose.
    var killedOnPurpose: Bool

    var output: String { stdout + stderr }

    var description: String {
        let end = signal.map { "signal \($0)" } ?? "exit \(exitCode)"
        return "coordinator \(arguments.joined(separator: " ")) → \(end)\(timedOut ? " (timed out)" : "")\n"
            + "--- stdout\n\(stdout)--- stderr\n\(stderr)---"
    }
}

/// One running `coordinator` process, its output read as it comes so that a full pipe never
/// blocks it.
final class LaunchedCommand: @unchecked Sendable {
    let arguments: [String]
    private let process = Process()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    private var killedOnPurpose = false
    /// Left once by each pipe reader and by the termination handler.
    private let done = DispatchGroup()

    init(executable: URL, arguments: [String], environment: [String: String], directory: URL) throws {
        self.arguments = arguments
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        done.enter()
        process.terminationHandler = { [done] _ in done.leave() }
        do {
            try process.run()
        } catch {
            done.leave()
            throw HarnessError("cannot start \(executable.path): \(error)")
        }
        for (pipe, isOut) in [(out, true), (err, false)] {
            done.enter()
            DispatchQueue.global().async { [self, done] in
                // Chunk by chunk, so a test can watch the output of a process that is still running.
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.withLock {
                        if isOut { stdoutData.append(chunk) } else { stderrData.append(chunk) }
                    }
                }
                done.leave()
            }
        }
    }

    var pid: Int32 { process.processIdentifier }

    var isFinished: Bool { done.wait(timeout: .now()) == .success }

    /// What the process wrote to stderr so far, while it runs.
    var stderrSoFar: String { lock.withLock { String(decoding: stderrData, as: UTF8.self) } }

    /// Sends `signal` now (e.g. SIGKILL to simulate a crash).
    func send(_ signal: Int32) {
        lock.withLock { killedOnPurpose = true }
        if process.isRunning { kill(pid, signal) }
    }

    /// Waits for the end, killing the process when `timeout` passes first.
    func wait(timeout: Duration) async -> CommandResult {
        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        while !isFinished {
            if ContinuousClock.now >= deadline {
                timedOut = true
                if process.isRunning { kill(pid, SIGKILL) }
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        if timedOut {
            // SIGKILL cannot be ignored; the reap follows promptly.
            let reapDeadline = ContinuousClock.now + .seconds(10)
            while !isFinished && ContinuousClock.now < reapDeadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        return lock.withLock {
            let bySignal = !process.isRunning && process.terminationReason == .uncaughtSignal
            return CommandResult(
                arguments: arguments, exitCode: process.isRunning ? -1 : process.terminationStatus,
                signal: bySignal ? process.terminationStatus : nil,
                stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self),
                timedOut: timedOut, killedOnPurpose: killedOnPurpose)
        }
    }

    /// Used on teardown: no process outlives its test.
    func killAndReap() async {
        if process.isRunning {
            lock.withLock { killedOnPurpose = true }
            kill(pid, SIGKILL)
        }
        _ = await wait(timeout: .seconds(10))
    }
}
