import Foundation

/// A GitHub repository address: the one parser for `repo_url` used everywhere (upstream had two
/// that disagreed, failure mode 12).
///
/// Accepts `https://HOST/OWNER/REPO[.git][/]` and `git@HOST:OWNER/REPO[.git]`; REPO may contain dots.
public struct RepoURL: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var host: String
    public var owner: String
    public var name: String

    public init(host: String, owner: String, name: String) {
        self.host = host
        self.owner = owner
        self.name = name
    }

    /// Parses `text`, or returns nil when it is not one of the accepted forms.
    public init?(parsing text: String) {
        var rest = text.trimmingCharacters(in: .whitespaces)
        let host: String
        if rest.hasPrefix("git@") {
            rest.removeFirst("git@".count)
            guard let colon = rest.firstIndex(of: ":") else { return nil }
            host = String(rest[..<colon])
            rest = String(rest[rest.index(after: colon)...])
        } else if let scheme = ["https://", "http://"].first(where: { rest.lowercased().hasPrefix($0) }) {
            rest.removeFirst(scheme.count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            host = String(rest[..<slash])
            rest = String(rest[rest.index(after: slash)...])
        } else {
            return nil
        }
        while rest.hasSuffix("/") { rest.removeLast() }
        if rest.hasSuffix(".git") { rest.removeLast(4) }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let owner = String(parts[0])
        let name = String(parts[1])
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        // The host names the API base and the cache file (`cacheStem`): a "/" or a space in it
        // (`git@a/../b:o/r`) would put the cache somewhere else and the requests nowhere.
        let hostAllowed = allowed.union(CharacterSet(charactersIn: ":[]"))
        guard !host.isEmpty, host.unicodeScalars.allSatisfy(hostAllowed.contains),
            !owner.isEmpty, !name.isEmpty, name != ".", name != "..",
            owner.unicodeScalars.allSatisfy(allowed.contains),
            name.unicodeScalars.allSatisfy(allowed.contains)
        else { return nil }
        self.init(host: host.lowercased(), owner: owner, name: name)
    }

    /// `owner/name`.
    public var fullName: String { "\(owner)/\(name)" }
    public var description: String { fullName }

    /// The REST API base: `https://api.github.com` for github.com, `https://HOST/api/v3` otherwise,
    /// or `override` (the `[github] api_url` setting) when given.
    public func apiBase(override: String? = nil) -> String {
        if let override, !override.isEmpty { return override.trimmingTrailingSlashes() }
        return host == "github.com" ? "https://api.github.com" : "https://\(host)/api/v3"
    }

    /// The GraphQL endpoint that goes with `apiBase(override:)`: `…/graphql` for github.com's
    /// shape, `https://HOST/api/graphql` for an Enterprise `…/api/v3` base.
    public func graphQLURL(override: String? = nil) -> String {
        let base = apiBase(override: override)
        if base.hasSuffix("/api/v3") { return String(base.dropLast("/v3".count)) + "/graphql" }
        return base + "/graphql"
    }

    /// The cache file stem shared with the upstream tool: host with "." replaced by "_", then owner
    /// and name (`github_com_acme_demo`). Including the host keeps Enterprise and github.com apart
    /// (failure mode 10).
    public var cacheStem: String {
        "\(host.replacingOccurrences(of: ".", with: "_"))_\(owner)_\(name)"
    }

    /// The browser URL of the repository.
    public var webURL: String { "https://\(host)/\(owner)/\(name)" }
}

extension String {
    func trimmingTrailingSlashes() -> String {
        var s = self
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
