import Coordinator
import Foundation
import Logging
import Sandbox

/// Makes the demo's cache stale the way it goes stale in real life: the cache is synced through
/// the core, then "humans" change GitHub behind its back. The console's live refresh then shows
/// every kind of difference.
struct StaleCacheSeeder {
    let sandbox: SandboxServer
    let config: CoordinatorConfig
    let logger: Logger

    /// The human edits, applied after the cache was written.
    enum HumanEdit {
        /// A reviewer approved a plan: `labels differ`.
        case setLabels(owner: String, repo: String, number: Int, labels: [String], branches: [String])
        /// Done or dropped elsewhere: `only in cache`.
        case close(owner: String, repo: String, number: Int)
        /// Filed since the last refresh: `only live`. The title mixes emoji and CJK on purpose.
        case create(owner: String, repo: String, title: String, labels: [String])
    }

    static let edits: [HumanEdit] = [
        .setLabels(owner: "acme", repo: "mcp_coder", number: 104, labels: ["status-05:plan-ready"], branches: ["104-split-dispatcher"]),
        .close(owner: "acme", repo: "mcp_coder", number: 118),
        .create(owner: "acme", repo: "mcp_coder", title: "🔁 キューの再試行: retry Jenkins queue reads", labels: ["status-02:awaiting-planning"]),
        .setLabels(owner: "acme", repo: "web.site", number: 3, labels: ["status-04:plan-review", "bug"], branches: []),
    ]

    func seed() async throws {
        let workspace = Workspace.open(config: config, logger: logger)
        do {
            for service in workspace.repos {
                let cache = try await service.sync()
                logger.info("demo: \(service.repo.name) cache synced with \(cache.issues.count) issues")
            }
        } catch {
            await workspace.shutdown()
            throw error
        }
        await workspace.shutdown()
        for edit in Self.edits {
            switch edit {
            case let .setLabels(owner, repo, number, labels, branches):
                await sandbox.setLabels(owner: owner, repo: repo, number: number, labels: labels)
                if !branches.isEmpty { await sandbox.setLinkedBranches(owner: owner, repo: repo, number: number, branches: branches) }
            case let .close(owner, repo, number):
                await sandbox.close(owner: owner, repo: repo, number: number)
            case let .create(owner, repo, title, labels):
                await sandbox.createIssue(owner: owner, repo: repo, title: title, labels: labels)
            }
        }
    }
}
