import Foundation
import Sandbox

/// The demo's config file: the sandbox's credentials and URLs, one repo section per scenario
/// repository, no write spacing (the sandbox needs none).
enum DemoConfig {
    static let credentialsID = "github-pat"

    static func text(scenario: Scenario, sandbox: SandboxServer, cacheDirectory: String) -> String {
        let token = scenario.github.tokens.first?.token ?? ""
        let user = scenario.jenkins.users.first { $0.apiToken != nil } ?? scenario.jenkins.users.first
        var lines = [
            "# Written by `coordinator demo` for its sandbox; thrown away afterwards.",
            "[github]",
            "token = \(quoted(token))",
            "api_url = \(quoted(sandbox.githubAPIURL))",
            "",
            "[jenkins]",
            "server_url = \(quoted(sandbox.jenkinsURL))",
            "username = \(quoted(user?.username ?? ""))",
            "api_token = \(quoted(user?.apiToken ?? user?.password ?? ""))",
            "",
            "[coordinator]",
            "cache_refresh_minutes = 1440",
            "write_spacing_ms = 0",
            "console_refresh_seconds = 0",
            // No bot moves the Sandbox's labels when a build ends: show such an issue stuck at once
            // instead of ten minutes later, so the busy view and unstick can be tried right away.
            "stuck_grace_minutes = 0",
            "cache_dir = \(quoted(cacheDirectory))",
        ]
        for repository in scenario.github.repositories {
            let job = scenario.jenkins.jobs.first { $0.path.split(separator: "/").contains(Substring(repository.name)) }
                ?? scenario.jenkins.jobs.first
            lines += [
                "",
                "[coordinator.repos.\(quoted(repository.name))]",
                "repo_url = \(quoted("https://\(repository.htmlHost)/\(repository.owner)/\(repository.name).git"))",
                "executor_job_path = \(quoted(job?.path ?? "executor"))",
                "github_credentials_id = \(quoted(credentialsID))",
                "main_branch = \(quoted(repository.defaultBranch))",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TOML basic string.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
