import ArgumentParser
import Coordinator
import Foundation

/// `coordinator hooks`: the repositories' GitHub webhooks that `serve` depends on.
struct HooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "The repositories' GitHub webhooks that serve depends on.",
        subcommands: [HooksSyncCommand.self])
}

/// `coordinator hooks sync (--all | --repo NAME…) [--dry-run]`: creates or edits each repository's
/// webhook to call `[serve] public_url` + `/webhooks/github` with the webhook secret, JSON, the
/// `issues` event, active (`HookSync`); prints per repository what changed, never the secret.
struct HooksSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Create or update the repositories' webhooks to call [serve] public_url + /webhooks/github (JSON, issues, the webhook secret, active); a second sync changes nothing.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: RepoSelection

    @Flag(name: .long, help: "Print what would change, and change nothing.")
    var dryRun = false

    func validate() throws {
        try selection.requireChoice(toWhat: "set up the webhooks of")
    }

    func run() async throws {
        let logger = global.makeLogger()
        let config = try global.loadConfig()
        let sync: HookSync
        do {
            sync = try HookSync.configured(config)
        } catch let error as HookSyncError {
            throw CommandFailure(error.description)
        }
        let http = HTTPClientFactory.makeHTTPClients(github: config.github.trust, jenkins: config.jenkins.trust)
        let outcomes: [HookSync.Outcome]
        do {
            outcomes = try await sync.run(config: config, repos: selection.names, dryRun: dryRun, http: http.github, logger: logger)
        } catch let error as ConfigError {
            await http.shutdown()
            throw CommandFailure(error.description)
        }
        await http.shutdown()
        for outcome in outcomes {
            for line in HooksSyncText.lines(outcome, target: sync.target.url, dryRun: dryRun) { print(line) }
        }
        print(HooksSyncText.summary(outcomes, dryRun: dryRun))
        if outcomes.contains(where: { $0.failure != nil }) { throw ExitCode(1) }
    }
}

/// How a sync reads on a terminal. Nothing here can hold the secret: `HookSync.Outcome` does not.
enum HooksSyncText {
    static func lines(_ outcome: HookSync.Outcome, target: String, dryRun: Bool) -> [String] {
        let head = "\(outcome.repo) (\(outcome.repository))"
        var lines: [String] = []
        if let failure = outcome.failure {
            lines.append("\(head): failed: \(failure)")
        } else if let change = outcome.change {
            switch change {
            case .create:
                let id = outcome.hookID.map { " \($0)" } ?? ""
                lines.append(dryRun
                    ? "\(head): would create a webhook → \(target) (json, issues, active, with the secret)"
                    : "\(head): created webhook\(id) → \(target) (json, issues, active, with the secret)")
            case let .update(id, differences):
                lines.append("\(head): \(dryRun ? "would update" : "updated") webhook \(id): \(differences.joined(separator: "; "))")
            case let .unchanged(id):
                lines.append("\(head): webhook \(id) is up to date, nothing changed")
            }
        }
        for other in outcome.elsewhere {
            lines.append("  left alone: webhook \(other.id) calls \(other.url); delete it in the repository's Settings → Webhooks once nothing serves it")
        }
        return lines
    }

    static func summary(_ outcomes: [HookSync.Outcome], dryRun: Bool) -> String {
        var created = 0, updated = 0, unchanged = 0, failed = 0
        for outcome in outcomes {
            if outcome.failure != nil { failed += 1; continue }
            switch outcome.change {
            case .create?: created += 1
            case .update?: updated += 1
            case .unchanged?: unchanged += 1
            case nil: break
            }
        }
        if created + updated + failed == 0 { return "nothing to change: every webhook is up to date (\(unchanged))" }
        let verbs = dryRun ? ("to create", "to update") : ("created", "updated")
        var parts = ["\(created) \(verbs.0)", "\(updated) \(verbs.1)", "\(unchanged) up to date"]
        if failed > 0 { parts.append("\(failed) failed") }
        return (dryRun ? "dry run, nothing changed: " : "") + parts.joined(separator: ", ")
    }
}
