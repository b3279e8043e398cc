import Foundation

/// Changes to issues, whether made through the REST API or by a "human" through the control
/// API. Every change moves `updated_at`, which is what `since` filtering depends on.
extension GitHubService {
    /// The `updated_at` for an edit made now.
    ///
    /// GitHub timestamps are whole seconds, so two edits in one second share a value; an edit
    /// never gets a time earlier than an earlier edit or than the issue's current `updated_at`,
    /// even if the scenario's timestamps lie ahead of the real clock.
    mutating func editTime(now: Date, issue: SandboxIssue) -> Date {
        let time = max(Timestamp.wholeSeconds(now), lastEdit, issue.updatedAt)
        lastEdit = time
        return time
    }

    /// Replaces an issue's labels (dropping duplicates, resolving names against the
    /// repository's definitions) and bumps `updated_at` when the set actually changed.
    mutating func setLabels(_ names: [String], on number: Int, in repo: inout GitHubRepository, now: Date) -> SandboxIssue {
        guard var issue = repo.issues[number] else { preconditionFailure("caller checked the issue exists") }
        var resolved: [String] = []
        for name in names {
            let label = repo.resolveLabel(name, nextID: &nextLabelID)
            if !resolved.contains(label.name) { resolved.append(label.name) }
        }
        if resolved != issue.labels {
            let before = issue
            issue.labels = resolved
            issue.updatedAt = editTime(now: now, issue: issue)
            repo.issues[number] = issue
            changes.append(IssueChange(before: before, after: issue))
        }
        return issue
    }

    mutating func setLabels(owner: String, repo name: String, number: Int, labels: [String], now: Date) -> SandboxIssue? {
        guard var repo = repository(owner: owner, name: name), repo.issues[number] != nil else { return nil }
        let issue = setLabels(labels, on: number, in: &repo, now: now)
        repositories[repo.key] = repo
        return issue
    }

    mutating func setState(owner: String, repo name: String, number: Int, open: Bool, now: Date) -> SandboxIssue? {
        edit(owner: owner, repo: name, number: number, now: now) { issue, time in
            guard (issue.state == "open") != open else { return false }
            issue.state = open ? "open" : "closed"
            issue.closedAt = open ? nil : time
            return true
        }
    }

    mutating func setLinkedBranches(owner: String, repo name: String, number: Int, branches: [String], now: Date) -> SandboxIssue? {
        edit(owner: owner, repo: name, number: number, now: now) { issue, _ in
            guard issue.linkedBranches != branches else { return false }
            issue.linkedBranches = branches
            return true
        }
    }

    /// A human editing the title and/or the body on github.com; nil leaves a field as it is.
    mutating func editText(owner: String, repo name: String, number: Int, title: String?, body: String?, now: Date) -> SandboxIssue? {
        edit(owner: owner, repo: name, number: number, now: now) { issue, _ in
            let before = issue
            if let title { issue.title = title }
            if let body { issue.body = body }
            return issue != before
        }
    }

    mutating func createIssue(owner: String, repo name: String, _ new: SandboxNewIssue, now: Date) -> SandboxIssue? {
        guard var repo = repository(owner: owner, name: name) else { return nil }
        let number = (repo.issues.keys.max() ?? 0) + 1
        let time = max(Timestamp.wholeSeconds(now), lastEdit)
        lastEdit = time
        var labels: [String] = []
        for label in new.labels {
            let resolved = repo.resolveLabel(label, nextID: &nextLabelID).name
            if !labels.contains(resolved) { labels.append(resolved) }
        }
        let issue = SandboxIssue(
            owner: repo.owner, repo: repo.name, number: number, title: new.title, body: new.body, labels: labels,
            assignees: new.assignees, user: new.user, createdAt: time, updatedAt: time,
            isPullRequest: new.isPullRequest, linkedBranches: new.linkedBranches
        )
        repo.issues[number] = issue
        repositories[repo.key] = repo
        changes.append(IssueChange(before: nil, after: issue))
        return issue
    }

    /// Applies `change`; when it reports a change, stamps the issue with the edit time.
    private mutating func edit(
        owner: String, repo name: String, number: Int, now: Date,
        _ change: (inout SandboxIssue, Date) -> Bool
    ) -> SandboxIssue? {
        guard var repo = repository(owner: owner, name: name), var issue = repo.issues[number] else { return nil }
        var candidate = issue
        let time = max(Timestamp.wholeSeconds(now), lastEdit, issue.updatedAt)
        if change(&candidate, time) {
            lastEdit = time
            candidate.updatedAt = time
            changes.append(IssueChange(before: issue, after: candidate))
            issue = candidate
            repo.issues[number] = issue
            repositories[repo.key] = repo
        }
        return issue
    }
}
