import Foundation

/// The TOML config a test hands to `coordinator --config`.
struct ConfigFile {
    struct Repo {
        var name: String
        var owner: String
        var repo: String
        var jobPath: String
        var credentialsID = "github-pat"
        var mainBranch: String?

        var repoURL: String { "https://github.com/\(owner)/\(repo).git" }
    }

    var githubToken: String
    /// More `[github]` lines (a GitHub App's `app_id`, `private_key_file`, …).
    var githubExtra: [String] = []
    var apiURL: String
    var jenkinsURL: String
    var jenkinsUser: String
    var jenkinsToken: String
    var cacheDir: String
    var writeSpacingMs = 0
    var duplicateWindowSeconds: Int?
    /// `[coordinator] labels_file`, written when set.
    var labelsFile: String?
    /// `[coordinator] stuck_grace_minutes`, written when set.
    var stuckGraceMinutes: Int?
    var repos: [Repo]
    /// `[github] ca_file` and `[jenkins] ca_file`, written when set.
    var githubCAFile: String?
    var jenkinsCAFile: String?
    /// Written as is after everything else (e.g. a `[serve]` table).
    var extra = ""

    var toml: String {
        var lines = [
            "[github]",
            "token = \(quote(githubToken))",
            "api_url = \(quote(apiURL))",
        ] + githubExtra
        if let githubCAFile { lines.append("ca_file = \(quote(githubCAFile))") }
        lines += [
            "",
            "[jenkins]",
            "server_url = \(quote(jenkinsURL))",
            "username = \(quote(jenkinsUser))",
            "api_token = \(quote(jenkinsToken))",
        ]
        if let jenkinsCAFile { lines.append("ca_file = \(quote(jenkinsCAFile))") }
        lines += [
            "",
            "[coordinator]",
            "cache_refresh_minutes = 1440",
            "cache_dir = \(quote(cacheDir))",
            "write_spacing_ms = \(writeSpacingMs)",
        ]
        if let window = duplicateWindowSeconds { lines.append("duplicate_window_seconds = \(window)") }
        if let labelsFile { lines.append("labels_file = \(quote(labelsFile))") }
        if let grace = stuckGraceMinutes { lines.append("stuck_grace_minutes = \(grace)") }
        for repo in repos {
            lines += [
                "",
                "[coordinator.repos.\(quote(repo.name))]",
                "repo_url = \(quote(repo.repoURL))",
                "executor_job_path = \(quote(repo.jobPath))",
                "github_credentials_id = \(quote(repo.credentialsID))",
            ]
            if let main = repo.mainBranch { lines.append("main_branch = \(quote(main))") }
        }
        return lines.joined(separator: "\n") + "\n" + extra
    }

    private func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
