import Foundation

/// A human moving an issue to a pickup label: the demo's way to show a webhook turning into a
/// dispatch seconds later.
///
/// Rule, kept simple on purpose: the issue's `status-…` labels are replaced by `label`, every
/// other label stays. Without a number, one issue is drawn from the open issues (not pull
/// requests) that carry none of `avoid` — nothing a bot may take or is working on, and nothing
/// the coordinator ignores — so the move always makes something newly eligible.
public struct SandboxRelabel: Sendable, Equatable {
    public struct Request: Sendable, Equatable {
        /// Limit the draw to one repository ("owner/name"); nil draws from all.
        public var repository: String?
        /// This issue instead of a drawn one (needs `repository`).
        public var number: Int?
        /// The label to move to.
        public var label: String
        /// Makes the draw repeatable; nil draws differently each time.
        public var seed: UInt64?

        public init(repository: String? = nil, number: Int? = nil, label: String = SandboxRelabel.defaultLabel, seed: UInt64? = nil) {
            self.repository = repository
            self.number = number
            self.label = label
            self.seed = seed
        }
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case unknownRepository(String)
        case unknownIssue(String, Int)
        case noCandidate(String)
        case numberWithoutRepository

        public var description: String {
            switch self {
            case .unknownRepository(let name): "no repository \(name) in the scenario"
            case .unknownIssue(let name, let number): "no issue #\(number) in \(name)"
            case .noCandidate(let scope):
                "no open issue in \(scope) without a pickup, busy or ignore label; give a number to move a particular one"
            case .numberWithoutRepository: "a number needs a repository (\"owner/name\")"
            }
        }
    }

    /// `status-02:awaiting-planning`: the first pickup label, which needs no branch.
    public static let defaultLabel = "status-02:awaiting-planning"
    /// Labels an issue drawn at random must not carry: pickup, busy, and the ones the coordinator
    /// ignores (upstream's defaults).
    public static let avoid: Set<String> = [
        "status-02:awaiting-planning", "status-05:plan-ready", "status-08:ready-pr",
        "status-03:planning", "status-06:implementing", "status-09:pr-creating",
        "Overview", "blocked", "wait",
    ]

    public var owner: String
    public var repo: String
    public var number: Int
    /// Labels before and after the move.
    public var from: [String]
    public var to: [String]
    public var issue: SandboxIssue
}

extension SandboxWorld {
    func relabelAsHuman(_ request: SandboxRelabel.Request) -> Result<SandboxRelabel, SandboxRelabel.Failure> {
        var repositories = github.repositories.values.sorted { $0.key < $1.key }
        if let name = request.repository {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let repo = github.repository(owner: String(parts[0]), name: String(parts[1])) else {
                return .failure(.unknownRepository(name))
            }
            repositories = [repo]
        }
        let chosen: SandboxIssue
        if let number = request.number {
            guard let name = request.repository else { return .failure(.numberWithoutRepository) }
            guard let issue = repositories.first?.issues[number] else { return .failure(.unknownIssue(name, number)) }
            chosen = issue
        } else {
            let candidates = repositories.flatMap { repo in
                repo.issues.values
                    .filter { $0.state == "open" && !$0.isPullRequest && SandboxRelabel.avoid.isDisjoint(with: $0.labels) }
                    .sorted { $0.number < $1.number }
            }
            guard !candidates.isEmpty else {
                return .failure(.noCandidate(request.repository ?? "any repository"))
            }
            let index: Int
            if let seed = request.seed {
                var draw = SeededDraw(state: seed)
                index = Int(draw.next() % UInt64(candidates.count))
            } else {
                index = Int.random(in: candidates.indices)
            }
            chosen = candidates[index]
        }
        let labels = chosen.labels.filter { !$0.hasPrefix("status-") } + [request.label]
        guard let moved = setLabels(owner: chosen.owner, repo: chosen.repo, number: chosen.number, labels: labels) else {
            return .failure(.unknownIssue("\(chosen.owner)/\(chosen.repo)", chosen.number))
        }
        return .success(SandboxRelabel(
            owner: moved.owner, repo: moved.repo, number: moved.number, from: chosen.labels, to: moved.labels, issue: moved))
    }
}
