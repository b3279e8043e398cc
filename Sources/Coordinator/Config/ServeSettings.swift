import Foundation
import TOMLKit

/// `[serve]`: the always-on coordinator (`coordinator serve`). Every other command ignores it, so a
/// config without the table stays valid; `serve` refuses to start without a webhook secret.
public struct ServeSettings: Sendable, Equatable {
    /// `webhook_secret` (`GITHUB_WEBHOOK_SECRET` wins): the secret GitHub signs deliveries with.
    public var webhookSecret: Secret?
    /// `poll_seconds`: the safety-net poll per repository (0 = webhooks only).
    public var pollSeconds: Int = 300
    /// `listen`: where the server binds, "HOST:PORT".
    public var listen: ListenAddress = .init(host: "127.0.0.1", port: 8750)
    /// `api_token` (`COORDINATOR_API_TOKEN` wins): bearer token for `/api/*`; nil turns it off.
    public var apiToken: Secret?
    /// `[serve.operators.NAME]`, by name: who may use `/api/*`, with what role. `allOperators`
    /// adds the operator `api` of `api_token`.
    public var operators: [ServeOperator] = []
    /// An operator's `token_env` that is not set in this process: only `serve` needs the tokens,
    /// so the config loads for every other command (a cron `run`, the console) and `serve` refuses
    /// to start with this.
    public var operatorsProblem: ConfigError?
    /// `public_url`: the absolute http(s) URL GitHub reaches `serve` at (the reverse proxy's, as a
    /// rule), without `/webhooks/github`; `doctor` checks each repository's webhook against it
    /// and `hooks sync` points the webhooks there. Nil: not given.
    public var publicURL: String?
    /// `tls_cert_file` and `tls_key_file`: HTTPS with this certificate and key; nil: plain HTTP.
    public var tls: ServeTLSFiles?
    /// Whether the config has a `[serve]` table at all: `doctor` checks the webhooks only then.
    public var isConfigured = false

    public init() {}

    /// Where GitHub must deliver: `public_url` + `/webhooks/github`, nil without `public_url`.
    public var webhookURL: String? {
        publicURL.map { $0.trimmingTrailingSlashes() + WebhookTarget.path }
    }

    /// `poll_seconds`: at most a day between two safety-net polls.
    public static let pollBound = CoordinatorSettings.Bound(range: 0...86_400, unit: "seconds", upperMeaning: "one day")

    /// A host and port to bind, parsed from "HOST:PORT" or "[IPv6]:PORT".
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// nil unless `text` is HOST:PORT with a port from 0 to 65535 (0 = any free port).
        public init?(parsing text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.lastIndex(of: ":") else { return nil }
            var host = String(trimmed[..<colon])
            let portText = trimmed[trimmed.index(after: colon)...]
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
                (0...65_535).contains(port)
            else { return nil }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { return nil }
            self.init(host: host, port: port)
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }
}

extension ConfigLoader {
    /// Reads `[serve]` (absent: the defaults, no secret).
    static func serveSettings(_ table: TOMLTable?, reader: SectionReader, environment env: (String) -> String?) throws -> ServeSettings {
        var serve = ServeSettings()
        serve.isConfigured = table != nil
        let path = reader.path
        if let secret = try env("GITHUB_WEBHOOK_SECRET") ?? reader.string(table, "serve", "webhook_secret"), !secret.isEmpty {
            serve.webhookSecret = Secret(secret)
        }
        if let poll = try reader.int(table, "serve", "poll_seconds", ServeSettings.pollBound) {
            serve.pollSeconds = poll
        }
        if let listen = try reader.string(table, "serve", "listen") {
            guard let address = ServeSettings.ListenAddress(parsing: listen) else {
                throw ConfigError.invalidValue(
                    path: path, section: "serve", field: "listen",
                    reason: "'\(listen)' is not HOST:PORT (e.g. \"127.0.0.1:8750\"; port 0 to 65535)")
            }
            serve.listen = address
        }
        if let token = try env("COORDINATOR_API_TOKEN") ?? reader.string(table, "serve", "api_token"), !token.isEmpty {
            guard HeaderField.isValidValue(token) else {
                // Never quoted: it is a secret.
                throw ConfigError.invalidValue(path: path, section: "serve", field: "api_token", reason: "must be one line of printable characters")
            }
            serve.apiToken = Secret(token)
        }
        (serve.operators, serve.operatorsProblem) = try serveOperators(table?["operators"], apiToken: serve.apiToken, reader: reader, environment: env)
        if let url = try reader.string(table, "serve", "public_url"), !url.isEmpty {
            if let reason = WebhookTarget.problem(publicURL: url) {
                throw ConfigError.invalidValue(path: path, section: "serve", field: "public_url", reason: reason)
            }
            serve.publicURL = url.trimmingTrailingSlashes()
        }
        serve.tls = try serveTLSFiles(table, reader: reader, environment: env)
        return serve
    }

    /// `tls_cert_file` and `tls_key_file`, both or neither (an empty string is not given), resolved
    /// like `ca_file`. The files are read by `serve` itself (`ServeTLSFiles.load`).
    private static func serveTLSFiles(_ table: TOMLTable?, reader: SectionReader, environment env: (String) -> String?) throws -> ServeTLSFiles? {
        let certificate = try reader.string(table, "serve", "tls_cert_file").flatMap { $0.isEmpty ? nil : $0 }
        let key = try reader.string(table, "serve", "tls_key_file").flatMap { $0.isEmpty ? nil : $0 }
        func resolved(_ file: String) -> String {
            resolveRelative(expandTilde(file, environment: env("HOME").map { ["HOME": $0] } ?? [:]), to: reader.path)
        }
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case let (certificate?, key?):
            return ServeTLSFiles(certificateFile: resolved(certificate), keyFile: resolved(key))
        case (_?, nil):
            throw ConfigError.invalidValue(
                path: reader.path, section: "serve", field: "tls_key_file",
                reason: "missing: tls_cert_file is set, and HTTPS needs its private key too (or remove tls_cert_file for plain HTTP)")
        case (nil, _?):
            throw ConfigError.invalidValue(
                path: reader.path, section: "serve", field: "tls_cert_file",
                reason: "missing: tls_key_file is set, and HTTPS needs the certificate too (or remove tls_key_file for plain HTTP)")
        }
    }
}
