import Coordinator
import Foundation

/// Where a command attached to `serve` finds it and its token.
enum RemoteOptions {
    /// The `serve` to attach to, by the one resolver (`ServerTarget.resolve`): `--server`, else
    /// `[client] server_url` of the config `--config` (or its default) names, with the token from
    /// `$COORDINATOR_API_TOKEN` (or `[client] token_env`) and `[client] ca_file`; nil without either.
    static func target(server: String?, configPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerTarget? {
        do {
            return try ServerTarget.resolve(
                server: server, configPath: ConfigLoader.resolvePath(explicit: configPath, environment: environment), environment: environment)
        } catch {
            throw failure(error)
        }
    }

    /// The resolver's error as the command's failure: a bad `--server` is a usage error (exit 2),
    /// a missing token or a bad `[client]` exit 1.
    static func failure(_ error: any Error) -> any Error {
        switch error {
        case let error as ServerTargetError: CommandFailure(error.description, exitCode: error.isUsage ? 2 : 1)
        case let error as ConfigError: CommandFailure(error.description)
        default: error
        }
    }

    /// `$XDG_STATE_HOME/coordinator`, else `~/.local/state/coordinator`: the attached console's log.
    static func stateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return (state as NSString).appendingPathComponent("coordinator") }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".local/state/coordinator")
    }
}
