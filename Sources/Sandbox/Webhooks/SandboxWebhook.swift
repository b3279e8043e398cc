import Foundation

extension Scenario {
    /// A webhook GitHub calls when an issue changes (scenario `github.webhooks[]`): it covers every
    /// repository of the scenario, like an organisation's hook.
    ///
    /// The secret never appears in `description`, listings or errors.
    public struct Webhook: Codable, Sendable, Equatable, CustomStringConvertible {
        /// Where deliveries are POSTed: `http://` or `https://` with a host.
        public var url: String
        /// Shared secret for `X-Hub-Signature-256`; `nil` or empty sends unsigned deliveries, as
        /// GitHub does for a hook without a secret.
        public var secret: String?
        /// `issues` (or `*`, every event the Sandbox sends, which is the same thing).
        public var events: [String]
        /// How long a delivery waits for the receiver's answer (GitHub: 10 s).
        public var timeoutMs: Int
        /// GitHub's hook setting `content_type`: `json` sends the payload as the body, `form`
        /// (the default of GitHub's web form) sends `payload=<percent-encoded JSON>`; both are
        /// signed over the body as sent.
        public var contentType: ContentType
        /// `owner/name`: a repository's own hook, which only that repository's changes are sent to
        /// and which `GET /repos/{owner}/{repo}/hooks` lists; nil covers every repository, like an
        /// organisation's hook (not listed under any repository, as on GitHub).
        public var repository: String?
        /// GitHub's hook setting `active`: an inactive hook is kept but sent nothing.
        public var active: Bool
        /// GitHub's hook setting `insecure_ssl` (`"0"` or `"1"`); kept and shown, the Sandbox's
        /// sender verifies nothing either way.
        public var insecureSSL: String

        /// How a hook's deliveries carry the payload, by the names of GitHub's hook API.
        public enum ContentType: String, Codable, Sendable, CaseIterable {
            case json
            case form

            /// The `Content-Type` header a delivery is sent with.
            public var header: String {
                switch self {
                case .json: "application/json"
                case .form: "application/x-www-form-urlencoded"
                }
            }
        }

        public static let defaultTimeoutMs = 10_000
        /// The events the Sandbox can send.
        public static let supportedEvents = ["issues", "*"]

        public init(
            url: String, secret: String? = nil, events: [String] = ["issues"], timeoutMs: Int = Webhook.defaultTimeoutMs,
            contentType: ContentType = .json, repository: String? = nil, active: Bool = true, insecureSSL: String = "0"
        ) {
            self.url = url
            self.secret = secret
            self.events = events
            self.timeoutMs = timeoutMs
            self.contentType = contentType
            self.repository = repository
            self.active = active
            self.insecureSSL = insecureSSL
        }

        enum CodingKeys: String, CodingKey {
            case url, secret, events, repository, active
            case timeoutMs = "timeout_ms", contentType = "content_type", insecureSSL = "insecure_ssl"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            secret = try c.decodeIfPresent(String.self, forKey: .secret)
            events = try c.decodeIfPresent([String].self, forKey: .events) ?? ["issues"]
            timeoutMs = try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? Self.defaultTimeoutMs
            contentType = try c.decodeIfPresent(ContentType.self, forKey: .contentType) ?? .json
            repository = try c.decodeIfPresent(String.self, forKey: .repository)
            active = try c.decodeIfPresent(Bool.self, forKey: .active) ?? true
            insecureSSL = try c.decodeIfPresent(String.self, forKey: .insecureSSL) ?? "0"
        }

        /// Whether a change in `repository` ("owner/name") is sent to this hook: it is active,
        /// covers that repository, and subscribes to `issues` (the only event the Sandbox sends).
        func receives(repository name: String) -> Bool {
            active && (repository.map { $0.lowercased() == name.lowercased() } ?? true)
                && (events.contains("issues") || events.contains("*"))
        }

        public var description: String {
            "webhook \(url)\(repository.map { " of \($0)" } ?? "")\(active ? "" : " inactive") events \(events.joined(separator: ",")) \(contentType.rawValue) \((secret ?? "").isEmpty ? "unsigned" : "signed")"
        }

        /// What is wrong with this hook, as (field, problem), or nil when it can be used.
        func problem() -> (field: String, problem: String)? {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty
            else {
                return ("url", "\"\(url)\" is not an http:// or https:// URL with a host")
            }
            if events.isEmpty { return ("events", "must name at least one event: [\"issues\"]") }
            // A repository's hook is GitHub's hooks-API kind, which may name any event (`push`, …):
            // it is simply sent none of those. A scenario-wide hook is the Sandbox's own test
            // receiver, where a typo is more likely than intent.
            for event in events where repository == nil && !Self.supportedEvents.contains(event) {
                return ("events", "unknown event \"\(event)\"; the Sandbox sends only \"issues\" (or give \"*\")")
            }
            if !(1...600_000).contains(timeoutMs) {
                return ("timeout_ms", "must be from 1 to 600000 (ten minutes); GitHub waits 10000")
            }
            return nil
        }

        /// Scenario validation: the same checks, placed at `github.webhooks[i]`.
        static func validate(_ hooks: [Webhook], file: String?) throws {
            for (index, hook) in hooks.enumerated() {
                if let (field, problem) = hook.problem() {
                    throw ScenarioError(file: file, location: "github.webhooks[\(index)].\(field)", problem: problem)
                }
            }
        }
    }
}

/// A webhook added at run time was unusable; names the field, never the secret.
public struct SandboxWebhookError: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String
    public var problem: String

    public var description: String { "webhook \(field): \(problem)" }
}

/// A registered webhook as the Sandbox lists it: the configuration without its secret.
public struct SandboxWebhook: Sendable, Equatable {
    /// GitHub-style numeric id, sent as `X-GitHub-Hook-ID`.
    public var id: Int
    public var url: String
    public var events: [String]
    /// Whether deliveries carry `X-Hub-Signature-256`; the secret itself is never shown.
    public var signed: Bool
    public var timeoutMs: Int
    /// `json` or `form`: how deliveries carry the payload.
    public var contentType: Scenario.Webhook.ContentType
    /// From the scenario, or added at run time.
    public var fromScenario: Bool
    /// "owner/name" for a repository's hook; nil for one covering every repository.
    public var repository: String?
    /// An inactive hook is sent nothing.
    public var active: Bool = true
}
