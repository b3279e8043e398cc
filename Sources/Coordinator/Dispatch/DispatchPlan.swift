/// Everything a dispatch will do, decided before anything is sent. Building it is pure, so the
/// plan *is* the dry run: `run --dry-run` and the console's preview print exactly this.
public struct DispatchPlan: Codable, Sendable, Equatable {
    public var repoName: String
    public var issueNumber: Int
    public var issueTitle: String
    public var route: WorkflowRoute
    public var branch: String
    public var jobPath: String
    /// `REPO_URL`, `BRANCH_NAME`, `COMMAND`, `GITHUB_CREDENTIALS_ID`, in that order. No secrets.
    public var parameters: [JobParameter]
    public var labelMove: LabelMove

    public var workflow: WorkflowName { route.workflow }

    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }
}

/// The label change of a dispatch: add the busy label, then remove the pickup label.
public struct LabelMove: Sendable, Equatable, Codable {
    public var remove: String
    public var add: String

    public init(remove: String, add: String) {
        self.remove = remove
        self.add = add
    }

    /// `status-02:awaiting-planning → status-03:planning`
    public var summary: String { "\(remove) → \(add)" }
}

/// Why an eligible issue is not dispatched. A skip sends nothing and never touches the cache
/// (failure mode 8).
public enum SkipReason: Codable, Sendable, Equatable, CustomStringConvertible {
    case noLinkedBranch
    case severalLinkedBranches([String])
    /// The live labels no longer match what the plan assumed.
    case labelsChanged(live: [String])
    /// `Eligibility.description` of an issue that is not eligible.
    case notEligible(String)

    public var description: String {
        switch self {
        case .noLinkedBranch:
            return "no branch is linked to the issue (link one in the issue's Development section)"
        case let .severalLinkedBranches(branches):
            return "several branches are linked (\(branches.joined(separator: ", "))): keep exactly one"
        case let .labelsChanged(live):
            return "labels changed on GitHub since the cache was read (now: \(live.isEmpty ? "none" : live.joined(separator: ", ")))"
        case let .notEligible(reason):
            return reason
        }
    }
}

/// A plan, or the reason there is none.
public enum PlanOutcome: Codable, Sendable, Equatable {
    case ready(DispatchPlan)
    case skip(issue: Int, reason: SkipReason)

    public var plan: DispatchPlan? {
        if case let .ready(plan) = self { return plan }
        return nil
    }
}

/// Builds dispatch plans. Pure: the branch lookup happens before, its result comes in as data.
public struct DispatchPlanner: Sendable {
    public var command: ExecutorCommand
    public var logLevel: String?

    public init(command: ExecutorCommand = ExecutorCommand(), logLevel: String? = nil) {
        self.command = command
        self.logLevel = logLevel
    }

    /// Whether `route` needs the issue's linked branches (so callers look them up only then).
    public static func needsLinkedBranch(_ route: WorkflowRoute) -> Bool {
        route.branch == .linkedBranch
    }

    /// The plan for `issue` along `route` in `repo`. `linkedBranches` is the GraphQL answer, or
    /// nil when the route does not need it.
    public func plan(issue: Issue, route: WorkflowRoute, repo: RepoConfig, linkedBranches: [String]?) -> PlanOutcome {
        let branch: String
        switch route.branch {
        case .mainBranch:
            branch = repo.mainBranch
        case .linkedBranch:
            let branches = linkedBranches ?? []
            if branches.isEmpty { return .skip(issue: issue.number, reason: .noLinkedBranch) }
            // Taking "the first" of several was upstream failure mode 9.
            if branches.count > 1 { return .skip(issue: issue.number, reason: .severalLinkedBranches(branches)) }
            branch = branches[0]
        }
        let script = command.render(workflow: route.workflow, os: repo.executorOS, issue: issue.number, branch: branch, logLevel: logLevel)
        return .ready(DispatchPlan(
            repoName: repo.name, issueNumber: issue.number, issueTitle: issue.title, route: route,
            branch: branch, jobPath: repo.executorJobPath,
            parameters: Self.parameters(repo: repo, branch: branch, command: script),
            labelMove: route.labelMove))
    }

    /// The executor job's parameters, in the order they are sent. No secret among them: the job
    /// gets GitHub access through the Jenkins credentials id.
    public static func parameters(repo: RepoConfig, branch: String, command: String) -> [JobParameter] {
        [
            JobParameter("REPO_URL", repo.repoURLText),
            JobParameter("BRANCH_NAME", branch),
            JobParameter("COMMAND", command),
            JobParameter("GITHUB_CREDENTIALS_ID", repo.githubCredentialsID),
        ]
    }
}
