import Foundation

/// One change to an issue, as `GitHubService` records it: the issue before (nil for a new one)
/// and after. The webhook sender turns it into `issues` deliveries.
struct IssueChange: Sendable, Equatable {
    var before: SandboxIssue?
    var after: SandboxIssue

    /// One `issues` delivery's worth of a change: its `action`, and the `label` or the
    /// `changes` some actions carry.
    struct Action: Sendable {
        var action: String
        var label: String? = nil
        /// For `edited`: field name → its previous value (`{"title":{"from":…}}`).
        var changes: [(field: String, from: String?)] = []
    }

    /// The actions GitHub would send for this change, in the order it sends them: a new issue is
    /// `opened`, then `labeled` once per label it was created with; an existing one is `edited`
    /// (title, body), `closed`/`reopened`, then `unlabeled` per label removed and `labeled` per
    /// label added. A change that touches none of these (linked branches) sends nothing.
    var actions: [Action] {
        guard let before else {
            return [Action(action: "opened")] + after.labels.map { Action(action: "labeled", label: $0) }
        }
        var actions: [Action] = []
        var edits: [(field: String, from: String?)] = []
        if before.title != after.title { edits.append(("title", before.title)) }
        if before.body != after.body { edits.append(("body", before.body)) }
        if !edits.isEmpty { actions.append(Action(action: "edited", changes: edits)) }
        if before.state != after.state { actions.append(Action(action: after.state == "closed" ? "closed" : "reopened")) }
        for label in before.labels where !after.labels.contains(label) {
            actions.append(Action(action: "unlabeled", label: label))
        }
        for label in after.labels where !before.labels.contains(label) {
            actions.append(Action(action: "labeled", label: label))
        }
        return actions
    }
}
