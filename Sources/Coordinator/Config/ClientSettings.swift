import Foundation
import TOMLKit

/// `[client]`: where this machine finds `serve` when it attaches to one (`coordinator status
/// --server`, `console --server`, …) instead of working on GitHub and Jenkins itself.
///
/// ```toml
/// [client]
/// server_url = "https://coordinator.example.com"   # or --server URL, which wins
/// token_env = "COORDINATOR_API_TOKEN"               # the variable holding the operator's token (this is the default)
/// ca_file = "company-ca.pem"                        # PEM CAs serve's certificate is checked against
/// ```
///
/// A laptop's config may hold this table alone: it is read without the rest of the
/// configuration (`load`), so no `[github]`, `[jenkins]` or repository is needed. The token
/// itself is never in the file, only the name of the variable that holds it.
public struct ClientSettings: Sendable, Equatable {
    /// The variable the token is read from unless `token_env` names another; the one `serve`'s
    /// `[serve] api_token` also reads, so one variable serves both ends on a test machine.
    public static let defaultTokenVariable = "COORDINATOR_API_TOKEN"

    /// The config file the table was read from; nil when there was none.
    public var path: String?
    /// `server_url`; nil when not given (or empty).
    public var serverURL: String?
    /// `token_env`: the environment variable holding the token.
    public var tokenVariable: String
    /// `ca_file`, resolved as every path of the config (`~`, relative to the config file); read
    /// only when a server is used.
    public var caFile: String?

    public init(path: String? = nil, serverURL: String? = nil, tokenVariable: String = defaultTokenVariable, caFile: String? = nil) {
        self.path = path
        self.serverURL = serverURL
        self.tokenVariable = tokenVariable
        self.caFile = caFile
    }

    /// The keys `[client]` may hold.
    static let keys = ["server_url", "token_env", "ca_file"]

