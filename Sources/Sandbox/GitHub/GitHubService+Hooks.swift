import Foundation

/// GitHub's repository webhooks API (`/repos/{owner}/{repo}/hooks…`): list, get, create, edit,
/// delete, and the deliveries of one hook, in GitHub's shapes.
///
/// The hooks are the webhook sender's own (`WebhookDispatcher`): a hook created here is sent the
/// repository's `issues` deliveries from then on, an edit changes where and how the next ones go,
/// and the deliveries listed are the ones the Sandbox really sent. As on GitHub, a hook's secret is
/// never shown (`"********"`), and an organisation-wide hook (a scenario hook without
/// `repository`) is not listed under any repository.
extension GitHubService {
    /// What GitHub shows instead of a hook's secret.
    static let maskedSecret = "********"

    /// `segments` is what follows `/repos/{owner}/{repo}/hooks`.
    func hooks(
        _ request: IncomingRequest, segments: [String], repo: GitHubRepository, account: Scenario.Token,
        representation: GitHubRepresentation, now: Date
    ) -> OutgoingResponse {
        guard let webhooks = self.webhooks else { return GitHubError.notFound() }
        let writing = request.method != "GET"
        // GitHub answers a token without the hook scopes as if the hooks were not there.
        guard Self.mayUseHooks(account, writing: writing) else { return GitHubError.notFound() }
        let hooksURL = "\(representation.apiBase)/repos/\(repo.owner)/\(repo.name)/hooks"
        switch (request.method, segments) {
        case ("GET", []):
            let listed = webhooks.list().filter { $0.repository?.lowercased() == repo.fullName.lowercased() }
            return .json(200, .array(listed.compactMap { hookJSON(id: $0.id, webhooks: webhooks, hooksURL: hooksURL) }))
        case ("POST", []):
            switch Self.hookSettings(request.body, base: Scenario.Webhook?.none, repository: repo.fullName) {
            case .failure(let refusal):
                return refusal.response
            case .success(let config):
                let taken = webhooks.list().contains {
                    $0.repository?.lowercased() == repo.fullName.lowercased() && $0.url == config.url
                }
                if taken {
                    return GitHubError.response(422, "Validation Failed", errors: [
                        .object([("resource", .string("Hook")), ("code", .string("custom")),
                                 ("message", .string("Hook already exists on this repository"))]),
                    ])
                }
                let added = webhooks.add(config, now: now)
                guard let body = hookJSON(id: added.id, webhooks: webhooks, hooksURL: hooksURL) else { return GitHubError.notFound() }
                var response = OutgoingResponse.json(201, body)
                response.setHeader("Location", "\(hooksURL)/\(added.id)")
                return response
            }
        default:
            break
        }
        guard let id = segments.first.flatMap(Int.init), let current = webhooks.configuration(id: id),
              current.config.repository?.lowercased() == repo.fullName.lowercased()
        else {
            return GitHubError.notFound()
        }
        switch (request.method, Array(segments.dropFirst())) {
        case ("GET", []):
            guard let body = hookJSON(id: id, webhooks: webhooks, hooksURL: hooksURL) else { return GitHubError.notFound() }
            return .json(200, body)
        case ("PATCH", []):
            switch Self.hookSettings(request.body, base: current.config, repository: repo.fullName) {
            case .failure(let refusal):
                return refusal.response
            case .success(let config):
                guard webhooks.update(id: id, to: config, now: now) != nil,
                      let body = hookJSON(id: id, webhooks: webhooks, hooksURL: hooksURL)
                else { return GitHubError.notFound() }
                return .json(200, body)
            }
        case ("DELETE", []):
            return webhooks.remove(id: id) ? OutgoingResponse(status: 204) : GitHubError.notFound()
        case ("GET", ["deliveries"]):
            let perPage = IssueListing.paging(request).perPage
            let sent = webhooks.deliveries().filter { $0.hookID == id && $0.wasAttempted }
            return .json(200, .array(sent.reversed().prefix(perPage).map { deliveryJSON($0, repositoryID: repo.id) }))
        default:
            return GitHubError.notFound()
        }
    }

    /// A classic token reads hooks with `read:repo_hook` (or a broader scope) and writes them with
    /// `write:repo_hook`; `repo` and `admin:repo_hook` cover both. A fine-grained token's rights
    /// are not modelled: it may.
    static func mayUseHooks(_ account: Scenario.Token, writing: Bool) -> Bool {
        if account.fineGrained { return true }
        let allowed = writing ? ["repo", "admin:repo_hook", "write:repo_hook"] : ["repo", "admin:repo_hook", "write:repo_hook", "read:repo_hook"]
        return account.scopes.contains { allowed.contains($0) }
    }

