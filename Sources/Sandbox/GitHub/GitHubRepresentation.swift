import Foundation

/// Renders repositories, issues and labels in the shape of GitHub's REST API (v3, 2022-11-28).
///
/// `apiBase` is where the client reached us (`http://127.0.0.1:PORT` or `…/api/v3`), so the
/// `url` fields it follows lead back here, the way PyGithub and others navigate.
struct GitHubRepresentation {
    let apiBase: String

    func repository(_ repo: GitHubRepository) -> JSONValue {
        let url = "\(apiBase)/repos/\(repo.owner)/\(repo.name)"
        let open = repo.issues.values.filter { $0.state == "open" }.count
        return .object([
            ("id", .int(repo.id)),
            ("node_id", .string(nodeID("R_", repo.id))),
            ("name", .string(repo.name)),
            ("full_name", .string(repo.fullName)),
            ("private", .bool(false)),
            ("owner", user(repo.owner)),
            ("html_url", .string("https://\(repo.htmlHost)/\(repo.fullName)")),
            ("description", .optional(repo.description)),
            ("fork", .bool(false)),
            ("url", .string(url)),
            ("issues_url", .string("\(url)/issues{/number}")),
            ("labels_url", .string("\(url)/labels{/name}")),
            ("clone_url", .string("https://\(repo.htmlHost)/\(repo.fullName).git")),
            ("ssh_url", .string("git@\(repo.htmlHost):\(repo.fullName).git")),
            ("created_at", .string(Timestamp.format(repo.createdAt))),
            ("updated_at", .string(Timestamp.format(repo.createdAt))),
            ("pushed_at", .string(Timestamp.format(repo.createdAt))),
            ("has_issues", .bool(true)),
            ("archived", .bool(false)),
            ("disabled", .bool(false)),
            ("open_issues_count", .int(open)),
            ("visibility", .string("public")),
            ("default_branch", .string(repo.defaultBranch)),
        ])
    }

    func issue(_ issue: SandboxIssue, in repo: GitHubRepository) -> JSONValue {
        let repoURL = "\(apiBase)/repos/\(repo.owner)/\(repo.name)"
        let url = "\(repoURL)/issues/\(issue.number)"
        let htmlKind = issue.isPullRequest ? "pull" : "issues"
        let htmlURL = "https://\(repo.htmlHost)/\(repo.fullName)/\(htmlKind)/\(issue.number)"
        var fields: [(String, JSONValue)] = [
            ("url", .string(url)),
            ("repository_url", .string(repoURL)),
            ("labels_url", .string("\(url)/labels{/name}")),
            ("comments_url", .string("\(url)/comments")),
            ("events_url", .string("\(url)/events")),
            ("html_url", .string(htmlURL)),
            ("id", .int(Self.issueID(repo: repo, number: issue.number))),
            ("node_id", .string(nodeID(issue.isPullRequest ? "PR_" : "I_", Self.issueID(repo: repo, number: issue.number)))),
            ("number", .int(issue.number)),
            ("title", .string(issue.title)),
            // GitHub's issue schema has a full simple-user here (githubkit's App check parses it).
            ("user", simpleUser(issue.user)),
            ("labels", .array(issue.labels.map { name in label(repo.label(named: name), name: name, repo: repo) })),
            ("state", .string(issue.state)),
            ("locked", .bool(issue.locked)),
            ("assignee", issue.assignees.first.map(simpleUser) ?? .null),
            ("assignees", .array(issue.assignees.map(simpleUser))),
            ("milestone", .null),
            ("comments", .int(issue.comments)),
            ("created_at", .string(Timestamp.format(issue.createdAt))),
            ("updated_at", .string(Timestamp.format(issue.updatedAt))),
            ("closed_at", issue.closedAt.map { .string(Timestamp.format($0)) } ?? .null),
            ("author_association", .string("MEMBER")),
            ("active_lock_reason", .null),
            ("timeline_url", .string("\(url)/timeline")),
            ("reactions", .object([
                ("url", .string("\(url)/reactions")), ("total_count", .int(0)), ("+1", .int(0)), ("-1", .int(0)),
                ("laugh", .int(0)), ("hooray", .int(0)), ("confused", .int(0)), ("heart", .int(0)),
                ("rocket", .int(0)), ("eyes", .int(0)),
            ])),
        ]
        if issue.isPullRequest {
            let pullURL = "\(repoURL)/pulls/\(issue.number)"
            fields.append(("draft", .bool(false)))
            fields.append((
                "pull_request",
                .object([
                    ("url", .string(pullURL)),
                    ("html_url", .string(htmlURL)),
                    ("diff_url", .string("\(htmlURL).diff")),
                    ("patch_url", .string("\(htmlURL).patch")),
                    ("merged_at", .null),
                ])
            ))
        }
        fields.append(("body", .optional(issue.body)))
        fields.append(("state_reason", issue.state == "closed" ? .string("completed") : .null))
        return .object(fields)
    }

