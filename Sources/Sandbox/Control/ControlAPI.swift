import Foundation

/// The `/_sandbox/` HTTP API: inspect what the coordinator did and act as the humans and
/// outages around it. No authentication; never faulted; never logged. Documented in
/// `Tests/Fidelity/SANDBOX.md`.
struct ControlAPI {
    static let prefix = "_sandbox"

    static let endpoints: [String] = [
        "GET    /_sandbox/requests",
        "GET    /_sandbox/builds",
        "GET    /_sandbox/repos/{owner}/{repo}/issues",
        "POST   /_sandbox/repos/{owner}/{repo}/issues            {\"title\",\"body\",\"labels\",\"assignees\",\"user\",\"pull_request\",\"linked_branches\"}",
        "GET    /_sandbox/repos/{owner}/{repo}/issues/{n}",
        "PATCH  /_sandbox/repos/{owner}/{repo}/issues/{n}        {\"title\",\"body\",\"actor\"}",
        "GET    /_sandbox/repos/{owner}/{repo}/issues/{n}/events",
        "PUT    /_sandbox/repos/{owner}/{repo}/issues/{n}/labels  {\"labels\":[...],\"actor\"} or [...]",
        "PUT    /_sandbox/repos/{owner}/{repo}/issues/{n}/linked_branches  {\"branches\":[...]} or [...]",
        "POST   /_sandbox/repos/{owner}/{repo}/issues/{n}/close   {\"actor\"} (optional)",
        "POST   /_sandbox/repos/{owner}/{repo}/issues/{n}/reopen  {\"actor\"} (optional)",
        "POST   /_sandbox/jenkins/queue/{id}/cancel",
        "POST   /_sandbox/jenkins/queue/{id}/result               {\"result\":\"SUCCESS\"|\"UNSTABLE\"|\"FAILURE\"|\"NOT_BUILT\"|\"ABORTED\", \"finish\":true}",
        "POST   /_sandbox/jenkins/queue/{id}/log                  (body: bytes added to the running build's log as they are)",
        "GET    /_sandbox/faults",
        "POST   /_sandbox/faults                                  {\"method\",\"path\",\"count\", \"status\"|\"delay_ms\"|\"drop\"|\"lose_answer\"|\"endless_pages\"}",
        "DELETE /_sandbox/faults",
        "GET    /_sandbox/clock",
        "PUT    /_sandbox/clock                                   {\"offset_seconds\": N}",
        "POST   /_sandbox/reset",
        "DELETE /_sandbox/github/apps/{app_id}/installations/{id}  (uninstall: its tokens stop working)",
    ] + WebhookControlAPI.endpoints

    let world: SandboxWorld

    /// `segments` excludes the `_sandbox` prefix.
    func handle(_ request: IncomingRequest, segments: [String]) async -> OutgoingResponse {
        let method = request.method
        switch (method, segments) {
        case ("GET", []):
            return .json(200, .object([("endpoints", .array(Self.endpoints.map(JSONValue.string)))]))
        case ("GET", ["requests"]):
            return .json(200, .array(await world.requests().map(Self.json)))
        case ("GET", ["builds"]):
            return .json(200, .array(await world.builds().map(Self.json)))
        case ("GET", ["faults"]):
            return encoded(await world.armedFaults())
        case ("POST", ["faults"]):
            do {
                let fault = try JSONDecoder().decode(SandboxFault.self, from: request.body)
                await world.injectFault(fault)
                return encoded(fault, status: 201)
            } catch {
                return Self.error(400, "invalid fault: \(Self.describe(error))")
            }
        case ("DELETE", ["faults"]):
            await world.clearFaults()
            return OutgoingResponse(status: 204)
        case ("GET", ["clock"]):
            return .json(200, .object([("offset_seconds", .double(await world.clockOffset))]))
        case ("PUT", ["clock"]):
            let seconds: Double? = switch JSONValue.parse(request.body)?["offset_seconds"] {
            case let .int(value)?: Double(value)
            case let .double(value)?: value
            default: nil
            }
            guard let seconds, seconds.isFinite, abs(seconds) <= 10 * 365 * 86_400
            else {
                return Self.error(400, "body must be {\"offset_seconds\": N} with |N| at most ten years")
            }
            await world.setClockOffset(seconds)
            return .json(200, .object([("offset_seconds", .double(seconds))]))
        case ("POST", ["reset"]):
            await world.reset()
            return OutgoingResponse(status: 204)
        case ("POST", let s) where s.count == 4 && s[0] == "jenkins" && s[1] == "queue" && s[3] == "cancel":
            guard let id = Int(s[2]), await world.cancelQueueItem(id) else {
                return Self.error(404, "no waiting queue item \(s[2])")
            }
            return OutgoingResponse(status: 204)
        case ("POST", let s) where s.count == 4 && s[0] == "jenkins" && s[1] == "queue" && s[3] == "result":
            return await buildResult(request, queueID: s[2])
        case ("POST", let s) where s.count == 4 && s[0] == "jenkins" && s[1] == "queue" && s[3] == "log":
            guard let id = Int(s[2]) else { return Self.error(404, "no queue item \(s[2])") }
            switch await world.appendBuildLog(queueID: id, bytes: request.body) {
            case .success(let size):
                return .json(200, .object([("queue_id", .int(id)), ("log_size", .int(size))]))
            case .failure(let failure):
                if case .unknownQueueItem = failure { return Self.error(404, failure.description) }
                return Self.error(409, failure.description)
            }
        case (_, let s) where s.first == "webhooks":
            return await WebhookControlAPI(world: world).handle(request, segments: Array(s.dropFirst()))
        case ("POST", ["relabel"]):
            return await WebhookControlAPI(world: world).relabel(request)
        case ("DELETE", let s) where s.count == 5 && s[0] == "github" && s[1] == "apps" && s[3] == "installations":
            guard let app = Int(s[2]), let installation = Int(s[4]) else {
                return Self.error(400, "app and installation ids are numbers: DELETE /_sandbox/github/apps/{app_id}/installations/{id}")
            }
            guard await world.removeInstallation(installation, ofApp: app) else {
                return Self.error(404, "app \(app) has no installation \(installation)")
            }
            return OutgoingResponse(status: 204)
        case (_, let s) where s.count >= 4 && s[0] == "repos" && s[3] == "issues":
            return await issues(request, owner: s[1], repo: s[2], rest: Array(s.dropFirst(4)))
        default:
            return Self.error(404, "unknown control endpoint \(method) \(request.path); GET /_sandbox/ lists them")
        }
    }

