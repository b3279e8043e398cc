import Foundation

/// `doctor`'s webhook checks of one repository, run when the config has a `[serve]` table: is
/// there a hook calling `public_url` + `/webhooks/github` (`github.webhook`), does it send
/// `issues` (`github.webhook_events`), as JSON (`github.webhook_content_type`), is it active
/// (`github.webhook_active`), and how did GitHub's last deliveries to it go
/// (`github.webhook_deliveries`).
///
/// A token that may not read hooks (GitHub answers `404` or `403`) makes them "cannot tell", not
/// failures: `serve` works without the token ever seeing its webhook.
public enum WebhookChecks {
    public static let ids = [
        "github.webhook", "github.webhook_events", "github.webhook_content_type", "github.webhook_active",
        "github.webhook_deliveries",
    ]
    /// How many of GitHub's newest deliveries are judged.
    public static let deliveriesLooked = 10

    /// Reads the hooks (and our hook's newest deliveries) and judges them.
    /// - Parameter webhookURL: `public_url` + `/webhooks/github`; nil when `public_url` is not set.
    public static func run(repo: String, admin: any WebhookAdmin, webhookURL: String?) async -> [DoctorCheck] {
        let name = admin.repositoryName
        guard let webhookURL else {
            return [DoctorCheck(
                id: "github.webhook", repo: repo, status: .unknown,
                found: "cannot tell whether GitHub calls serve for \(name): [serve] public_url is not set",
                fix: "set [serve] public_url to the URL GitHub reaches serve at (e.g. https://coordinator.example.com)")]
                + ids.dropFirst().map { .skipped($0, repo: repo, because: "[serve] public_url is not set") }
        }
        let hooks: [GitHubHook]
        do {
            hooks = try await admin.repositoryHooks()
        } catch {
            let found: String
            let fix: String
            if case let GitHubError.http(status, _, _) = error, status == 404 || status == 403 {
                found = "cannot tell whether \(name) has its webhook: GitHub answered \(status) to reading its hooks (the token may not read them)"
                fix = WebhookAccess.fix(writing: false)
            } else {
                found = "cannot tell whether \(name) has its webhook: \(error)"
                fix = "run doctor again; if it persists, check the webhook in the repository's Settings → Webhooks"
            }
            return [DoctorCheck(id: "github.webhook", repo: repo, status: .unknown, found: found, fix: fix)]
                + ids.dropFirst().map { .skipped($0, repo: repo, because: "the hooks of \(name) could not be read") }
        }
        var checks = judge(hooks, repo: repo, repository: name, target: WebhookTarget(url: webhookURL))
        if case let .ours(hook) = WebhookTarget(url: webhookURL).match(hooks) {
            do {
                let deliveries = try await admin.hookDeliveries(hookID: hook.id, count: deliveriesLooked)
                checks.append(judgeDeliveries(deliveries, repo: repo, hookID: hook.id))
            } catch {
                checks.append(DoctorCheck(
                    id: "github.webhook_deliveries", repo: repo, status: .unknown,
                    found: "cannot tell how GitHub's deliveries to hook \(hook.id) went: \(error)",
                    fix: "see Recent Deliveries of the webhook in the repository's Settings → Webhooks"))
            }
        } else {
            checks.append(.skipped("github.webhook_deliveries", repo: repo, because: "no webhook calls \(webhookURL)"))
        }
        return checks
    }

