import Foundation
import TOMLKit

/// `[coordinator.workflows]` as read from the file, before the label set is known: the failure
/// labels the file does not name come from the label set.
struct WorkflowTable: Sendable, Equatable {
    /// Every workflow in force: the file's, or the built-in three when it has no table.
    var routes: [WorkflowRoute]
    /// The workflows without a `failure` key, whose failure label the label set decides.
    var derivesFailure: Set<WorkflowName>
    /// `command.linux` / `command.windows` templates.
    var commands: [Command]
    /// Whether the file has the table; then it is the whole set.
    var isConfigured: Bool

    /// One workflow's `command.OS`.
    struct Command: Sendable, Equatable {
        var workflow: WorkflowName
        var os: ExecutorOS
        var template: String

        /// The "WORKFLOW.OS" key `ExecutorCommand` looks it up by.
        var key: String { "\(workflow.rawValue).\(os.rawValue)" }
        var section: String { "coordinator.workflows.\(workflow.rawValue)" }
        var field: String { "command.\(os.rawValue)" }
    }

    /// No table: the built-in workflows, every failure label from the label set.
    static let builtIn = WorkflowTable(
        routes: WorkflowMapping.builtInRoutes, derivesFailure: Set(WorkflowMapping.builtInRoutes.map(\.workflow)),
        commands: [], isConfigured: false)

    /// The mapping over `labels`: each failure label the file left open is the one `labels` holds
    /// for the workflow's busy label.
    func mapping(labels: LabelSet) -> WorkflowMapping {
        WorkflowMapping(routes: routes.map { route in
            var route = route
            if derivesFailure.contains(route.workflow) { route.failureLabel = labels.failureLabel(forBusy: route.busyLabel) }
            return route
        })
    }
}

extension ConfigLoader {
    /// How messages name the label set when there is no `labels_file`.
    static let builtInLabelSource = "the built-in label set"

    /// The keys of one `[coordinator.workflows.NAME]` table.
    static let workflowKeys = ["pickup", "busy", "branch", "priority", "stale_timeout_minutes", "failure", "command"]

    /// `priority`: lower runs first; a thousand lanes is more than any label set has.
    static let workflowPriorityRange = 1...1000

