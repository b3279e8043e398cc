import Foundation

/// The name of a bot workflow: the `{workflow}` the executor command runs (`mcp-coder … implement
/// N`). Workflows are data (SPEC §11): a name is whatever `[coordinator.workflows.NAME]` says, and
/// the three built-in ones have static members.
public struct WorkflowName: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let createPlan = WorkflowName(rawValue: "create-plan")
    public static let implement = WorkflowName(rawValue: "implement")
    public static let createPR = WorkflowName(rawValue: "create-pr")

    public var description: String { rawValue }
}

/// Which branch a workflow runs on.
public enum BranchStrategy: String, Codable, Sendable, Equatable {
    /// The repository's main branch.
    case mainBranch = "main"
    /// The one branch linked to the issue.
    case linkedBranch = "linked"
}

/// One row of the workflow mapping: pickup label → workflow, branch strategy and busy label, with
/// how long the busy label may stay and where a failed run's issue goes.
public struct WorkflowRoute: Codable, Sendable, Equatable {
    /// 1 is highest.
    public var priority: Int
    public var pickupLabel: String
    public var workflow: WorkflowName
    public var branch: BranchStrategy
    public var busyLabel: String
    /// How long an issue may hold `busyLabel` before it counts as stuck (SPEC §10).
    public var staleTimeoutMinutes: Int
    /// Where a stuck issue of this workflow may be moved instead of back to the pickup label
    /// (a human_action label of the label set); nil when the workflow has none.
    public var failureLabel: String?

    /// A workflow of the configuration file that names no timeout gets the longest built-in one,
    /// so a new lane is not reported stuck before a built-in one would be.
    public static let defaultStaleTimeoutMinutes = 120

    public init(
        priority: Int, pickupLabel: String, workflow: WorkflowName, branch: BranchStrategy, busyLabel: String,
        staleTimeoutMinutes: Int = WorkflowRoute.defaultStaleTimeoutMinutes, failureLabel: String? = nil
    ) {
        self.priority = priority
        self.pickupLabel = pickupLabel
        self.workflow = workflow
        self.branch = branch
        self.busyLabel = busyLabel
        self.staleTimeoutMinutes = staleTimeoutMinutes
        self.failureLabel = failureLabel
    }

    /// `staleTimeoutMinutes` in seconds.
    public var staleTimeout: TimeInterval { TimeInterval(staleTimeoutMinutes) * 60 }

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

/// Something wrong with one workflow of a mapping, by the key that holds it.
public struct WorkflowProblem: Sendable, Equatable, CustomStringConvertible {
    public var workflow: WorkflowName
    /// The key of `[coordinator.workflows.NAME]`: `pickup`, `busy`, `priority`, `failure`.
    public var key: String
    public var message: String

    public init(workflow: WorkflowName, key: String, message: String) {
        self.workflow = workflow
        self.key = key
        self.message = message
    }

    public var description: String { "workflow \(workflow) \(key): \(message)" }
}

/// The routes from pickup labels to workflows, highest priority first.
public struct WorkflowMapping: Codable, Sendable, Equatable {
    public var routes: [WorkflowRoute]

    public init(routes: [WorkflowRoute]) {
        // The name breaks ties, so the order never depends on how the routes came in (a tie is a
        // configuration error, but it is reported, not crashed on).
        self.routes = routes.sorted { ($0.priority, $0.workflow.rawValue) < ($1.priority, $1.workflow.rawValue) }
    }

    /// SPEC §2's three workflows as written in code, before any label set is consulted: no
    /// failure labels yet (`builtIn(labels:)` finds them).
    public static let builtInRoutes: [WorkflowRoute] = [
        WorkflowRoute(
            priority: 1, pickupLabel: "status-08:ready-pr", workflow: .createPR, branch: .linkedBranch,
            busyLabel: "status-09:pr-creating", staleTimeoutMinutes: 15),
        WorkflowRoute(
            priority: 2, pickupLabel: "status-05:plan-ready", workflow: .implement, branch: .linkedBranch,
            busyLabel: "status-06:implementing", staleTimeoutMinutes: 120),
        WorkflowRoute(
            priority: 3, pickupLabel: "status-02:awaiting-planning", workflow: .createPlan, branch: .mainBranch,
            busyLabel: "status-03:planning", staleTimeoutMinutes: 15),
    ]

