import Crypto
import Foundation

/// Renders `issues` webhook bodies in the shape GitHub documents: `action`, `issue` (exactly what
/// `GET /repos/{o}/{r}/issues/{n}` answers, after the change), `label` or `changes` for the actions
/// that carry them, `repository` (the REST repository plus the fields webhook payloads add) and
/// `sender` (a full simple-user object).
///
/// `apiBase` is the Sandbox's own base URL: GitHub's payloads point at api.github.com, ours at the
/// Sandbox that sent them.
struct WebhookPayload {
    let apiBase: String

    func render(_ action: IssueChange.Action, issue: SandboxIssue, in repo: GitHubRepository, sender: String) -> Data {
        let representation = GitHubRepresentation(apiBase: apiBase)
        var fields: [(String, JSONValue)] = [
            ("action", .string(action.action)),
            ("issue", representation.issue(issue, in: repo)),
        ]
        if let label = action.label {
            fields.append(("label", representation.label(repo.label(named: label), name: label, repo: repo)))
        }
        if !action.changes.isEmpty {
            fields.append(("changes", .object(action.changes.map { ($0.field, .object([("from", .optional($0.from))])) })))
        }
        fields.append(("repository", repository(repo, representation: representation)))
        fields.append(("sender", representation.simpleUser(sender)))
        return JSONValue.object(fields).data
    }

    /// The REST repository plus what GitHub's webhook `repository` object also has.
    private func repository(_ repo: GitHubRepository, representation: GitHubRepresentation) -> JSONValue {
        let url = "\(apiBase)/repos/\(repo.owner)/\(repo.name)"
        let web = "https://\(repo.htmlHost)/\(repo.fullName)"
        let open = repo.issues.values.filter { $0.state == "open" }.count
        var rest = representation.repository(repo)
        if case .object(var pairs) = rest, let owner = pairs.firstIndex(where: { $0.0 == "owner" }) {
            pairs[owner].1 = representation.simpleUser(repo.owner)
            rest = .object(pairs)
        }
        let templates = [
            ("forks_url", "/forks"), ("keys_url", "/keys{/key_id}"), ("collaborators_url", "/collaborators{/collaborator}"),
            ("teams_url", "/teams"), ("hooks_url", "/hooks"), ("issue_events_url", "/issues/events{/number}"),
            ("events_url", "/events"), ("assignees_url", "/assignees{/user}"), ("branches_url", "/branches{/branch}"),
            ("tags_url", "/tags"), ("blobs_url", "/git/blobs{/sha}"), ("git_tags_url", "/git/tags{/sha}"),
            ("git_refs_url", "/git/refs{/sha}"), ("trees_url", "/git/trees{/sha}"), ("statuses_url", "/statuses/{sha}"),
            ("languages_url", "/languages"), ("stargazers_url", "/stargazers"), ("contributors_url", "/contributors"),
            ("subscribers_url", "/subscribers"), ("subscription_url", "/subscription"), ("commits_url", "/commits{/sha}"),
            ("git_commits_url", "/git/commits{/sha}"), ("comments_url", "/comments{/number}"),
            ("issue_comment_url", "/issues/comments{/number}"), ("contents_url", "/contents/{+path}"),
            ("compare_url", "/compare/{base}...{head}"), ("merges_url", "/merges"), ("archive_url", "/{archive_format}{/ref}"),
            ("downloads_url", "/downloads"), ("issues_url", "/issues{/number}"), ("pulls_url", "/pulls{/number}"),
            ("milestones_url", "/milestones{/number}"), ("notifications_url", "/notifications{?since,all,participating}"),
            ("labels_url", "/labels{/name}"), ("releases_url", "/releases{/id}"), ("deployments_url", "/deployments"),
        ]
        var extra: [(String, JSONValue)] = templates.map { ($0.0, .string(url + $0.1)) }
        extra += [
            ("git_url", .string("git://\(repo.htmlHost)/\(repo.fullName).git")),
            ("svn_url", .string(web)),
            ("homepage", .null), ("language", .null), ("mirror_url", .null), ("license", .null),
            ("size", .int(0)), ("forks", .int(0)), ("forks_count", .int(0)),
            ("stargazers_count", .int(0)), ("watchers_count", .int(0)), ("watchers", .int(0)),
            ("open_issues", .int(open)),
            ("has_projects", .bool(true)), ("has_downloads", .bool(true)), ("has_wiki", .bool(true)),
            ("has_pages", .bool(false)), ("has_discussions", .bool(false)),
            ("allow_forking", .bool(true)), ("is_template", .bool(false)), ("web_commit_signoff_required", .bool(false)),
            ("topics", .array([])),
        ]
        return GitHubRepresentation.adding(extra, to: rest)
    }

    // MARK: Content type

    /// The body a hook sends for the payload `json`: the JSON itself, or for a `form` hook
    /// `payload=` and the JSON percent-encoded (every byte outside RFC 3986's unreserved set, as
    /// GitHub does, so `+` and `&` in a title survive).
    static func encoded(_ json: Data, as contentType: Scenario.Webhook.ContentType) -> Data {
        switch contentType {
        case .json:
            return json
        case .form:
            return Data(("payload=" + PercentEncoding.encode(String(decoding: json, as: UTF8.self))).utf8)
        }
    }

    // MARK: Signing

    /// `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the exact body under the secret.
    static func signature256(body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + hex(mac)
    }

    /// `X-Hub-Signature`: the legacy SHA-1 form GitHub still sends next to the SHA-256 one.
    static func signature1(body: Data, secret: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha1=" + hex(mac)
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
