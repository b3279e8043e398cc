import Foundation

/// Upstream's five lanes as configuration (SPEC §11): the built-in three plus the review lanes
/// `status-14:plan-review-bot` → `review-plan` and `status-17:code-review-bot` →
/// `review-implementation`, dispatched in the order 08, 17, 05, 14, 02.
enum FiveWorkflows {
    /// The `[coordinator.workflows]` tables, for `ConfigFile.extra`.
    static let toml = """

        [coordinator.workflows.create-pr]
        pickup = "status-08:ready-pr"
        busy = "status-09:pr-creating"
        branch = "linked"
        priority = 10
        stale_timeout_minutes = 15

        [coordinator.workflows.review-implementation]
        pickup = "status-17:code-review-bot"
        busy = "status-17i:code-reviewing"
        branch = "linked"
        priority = 20
        stale_timeout_minutes = 120

        [coordinator.workflows.implement]
        pickup = "status-05:plan-ready"
        busy = "status-06:implementing"
        branch = "linked"
        priority = 30
        stale_timeout_minutes = 120

        [coordinator.workflows.review-plan]
        pickup = "status-14:plan-review-bot"
        busy = "status-14i:plan-reviewing"
        branch = "linked"
        priority = 40
        stale_timeout_minutes = 30

        [coordinator.workflows.create-plan]
        pickup = "status-02:awaiting-planning"
        busy = "status-03:planning"
        branch = "main"
        priority = 50
        stale_timeout_minutes = 15

        """

    /// A labels file in upstream's `labels.json` shape, with the keys this tool does not read
    /// (`stale_timeout_minutes`, `failure`, `vscodeclaude`) as upstream writes them.
    static let labelsJSON = """
        {
          "workflow_labels": [
            {"internal_id": "created", "name": "status-01:created", "color": "10b981", "description": "Fresh issue, may need refinement", "category": "human_action",
             "vscodeclaude": {"emoji": "📝", "display_name": "ISSUE ANALYSIS", "stage_short": "new", "commands": ["/issue_analyse"]}},
            {"internal_id": "awaiting_planning", "name": "status-02:awaiting-planning", "color": "6ee7b7", "description": "Ready for planning", "category": "bot_pickup"},
            {"internal_id": "planning", "name": "status-03:planning", "color": "a7f3d0", "description": "Plan being drafted", "category": "bot_busy", "stale_timeout_minutes": 15},
            {"internal_id": "plan_review", "name": "status-04:plan-review", "color": "3b82f6", "description": "Plan available for review", "category": "human_action"},
            {"internal_id": "plan_ready", "name": "status-05:plan-ready", "color": "93c5fd", "description": "Plan approved", "category": "bot_pickup"},
            {"internal_id": "implementing", "name": "status-06:implementing", "color": "bfdbfe", "description": "Code being written", "category": "bot_busy", "stale_timeout_minutes": 120},
            {"internal_id": "code_review", "name": "status-07:code-review", "color": "f59e0b", "description": "Needs code review", "category": "human_action"},
            {"internal_id": "ready_pr", "name": "status-08:ready-pr", "color": "fbbf24", "description": "Approved for a pull request", "category": "bot_pickup"},
            {"internal_id": "pr_creating", "name": "status-09:pr-creating", "color": "fed7aa", "description": "Pull request being created", "category": "bot_busy", "stale_timeout_minutes": 15},
            {"internal_id": "pr_created", "name": "status-10:pr-created", "color": "8b5cf6", "description": "Pull request created", "category": "human_action"},
            {"internal_id": "planning_failed", "name": "status-03f:planning-failed", "color": "b60205", "description": "Plan generation failed", "category": "human_action", "failure": true},
            {"internal_id": "implementing_failed", "name": "status-06f:implementing-failed", "color": "b60205", "description": "General implementation failure", "category": "human_action", "failure": true},
            {"internal_id": "ci_fix_needed", "name": "status-06f-ci:ci-fix-needed", "color": "d93f0b", "description": "CI exhausted fix attempts", "category": "human_action", "failure": true},
            {"internal_id": "pr_creating_failed", "name": "status-09f:pr-creating-failed", "color": "b60205", "description": "Pull request creation failed", "category": "human_action", "failure": true},
            {"internal_id": "plan_review_bot", "name": "status-14:plan-review-bot", "color": "c4b5fd", "description": "Ready for a bot's plan review", "category": "bot_pickup"},
            {"internal_id": "plan_reviewing", "name": "status-14i:plan-reviewing", "color": "ddd6fe", "description": "A bot is reviewing the plan", "category": "bot_busy", "stale_timeout_minutes": 30},
            {"internal_id": "code_review_bot", "name": "status-17:code-review-bot", "color": "fcd34d", "description": "Ready for a bot's code review", "category": "bot_pickup"},
            {"internal_id": "code_reviewing", "name": "status-17i:code-reviewing", "color": "fde68a", "description": "A bot is reviewing the code", "category": "bot_busy", "stale_timeout_minutes": 120},
            {"internal_id": "plan_review_failed", "name": "status-14f:plan-review-failed", "color": "b60205", "description": "Plan review failed", "category": "human_action", "failure": true},
            {"internal_id": "code_review_failed", "name": "status-17f:code-review-failed", "color": "b60205", "description": "Code review failed", "category": "human_action", "failure": true}
          ],
          "ignore_labels": ["Overview", "blocked", "wait"]
        }
        """

    /// Writes `labelsJSON` as `labels.json` in `directory` and returns its path.
    static func writeLabelsFile(in directory: URL) throws -> String {
        let url = directory.appendingPathComponent("labels.json")
        try Data(labelsJSON.utf8).write(to: url)
        return url.path
    }
}
