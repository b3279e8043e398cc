import Foundation

/// GitHub's JSON for an issue (or a pull request: the issues endpoint returns both).
///
/// Decoding is lenient about optional fields (`body` is `null` for an empty description,
/// Enterprise versions omit some keys) and strict about the one thing an issue cannot lack, its
/// number.
struct GitHubIssuePayload: Decodable {
    var number: Int
    var title: String
    var body: String
    var state: String
    var labels: [String]
    var assignees: [String]
    var user: String
    var createdAt: String?
    var updatedAt: String?
    var htmlURL: String
    var locked: Bool
    /// The item carries a `pull_request` key: it is a pull request, not an issue.
    var isPullRequest: Bool

    private enum Keys: String, CodingKey {
        case number, title, body, state, labels, assignees, user, locked
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case htmlURL = "html_url"
        case pullRequest = "pull_request"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        number = try c.decode(Int.self, forKey: .number)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
        body = try c.decodeIfPresent(String.self, forKey: .body) ?? ""
        state = try c.decodeIfPresent(String.self, forKey: .state) ?? "open"
        labels = (try c.decodeIfPresent([GitHubLabelPayload].self, forKey: .labels) ?? []).map(\.name)
        assignees = (try c.decodeIfPresent([GitHubUserPayload?].self, forKey: .assignees) ?? []).compactMap { $0?.login }
        user = try c.decodeIfPresent(GitHubUserPayload.self, forKey: .user)?.login ?? ""
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
        updatedAt = try c.decodeIfPresent(String.self, forKey: .updatedAt)
        htmlURL = try c.decodeIfPresent(String.self, forKey: .htmlURL) ?? ""
        locked = try c.decodeIfPresent(Bool.self, forKey: .locked) ?? false
        isPullRequest = c.contains(.pullRequest) && !((try? c.decodeNil(forKey: .pullRequest)) ?? false)
    }

    var issue: Issue {
        Issue(
            number: number, title: title, body: body,
            state: IssueState(rawValue: state.lowercased()) ?? .open,
            labels: labels, assignees: assignees, user: user,
            createdAt: createdAt.flatMap(Timestamp.parse), updatedAt: updatedAt.flatMap(Timestamp.parse),
            url: htmlURL, locked: locked)
    }
}

/// A label as GitHub returns it (`{"name": …, "color": …}`); a bare string is accepted too, the
/// shape GitHub accepts on input and some older Enterprise answers echo.
struct GitHubLabelPayload: Decodable {
    var name: String

    private enum Keys: String, CodingKey { case name }

    init(from decoder: Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            name = text
        } else {
            name = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .name)
        }
    }
}

struct GitHubUserPayload: Decodable {
    var login: String
}

/// The body of `POST …/labels`.
struct GitHubLabelsRequest: Encodable {
    var labels: [String]
}

/// One entry of `GET /repos/{o}/{r}/issues/{n}/events`. Only label events matter here; any other
/// event, or a field of an unexpected shape, reads as "not a label event" rather than failing
/// the whole list.
struct GitHubIssueEventPayload: Decodable {
    var labelEvent: IssueLabelEvent?

    private enum Keys: String, CodingKey {
        case event, label, actor
        case createdAt = "created_at"
    }

    private struct Label: Decodable { var name: String }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let kind = (try? c.decodeIfPresent(String.self, forKey: .event)) ?? nil
        let label = (try? c.decodeIfPresent(Label.self, forKey: .label)) ?? nil
        let time = ((try? c.decodeIfPresent(String.self, forKey: .createdAt)) ?? nil).flatMap(Timestamp.parse)
        let actor = ((try? c.decodeIfPresent(GitHubUserPayload.self, forKey: .actor)) ?? nil)?.login
        guard let label, let time, let kind, let action = IssueLabelEvent.Action(rawValue: kind) else { return }
        labelEvent = IssueLabelEvent(action: action, label: label.name, at: time, actor: actor)
    }
}