    private func issues(_ request: IncomingRequest, owner: String, repo: String, rest: [String]) async -> OutgoingResponse {
        guard await world.issues(owner: owner, repo: repo) != nil else {
            return Self.error(404, "no repository \(owner)/\(repo) in the scenario")
        }
        let body = JSONValue.parse(request.body)
        switch (request.method, rest) {
        case ("GET", []):
            return .json(200, .array((await world.issues(owner: owner, repo: repo) ?? []).map(Self.json)))
        case ("POST", []):
            guard let body, let title = body["title"]?.stringValue, !title.isEmpty else {
                return Self.error(400, "body must be a JSON object with a non-empty \"title\"")
            }
            let new = SandboxNewIssue(
                title: title,
                body: body["body"]?.stringValue,
                labels: Self.strings(body["labels"]) ?? [],
                assignees: Self.strings(body["assignees"]) ?? [],
                user: body["user"]?.stringValue ?? "octocat",
                isPullRequest: body["pull_request"] == .bool(true),
                linkedBranches: Self.strings(body["linked_branches"]) ?? []
            )
            guard let issue = await world.createIssue(owner: owner, repo: repo, new) else { return Self.error(404, "not found") }
            return .json(201, Self.json(issue))
        default:
            break
        }
        guard let number = rest.first.flatMap(Int.init) else { return Self.error(404, "expected an issue number") }
        // Who a human edit is by, in its issue events and webhooks: `"actor"` in the body, else octocat.
        let actor: String
        switch body?["actor"] {
        case nil:
            actor = SandboxWorld.humanLogin
        case .string(let login)? where Self.isLogin(login):
            actor = login
        default:
            return Self.error(400, "\"actor\" must be a login: 1 to 39 letters, digits or hyphens")
        }
        let result: SandboxIssue?
        switch (request.method, Array(rest.dropFirst())) {
        case ("GET", []):
            result = await world.issue(owner: owner, repo: repo, number: number)
        case ("GET", ["events"]):
            guard let events = await world.issueEvents(owner: owner, repo: repo, number: number) else {
                return Self.error(404, "no issue #\(number) in \(owner)/\(repo)")
            }
            return .json(200, .array(events.map(Self.json)))
        case ("PATCH", []):
            let title = body?["title"]?.stringValue, text = body?["body"]?.stringValue
            guard title != nil || text != nil, title.map({ !$0.isEmpty }) ?? true else {
                return Self.error(400, "body must be {\"title\":…} and/or {\"body\":…}; a title must not be empty")
            }
            result = await world.editIssue(owner: owner, repo: repo, number: number, title: title, body: text, actor: actor)
        case ("PUT", ["labels"]):
            guard let labels = Self.strings(body) ?? Self.strings(body?["labels"]) else {
                return Self.error(400, "body must be {\"labels\":[...]} or a JSON array of names")
            }
            result = await world.setLabels(owner: owner, repo: repo, number: number, labels: labels, actor: actor)
        case ("PUT", ["linked_branches"]):
            guard let branches = Self.strings(body) ?? Self.strings(body?["branches"]) else {
                return Self.error(400, "body must be {\"branches\":[...]} or a JSON array of names")
            }
            result = await world.setLinkedBranches(owner: owner, repo: repo, number: number, branches: branches)
        case ("POST", ["close"]):
            result = await world.setState(owner: owner, repo: repo, number: number, open: false, actor: actor)
        case ("POST", ["reopen"]):
            result = await world.setState(owner: owner, repo: repo, number: number, open: true, actor: actor)
        default:
            return Self.error(404, "unknown control endpoint \(request.method) \(request.path)")
        }
        guard let result else { return Self.error(404, "no issue #\(number) in \(owner)/\(repo)") }
        return .json(200, Self.json(result))
    }

