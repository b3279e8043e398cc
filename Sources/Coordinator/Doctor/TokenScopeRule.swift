/// Whether a token's OAuth scopes let the coordinator read a repository's issues and write their
/// labels. Pure, so the rule is tested without a server.
///
/// A classic token needs `repo` (full control of private repositories), or `public_repo` for a
/// public one: reading public issues needs no scope, but writing labels does. A token whose
/// scopes GitHub does not name (fine-grained, GitHub App) cannot be judged from outside.
public enum TokenScopeRule {
    public enum Verdict: Sendable, Equatable {
        /// Allowed, thanks to `scope`.
        case allowed(scope: String)
        /// Not allowed; `needed` would do.
        case missing(needed: String)
        /// GitHub named no scopes (fine-grained token or GitHub App token).
        case cannotTell
    }

    /// - Parameters:
    ///   - scopes: `X-OAuth-Scopes`, split; nil when the header was absent.
    ///   - isPrivate: the repository's visibility; a private (or internal) repository needs `repo`.
    public static func verdict(scopes: [String]?, isPrivate: Bool) -> Verdict {
        guard let scopes else { return .cannotTell }
        if scopes.contains("repo") { return .allowed(scope: "repo") }
        if !isPrivate, scopes.contains("public_repo") { return .allowed(scope: "public_repo") }
        return .missing(needed: isPrivate ? "repo" : "repo or public_repo")
    }

    /// The scopes as the operator reads them: `repo, read:org`, or `none`.
    static func text(_ scopes: [String]) -> String {
        scopes.isEmpty ? "none" : scopes.joined(separator: ", ")
    }
}
