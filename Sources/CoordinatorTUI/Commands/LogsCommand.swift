import ArgumentParser
import Coordinator
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `coordinator logs REPO ISSUE`: the console log of the build an issue's newest dispatch started.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the Jenkins build log of an issue's newest dispatch (--follow: until the build ends).",
        discussion: """
            Finds the issue's newest dispatch in the history, the build it became (asking Jenkins \
            for the queue item when the history does not know the build yet), and prints its \
            console log. The log is sanitized: only colours (SGR) reach the terminal, and only when \
            standard output is a terminal and neither --no-color nor NO_COLOR says otherwise; every \
            other control sequence and control character is removed or shown as U+FFFD. --raw \
            prints the bytes as Jenkins sent them. A queued build prints `queued: WHY` on stderr; \
            with --follow the command waits for it to start, then prints the log as it grows until \
            the build ends. Exit 0 when the log was printed (or the build is still queued without \
            --follow), 1 when there is no build to show or Jenkins cannot be read.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The repository, by its [coordinator.repos.NAME] name.", valueName: "REPO"))
    var repo: String

    @Argument(help: ArgumentHelp("The issue number.", valueName: "ISSUE"))
    var issue: Int

    @Flag(name: .long, help: "Keep printing the log as the build writes it, until the build ends.")
    var follow = false

    @Flag(name: .long, help: "Print the log's bytes unchanged (no sanitizing: do not send them to a terminal you care about).")
    var raw = false

    @Flag(name: .customLong("no-color"), help: "No colours (also when NO_COLOR is set).")
    var noColor = false

    /// How long `--follow` waits between two reads of a growing log or a waiting queue item.
    static let pollInterval = Duration.seconds(1)
    /// The most read of the log in one request: a huge log is read in pieces, never held whole.
    static let pieceLimit = 1 << 20

    func validate() throws {
        guard issue > 0 else { throw ValidationError("ISSUE is an issue number (1 or more), not \(issue)") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let color = !noColor && (environment["NO_COLOR"] ?? "").isEmpty && isatty(STDOUT_FILENO) == 1
        let (repo, issue, follow, raw) = (self.repo, self.issue, self.follow, self.raw)
        try await global.withWorkspace { workspace in
            let service: RepoService
            do {
                guard let found = try workspace.services(named: [repo]).first else { throw CommandFailure("no repository named \(repo)") }
                service = found
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure("\(error)")
            }
            guard let jenkins = service.buildLogs else { throw CommandFailure("\(repo): its jobs run where no build log can be read") }
            let subject = "\(repo) #\(issue)"
            var lastWhy: String??
            while true {
                let target: BuildLogTarget
                do {
                    target = try await service.buildLogTarget(issue: issue).target
                } catch {
                    throw CommandFailure("\(subject): \(error)")
                }
                switch target {
                case .none, .cancelled:
                    throw CommandFailure("\(subject): no build log: \(target.noLogReason ?? "none")")
                case .queued(let why):
                    if lastWhy != .some(why) { printError("queued: \(why ?? "waiting in Jenkins' queue")") }
                    lastWhy = .some(why)
                    guard follow else { return }
                    try await Task.sleep(for: Self.pollInterval)
                case .build(let jobPath, let number):
                    do {
                        try await Self.printLog(jenkins, jobPath: jobPath, number: number, follow: follow, raw: raw, color: color)
                    } catch let failure as CommandFailure {
                        throw CommandFailure("\(subject): \(failure.description)")
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        throw CommandFailure("\(subject): \(error)")
                    }
                    return
                }
            }
        }
    }

    /// Prints build `number`'s log: what there is now, or with `follow` everything until the
    /// build ends.
    static func printLog(
        _ jenkins: any BuildLogReading, jobPath: String, number: Int, follow: Bool, raw: Bool, color: Bool
    ) async throws {
        // Without --follow the log is printed as it stands when asked, however fast it grows.
        var end: Int?
        if !follow {
            guard let size = try await jenkins.logSize(path: jobPath, number: number) else {
                throw CommandFailure("Jenkins has no build \(number) of \(jobPath)")
            }
            end = size
        }
        var decoder = LogDecoder()
        var start = 0
        while true {
            guard let piece = try await jenkins.logText(path: jobPath, number: number, start: start, limit: pieceLimit) else {
                throw CommandFailure("Jenkins has no build \(number) of \(jobPath)")
            }
            if raw {
                FileHandle.standardOutput.write(Data(piece.bytes))
            } else {
                let lines = decoder.feed(piece.bytes)
                if !lines.isEmpty {
                    FileHandle.standardOutput.write(Data(lines.map { renderANSI($0, color: color) + "\n" }.joined().utf8))
                }
            }
            let advanced = piece.nextStart > start
            start = piece.nextStart
            guard piece.more else { break }
            if let end, start >= end { break }
            // A piece cut at the limit is followed at once; a running build's new text after a pause.
            if !advanced || piece.bytes.count < pieceLimit - 1 {
                if !follow { break }
                try await Task.sleep(for: pollInterval)
            }
        }
        if !raw, let last = decoder.flush() {
            FileHandle.standardOutput.write(Data((renderANSI(last, color: color) + "\n").utf8))
        }
    }
}
