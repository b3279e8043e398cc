import Foundation

/// Where GitHub must deliver for `serve`, and which of a repository's hooks is the coordinator's.
///
/// The rule, shared by `doctor` and `hooks sync`: **ours is the hook whose `config.url` is exactly
/// `public_url` + `/webhooks/github`.** A hook on the same path at another address is reported
/// ("points elsewhere") but never taken over: it may be another coordinator's (a staging one, the
/// old host during a move), and rewriting it would silently cut that one off. Without an exact
/// match `hooks sync` creates a hook and names the other one, so the operator deletes it when it is
/// no longer served.
public struct WebhookTarget: Sendable, Equatable {
    /// Where `serve` takes GitHub's deliveries.
    public static let path = "/webhooks/github"
    /// The one event `serve` acts on.
    public static let event = "issues"

    /// `public_url` + `/webhooks/github`.
    public var url: String

    public init(url: String) {
        self.url = url
    }

    /// Why `text` cannot be `[serve] public_url`, or nil when it can: an absolute http(s) URL
    /// with a host, no query or fragment, and not already ending in `/webhooks/github`.
    public static func problem(publicURL text: String) -> String? {
        let usage = "'\(text)' is not an absolute http:// or https:// URL (e.g. \"https://coordinator.example.com\", what GitHub calls)"
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return usage }
        if components.query != nil || components.fragment != nil {
            return "'\(text)' has a query or fragment; give the base URL GitHub calls (e.g. \"https://coordinator.example.com\")"
        }
        if components.user != nil || components.password != nil {
            return "must not carry a user or password; GitHub authenticates deliveries with webhook_secret"
        }
        if components.path.trimmingTrailingSlashes().hasSuffix(path) {
            return "'\(text)' already ends in \(path); give the base URL, \(path) is added to it"
        }
        return nil
    }

    /// How a repository's hooks stand against the target.
    public enum Match: Sendable, Equatable {
        /// A hook calls the target URL (the first, when several do).
        case ours(GitHubHook)
        /// None calls it; these call `/webhooks/github` at another address.
        case elsewhere([GitHubHook])
        /// None calls any `/webhooks/github`.
        case missing
    }

    public func match(_ hooks: [GitHubHook]) -> Match {
        if let hook = hooks.sorted(by: { $0.id < $1.id }).first(where: { $0.url == url }) { return .ours(hook) }
        let others = hooks.filter { Self.callsWebhookPath($0.url) }.sorted { $0.id < $1.id }
        return others.isEmpty ? .missing : .elsewhere(others)
    }

    static func callsWebhookPath(_ url: String) -> Bool {
        guard let components = URLComponents(string: url) else { return false }
        return components.path.trimmingTrailingSlashes().hasSuffix(path)
    }
}
