import Foundation

/// What a workflow label means to the coordinator.
public enum LabelCategory: String, Codable, Sendable, Equatable {
    case humanAction = "human_action"
    case botPickup = "bot_pickup"
    case botBusy = "bot_busy"
}

/// One workflow label, in the upstream `labels.json` shape.
public struct WorkflowLabel: Codable, Sendable, Equatable {
    public var internalID: String
    public var name: String
    public var color: String
    public var description: String
    public var category: LabelCategory

    public init(internalID: String, name: String, color: String, description: String = "", category: LabelCategory) {
        self.internalID = internalID
        self.name = name
        self.color = color
        self.description = description
        self.category = category
    }

    enum CodingKeys: String, CodingKey {
        case internalID = "internal_id"
        case name, color, description, category
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        category = try c.decode(LabelCategory.self, forKey: .category)
        internalID = try c.decodeIfPresent(String.self, forKey: .internalID) ?? name
        color = try c.decodeIfPresent(String.self, forKey: .color) ?? ""
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
    }
}

/// The workflow labels and the ignore labels in force.
public struct LabelSet: Codable, Sendable, Equatable {
    public var workflowLabels: [WorkflowLabel]
    public var ignoreLabels: [String]

    public init(workflowLabels: [WorkflowLabel], ignoreLabels: [String]) {
        self.workflowLabels = workflowLabels
        self.ignoreLabels = ignoreLabels
    }

    enum CodingKeys: String, CodingKey {
        case workflowLabels = "workflow_labels"
        case ignoreLabels = "ignore_labels"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        workflowLabels = try c.decode([WorkflowLabel].self, forKey: .workflowLabels)
        ignoreLabels = try c.decodeIfPresent([String].self, forKey: .ignoreLabels) ?? []
    }

    /// The label with `name`, if it is a workflow label.
    public func label(named name: String) -> WorkflowLabel? {
        workflowLabels.first { $0.name == name }
    }

    /// Names of the labels in `category`.
    public func names(in category: LabelCategory) -> Set<String> {
        Set(workflowLabels.filter { $0.category == category }.map(\.name))
    }

    /// The failure label of the stage `busy` belongs to: the first human_action label whose name
    /// starts with the busy label's stage prefix and "f:". The stage prefix is the part before the
    /// first ":", without a letter that follows the stage number: `status-06:implementing` →
    /// `status-06f:…`, `status-17i:code-reviewing` → `status-17f:…` (upstream's naming). Nil when
    /// the busy label has no ":" or the set holds no such label.
    public func failureLabel(forBusy busy: String) -> String? {
        guard let colon = busy.firstIndex(of: ":") else { return nil }
        let stage = busy[..<colon]
        let withoutSuffix = stage.reversed().drop(while: { $0.isASCII && $0.isLetter })
        let prefix = (withoutSuffix.first.map { $0.isASCII && $0.isNumber } == true ? String(withoutSuffix.reversed()) : String(stage)) + "f:"
        return workflowLabels.first { $0.category == .humanAction && $0.name.hasPrefix(prefix) }?.name
    }

    /// The built-in label set of SPEC §2, with upstream's failure label after each busy label.
    public static let standard = LabelSet(
        workflowLabels: [
            WorkflowLabel(internalID: "created", name: "status-01:created", color: "10b981", description: "Fresh issue, may need refinement", category: .humanAction),
            WorkflowLabel(internalID: "awaiting_planning", name: "status-02:awaiting-planning", color: "6ee7b7", description: "Ready for a bot to plan", category: .botPickup),
            WorkflowLabel(internalID: "planning", name: "status-03:planning", color: "a7f3d0", description: "A bot is planning", category: .botBusy),
            WorkflowLabel(internalID: "planning_failed", name: "status-03f:planning-failed", color: "b60205", description: "Planning failed, needs a human", category: .humanAction),
            WorkflowLabel(internalID: "plan_review", name: "status-04:plan-review", color: "3b82f6", description: "Plan waiting for review", category: .humanAction),
            WorkflowLabel(internalID: "plan_ready", name: "status-05:plan-ready", color: "93c5fd", description: "Plan approved, ready to implement", category: .botPickup),
            WorkflowLabel(internalID: "implementing", name: "status-06:implementing", color: "bfdbfe", description: "A bot is implementing", category: .botBusy),
            WorkflowLabel(internalID: "implementing_failed", name: "status-06f:implementing-failed", color: "b60205", description: "Implementing failed, needs a human", category: .humanAction),
            WorkflowLabel(internalID: "code_review", name: "status-07:code-review", color: "f59e0b", description: "Code waiting for review", category: .humanAction),
            WorkflowLabel(internalID: "ready_pr", name: "status-08:ready-pr", color: "fbbf24", description: "Approved, ready for a pull request", category: .botPickup),
            WorkflowLabel(internalID: "pr_creating", name: "status-09:pr-creating", color: "fed7aa", description: "A bot is creating the pull request", category: .botBusy),
            WorkflowLabel(internalID: "pr_creating_failed", name: "status-09f:pr-creating-failed", color: "b60205", description: "Creating the pull request failed, needs a human", category: .humanAction),
            WorkflowLabel(internalID: "pr_created", name: "status-10:pr-created", color: "8b5cf6", description: "Pull request created", category: .humanAction),
        ],
        ignoreLabels: ["Overview", "blocked", "wait"])

    /// Reads a labels file in the upstream `labels.json` shape.
    public static func load(from path: String) throws -> LabelSet {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError.unreadableLabelsFile(path: path, reason: error.localizedDescription)
        }
        do {
            return try JSONDecoder().decode(LabelSet.self, from: data)
        } catch {
            throw ConfigError.invalidLabelsFile(path: path, reason: DecodingErrorText.describe(error))
        }
    }
}
