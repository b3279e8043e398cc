import Coordinator
import Foundation

/// Where a command attached to `serve` finds it and its token.
enum RemoteOptions {
    /// The `serve` to attach to: `--server` with `$COORDINATOR_API_TOKEN`; nil without `--server`.
    static func target(server: String?, configPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerTarget? {
        guard let server else { return nil }
        guard let components = URLComponents(string: server), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty
        else { throw CommandFailure("--server must be an http:// or https:// URL with a host, such as http://coordinator.example:8080") }
        guard let token = environment["COORDINATOR_API_TOKEN"], !token.isEmpty else {
            throw CommandFailure("set COORDINATOR_API_TOKEN to your operator token for serve (its [serve.operators.NAME] entry)")
        }
        return ServerTarget(url: server, token: Secret(token))
    }

    /// `$XDG_STATE_HOME/coordinator`, else `~/.local/state/coordinator`: the attached console's log.
    static func stateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return (state as NSString).appendingPathComponent("coordinator") }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".local/state/coordinator")
    }
}