    /// Reads `[coordinator.workflows]`. Without the table, the built-in three. With it, exactly the
    /// workflows it lists: one named like a built-in workflow takes the built-in value of every key
    /// it leaves out; any other name must give pickup, busy, branch and priority (missing ones are
    /// added to `missing`, reported with the repositories' missing fields). Labels are checked later,
    /// against the label set (`WorkflowMapping.validate`).
    static func workflowTable(
        _ value: (any TOMLValueConvertible)?, reader: SectionReader, missing: inout [ConfigError.MissingFields]
    ) throws -> WorkflowTable {
        guard let value else { return .builtIn }
        let path = reader.path
        let parent = "coordinator.workflows"
        guard let table = value.table else {
            throw ConfigError.invalidValue(
                path: path, section: "coordinator", field: "workflows", reason: "must be a table of [coordinator.workflows.NAME] tables")
        }
        guard !table.keys.isEmpty else {
            throw ConfigError.invalidValue(
                path: path, section: "coordinator", field: "workflows",
                reason: "lists no workflow: add [coordinator.workflows.NAME] tables, or remove it to run the built-in create-pr, implement and create-plan")
        }
        var result = WorkflowTable(routes: [], derivesFailure: [], commands: [], isConfigured: true)
        for key in table.keys.sorted() {
            if let reason = workflowNameProblem(key) {
                throw ConfigError.invalidValue(path: path, section: parent, field: key, reason: reason)
            }
            let section = "\(parent).\(key)"
            guard let workflow = table[key]?.table else {
                throw ConfigError.invalidValue(path: path, section: parent, field: key, reason: "must be a table ([\(section)])")
            }
            for unknown in workflow.keys.sorted() where !workflowKeys.contains(unknown) {
                throw ConfigError.invalidValue(
                    path: path, section: section, field: unknown,
                    reason: "unknown key; a workflow has pickup, busy, branch, priority, stale_timeout_minutes, failure, command.linux, command.windows")
            }
            let name = WorkflowName(rawValue: key)
            let base = WorkflowMapping.builtInRoute(name)

            func label(_ field: String) throws -> String? {
                guard let text = try reader.string(workflow, section, field) else { return nil }
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigError.invalidValue(path: path, section: section, field: field, reason: "must name a label, not be empty")
                }
                return text
            }
            let pickup = try label("pickup") ?? base?.pickupLabel
            let busy = try label("busy") ?? base?.busyLabel
            var branch = base?.branch
            if let text = try reader.string(workflow, section, "branch") {
                guard let parsed = BranchStrategy(rawValue: text) else {
                    throw ConfigError.invalidValue(
                        path: path, section: section, field: "branch",
                        reason: "'\(text)' is neither \"linked\" (the issue's one linked branch) nor \"main\" (the repository's main_branch)")
                }
                branch = parsed
            }
            var priority = base?.priority
            if let raw = workflow["priority"] {
                guard let int = raw.int, workflowPriorityRange.contains(int) else {
                    throw ConfigError.invalidValue(
                        path: path, section: section, field: "priority",
                        reason: "must be a whole number from \(workflowPriorityRange.lowerBound) to \(workflowPriorityRange.upperBound) (lower runs first)")
                }
                priority = int
            }
            let timeout = try reader.int(workflow, section, "stale_timeout_minutes", .staleTimeoutMinutes)
                ?? base?.staleTimeoutMinutes ?? WorkflowRoute.defaultStaleTimeoutMinutes
            // An empty `failure` says "none": the label set is then not searched for one.
            let failure = try reader.string(workflow, section, "failure")
            if failure == nil { result.derivesFailure.insert(name) }
            if let commands = workflow["command"] {
                guard let commandTable = commands.table else {
                    throw ConfigError.invalidValue(
                        path: path, section: section, field: "command",
                        reason: "must be a table: command.linux = \"…\" and/or command.windows = \"…\"")
                }
                for osKey in commandTable.keys.sorted() {
                    guard let os = ExecutorOS(rawValue: osKey) else {
                        throw ConfigError.invalidValue(path: path, section: section, field: "command.\(osKey)", reason: "unknown key; the OS is linux or windows")
                    }
                    guard let template = commandTable[osKey]?.string, !template.isEmpty else {
                        throw ConfigError.invalidValue(path: path, section: section, field: "command.\(osKey)", reason: "must be a non-empty string")
                    }
                    result.commands.append(WorkflowTable.Command(workflow: name, os: os, template: template))
                }
            }

            let absent = [("pickup", pickup == nil), ("busy", busy == nil), ("branch", branch == nil), ("priority", priority == nil)]
                .filter(\.1).map(\.0)
            guard let pickup, let busy, let branch, let priority, absent.isEmpty else {
                missing.append(.init(section: section, fields: absent))
                continue
            }
            result.routes.append(WorkflowRoute(
                priority: priority, pickupLabel: pickup, workflow: name, branch: branch, busyLabel: busy,
                staleTimeoutMinutes: timeout, failureLabel: (failure?.isEmpty == false) ? failure : nil))
        }
        return result
    }

    /// Why `key` cannot name a workflow, or nil. The name reaches the executor's command line as
    /// `{workflow}`, so it is one plain word.
    static func workflowNameProblem(_ key: String) -> String? {
        let allowed = key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        guard allowed, (1...64).contains(key.count), key.first.map({ $0.isLetter || $0.isNumber }) == true else {
            return "a workflow name is 1 to 64 ASCII letters, digits, '-' and '_', starting with a letter or digit (it is sent to the executor as {workflow})"
        }
        if key == ExecutorCommand.environmentCheckKey {
            return "'\(key)' is the name of coordinator test's environment check (\"test.linux\" in [coordinator.command_templates]); choose another"
        }
        return nil
    }

    /// The executor templates in force, keyed "WORKFLOW.OS": `[coordinator.command_templates]`
    /// (`templates`) and each workflow's `command.OS`. A key of the former must name a workflow in
    /// force (or `test`); the same key in both is an error, as is a `{word}` that is no placeholder.
    static func commandTemplates(_ templates: [String: String], workflows: WorkflowTable, path: String) throws -> [String: String] {
        let section = "coordinator.command_templates"
        let names = workflows.routes.map(\.workflow)
        for key in templates.keys.sorted() {
            guard ExecutorCommand.isValidTemplateKey(key, workflows: Set(names)) else {
                let listed = (names.map(\.rawValue) + [ExecutorCommand.environmentCheckKey]).joined(separator: ", ")
                throw ConfigError.invalidValue(
                    path: path, section: section, field: key,
                    reason: "keys are WORKFLOW.OS, e.g. \"implement.linux\" (workflows: \(listed); OS: linux, windows)")
            }
            try checkPlaceholders(templates[key] ?? "", path: path, section: section, field: key)
        }
        var merged = templates
        for command in workflows.commands {
            if templates[command.key] != nil {
                throw ConfigError.invalidValue(
                    path: path, section: command.section, field: command.field,
                    reason: "is also set by \"\(command.key)\" in [\(section)]; keep one of them")
            }
            try checkPlaceholders(command.template, path: path, section: command.section, field: command.field)
            merged[command.key] = command.template
        }
        return merged
    }

    private static func checkPlaceholders(_ template: String, path: String, section: String, field: String) throws {
        let unknown = ExecutorCommand.unknownPlaceholders(in: template)
        guard !unknown.isEmpty else { return }
        throw ConfigError.invalidValue(
            path: path, section: section, field: field,
            reason: "unknown placeholder\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")); a template may use "
                + ExecutorCommand.placeholders.joined(separator: ", "))
    }
}

extension CoordinatorSettings.Bound {
    /// A workflow's `stale_timeout_minutes`: at most a year, like `cache_refresh_minutes`.
    static let staleTimeoutMinutes = CoordinatorSettings.Bound(range: 1...525_600, unit: "minutes", upperMeaning: "one year")
}
