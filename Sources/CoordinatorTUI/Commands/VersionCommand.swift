import ArgumentParser
import Coordinator

/// `coordinator version`: the same as `--version`, for scripts that prefer a subcommand.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print(CoordinatorVersion.current)
    }
}
