/// The labels a repository must define for the coordinator to work there: every workflow route's
/// pickup label (read) and busy label (written), from the configured `WorkflowRules`; and the
/// failure labels `coordinator unstick --to failure` writes, which it should define. Pure.
public enum RequiredLabels {
    /// In route order (highest priority first), pickup before busy, each name once.
    public static func names(_ rules: WorkflowRules) -> [String] {
        unique(rules.mapping.routes.flatMap { [$0.pickupLabel, $0.busyLabel] })
    }

    /// Each route's failure label, in route order, each name once.
    public static func failureNames(_ rules: WorkflowRules) -> [String] {
        unique(rules.mapping.routes.compactMap(\.failureLabel))
    }

    /// `github.labels`: the pickup and busy labels; one missing or misspelt fails.
    ///
    /// A label that exists only in another spelling fails too: GitHub matches label names without
    /// regard to case and applies its own spelling, so the coordinator would write a busy label
    /// that it then fails to recognise as busy.
    static func check(existing: [String], rules: WorkflowRules, repo: RepoConfig) -> DoctorCheck {
        compare(
            id: "github.labels", required: names(rules), kind: "pickup and busy labels", existing: existing, rules: rules,
            repo: repo, status: .failed, consequence: nil)
    }

    /// `github.failure_labels`: the failure labels; one missing or misspelt is a warning, since
    /// only an unstick to the failure label writes it.
    static func checkFailureLabels(existing: [String], rules: WorkflowRules, repo: RepoConfig) -> DoctorCheck {
        let required = failureNames(rules)
        guard !required.isEmpty else {
            return .ok("github.failure_labels", repo: repo.name, "no workflow has a failure label (coordinator unstick --to failure is refused)")
        }
        return compare(
            id: "github.failure_labels", required: required, kind: "failure labels", existing: existing, rules: rules,
            repo: repo, status: .warning, consequence: "coordinator unstick --to failure would write a label the repository does not define")
    }

    private static func compare(
        id: String, required: [String], kind: String, existing: [String], rules: WorkflowRules, repo: RepoConfig,
        status: DoctorCheck.Status, consequence: String?
    ) -> DoctorCheck {
        let present = Set(existing)
        var missing: [String] = []
        var misspelt: [(wanted: String, actual: String)] = []
        for name in required where !present.contains(name) {
            if let other = existing.first(where: { $0.lowercased() == name.lowercased() }) {
                misspelt.append((name, other))
            } else {
                missing.append(name)
            }
        }
        let where_ = repo.repo.fullName
        guard !missing.isEmpty || !misspelt.isEmpty else {
            return .ok(id, repo: repo.name, "all \(required.count) \(kind) exist in \(where_)")
        }

        var found: [String] = []
        var fixes: [String] = []
        let ghRepo = repo.repo.host == "github.com" ? where_ : "\(repo.repo.host)/\(where_)"
        if !missing.isEmpty {
            let commands = missing.map { name in
                var command = "gh label create \(shellQuoted(name)) --repo \(shellQuoted(ghRepo))"
                if let label = rules.labels.label(named: name) {
                    if !label.color.isEmpty { command += " --color \(shellQuoted(label.color))" }
                    if !label.description.isEmpty { command += " --description \(shellQuoted(label.description))" }
                }
                return command
            }
            let (noun, pronoun) = missing.count == 1 ? ("label", "it") : ("labels", "them")
            found.append("\(noun) \(missing.joined(separator: ", ")) missing in \(where_)")
            fixes.append("create \(pronoun) (\(commands.joined(separator: " && "))) or set labels_file")
        }
        for (wanted, actual) in misspelt {
            found.append("label \(wanted) is spelt \(actual) in \(where_)")
            fixes.append("rename it (gh label edit \(shellQuoted(actual)) --name \(shellQuoted(wanted)) --repo \(shellQuoted(ghRepo)))")
        }
        if let consequence { found.append(consequence) }
        return DoctorCheck(
            id: id, repo: repo.name, status: status, found: found.joined(separator: "; "), fix: fixes.joined(separator: "; "),
            details: missing + misspelt.map(\.wanted))
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }

    /// `text` as one POSIX shell word: bare when it is plainly safe, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@%+=,")
        if !text.isEmpty, text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
