import ArgumentParser
import Coordinator
import CoordinatorService
import Foundation
import Logging

/// `--server URL`: the reporting commands (`status`, `stuck`, `history`, `run --dry-run`) read
/// `serve`'s answers instead of the local caches, GitHub and Jenkins. Without it, `[client]
/// server_url` of the config does the same; with neither, the command works locally.
struct ServerOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Ask serve at URL (default: [client] server_url) instead of working locally; the token from COORDINATOR_API_TOKEN (or [client] token_env).",
            valueName: "URL"))
    var server: String?

    func validate() throws {
        if let server, let problem = ServerTarget.problem(serverURL: server) {
            throw ValidationError("--server: \(problem)")
        }
    }

    /// `[client]` of the config `--config` (or its default) names; a missing file gives none.
    func clientSettings(_ global: GlobalOptions) throws -> ClientSettings {
        do {
            return try ClientSettings.load(configPath: ConfigLoader.resolvePath(explicit: global.config))
        } catch {
            throw RemoteOptions.failure(error)
        }
    }

    /// The URL the command attaches to, if any: `--server`, else `[client] server_url`.
    func url(_ client: ClientSettings) -> String? {
        server ?? client.serverURL
    }

    /// The `serve` to attach to (nil: work locally), with its token and trust.
    func target(_ client: ClientSettings) throws -> ServerTarget? {
        do {
            return try client.target(server: server)
        } catch {
            throw RemoteOptions.failure(error)
        }
    }

    /// For a headless command: its stderr logger set up first (a config error is then reported
    /// in `--log-format` as well), then the `serve` to attach to, if any.
    func headlessTarget(_ global: GlobalOptions) throws -> ServerTarget? {
        _ = global.makeLogger()
        return try target(clientSettings(global))
    }
}

/// A reporting command's requests to `serve`: each answer decoded, each failure (`ServerError`)
/// one line for the operator and exit 1.
struct RemoteReports {
    let client: ServerClient

    /// Runs `body` with a client of `target`, and closes it on every path.
    static func with<T>(_ target: ServerTarget, logger: Logger, _ body: (RemoteReports) async throws -> T) async throws -> T {
        let client = ServerClient(target: target, logger: logger)
        do {
            let result = try await body(RemoteReports(client: client))
            await client.shutdown()
            return result
        } catch let error as ServerError {
            await client.shutdown()
            throw CommandFailure(Self.oneLine(error.message))
        } catch {
            await client.shutdown()
            throw error
        }
    }

    var url: String { client.target.url }

    /// `serve`'s words on one line, without control characters (they come from another machine).
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control ? " " : scalar
        }))
    }

    /// `GET path`, a `JSONText` document (what the local command prints) read back.
    func get<T: Decodable>(_ path: String, query: [(String, String)] = [], as type: T.Type, timeout: Duration = .seconds(30)) async throws -> T {
        try await client.get(path, query: query, as: type, decoder: JSONText.decoder(), timeout: timeout)
    }

    /// `GET /api/repos`: `serve`'s repositories, in its config's order.
    func repositories() async throws -> [RepoDocument] {
        try await client.get("/api/repos", as: RepoListDocument.self, decoder: JSONDecoder()).repos
    }

    /// The names `--repo NAME …` selects among `known` (nil: all), by the local commands' rule:
    /// in `serve`'s order, each once, every unknown name in one error with the known ones.
    func select(_ names: [String]?, among known: [String]) throws -> [String] {
        do {
            return try CoordinatorConfig.select(names, among: known, in: "serve at \(url)")
        } catch let error as ConfigError {
            throw CommandFailure(error.description)
        }
    }

    /// The selected repositories' names, asked of `serve`.
    func selectedRepositories(_ names: [String]?) async throws -> [String] {
        try select(names, among: try await repositories().map(\.name))
    }

    /// `/api/repos/NAME…`, the name as one path segment.
    static func repoPath(_ name: String, _ tail: String) -> String {
        "/api/repos/\(ServerClient.segment(name))/\(tail)"
    }
}