    /// The built-in route named `name`, if it is one of the three.
    public static func builtInRoute(_ name: WorkflowName) -> WorkflowRoute? {
        builtInRoutes.first { $0.workflow == name }
    }

    /// The three built-in workflows with the failure labels `labels` holds for their busy labels.
    public static func builtIn(labels: LabelSet) -> WorkflowMapping {
        WorkflowMapping(routes: builtInRoutes.map { route in
            var route = route
            route.failureLabel = labels.failureLabel(forBusy: route.busyLabel)
            return route
        })
    }

    /// SPEC §2's mapping over the built-in label set: what a configuration without
    /// `[coordinator.workflows]` runs.
    public static let standard = builtIn(labels: .standard)

    public func route(forPickup label: String) -> WorkflowRoute? {
        routes.first { $0.pickupLabel == label }
    }

    /// The route whose busy label is `label`: which workflow an issue holding it is busy with.
    public func route(forBusy label: String) -> WorkflowRoute? {
        routes.first { $0.busyLabel == label }
    }

    /// The route of workflow `name`.
    public func route(named name: WorkflowName) -> WorkflowRoute? {
        routes.first { $0.workflow == name }
    }

    /// Everything that keeps this mapping from working with `labels`, in route order: a pickup or
    /// busy label missing from the set or of the wrong category, a label two workflows (or both
    /// roles of one) claim, a priority used twice, a failure label that is missing, is a pickup
    /// or busy label, or is not a human_action label.
    public func problems(against labels: LabelSet) -> [WorkflowProblem] {
        var problems: [WorkflowProblem] = []
        var owners: [String: (workflow: WorkflowName, key: String)] = [:]
        var priorities: [Int: WorkflowName] = [:]
        for route in routes {
            func problem(_ key: String, _ message: String) {
                problems.append(WorkflowProblem(workflow: route.workflow, key: key, message: message))
            }
            if let other = priorities[route.priority] {
                problem("priority", "\(route.priority) is also the priority of workflow \(other); each workflow needs its own")
            } else {
                priorities[route.priority] = route.workflow
            }
            for (key, name, category) in [("pickup", route.pickupLabel, LabelCategory.botPickup), ("busy", route.busyLabel, .botBusy)] {
                if let owner = owners[name] {
                    let whose = owner.workflow == route.workflow ? "its own" : "workflow \(owner.workflow)'s"
                    problem(key, "'\(name)' is also \(whose) \(owner.key) label; a label belongs to one workflow and one role")
                } else {
                    owners[name] = (route.workflow, key)
                }
                guard let label = labels.label(named: name) else {
                    problem(key, "'\(name)' is not in the label set")
                    continue
                }
                if label.category != category {
                    problem(key, "'\(name)' has category \(label.category.rawValue), a \(key) label needs \(category.rawValue)")
                }
            }
        }
        for route in routes {
            guard let name = route.failureLabel else { continue }
            let problem = { (message: String) in
                problems.append(WorkflowProblem(workflow: route.workflow, key: "failure", message: message))
            }
            if let owner = owners[name] {
                problem("'\(name)' is workflow \(owner.workflow)'s \(owner.key) label; a failure label is neither a pickup nor a busy label")
            } else if let label = labels.label(named: name) {
                if label.category != .humanAction {
                    problem("'\(name)' has category \(label.category.rawValue), a failure label needs \(LabelCategory.humanAction.rawValue)")
                }
            } else {
                problem("'\(name)' is not in the label set")
            }
        }
        return problems
    }

    /// Checks the mapping against `labels` (see `problems(against:)`), so a mismatch is found at
    /// start-up rather than at dispatch time. `source` names where the labels came from;
    /// `configPath` is the file whose `[coordinator.workflows]` table made the mapping (nil: the
    /// built-in workflows), so each problem names its key there.
    public func validate(against labels: LabelSet, source: String, configPath: String? = nil) throws {
        let problems = problems(against: labels)
        guard !problems.isEmpty else { return }
        if let configPath {
            throw ConfigError.workflowMismatch(
                path: configPath, labelSource: source,
                problems: problems.map { "[coordinator.workflows.\($0.workflow)] \($0.key): \($0.message)" })
        }
        throw ConfigError.labelMappingMismatch(source: source, problems: problems.map(\.description))
    }
}
