/// The bot workflows the executor job can run.
public enum WorkflowName: String, Codable, Sendable, Equatable, CaseIterable {
    case createPlan = "create-plan"
    case implement = "implement"
    case createPR = "create-pr"
}

/// Which branch a workflow runs on.
public enum BranchStrategy: String, Codable, Sendable, Equatable {
    /// The repository's main branch.
    case mainBranch = "main"
    /// The one branch linked to the issue.
    case linkedBranch = "linked"
}

/// One row of the workflow mapping: pickup label → workflow, branch strategy and busy label.
public struct WorkflowRoute: Codable, Sendable, Equatable {
    /// 1 is highest.
    public var priority: Int
    public var pickupLabel: String
    public var workflow: WorkflowName
    public var branch: BranchStrategy
    public var busyLabel: String

    public init(priority: Int, pickupLabel: String, workflow: WorkflowName, branch: BranchStrategy, busyLabel: String) {
        self.priority = priority
        self.pickupLabel = pickupLabel
        self.workflow = workflow
        self.branch = branch
        self.busyLabel = busyLabel
    }

    /// What a dispatch along this route does to the labels: the pickup label goes, the busy one comes.
    public var labelMove: LabelMove { LabelMove(remove: pickupLabel, add: busyLabel) }

    /// Where an issue along this route comes in a run: by priority, then oldest (lowest number)
    /// first. No route (an issue this session dispatched) sorts last.
    public static func dispatchOrder(route: WorkflowRoute?, number: Int) -> DispatchOrderKey {
        DispatchOrderKey(priority: route?.priority ?? Int.max, number: number)
    }
}

/// The sort key of SPEC §3's order, shared by the run and the console.
public struct DispatchOrderKey: Comparable, Sendable {
    public var priority: Int
    public var number: Int

    public static func < (a: DispatchOrderKey, b: DispatchOrderKey) -> Bool {
        (a.priority, a.number) < (b.priority, b.number)
    }
}

/// The routes from pickup labels to workflows, highest priority first.
public struct WorkflowMapping: Sendable, Equatable {
    public var routes: [WorkflowRoute]

    public init(routes: [WorkflowRoute]) {
        self.routes = routes.sorted { $0.priority < $1.priority }
    }

    /// SPEC §2's mapping.
    public static let standard = WorkflowMapping(routes: [
        WorkflowRoute(priority: 1, pickupLabel: "status-08:ready-pr", workflow: .createPR, branch: .linkedBranch, busyLabel: "status-09:pr-creating"),
        WorkflowRoute(priority: 2, pickupLabel: "status-05:plan-ready", workflow: .implement, branch: .linkedBranch, busyLabel: "status-06:implementing"),
        WorkflowRoute(priority: 3, pickupLabel: "status-02:awaiting-planning", workflow: .createPlan, branch: .mainBranch, busyLabel: "status-03:planning"),
    ])

    public func route(forPickup label: String) -> WorkflowRoute? {
        routes.first { $0.pickupLabel == label }
    }

    /// Checks that every route's labels exist in `labels` with the right categories, so a mismatch
    /// is found at start-up rather than at dispatch time.
    public func validate(against labels: LabelSet, source: String) throws {
        var problems: [String] = []
        for route in routes {
            for (name, category) in [(route.pickupLabel, LabelCategory.botPickup), (route.busyLabel, .botBusy)] {
                guard let label = labels.label(named: name) else {
                    problems.append("'\(name)' (needed by workflow \(route.workflow.rawValue)) is not in the label set")
                    continue
                }
                if label.category != category {
                    problems.append("'\(name)' has category \(label.category.rawValue), workflow \(route.workflow.rawValue) needs \(category.rawValue)")
                }
            }
        }
        if !problems.isEmpty { throw ConfigError.labelMappingMismatch(source: source, problems: problems) }
    }
}