    func labels(_ names: [String], in repo: GitHubRepository) -> JSONValue {
        .array(names.map { label(repo.label(named: $0), name: $0, repo: repo) })
    }

    func label(_ definition: LabelDefinition?, name: String, repo: GitHubRepository) -> JSONValue {
        let definition = definition ?? LabelDefinition(id: 0, name: name, color: "ededed", description: nil)
        return .object([
            ("id", .int(definition.id)),
            ("node_id", .string(nodeID("LA_", definition.id))),
            ("url", .string("\(apiBase)/repos/\(repo.owner)/\(repo.name)/labels/\(PercentEncoding.encode(definition.name))")),
            ("name", .string(definition.name)),
            ("color", .string(definition.color)),
            ("default", .bool(false)),
            ("description", .optional(definition.description)),
            // Labels can be archived on GitHub now; none is here.
            ("archived_at", .null),
            ("archived_by", .null),
        ])
    }

    func user(_ login: String) -> JSONValue {
        .object([
            ("login", .string(login)),
            ("id", .int(Self.userID(login))),
            ("node_id", .string(nodeID("U_", Self.userID(login)))),
            ("url", .string("\(apiBase)/users/\(login)")),
            ("html_url", .string("https://github.com/\(login)")),
            ("type", .string(login.hasSuffix("[bot]") ? "Bot" : "User")),
            ("site_admin", .bool(false)),
        ])
    }

    /// The REST user plus every field of GitHub's `simple-user` schema: what webhook payloads
    /// carry as `sender` and `repository.owner`, and issue events as `actor`.
    func simpleUser(_ login: String) -> JSONValue {
        let url = "\(apiBase)/users/\(login)"
        let id = Self.userID(login)
        return Self.adding([
            ("avatar_url", .string("https://avatars.githubusercontent.com/u/\(id)?v=4")),
            ("gravatar_id", .string("")),
            ("followers_url", .string("\(url)/followers")),
            ("following_url", .string("\(url)/following{/other_user}")),
            ("gists_url", .string("\(url)/gists{/gist_id}")),
            ("starred_url", .string("\(url)/starred{/owner}{/repo}")),
            ("subscriptions_url", .string("\(url)/subscriptions")),
            ("organizations_url", .string("\(url)/orgs")),
            ("repos_url", .string("\(url)/repos")),
            ("events_url", .string("\(url)/events{/privacy}")),
            ("received_events_url", .string("\(url)/received_events")),
            ("user_view_type", .string("public")),
        ], to: user(login))
    }

    /// Appends the fields `object` does not have yet, so a representation that grows never ends
    /// up with a key twice.
    static func adding(_ extra: [(String, JSONValue)], to object: JSONValue) -> JSONValue {
        guard case .object(var pairs) = object else { return object }
        for (key, value) in extra where !pairs.contains(where: { $0.0 == key }) {
            pairs.append((key, value))
        }
        return .object(pairs)
    }

    static func issueID(repo: GitHubRepository, number: Int) -> Int {
        repo.id * 100_000 + number
    }

    /// Stable across runs (unlike `hashValue`), so ETags and ids are reproducible.
    static func userID(_ login: String) -> Int {
        login.unicodeScalars.reduce(7) { ($0 &* 31 &+ Int($1.value)) % 90_000_000 } + 10_000_000
    }

    func nodeID(_ prefix: String, _ id: Int) -> String {
        prefix + Data("sandbox:\(id)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}

/// GitHub's error bodies: a message plus a pointer into the documentation.
enum GitHubError {
    static let docs = "https://docs.github.com/rest"

    static func body(_ message: String, errors: [JSONValue]? = nil, status: Int) -> JSONValue {
        var fields: [(String, JSONValue)] = [("message", .string(message))]
        if let errors { fields.append(("errors", .array(errors))) }
        fields.append(("documentation_url", .string(docs)))
        fields.append(("status", .string(String(status))))
        return .object(fields)
    }

    static func response(_ status: Int, _ message: String, errors: [JSONValue]? = nil) -> OutgoingResponse {
        .json(status, body(message, errors: errors, status: status))
    }

    static func notFound() -> OutgoingResponse { response(404, "Not Found") }

    static func validationFailed(resource: String, field: String, code: String = "invalid") -> OutgoingResponse {
        response(422, "Validation Failed", errors: [
            .object([("resource", .string(resource)), ("field", .string(field)), ("code", .string(code))]),
        ])
    }
}
