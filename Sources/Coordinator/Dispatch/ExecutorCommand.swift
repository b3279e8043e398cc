/// The shell (Linux) or batch (Windows) script sent to the executor job as `COMMAND`.
///
/// Templates are data: one per workflow and OS, set by a workflow's `command.linux` /
/// `command.windows` or under `[coordinator.command_templates]` with keys like `"implement.linux"`;
/// every workflow without one gets the built-in template, which runs `{workflow}`. Placeholders:
/// `{branch}`, `{issue}`, `{log_level}`, `{workflow}`.
public struct ExecutorCommand: Sendable, Equatable {
    /// Templates by "WORKFLOW.OS" key.
    public var overrides: [String: String]

    public init(overrides: [String: String] = [:]) {
        self.overrides = overrides
    }

    /// The environment check `coordinator test` runs; key `test.linux` / `test.windows`.
    public static let environmentCheckKey = "test"

    /// What a template may contain in braces; each is filled in by `render`.
    public static let placeholders = ["{branch}", "{issue}", "{log_level}", "{workflow}"]

    /// Whether `key` is "WORKFLOW.OS" for one of `workflows` (or the environment check) and an
    /// executor OS.
    static func isValidTemplateKey(_ key: String, workflows: Set<WorkflowName>) -> Bool {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, ExecutorOS(rawValue: String(parts[1])) != nil else { return false }
        return workflows.contains(WorkflowName(rawValue: String(parts[0]))) || parts[0] == environmentCheckKey
    }

    /// The `{word}`s of `template` that are no placeholder, in order, each once: a typo such as
    /// `{isue}` would otherwise reach the executor as it stands. `${word}` is the shell's own
    /// expansion and is not one of ours.
    static func unknownPlaceholders(in template: String) -> [String] {
        var unknown: [String] = []
        let characters = Array(template)
        var index = 0
        while index < characters.count {
            defer { index += 1 }
            guard characters[index] == "{", index == 0 || characters[index - 1] != "$" else { continue }
            var end = index + 1
            while end < characters.count, characters[end].isASCII, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" || characters[end] == "-" {
                end += 1
            }
            guard end > index + 1, end < characters.count, characters[end] == "}" else { continue }
            let word = String(characters[index...end])
            if !placeholders.contains(word), !unknown.contains(word) { unknown.append(word) }
        }
        return unknown
    }

    /// The command for `workflow` on `os`. `logLevel` is the executor's log level; an absent or
    /// "none" level becomes INFO, never the word "None" (failure mode 11).
    public func render(workflow: WorkflowName, os: ExecutorOS, issue: Int, branch: String, logLevel: String?) -> String {
        let template = overrides["\(workflow.rawValue).\(os.rawValue)"] ?? Self.defaultTemplate(os: os)
        return fill(template, workflow: workflow.rawValue, issue: String(issue), branch: branch, logLevel: logLevel)
    }

    /// The environment-check command for `coordinator test`.
    public func renderEnvironmentCheck(os: ExecutorOS, branch: String, logLevel: String?) -> String {
        let template = overrides["\(Self.environmentCheckKey).\(os.rawValue)"] ?? Self.environmentCheckTemplate(os: os)
        return fill(template, workflow: Self.environmentCheckKey, issue: "", branch: branch, logLevel: logLevel)
    }

    /// The level sent to the executor: one of DEBUG, INFO, WARNING, ERROR, CRITICAL whatever the
    /// spelling typed ("warn" → WARNING); INFO when absent or "none".
    public static func executorLogLevel(_ level: String?) -> String {
        guard let level = level?.trimmingCharacters(in: .whitespaces), !level.isEmpty, level.lowercased() != "none" else {
            return "INFO"
        }
        let upper = level.uppercased()
        return upper == "WARN" ? "WARNING" : upper
    }

    private func fill(_ template: String, workflow: String, issue: String, branch: String, logLevel: String?) -> String {
        template
            .replacingOccurrences(of: "{workflow}", with: workflow)
            .replacingOccurrences(of: "{issue}", with: issue)
            .replacingOccurrences(of: "{branch}", with: branch)
            .replacingOccurrences(of: "{log_level}", with: Self.executorLogLevel(logLevel))
    }

    static func defaultTemplate(os: ExecutorOS) -> String {
        switch os {
        case .linux:
            return preparation(os) + "\nmcp-coder --log-level {log_level} {workflow} {issue} --project-dir /workspace/repo --mcp-config .mcp.json --update-labels"
        case .windows:
            return preparation(os) + "\nmcp-coder --log-level {log_level} {workflow} {issue} --project-dir \"%WORKSPACE%\\repo\" --mcp-config .mcp.json --update-labels"
        }
    }

    static func environmentCheckTemplate(os: ExecutorOS) -> String {
        preparation(os) + "\nmcp-coder --log-level {log_level} verify"
    }

    /// Check out the branch, pull, print the tool versions, sync the environment.
    private static func preparation(_ os: ExecutorOS) -> String {
        switch os {
        case .linux:
            return """
                git checkout {branch}
                git pull
                which claude && claude --version
                which mcp-coder && mcp-coder --version
                uv sync --extra dev
                """
        case .windows:
            return """
                @echo ON
                cd /d "%WORKSPACE%\\repo" || exit /b 1
                git checkout {branch} || exit /b 1
                git pull || exit /b 1
                where claude && claude --version
                where mcp-coder && mcp-coder --version
                uv sync --extra dev || exit /b 1
                """
        }
    }
}