    /// The hook a `POST` (on `base` nil) or `PATCH` body asks for, or GitHub's error answer.
    ///
    /// As on GitHub, a `config` replaces the whole configuration: a secret left out of it is
    /// removed. `events` replaces the list; `add_events` and `remove_events` edit it. `POST`
    /// defaults: `events` `["push"]`, `content_type` `form`, `active` true.
    static func hookSettings(_ body: Data, base: Scenario.Webhook?, repository: String) -> Result<Scenario.Webhook, HookRefusal> {
        guard let json = JSONValue.parse(body), case .object = json else {
            return Self.refuse(GitHubError.response(400, "Problems parsing JSON"))
        }
        if let name = json["name"], name.stringValue != "web" {
            return Self.refuse(GitHubError.validationFailed(resource: "Hook", field: "name"))
        }
        var hook = base ?? Scenario.Webhook(url: "", events: ["push"], contentType: .form, repository: repository)
        if let config = json["config"] {
            guard case .object = config, let url = config["url"]?.stringValue else {
                return Self.refuse(GitHubError.response(422, "Validation Failed", errors: [
                    .object([("resource", .string("Hook")), ("code", .string("custom")), ("message", .string("Config must contain a URL"))]),
                ]))
            }
            hook.url = url
            hook.secret = config["secret"]?.stringValue
            hook.insecureSSL = config["insecure_ssl"]?.stringValue ?? config["insecure_ssl"]?.intValue.map(String.init) ?? "0"
            switch config["content_type"]?.stringValue {
            case nil: hook.contentType = .form
            case let text?:
                guard let type = Scenario.Webhook.ContentType(rawValue: text) else {
                    return Self.refuse(GitHubError.validationFailed(resource: "Hook", field: "content_type"))
                }
                hook.contentType = type
            }
        } else if base == nil {
            return Self.refuse(GitHubError.validationFailed(resource: "Hook", field: "config", code: "missing_field"))
        }
        guard let parsed = URL(string: hook.url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = parsed.host, !host.isEmpty
        else {
            return Self.refuse(GitHubError.validationFailed(resource: "Hook", field: "url"))
        }
        func names(_ key: String) -> [String]?? {
            guard let value = json[key] else { return .some(nil) }
            guard let items = value.arrayValue else { return nil }
            let strings = items.compactMap(\.stringValue)
            return strings.count == items.count ? .some(strings) : nil
        }
        guard let events = names("events"), let added = names("add_events"), let removed = names("remove_events") else {
            return Self.refuse(GitHubError.validationFailed(resource: "Hook", field: "events"))
        }
        if let events { hook.events = events }
        for event in added ?? [] where !hook.events.contains(event) { hook.events.append(event) }
        hook.events.removeAll { (removed ?? []).contains($0) }
        if let active = json["active"] {
            guard case .bool(let value) = active else {
                return Self.refuse(GitHubError.validationFailed(resource: "Hook", field: "active"))
            }
            hook.active = value
        }
        return .success(hook)
    }

    private static func refuse(_ response: OutgoingResponse) -> Result<Scenario.Webhook, HookRefusal> {
        .failure(HookRefusal(response: response))
    }

    private func hookJSON(id: Int, webhooks: WebhookDispatcher, hooksURL: String) -> JSONValue? {
        guard let entry = webhooks.configuration(id: id) else { return nil }
        let (config, created, updated) = (entry.config, entry.createdAt, entry.updatedAt)
        var settings: [(String, JSONValue)] = [
            ("content_type", .string(config.contentType.rawValue)), ("insecure_ssl", .string(config.insecureSSL)),
            ("url", .string(config.url)),
        ]
        if let secret = config.secret, !secret.isEmpty { settings.append(("secret", .string(Self.maskedSecret))) }
        let last = webhooks.deliveries().last { $0.hookID == id && $0.wasAttempted }
        let lastResponse: JSONValue = last.map { delivery in
            .object([("code", delivery.statusCode.map(JSONValue.int) ?? .null), ("status", .string(delivery.isOK ? "active" : "failed")),
                     ("message", .string(delivery.statusText))])
        } ?? .object([("code", .null), ("status", .string("unused")), ("message", .null)])
        let url = "\(hooksURL)/\(id)"
        return .object([
            ("type", .string("Repository")), ("id", .int(id)), ("name", .string("web")), ("active", .bool(config.active)),
            ("events", .array(config.events.map(JSONValue.string))), ("config", .object(settings)),
            ("updated_at", .string(Timestamp.format(updated))), ("created_at", .string(Timestamp.format(created))),
            ("url", .string(url)), ("test_url", .string("\(url)/test")), ("ping_url", .string("\(url)/pings")),
            ("deliveries_url", .string("\(url)/deliveries")), ("last_response", lastResponse),
        ])
    }

    private func deliveryJSON(_ delivery: SandboxWebhookDelivery, repositoryID: Int) -> JSONValue {
        .object([
            ("id", .int(delivery.number)), ("guid", .string(delivery.id)),
            ("delivered_at", .string(Timestamp.format(delivery.time))), ("redelivery", .bool(false)),
            ("duration", .double(Double(delivery.durationMs ?? 0) / 1000)), ("status", .string(delivery.statusText)),
            ("status_code", .int(delivery.statusCode ?? 0)), ("event", .string(delivery.event)), ("action", .string(delivery.action)),
            ("installation_id", .null), ("repository_id", .int(repositoryID)), ("throttled_at", .null),
        ])
    }
}

/// GitHub's error answer to a hook body it refuses.
struct HookRefusal: Error {
    var response: OutgoingResponse
}

extension SandboxWebhookDelivery {
    /// Sent and answered or failed: what GitHub lists among a hook's deliveries (not one still
    /// pending, nor one a fault or a full queue kept from being sent).
    var wasAttempted: Bool {
        switch outcome {
        case .answered, .failed: true
        case .pending, .dropped: false
        }
    }

    /// The receiver's HTTP status; nil when it never answered.
    var statusCode: Int? {
        if case .answered(let status) = outcome { return status }
        return nil
    }

    /// A 2xx answer, which GitHub shows as a green tick.
    var isOK: Bool { statusCode.map { (200..<300).contains($0) } ?? false }

    /// GitHub's `status` words: `OK`, `Invalid HTTP Response: 502`, `failed to connect to host`,
    /// `timed out`.
    var statusText: String {
        switch outcome {
        case .answered: isOK ? "OK" : "Invalid HTTP Response: \(statusCode ?? 0)"
        // GitHub's words for a receiver that never answered; the control API keeps the detail.
        case .failed(let message): message.hasPrefix("timed out") ? "timed out" : "failed to connect to host"
        case .pending: "pending"
        case .dropped(let message): message
        }
    }
}
