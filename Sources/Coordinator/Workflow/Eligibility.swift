/// What the workflow rules make of one issue (SPEC §3).
public enum Eligibility: Sendable, Equatable, CustomStringConvertible {
    /// The issue may be dispatched along `route`.
    case eligible(WorkflowRoute)
    /// The issue holds a pickup and a busy label at once: half of an earlier label move. Never
    /// dispatched; shown to the operator.
    case conflict(pickup: [String], busy: [String])
    /// Not a candidate, and why.
    case ineligible(IneligibleReason)

    public var route: WorkflowRoute? {
        if case let .eligible(route) = self { return route }
        return nil
    }

    public var isConflict: Bool {
        if case .conflict = self { return true }
        return false
    }

    /// The one sentence for why an issue is (not) dispatched, for the dry run, the run report and
    /// the console alike.
    public var description: String {
        switch self {
        case .eligible: return "eligible"
        case let .conflict(pickup, busy):
            return "conflict: it holds pickup \(pickup.joined(separator: ", ")) and busy \(busy.joined(separator: ", "))"
        case let .ineligible(reason): return "not eligible: \(reason)"
        }
    }
}

public enum IneligibleReason: Sendable, Equatable, CustomStringConvertible {
    case closed
    case noPickupLabel
    case severalPickupLabels([String])
    case ignored(String)
    case busy(String)

    public var description: String {
        switch self {
        case .closed: return "closed"
        case .noPickupLabel: return "no pickup label"
        case let .severalPickupLabels(labels): return "several pickup labels: \(labels.joined(separator: ", "))"
        case let .ignored(label): return "ignore label '\(label)'"
        case let .busy(label): return "a bot is busy ('\(label)')"
        }
    }
}

/// The workflow rules in force: label set plus mapping. Pure; the same for a headless run and the
/// console.
public struct WorkflowRules: Codable, Sendable, Equatable {
    public var labels: LabelSet { didSet { index = LabelIndex(labels: labels, mapping: mapping) } }
    public var mapping: WorkflowMapping { didSet { index = LabelIndex(labels: labels, mapping: mapping) } }
    /// The label names by role, derived once: `classify` runs for every issue of every repository.
    private var index: LabelIndex

    public init(labels: LabelSet = .standard, mapping: WorkflowMapping = .standard) {
        self.labels = labels
        self.mapping = mapping
        self.index = LabelIndex(labels: labels, mapping: mapping)
    }

    private enum CodingKeys: String, CodingKey { case labels, mapping }

    /// The label set and the mapping; the index is derived again on the other side.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(labels: try container.decode(LabelSet.self, forKey: .labels), mapping: try container.decode(WorkflowMapping.self, forKey: .mapping))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(labels, forKey: .labels)
        try container.encode(mapping, forKey: .mapping)
    }

    private struct LabelIndex: Sendable, Equatable {
        var pickup: Set<String>
        var busy: Set<String>
        var ignore: Set<String>

        init(labels: LabelSet, mapping: WorkflowMapping) {
            pickup = labels.names(in: .botPickup).union(mapping.routes.map(\.pickupLabel))
            busy = labels.names(in: .botBusy).union(mapping.routes.map(\.busyLabel))
            ignore = Set(labels.ignoreLabels)
        }
    }

    public func classify(_ issue: Issue) -> Eligibility {
        let pickups = issue.labels.filter(index.pickup.contains)
        let busy = issue.labels.filter(index.busy.contains)
        if issue.state != .open { return .ineligible(.closed) }
        if !pickups.isEmpty && !busy.isEmpty { return .conflict(pickup: pickups, busy: busy) }
        if let ignored = issue.labels.first(where: index.ignore.contains) { return .ineligible(.ignored(ignored)) }
        if let busyLabel = busy.first { return .ineligible(.busy(busyLabel)) }
        guard let pickup = pickups.first else { return .ineligible(.noPickupLabel) }
        if pickups.count > 1 { return .ineligible(.severalPickupLabels(pickups)) }
        guard let route = mapping.route(forPickup: pickup) else { return .ineligible(.noPickupLabel) }
        return .eligible(route)
    }

    /// The eligible issues with their routes, in dispatch order: route priority, then issue
    /// number ascending (oldest first).
    public func eligible(_ issues: some Sequence<Issue>) -> [(issue: Issue, route: WorkflowRoute)] {
        issues.compactMap { issue in classify(issue).route.map { (issue: issue, route: $0) } }
            .sorted { WorkflowRoute.dispatchOrder(route: $0.route, number: $0.issue.number) < WorkflowRoute.dispatchOrder(route: $1.route, number: $1.issue.number) }
    }

    /// Issues holding a pickup and a busy label at once, by number.
    public func conflicts(_ issues: some Sequence<Issue>) -> [Issue] {
        issues.filter { classify($0).isConflict }.sorted { $0.number < $1.number }
    }

    /// The workflow status label an issue carries (the first workflow label in label-set order),
    /// for showing cached and live status side by side.
    public func statusLabel(of labelNames: [String]) -> String? {
        labels.workflowLabels.first { labelNames.contains($0.name) }?.name
    }
}
