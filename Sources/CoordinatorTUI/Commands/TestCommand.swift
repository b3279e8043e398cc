import ArgumentParser
import Coordinator
import Foundation

/// `coordinator test REPO --branch-name B`: run the executor job's environment check.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Start a repository's executor job with the environment-check command; print the queue item and build.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The repository, by its [coordinator.repos.NAME] name.")
    var repo: String

    @Option(name: .long, help: "The branch to check out.")
    var branchName: String

    @Option(name: .long, help: "Seconds to wait for Jenkins to start the build (0: do not wait; at most 3600).")
    var wait: Int = 10

    func validate() throws {
        guard (0...3600).contains(wait) else {
            throw ValidationError("--wait must be from 0 (do not wait) to 3600 seconds, not \(wait)")
        }
    }

    func run() async throws {
        try await global.withWorkspace { workspace in
            guard let service = try workspace.services(named: repo).first else { return }
            let start = try await service.startEnvironmentCheck(branch: branchName)
            let queue = start.queueID.map { "queue item \($0)" } ?? "queue item unknown"
            print("\(service.repo.name): environment check started on \(branchName), \(queue)\(start.merged ? " (merged into an identical queued request)" : "")")
            guard let id = start.queueID, wait > 0 else { return }
            switch await service.waitForBuild(queueItem: id, within: .seconds(wait)) {
            case let .started(url):
                print("build: \(url)")
            case .cancelled:
                print("the queue item was cancelled in Jenkins")
            case .notYet:
                print("build not started yet; see \(start.queueURL ?? "the Jenkins queue")")
            }
        }
    }
}