    /// `github.webhook` … `github.webhook_active` from the hooks, pure.
    static func judge(_ hooks: [GitHubHook], repo: String, repository: String, target: WebhookTarget) -> [DoctorCheck] {
        let sync = "run coordinator hooks sync --repo \(repo)"
        let hook: GitHubHook
        switch target.match(hooks) {
        case .missing:
            return [.failed(
                "github.webhook", repo: repo, "no webhook of \(repository) calls \(target.url): serve hears nothing from GitHub",
                fix: "\(sync) (or add it in the repository's Settings → Webhooks: payload URL \(target.url), content type application/json, the webhook secret, the Issues event)")]
                + ids.dropFirst(1).dropLast().map { .skipped($0, repo: repo, because: "no webhook calls \(target.url)") }
        case let .elsewhere(others):
            let urls = others.map { "\($0.url) (hook \($0.id))" }.joined(separator: ", ")
            return [.failed(
                "github.webhook", repo: repo, "the webhook of \(repository) points elsewhere: \(urls), not \(target.url)",
                fix: "if serve moved, \(sync) (it adds one at \(target.url)) and delete the old one; if the old address is right, correct [serve] public_url")]
                + ids.dropFirst(1).dropLast().map { .skipped($0, repo: repo, because: "no webhook calls \(target.url)") }
        case let .ours(found):
            hook = found
        }
        var checks: [DoctorCheck] = [.ok("github.webhook", repo: repo, "hook \(hook.id) of \(repository) calls \(target.url)")]
        if hook.sendsIssues {
            checks.append(.ok("github.webhook_events", repo: repo, "hook \(hook.id) sends issues events"))
        } else {
            let current = hook.events.isEmpty ? "none" : hook.events.joined(separator: ", ")
            checks.append(.failed(
                "github.webhook_events", repo: repo, "hook \(hook.id) does not send issues events (it sends: \(current)): no label change reaches serve",
                fix: "\(sync) (or tick Issues under \"Let me select individual events\" in the webhook's settings)"))
        }
        switch hook.contentType {
        case "json":
            checks.append(.ok("github.webhook_content_type", repo: repo, "hook \(hook.id) sends JSON"))
        case "form":
            checks.append(DoctorCheck(
                id: "github.webhook_content_type", repo: repo, status: .warning,
                found: "hook \(hook.id) sends application/x-www-form-urlencoded: serve accepts it, JSON is the plainer choice",
                fix: "\(sync) (or set Content type to application/json in the webhook's settings)"))
        default:
            checks.append(.failed(
                "github.webhook_content_type", repo: repo, "hook \(hook.id) sends content type \(hook.contentType), which serve refuses (415)",
                fix: "\(sync) (or set Content type to application/json in the webhook's settings)"))
        }
        if hook.active {
            checks.append(.ok("github.webhook_active", repo: repo, "hook \(hook.id) is active"))
        } else {
            checks.append(.failed(
                "github.webhook_active", repo: repo, "hook \(hook.id) is inactive: GitHub sends it nothing",
                fix: "\(sync) (or tick Active in the webhook's settings)"))
        }
        return checks
    }

    /// `github.webhook_deliveries`, pure: the newest delivery failing is a failure (serve hears
    /// nothing now); older failures alone are a warning (the poll caught up on what they missed).
    static func judgeDeliveries(_ deliveries: [GitHubHookDelivery], repo: String, hookID: Int) -> DoctorCheck {
        let id = "github.webhook_deliveries"
        guard let newest = deliveries.first else {
            return .ok(id, repo: repo, "GitHub has made no delivery to hook \(hookID) yet")
        }
        let failed = deliveries.filter { !$0.succeeded }
        let counts = "the last \(deliveries.count) \(deliveries.count == 1 ? "delivery" : "deliveries") to hook \(hookID): \(deliveries.count - failed.count) OK"
        guard !failed.isEmpty else { return .ok(id, repo: repo, counts) }
        let described = failed.prefix(3).map(describe).joined(separator: ", ")
        let more = failed.count > 3 ? ", …" : ""
        let found = "\(counts), \(failed.count) failed (\(described)\(more))"
        let fix = fix(for: newest.succeeded ? failed[0] : newest, repo: repo)
        return newest.succeeded
            ? DoctorCheck(id: id, repo: repo, status: .warning, found: found + "; the newest succeeded", fix: fix)
            : .failed(id, repo: repo, found, fix: fix)
    }

    /// `502 at 2026-12-05T10:00:00Z`, or GitHub's words when nothing answered.
    static func describe(_ delivery: GitHubHookDelivery) -> String {
        let what = delivery.statusCode == 0 ? (delivery.status.isEmpty ? "no answer" : delivery.status) : String(delivery.statusCode)
        return delivery.deliveredAt.map { "\(what) at \(Timestamp.format($0))" } ?? what
    }

    /// What a failed delivery's status says to do.
    static func fix(for delivery: GitHubHookDelivery, repo: String) -> String {
        switch delivery.statusCode {
        case 0:
            return "GitHub could not reach serve: check that it runs, that [serve] public_url is reachable from the internet, and the reverse proxy"
        case 401:
            return "serve refused the signature: the webhook's secret differs from [serve] webhook_secret; run coordinator hooks sync --repo \(repo), which sets it"
        case 400, 415:
            return "serve refused the payload: check that the webhook sends issues events as JSON (coordinator hooks sync --repo \(repo))"
        case 413:
            return "the body was too large for serve or the proxy: raise the proxy's client_max_body_size to 2m"
        case 502, 503, 504:
            return "the reverse proxy got no answer from serve: check that serve runs and listens where the proxy sends (see `listen`)"
        default:
            return "see the webhook's Recent Deliveries in the repository's Settings → Webhooks, and serve's log"
        }
    }
}
