import XCTest
@testable import Coordinator

final class DispatchPlanTests: XCTestCase {
    let rules = WorkflowRules()
    let planner = DispatchPlanner()

    func route(_ label: String) -> WorkflowRoute { WorkflowMapping.standard.route(forPickup: label)! }

    func testCreatePlanRunsOnTheMainBranch() {
        var repo = demoRepo
        repo.mainBranch = "trunk"
        let plan = planner.plan(issue: issue(12, ["status-02:awaiting-planning"]), route: route("status-02:awaiting-planning"), repo: repo, linkedBranches: nil).plan!
        XCTAssertEqual(plan.branch, "trunk")
        XCTAssertEqual(plan.jobPath, "Folder/Sub/Job")
        XCTAssertEqual(plan.labelMove, LabelMove(remove: "status-02:awaiting-planning", add: "status-03:planning"))
        XCTAssertEqual(plan.parameters.map(\.name), ["REPO_URL", "BRANCH_NAME", "COMMAND", "GITHUB_CREDENTIALS_ID"])
        XCTAssertEqual(plan.parameter("REPO_URL"), "https://github.com/acme/demo.git")
        XCTAssertEqual(plan.parameter("BRANCH_NAME"), "trunk")
        XCTAssertEqual(plan.parameter("GITHUB_CREDENTIALS_ID"), "github-pat")
    }

    func testImplementUsesTheOneLinkedBranch() {
        let plan = planner.plan(issue: issue(7, ["status-05:plan-ready"]), route: route("status-05:plan-ready"), repo: demoRepo, linkedBranches: ["7-add-x"]).plan!
        XCTAssertEqual(plan.branch, "7-add-x")
        XCTAssertTrue(plan.parameter("COMMAND")!.contains("mcp-coder --log-level INFO implement 7 "))
    }

    func testNoLinkedBranchIsASkip() {
        XCTAssertEqual(
            planner.plan(issue: issue(7, ["status-08:ready-pr"]), route: route("status-08:ready-pr"), repo: demoRepo, linkedBranches: []),
            .skip(issue: 7, reason: .noLinkedBranch))
    }

    func testLinuxCommandTextIsPinned() {
        let command = ExecutorCommand().render(workflow: .createPlan, os: .linux, issue: 123, branch: "main", logLevel: "debug")
        XCTAssertEqual(command, """
            git checkout main
            git pull
            which claude && claude --version
            which mcp-coder && mcp-coder --version
            uv sync --extra dev
            mcp-coder --log-level DEBUG create-plan 123 --project-dir /workspace/repo --mcp-config .mcp.json --update-labels
            """)
    }

    func testWindowsCommandTextIsPinned() {
        let command = ExecutorCommand().render(workflow: .createPR, os: .windows, issue: 5, branch: "5-fix", logLevel: nil)
        XCTAssertEqual(command, """
            @echo ON
            cd /d "%WORKSPACE%\\repo" || exit /b 1
            git checkout 5-fix || exit /b 1
            git pull || exit /b 1
            where claude && claude --version
            where mcp-coder && mcp-coder --version
            uv sync --extra dev || exit /b 1
            mcp-coder --log-level INFO create-pr 5 --project-dir "%WORKSPACE%\\repo" --mcp-config .mcp.json --update-labels
            """)
    }

    func testTemplateOverrideIsUsed() {
        let command = ExecutorCommand(overrides: ["implement.linux": "do {workflow} #{issue} @{branch} ({log_level})"])
        XCTAssertEqual(command.render(workflow: .implement, os: .linux, issue: 3, branch: "b", logLevel: "warning"), "do implement #3 @b (WARNING)")
        XCTAssertEqual(command.render(workflow: .implement, os: .linux, issue: 3, branch: "b", logLevel: "warn"), "do implement #3 @b (WARNING)")
        XCTAssertTrue(command.render(workflow: .implement, os: .windows, issue: 3, branch: "b", logLevel: nil).contains("%WORKSPACE%"))
    }

    func testDryRunPlanCarriesNoSecret() {
        let plan = planner.plan(issue: issue(12, ["status-02:awaiting-planning"]), route: route("status-02:awaiting-planning"), repo: demoRepo, linkedBranches: nil).plan!
        for parameter in plan.parameters {
            XCTAssertFalse(parameter.value.contains("ghp_"), parameter.name)
        }
    }
}