    /// The `[client]` table of the file at `configPath` (the path `--config` resolves to, see
    /// `ConfigLoader.resolvePath`), nothing else of it. A missing file gives the empty settings
    /// and writes no template: a machine that only attaches needs no config at all with
    /// `--server`.
    /// - Throws: `ConfigError` naming the file, `[client]` and the key.
    public static func load(configPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClientSettings {
        guard FileManager.default.fileExists(atPath: configPath) else { return ClientSettings() }
        let text: String
        do {
            text = try String(contentsOfFile: configPath, encoding: .utf8)
        } catch {
            throw ConfigError.unreadable(path: configPath, reason: error.localizedDescription)
        }
        return try parse(text, path: configPath, environment: environment)
    }

    /// `[client]` of the config text; `path` names the file in messages and anchors a relative
    /// `ca_file`.
    public static func parse(_ text: String, path: String, environment: [String: String] = [:]) throws -> ClientSettings {
        let root = try ConfigLoader.table(text, path: path)
        var settings = ClientSettings(path: path)
        guard let value = root["client"] else { return settings }
        guard let table = value.table else {
            throw ConfigError.invalidValue(path: path, section: "client", field: "client", reason: "must be a table: [client]")
        }
        for key in table.keys.sorted() where !keys.contains(key) {
            throw ConfigError.invalidValue(path: path, section: "client", field: key, reason: "unknown key; [client] has \(keys.joined(separator: ", "))")
        }
        let reader = SectionReader(path: path)
        if let url = try reader.string(table, "client", "server_url"), !url.isEmpty {
            if let problem = ServerTarget.problem(serverURL: url) {
                throw ConfigError.invalidValue(path: path, section: "client", field: "server_url", reason: problem)
            }
            settings.serverURL = url
        }
        if let variable = try reader.string(table, "client", "token_env") {
            guard isVariableName(variable) else {
                throw ConfigError.invalidValue(
                    path: path, section: "client", field: "token_env",
                    reason: "must name an environment variable (letters, digits and _, not starting with a digit), e.g. \"\(defaultTokenVariable)\"; the token itself never goes in the file")
            }
            settings.tokenVariable = variable
        }
        if let file = try reader.string(table, "client", "ca_file"), !file.isEmpty {
            settings.caFile = ConfigLoader.resolveRelative(ConfigLoader.expandTilde(file, environment: environment), to: path)
        }
        return settings
    }

    /// Where to attach: `server` (the `--server` option) wins over `server_url`; nil when neither
    /// is given, and the command works locally.
    /// - Throws: `ServerTargetError` for a bad `--server` or a missing token (naming the variable
    ///   to set, never its value); `ConfigError` for a `ca_file` or `SSL_CERT_FILE` /
    ///   `SSL_CERT_DIR` that cannot be used.
    public func target(server: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerTarget? {
        guard let url = server ?? serverURL else { return nil }
        if server != nil, let problem = ServerTarget.problem(serverURL: url) {
            throw ServerTargetError(message: "--server: \(problem)", isUsage: true)
        }
        guard let token = environment[tokenVariable], !token.isEmpty else {
            let named = tokenVariable == Self.defaultTokenVariable ? "" : " (named by [client] token_env in \(path ?? "the config"))"
            throw ServerTargetError(
                message: "no token for serve at \(ServerTarget(url: url, token: nil).url): set \(tokenVariable)\(named) to your operator token, "
                    + "the one serve's [serve.operators.NAME] knows by its token_sha256 or token_env")
        }
        guard HeaderField.isValidValue(token) else {
            // Never quoted: it is a secret.
            throw ServerTargetError(message: "\(tokenVariable) does not hold a usable token: a token is one line of printable characters")
        }
        return ServerTarget(url: url, token: Secret(token), trust: try trust(environment: environment), tokenVariable: tokenVariable)
    }

    /// What `serve`'s certificate is checked against, by `TLSTrust`'s rule: `ca_file`, else
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR`, else the system store.
    func trust(environment: [String: String]) throws -> TLSTrust {
        if let caFile {
            do {
                return try TLSTrust.caFile(caFile, section: "client")
            } catch let error as TLSTrustError {
                throw ConfigError.invalidValue(path: path ?? caFile, section: "client", field: "ca_file", reason: error.description)
            }
        }
        do {
            return try TLSTrust.environment(environment) ?? .system
        } catch let error as TLSTrustError {
            throw ConfigError.unusableTLSEnvironment(variable: error.variable ?? "SSL_CERT_FILE", reason: error.description)
        }
    }

    /// A POSIX environment variable name: a letter or `_`, then letters, digits or `_`.
    static func isVariableName(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}

/// Why a client cannot attach to `serve`: a bad `--server` (a usage error) or no usable token.
/// Never carries the token.
public struct ServerTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// The `--server` option is at fault: exit 2, as for any bad option.
    public var isUsage: Bool

    public init(message: String, isUsage: Bool = false) {
        self.message = message
        self.isUsage = isUsage
    }

    public var description: String { message }
}

extension ServerTarget {
    /// The one resolver every command that attaches uses: `--server` (`server`), else `[client]
    /// server_url` of the config at `configPath`; nil when neither, and the command works
    /// locally. The token comes from `environment`'s `COORDINATOR_API_TOKEN` (or the variable
    /// `[client] token_env` names), the trust from `[client] ca_file`. A missing config file is
    /// no error (nil `configPath`: none is read).
    /// - Throws: `ServerTargetError` or `ConfigError`, worded to be fixed; never with the token.
    public static func resolve(server: String?, configPath: String?, environment: [String: String]) throws -> ServerTarget? {
        let settings = try configPath.map { try ClientSettings.load(configPath: $0, environment: environment) } ?? ClientSettings()
        return try settings.target(server: server, environment: environment)
    }

    /// Why `text` cannot be `serve`'s address, or nil when it can: an http:// or https:// URL with
    /// a host, and a path when `serve` sits under one behind a proxy; no user, password, query or
    /// fragment. A text that may hold a secret (an `@`, a query) is not repeated.
    public static func problem(serverURL text: String) -> String? {
        let shown = text.contains("@") ? "the URL" : "'\(text)'"
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            return "\(shown) is not an http:// or https:// URL with a host (e.g. https://coordinator.example.com, or http://127.0.0.1:8750 on serve's machine)"
        }
        if components.user != nil || components.password != nil {
            return "\(shown) must not carry a user or password: the operator's token comes from \(ClientSettings.defaultTokenVariable) (or [client] token_env)"
        }
        if components.query != nil || components.fragment != nil {
            // Not repeated either: a query may carry a secret.
            return "the URL has a query or fragment; give serve's base URL (e.g. https://coordinator.example.com)"
        }
        return nil
    }
}
