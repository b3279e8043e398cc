import XCTest
@testable import Coordinator

/// Workflows as data (SPEC §11): `[coordinator.workflows.NAME]`, its defaults and its checks.
final class WorkflowConfigTests: XCTestCase {
    let path = "/etc/coordinator/config.toml"
    var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func file(_ extra: String = "", labelsFile: String? = nil) -> ConfigFile {
        var file = ConfigFile(
            githubToken: "ghp_workflow_tests", apiURL: "http://127.0.0.1:1", jenkinsURL: "http://127.0.0.1:2",
            jenkinsUser: "bot", jenkinsToken: "jenkins-token", cacheDir: directory.appendingPathComponent("cache").path,
            labelsFile: labelsFile, repos: [.init(name: "demo", owner: "acme", repo: "demo", jobPath: "Coordinator/demo/executor")])
        file.extra = extra
        return file
    }

    func load(_ extra: String = "", labelsFile: String? = nil) throws -> CoordinatorConfig {
        try ConfigLoader.parse(file(extra, labelsFile: labelsFile).toml, path: path)
    }

    /// The error `extra` causes, as the user reads it.
    func error(_ extra: String, labelsFile: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try load(extra, labelsFile: labelsFile)
            XCTFail("expected a config error for:\n\(extra)", file: file, line: line)
            return ""
        } catch {
            XCTAssertTrue(error is ConfigError, "\(error)", file: file, line: line)
            return "\(error)"
        }
    }

    func fiveWorkflows() throws -> CoordinatorConfig {
        try load(FiveWorkflows.toml, labelsFile: try FiveWorkflows.writeLabelsFile(in: directory))
    }

    // MARK: Defaults

    func testWithoutAWorkflowsTableTheBuiltInThreeRunUnchanged() throws {
        let config = try load()
        let expected = [
            WorkflowRoute(
                priority: 1, pickupLabel: "status-08:ready-pr", workflow: .createPR, branch: .linkedBranch,
                busyLabel: "status-09:pr-creating", staleTimeoutMinutes: 15, failureLabel: "status-09f:pr-creating-failed"),
            WorkflowRoute(
                priority: 2, pickupLabel: "status-05:plan-ready", workflow: .implement, branch: .linkedBranch,
                busyLabel: "status-06:implementing", staleTimeoutMinutes: 120, failureLabel: "status-06f:implementing-failed"),
            WorkflowRoute(
                priority: 3, pickupLabel: "status-02:awaiting-planning", workflow: .createPlan, branch: .mainBranch,
                busyLabel: "status-03:planning", staleTimeoutMinutes: 15, failureLabel: "status-03f:planning-failed"),
        ]
        XCTAssertEqual(config.rules.mapping.routes, expected)
        XCTAssertEqual(WorkflowMapping.standard.routes, expected)
        XCTAssertEqual(config.rules, WorkflowRules())
        XCTAssertEqual(config.settings.commandTemplates, [:])
        XCTAssertEqual(expected.map(\.workflow.rawValue), ["create-pr", "implement", "create-plan"])
        XCTAssertEqual(expected.map(\.staleTimeout), [900, 7200, 900])
    }

    func testFailureLabelsFollowTheirBusyLabelsInTheBuiltInSet() {
        let names = LabelSet.standard.workflowLabels.map(\.name)
        for (busy, failure) in [
            ("status-03:planning", "status-03f:planning-failed"), ("status-06:implementing", "status-06f:implementing-failed"),
            ("status-09:pr-creating", "status-09f:pr-creating-failed"),
        ] {
            XCTAssertEqual(names.firstIndex(of: failure), names.firstIndex(of: busy).map { $0 + 1 }, failure)
            XCTAssertEqual(LabelSet.standard.label(named: failure)?.category, .humanAction, failure)
        }
        XCTAssertEqual(names.count, 13)
    }

    func testWithALabelsFileWithoutFailureLabelsTheBuiltInWorkflowsHaveNone() throws {
        let labels = LabelSet(
            workflowLabels: LabelSet.standard.workflowLabels.filter { !$0.name.contains("f:") }, ignoreLabels: ["wait"])
        let url = directory.appendingPathComponent("labels.json")
        try JSONEncoder().encode(labels).write(to: url)
        let config = try load(labelsFile: url.path)
        XCTAssertEqual(config.rules.mapping.routes.map(\.failureLabel), [nil, nil, nil])
        XCTAssertEqual(config.rules.mapping.routes.map(\.pickupLabel), WorkflowMapping.standard.routes.map(\.pickupLabel))
    }

    func testABuiltInNameInheritsTheKeysItLeavesOutAndTheTableIsTheWholeSet() throws {
        let config = try load("""
            [coordinator.workflows.implement]
            stale_timeout_minutes = 240
            """)
        var implement = try XCTUnwrap(WorkflowMapping.standard.route(named: .implement))
        implement.staleTimeoutMinutes = 240
        XCTAssertEqual(config.rules.mapping.routes, [implement])
        XCTAssertEqual(config.rules.classify(issue(1, ["status-02:awaiting-planning"])), .ineligible(.noPickupLabel))
    }

    func testEmptyBuiltInTablesKeepTheBuiltInWorkflows() throws {
        let config = try load("""
            [coordinator.workflows.create-pr]
            [coordinator.workflows.implement]
            [coordinator.workflows.create-plan]
            """)
        XCTAssertEqual(config.rules.mapping, WorkflowMapping.standard)
    }

    // MARK: Five workflows

    func testFiveWorkflowsWithAnUpstreamLabelsFile() throws {
        let config = try fiveWorkflows()
        let routes = config.rules.mapping.routes
        XCTAssertEqual(routes.map(\.workflow.rawValue), ["create-pr", "review-implementation", "implement", "review-plan", "create-plan"])
        XCTAssertEqual(routes.map(\.pickupLabel), [
            "status-08:ready-pr", "status-17:code-review-bot", "status-05:plan-ready", "status-14:plan-review-bot",
            "status-02:awaiting-planning",
        ])
        XCTAssertEqual(routes.map(\.busyLabel), [
            "status-09:pr-creating", "status-17i:code-reviewing", "status-06:implementing", "status-14i:plan-reviewing",
            "status-03:planning",
        ])
        XCTAssertEqual(routes.map(\.branch), [.linkedBranch, .linkedBranch, .linkedBranch, .linkedBranch, .mainBranch])
        XCTAssertEqual(routes.map(\.staleTimeoutMinutes), [15, 120, 120, 30, 15])
        // The review lanes' busy labels carry an "i": their failure labels are status-17f / status-14f.
        XCTAssertEqual(routes.map(\.failureLabel), [
            "status-09f:pr-creating-failed", "status-17f:code-review-failed", "status-06f:implementing-failed",
            "status-14f:plan-review-failed", "status-03f:planning-failed",
        ])
        XCTAssertEqual(config.rules.mapping.route(forBusy: "status-17i:code-reviewing")?.workflow.rawValue, "review-implementation")
        XCTAssertNil(config.rules.mapping.route(forBusy: "status-17:code-review-bot"))
        XCTAssertEqual(config.rules.labels.ignoreLabels, ["Overview", "blocked", "wait"])
    }

    func testFiveWorkflowsDispatchInPriorityOrder() throws {
        let rules = try fiveWorkflows().rules
        let issues = [
            issue(1, ["status-02:awaiting-planning"]), issue(2, ["status-14:plan-review-bot"]), issue(3, ["status-05:plan-ready"]),
            issue(4, ["status-17:code-review-bot"]), issue(5, ["status-08:ready-pr"]), issue(6, ["status-17i:code-reviewing"]),
            issue(7, ["status-14:plan-review-bot", "status-14i:plan-reviewing"]),
        ]
        XCTAssertEqual(rules.eligible(issues).map(\.issue.number), [5, 4, 3, 2, 1])
        XCTAssertEqual(rules.classify(issues[5]), .ineligible(.busy("status-17i:code-reviewing")))
        XCTAssertEqual(rules.conflicts(issues).map(\.number), [7])
    }

    func testANewWorkflowIsPlannedWithItsNameInTheCommand() throws {
        let config = try fiveWorkflows()
        let route = try XCTUnwrap(config.rules.classify(issue(7, ["status-17:code-review-bot"])).route)
        let planner = DispatchPlanner(command: ExecutorCommand(overrides: config.settings.commandTemplates))
        let plan = try XCTUnwrap(planner.plan(issue: issue(7, ["status-17:code-review-bot"]), route: route, repo: config.repos[0], linkedBranches: ["7-x"]).plan)
        XCTAssertEqual(plan.labelMove, LabelMove(remove: "status-17:code-review-bot", add: "status-17i:code-reviewing"))
        XCTAssertEqual(plan.branch, "7-x")
        XCTAssertEqual(
            plan.parameter("COMMAND")?.components(separatedBy: "\n").last,
            "mcp-coder --log-level INFO review-implementation 7 --project-dir /workspace/repo --mcp-config .mcp.json --update-labels")
    }

    func testAWorkflowsCommandTemplatesAreUsedForItsOS() throws {
        let labels = try FiveWorkflows.writeLabelsFile(in: directory)
        let config = try load(FiveWorkflows.toml.replacingOccurrences(of: """
            priority = 40
            stale_timeout_minutes = 30
            """, with: """
            priority = 40
            stale_timeout_minutes = 30
            command.linux = "review {workflow} #{issue} on {branch} at {log_level}"
            command.windows = "call review.bat {issue}"
            """), labelsFile: labels)
        XCTAssertEqual(config.settings.commandTemplates, [
            "review-plan.linux": "review {workflow} #{issue} on {branch} at {log_level}", "review-plan.windows": "call review.bat {issue}",
        ])
        let command = ExecutorCommand(overrides: config.settings.commandTemplates)
        let reviewPlan = WorkflowName(rawValue: "review-plan")
        XCTAssertEqual(command.render(workflow: reviewPlan, os: .linux, issue: 4, branch: "4-b", logLevel: nil), "review review-plan #4 on 4-b at INFO")
        XCTAssertEqual(command.render(workflow: reviewPlan, os: .windows, issue: 4, branch: "4-b", logLevel: nil), "call review.bat 4")
        XCTAssertEqual(
            command.render(workflow: .implement, os: .linux, issue: 4, branch: "4-b", logLevel: nil),
            ExecutorCommand().render(workflow: .implement, os: .linux, issue: 4, branch: "4-b", logLevel: nil))
    }

    func testOldCommandTemplateKeysWorkForEveryConfiguredWorkflow() throws {
        let labels = try FiveWorkflows.writeLabelsFile(in: directory)
        let config = try load(FiveWorkflows.toml + """
            [coordinator.command_templates]
            "review-implementation.windows" = "review {issue}"
            "implement.linux" = "implement {issue}"
            "test.linux" = "check {branch}"
            """, labelsFile: labels)
        XCTAssertEqual(config.settings.commandTemplates["review-implementation.windows"], "review {issue}")
        XCTAssertEqual(config.settings.commandTemplates["implement.linux"], "implement {issue}")
        XCTAssertEqual(config.settings.commandTemplates["test.linux"], "check {branch}")
    }

    func testAnExplicitFailureLabelWinsAndAnEmptyOneMeansNone() throws {
        let labels = try FiveWorkflows.writeLabelsFile(in: directory)
        let config = try load(FiveWorkflows.toml
            .replacingOccurrences(of: "priority = 30\n", with: "priority = 30\nfailure = \"status-06f-ci:ci-fix-needed\"\n")
            .replacingOccurrences(of: "priority = 50\n", with: "priority = 50\nfailure = \"\"\n"), labelsFile: labels)
        XCTAssertEqual(config.rules.mapping.route(named: .implement)?.failureLabel, "status-06f-ci:ci-fix-needed")
        XCTAssertNil(config.rules.mapping.route(named: .createPlan)?.failureLabel)
        XCTAssertEqual(config.rules.mapping.route(named: .createPR)?.failureLabel, "status-09f:pr-creating-failed")
    }

    // MARK: Checks at start-up

    let reviewPlan = """
        [coordinator.workflows.review-plan]
        pickup = "status-14:plan-review-bot"
        busy = "status-14i:plan-reviewing"
        branch = "linked"
        priority = 4
        """

    func testANewWorkflowMustGivePickupBusyBranchAndPriority() {
        let message = error("""
            [coordinator.workflows.review-plan]
            stale_timeout_minutes = 30
            [coordinator.workflows.review-implementation]
            pickup = "status-17:code-review-bot"
            busy = "status-17i:code-reviewing"
            """)
        XCTAssertEqual(
            message,
            "Config \(path): [coordinator.workflows.review-implementation] is missing branch, priority; "
                + "[coordinator.workflows.review-plan] is missing pickup, busy, branch, priority")
    }

    func testWorkflowLabelsMissingFromTheLabelSetNameTheirKeys() {
        let message = error(reviewPlan)
        XCTAssertEqual(
            message,
            "Config \(path): the workflows do not fit the label set from the built-in label set: "
                + "[coordinator.workflows.review-plan] pickup: 'status-14:plan-review-bot' is not in the label set; "
                + "[coordinator.workflows.review-plan] busy: 'status-14i:plan-reviewing' is not in the label set "
                + "(set [coordinator] labels_file to a labels.json that defines the labels, or change the workflows)")
    }

    func testAWorkflowLabelOfTheWrongCategoryIsNamed() throws {
        let labels = try FiveWorkflows.writeLabelsFile(in: directory)
        let message = error("""
            [coordinator.workflows.review-plan]
            pickup = "status-14:plan-review-bot"
            busy = "status-04:plan-review"
            branch = "linked"
            priority = 4
            """, labelsFile: labels)
        XCTAssertEqual(
            message,
            "Config \(path): the workflows do not fit the label set from \(labels): "
                + "[coordinator.workflows.review-plan] busy: 'status-04:plan-review' has category human_action, a busy label needs bot_busy "
                + "(change the workflows or the labels file)")
    }

    func testALabelBelongsToOneWorkflow() throws {
        let labels = try FiveWorkflows.writeLabelsFile(in: directory)
        let message = error(FiveWorkflows.toml.replacingOccurrences(
            of: "pickup = \"status-14:plan-review-bot\"", with: "pickup = \"status-05:plan-ready\""), labelsFile: labels)
        XCTAssertTrue(
            message.contains(
                "[coordinator.workflows.review-plan] pickup: 'status-05:plan-ready' is also workflow implement's pickup label; "
                    + "a label belongs to one workflow and one role"),
            message)
        let sameRole = error("""
            [coordinator.workflows.create-plan]
            busy = "status-02:awaiting-planning"
            """)
        XCTAssertTrue(sameRole.contains("[coordinator.workflows.create-plan] busy: 'status-02:awaiting-planning' is also its own pickup label"), sameRole)
    }

    func testPrioritiesAreUnique() throws {
        let labels = try FiveWorkflows.writeLabelsFile(in: directory)
        let message = error(FiveWorkflows.toml.replacingOccurrences(of: "priority = 40", with: "priority = 30"), labelsFile: labels)
        XCTAssertTrue(
            message.contains("[coordinator.workflows.review-plan] priority: 30 is also the priority of workflow implement; each workflow needs its own"),
            message)
    }

    func testPriorityAndTimeoutMustBeInRange() {
        for value in ["0", "1001", "-1", "\"high\"", "2.5", "9223372036854775807"] {
            let message = error(reviewPlan.replacingOccurrences(of: "priority = 4", with: "priority = \(value)"))
            XCTAssertEqual(
                message, "Config \(path): [coordinator.workflows.review-plan] priority: must be a whole number from 1 to 1000 (lower runs first)",
                value)
        }
        for value in ["0", "525601", "\"2h\"", "9223372036854775807"] {
            let message = error("[coordinator.workflows.implement]\nstale_timeout_minutes = \(value)\n")
            XCTAssertEqual(
                message,
                "Config \(path): [coordinator.workflows.implement] stale_timeout_minutes: must be a whole number of minutes from 1 to 525600 (one year)",
                value)
        }
        XCTAssertEqual(
            try load("[coordinator.workflows.implement]\nstale_timeout_minutes = 525600\npriority = 1000\n").rules.mapping.routes
                .map { [$0.staleTimeoutMinutes, $0.priority] },
            [[525_600, 1000]])
    }

    func testBranchIsLinkedOrMain() {
        let message = error("[coordinator.workflows.implement]\nbranch = \"develop\"\n")
        XCTAssertEqual(
            message,
            "Config \(path): [coordinator.workflows.implement] branch: 'develop' is neither \"linked\" (the issue's one linked branch) "
                + "nor \"main\" (the repository's main_branch)")
    }

    func testUnknownKeysAreRejected() {
        XCTAssertEqual(
            error("[coordinator.workflows.implement]\npickup_label = \"status-05:plan-ready\"\n"),
            "Config \(path): [coordinator.workflows.implement] pickup_label: unknown key; a workflow has pickup, busy, branch, priority, "
                + "stale_timeout_minutes, failure, command.linux, command.windows")
        XCTAssertEqual(
            error("[coordinator.workflows.implement]\ncommand.macos = \"x\"\n"),
            "Config \(path): [coordinator.workflows.implement] command.macos: unknown key; the OS is linux or windows")
        XCTAssertEqual(
            error("[coordinator.workflows.implement]\ncommand = \"x\"\n"),
            "Config \(path): [coordinator.workflows.implement] command: must be a table: command.linux = \"…\" and/or command.windows = \"…\"")
        XCTAssertEqual(
            error("[coordinator.workflows]\nimplement = 3\n"),
            "Config \(path): [coordinator.workflows] implement: must be a table ([coordinator.workflows.implement])")
    }

    func testAnEmptyWorkflowsTableIsAnError() {
        XCTAssertEqual(
            error("[coordinator.workflows]\n"),
            "Config \(path): [coordinator] workflows: lists no workflow: add [coordinator.workflows.NAME] tables, "
                + "or remove it to run the built-in create-pr, implement and create-plan")
    }

    func testAWorkflowNameIsOnePlainWord() {
        for name in ["\"review plan\"", "\"review;rm\"", "\"\"", "\"-x\"", "\"é\""] {
            let message = error("[coordinator.workflows.\(name)]\npickup = \"a\"\n")
            XCTAssertTrue(message.contains("a workflow name is 1 to 64 ASCII letters, digits, '-' and '_'"), "\(name): \(message)")
        }
        XCTAssertTrue(error("[coordinator.workflows.test]\n").contains("[coordinator.workflows] test: 'test' is the name of coordinator test's environment check"))
    }

    func testAFailureLabelMustExistAndBeNeitherPickupNorBusy() throws {
        let labels = try FiveWorkflows.writeLabelsFile(in: directory)
        let missing = error("[coordinator.workflows.implement]\nfailure = \"status-06f:gone\"\n")
        XCTAssertTrue(missing.contains("[coordinator.workflows.implement] failure: 'status-06f:gone' is not in the label set"), missing)
        let pickup = error(FiveWorkflows.toml.replacingOccurrences(
            of: "priority = 30\n", with: "priority = 30\nfailure = \"status-17:code-review-bot\"\n"), labelsFile: labels)
        XCTAssertTrue(
            pickup.contains(
                "[coordinator.workflows.implement] failure: 'status-17:code-review-bot' is workflow review-implementation's pickup label; "
                    + "a failure label is neither a pickup nor a busy label"),
            pickup)
        let busy = error("[coordinator.workflows.implement]\nfailure = \"status-06:implementing\"\n")
        XCTAssertTrue(busy.contains("failure: 'status-06:implementing' is workflow implement's busy label"), busy)
        // A busy label no workflow uses is still a busy label: an issue holding it would look busy.
        let unusedBusy = error("[coordinator.workflows.implement]\nfailure = \"status-03:planning\"\n")
        XCTAssertTrue(unusedBusy.contains("failure: 'status-03:planning' has category bot_busy, a failure label needs human_action"), unusedBusy)
    }

    func testUnknownPlaceholdersAreStartUpErrors() {
        XCTAssertEqual(
            error("[coordinator.workflows.implement]\ncommand.linux = \"run {isue} on {branch} {repo}\"\n"),
            "Config \(path): [coordinator.workflows.implement] command.linux: unknown placeholders {isue}, {repo}; "
                + "a template may use {branch}, {issue}, {log_level}, {workflow}")
        XCTAssertEqual(
            error("[coordinator.command_templates]\n\"create-pr.windows\" = \"pr {number}\"\n"),
            "Config \(path): [coordinator.command_templates] create-pr.windows: unknown placeholder {number}; "
                + "a template may use {branch}, {issue}, {log_level}, {workflow}")
        XCTAssertNoThrow(try load("[coordinator.command_templates]\n\"implement.linux\" = \"cd ${HOME} && run {issue} {x\"\n"))
    }

    func testCommandTemplateKeysFollowTheConfiguredWorkflows() throws {
        let onlyImplement = "[coordinator.workflows.implement]\n"
        XCTAssertEqual(
            error(onlyImplement + "[coordinator.command_templates]\n\"create-pr.linux\" = \"x\"\n"),
            "Config \(path): [coordinator.command_templates] create-pr.linux: keys are WORKFLOW.OS, e.g. \"implement.linux\" "
                + "(workflows: implement, test; OS: linux, windows)")
        XCTAssertThrowsError(try load("[coordinator.command_templates]\n\"review-plan.linux\" = \"x\"\n"))
        XCTAssertEqual(try load(onlyImplement + "[coordinator.command_templates]\n\"implement.windows\" = \"x\"\n").settings.commandTemplates, [
            "implement.windows": "x",
        ])
    }

    func testTheSameTemplateInBothPlacesIsAnError() {
        XCTAssertEqual(
            error("[coordinator.workflows.implement]\ncommand.linux = \"a {issue}\"\n[coordinator.command_templates]\n\"implement.linux\" = \"b {issue}\"\n"),
            "Config \(path): [coordinator.workflows.implement] command.linux: is also set by \"implement.linux\" in [coordinator.command_templates]; keep one of them")
    }

    // MARK: Pure parts

    func testFailureLabelOfABusyLabelsStage() {
        let labels = LabelSet(workflowLabels: [
            WorkflowLabel(internalID: "a", name: "status-06f-ci:ci-fix-needed", color: "", category: .humanAction),
            WorkflowLabel(internalID: "b", name: "status-06f:implementing-failed", color: "", category: .humanAction),
            WorkflowLabel(internalID: "c", name: "status-17f:code-review-failed", color: "", category: .humanAction),
            WorkflowLabel(internalID: "d", name: "status-09f:pr-creating-failed", color: "", category: .botPickup),
            WorkflowLabel(internalID: "e", name: "bot-busyf:failed", color: "", category: .humanAction),
        ], ignoreLabels: [])
        XCTAssertEqual(labels.failureLabel(forBusy: "status-06:implementing"), "status-06f:implementing-failed")
        XCTAssertEqual(labels.failureLabel(forBusy: "status-17i:code-reviewing"), "status-17f:code-review-failed")
        XCTAssertNil(labels.failureLabel(forBusy: "status-09:pr-creating"), "only a human_action label can be a failure label")
        XCTAssertEqual(labels.failureLabel(forBusy: "bot-busy:x"), "bot-busyf:failed")
        XCTAssertNil(labels.failureLabel(forBusy: "status-06"))
        XCTAssertNil(labels.failureLabel(forBusy: "status-03:planning"))
    }

    func testUnknownPlaceholderScan() {
        XCTAssertEqual(ExecutorCommand.unknownPlaceholders(in: ExecutorCommand.defaultTemplate(os: .linux)), [])
        XCTAssertEqual(ExecutorCommand.unknownPlaceholders(in: ExecutorCommand.defaultTemplate(os: .windows)), [])
        XCTAssertEqual(ExecutorCommand.unknownPlaceholders(in: "{a}{a} {b_c} {} { d} ${e} {f"), ["{a}", "{b_c}"])
    }
}
