import Foundation

/// Issue events (`GET /repos/{o}/{r}/issues/{n}/events`): what GitHub records on every label and
/// state change and every title change, who made it and when.
///
/// Each change an edit appends to `changes` is recorded by `recordEvents` when the world hands
/// the changes on (the same place the webhook sender gets them), with the actor the world knows:
/// the token's login for a REST call, the human's for a control edit. A scenario issue starts with
/// its declared history, or one made up from its labels and state.
extension GitHubService {
    /// Event ids count from here, so they look like GitHub's and never like an issue or label id.
    static let firstEventID = 12_000_000_001

    /// The events GitHub would have recorded for `change`, in the order it records them: a new
    /// issue is one `labeled` per label (GitHub records no event for the opening itself); an
    /// existing one `renamed` (title), `closed`/`reopened`, then `unlabeled` and `labeled`. All at
    /// the change's time — the issue's new `updated_at`, so never before an earlier event.
    mutating func recordEvents(_ change: IssueChange, actor: String) {
        let issue = change.after
        guard var repo = repository(owner: issue.owner, name: issue.repo) else { return }
        let time = change.before == nil ? issue.createdAt : issue.updatedAt
        var recorded: [SandboxIssueEvent] = []
        for action in change.actions {
            var event = SandboxIssueEvent(id: 0, kind: .labeled, actor: actor, createdAt: time)
            switch action.action {
            case "labeled", "unlabeled":
                guard let name = action.label else { continue }
                event.kind = action.action == "labeled" ? .labeled : .unlabeled
                event.label = .init(name: name, color: repo.label(named: name)?.color ?? "ededed")
            case "closed":
                event.kind = .closed
            case "reopened":
                event.kind = .reopened
            case "edited":
                // A body edit is no event on GitHub; a title change is `renamed`.
                guard let title = action.changes.first(where: { $0.field == "title" }) else { continue }
                event.kind = .renamed
                event.rename = .init(from: title.from ?? "", to: issue.title)
            default:
                continue
            }
            event.id = nextEventID
            nextEventID += 1
            recorded.append(event)
        }
        guard !recorded.isEmpty else { return }
        repo.events[issue.number, default: []] += recorded
        repositories[repo.key] = repo
    }

    /// A scenario issue's history: its declared `events` in time order, or, when it declares none,
    /// each label `labeled` at `created_at` and a closed issue `closed` at `closed_at`, by its author.
    mutating func scenarioHistory(of declared: Scenario.Issue, as issue: SandboxIssue, in repo: inout GitHubRepository) -> [SandboxIssueEvent] {
        var events: [SandboxIssueEvent] = []
        if let history = declared.events {
            let ordered = history.enumerated().sorted { a, b in
                let (ta, tb) = (Timestamp.parse(a.element.createdAt) ?? .distantPast, Timestamp.parse(b.element.createdAt) ?? .distantPast)
                return ta != tb ? ta < tb : a.offset < b.offset
            }
            for (_, entry) in ordered {
                guard let kind = SandboxIssueEvent.Kind(rawValue: entry.event) else { continue }
                var event = SandboxIssueEvent(
                    id: 0, kind: kind, actor: entry.actor ?? issue.user,
                    createdAt: Timestamp.parse(entry.createdAt) ?? issue.createdAt)
                if let name = entry.label {
                    let label = repo.resolveLabel(name, nextID: &nextLabelID)
                    event.label = .init(name: label.name, color: label.color)
                }
                events.append(event)
            }
        } else {
            for name in issue.labels {
                let color = repo.label(named: name)?.color ?? "ededed"
                events.append(SandboxIssueEvent(
                    id: 0, kind: .labeled, actor: issue.user, createdAt: issue.createdAt, label: .init(name: name, color: color)))
            }
            if let closed = issue.closedAt {
                events.append(SandboxIssueEvent(id: 0, kind: .closed, actor: issue.user, createdAt: closed))
            }
        }
        for index in events.indices {
            events[index].id = nextEventID
            nextEventID += 1
        }
        return events
    }

    /// `GET /repos/{o}/{r}/issues/{n}/events`: oldest first, paged like every listing.
    func listEvents(of number: Int, in repo: GitHubRepository, request: IncomingRequest, representation: GitHubRepresentation) -> OutgoingResponse {
        let events = repo.events[number] ?? []
        let paging = IssueListing.paging(request)
        var response = OutgoingResponse.json(200, .array(paging.page(of: events).map { representation.issueEvent($0, in: repo) }))
        if let link = paging.linkHeader(total: events.count, request: request) { response.headers.append(("Link", link)) }
        return response
    }

    /// `GET /repos/{o}/{r}/issues/events/{id}`: one event, with the issue it belongs to.
    func event(_ text: String, in repo: GitHubRepository, representation: GitHubRepresentation) -> OutgoingResponse {
        guard let id = Int(text) else { return GitHubError.notFound() }
        for (number, events) in repo.events {
            guard let event = events.first(where: { $0.id == id }), let issue = repo.issues[number] else { continue }
            guard case .object(var fields) = representation.issueEvent(event, in: repo) else { break }
            let beforeApp = fields.firstIndex { $0.0 == "performed_via_github_app" } ?? fields.endIndex
            fields.insert(("issue", representation.issue(issue, in: repo)), at: beforeApp)
            return .json(200, .object(fields))
        }
        return GitHubError.notFound()
    }
}

extension GitHubRepresentation {
    /// An issue event as GitHub's REST API renders it (`issue-event-for-issue`).
    func issueEvent(_ event: SandboxIssueEvent, in repo: GitHubRepository) -> JSONValue {
        let prefix = switch event.kind {
        case .labeled: "LE_"
        case .unlabeled: "UNLE_"
        case .closed: "CE_"
        case .reopened: "REE_"
        case .renamed: "RTE_"
        }
        var fields: [(String, JSONValue)] = [
            ("id", .int(event.id)),
            ("node_id", .string(nodeID(prefix, event.id))),
            ("url", .string("\(apiBase)/repos/\(repo.owner)/\(repo.name)/issues/events/\(event.id)")),
            ("actor", simpleUser(event.actor)),
            ("event", .string(event.kind.rawValue)),
            ("commit_id", .null),
            ("commit_url", .null),
            ("created_at", .string(Timestamp.format(event.createdAt))),
        ]
        if let label = event.label {
            fields.append(("label", .object([("name", .string(label.name)), ("color", .string(label.color))])))
        }
        if let rename = event.rename {
            fields.append(("rename", .object([("from", .string(rename.from)), ("to", .string(rename.to))])))
        }
        switch event.kind {
        case .closed: fields.append(("state_reason", .string("completed")))
        case .reopened: fields.append(("state_reason", .string("reopened")))
        default: break
        }
        fields.append(("performed_via_github_app", .null))
        return .object(fields)
    }
}