    /// `POST /_sandbox/jenkins/queue/{id}/result`: `{"result": R, "finish": B}`, at least one of them.
    private func buildResult(_ request: IncomingRequest, queueID text: String) async -> OutgoingResponse {
        let usage = "body must be {\"result\": one of \(SandboxBuildResult.spellings), \"finish\": true|false}, with a result or finish true"
        guard let body = JSONValue.parse(request.body), case .object(let pairs) = body else { return Self.error(400, usage) }
        var result: SandboxBuildResult?
        var finish = false
        for (key, value) in pairs {
            switch (key, value) {
            case ("result", .string(let name)):
                guard let parsed = SandboxBuildResult(rawValue: name) else {
                    return Self.error(400, "unknown result \"\(name)\": \(usage)")
                }
                result = parsed
            case ("result", .null):
                break
            case ("finish", .bool(let flag)):
                finish = flag
            default:
                return Self.error(400, "unexpected \"\(key)\": \(usage)")
            }
        }
        guard result != nil || finish else { return Self.error(400, usage) }
        guard let id = Int(text) else { return Self.error(404, "no queue item \(text)") }
        switch await world.controlBuild(queueID: id, result: result, finish: finish) {
        case .success(let build):
            return .json(200, Self.json(build))
        case .failure(let failure):
            if case .unknownQueueItem = failure { return Self.error(404, failure.description) }
            return Self.error(409, failure.description)
        }
    }

    // MARK: Encoding

    private static func strings(_ value: JSONValue?) -> [String]? {
        guard let array = value?.arrayValue else { return nil }
        let strings = array.compactMap(\.stringValue)
        return strings.count == array.count ? strings : nil
    }

    static func json(_ issue: SandboxIssue) -> JSONValue {
        .object([
            ("owner", .string(issue.owner)), ("repo", .string(issue.repo)), ("number", .int(issue.number)),
            ("title", .string(issue.title)), ("body", .optional(issue.body)), ("state", .string(issue.state)),
            ("labels", .array(issue.labels.map(JSONValue.string))),
            ("assignees", .array(issue.assignees.map(JSONValue.string))), ("user", .string(issue.user)),
            ("created_at", .string(Timestamp.format(issue.createdAt))),
            ("updated_at", .string(Timestamp.format(issue.updatedAt))),
            ("closed_at", issue.closedAt.map { .string(Timestamp.format($0)) } ?? .null),
            ("pull_request", .bool(issue.isPullRequest)),
            ("linked_branches", .array(issue.linkedBranches.map(JSONValue.string))),
            ("locked", .bool(issue.locked)),
        ])
    }

    /// GitHub's rule for a user name: letters, digits and single hyphens inside, at most 39 long.
    /// Bots' `name[bot]` logins are accepted too.
    static func isLogin(_ text: String) -> Bool {
        let name = text.hasSuffix("[bot]") ? String(text.dropLast(5)) : text
        guard (1...39).contains(name.count), !name.hasPrefix("-"), !name.hasSuffix("-"), !name.contains("--") else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
    }

    static func json(_ event: SandboxIssueEvent) -> JSONValue {
        .object([
            ("id", .int(event.id)), ("event", .string(event.kind.rawValue)), ("actor", .string(event.actor)),
            ("created_at", .string(Timestamp.format(event.createdAt))),
            ("label", event.label.map { .object([("name", .string($0.name)), ("color", .string($0.color))]) } ?? .null),
            ("rename", event.rename.map { .object([("from", .string($0.from)), ("to", .string($0.to))]) } ?? .null),
        ])
    }

    static func json(_ build: SandboxBuild) -> JSONValue {
        .object([
            ("job_path", .string(build.jobPath)),
            ("parameters", .object(build.parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("queue_id", .int(build.queueID)),
            ("build_number", build.buildNumber.map(JSONValue.int) ?? .null),
            ("queued_at", .string(Timestamp.formatPrecise(build.queuedAt))),
            ("cancelled", .bool(build.cancelled)),
            ("building", .bool(build.building)),
            ("result", build.result.map { .string($0.rawValue) } ?? .null),
        ])
    }

    static func json(_ record: SandboxRequestRecord) -> JSONValue {
        .object([
            ("method", .string(record.method)), ("path", .string(record.path)), ("query", .string(record.query)),
            ("status", .int(record.status)), ("time", .string(Timestamp.formatPrecise(record.time))),
        ])
    }

    private func encoded(_ value: some Encodable, status: Int = 200) -> OutgoingResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return Self.error(500, "cannot encode response") }
        return OutgoingResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: data)
    }

    static func error(_ status: Int, _ message: String) -> OutgoingResponse {
        .json(status, .object([("message", .string(message))]))
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        return ScenarioError(file: nil, decoding: decoding).problem
    }
}
