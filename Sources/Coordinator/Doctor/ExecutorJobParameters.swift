/// The build parameters the executor job must define: the ones every dispatch sends
/// (`DispatchPlanner.parameters`), so the two cannot drift apart. Pure.
public enum ExecutorJobParameters {
    public static func names(for repo: RepoConfig) -> [String] {
        DispatchPlanner.parameters(repo: repo, branch: "", command: "").map(\.name)
    }

    static func check(job: JenkinsJobInfo, repo: RepoConfig) -> DoctorCheck {
        let id = "jenkins.job_parameters"
        let required = names(for: repo)
        let missing = required.filter { !job.parameters.contains($0) }
        guard !missing.isEmpty else {
            return .ok(id, repo: repo.name, "\(repo.executorJobPath) takes \(required.joined(separator: ", "))")
        }
        let (noun, pronoun) = missing.count == 1 ? ("parameter", "it") : ("parameters", "them")
        let has = job.parameters.isEmpty ? "it has none" : "it has \(job.parameters.joined(separator: ", "))"
        return .failed(
            id, repo: repo.name, "\(repo.executorJobPath) lacks the \(noun) \(missing.joined(separator: ", ")) (\(has))",
            fix: "add \(pronoun) as string \(noun) in the job's configuration (This project is parameterized)",
            details: missing)
    }
}
