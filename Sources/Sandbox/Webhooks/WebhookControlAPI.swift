import Foundation

/// `/_sandbox/webhooks/…` and `/_sandbox/relabel`: register hooks, read the deliveries, wait for
/// them to settle, arm delivery faults, and move an issue as a human. Reached through `ControlAPI`.
struct WebhookControlAPI {
    static let endpoints: [String] = [
        "GET    /_sandbox/webhooks",
        "POST   /_sandbox/webhooks                                {\"url\",\"secret\",\"events\",\"timeout_ms\",\"content_type\",\"repository\",\"active\"}",
        "DELETE /_sandbox/webhooks/{id}",
        "GET    /_sandbox/webhooks/deliveries",
        "POST   /_sandbox/webhooks/settle                         {\"timeout_ms\": N}",
        "GET    /_sandbox/webhooks/faults",
        "POST   /_sandbox/webhooks/faults                         {\"drop\":true | \"delay_ms\", \"count\" | \"share\",\"seed\", \"hook_id\"}",
        "DELETE /_sandbox/webhooks/faults",
        "POST   /_sandbox/relabel                                 {\"repo\",\"number\",\"label\",\"seed\"}",
    ]

    /// How long `settle` may be asked to wait.
    static let longestSettleMs = 600_000

    let world: SandboxWorld

    /// `segments` excludes `_sandbox/webhooks`.
    func handle(_ request: IncomingRequest, segments: [String]) async -> OutgoingResponse {
        let webhooks = world.webhooks
        switch (request.method, segments) {
        case ("GET", []):
            return .json(200, .array(webhooks.list().map(Self.json)))
        case ("POST", []):
            guard JSONValue.parse(request.body) != nil else {
                return ControlAPI.error(400, "body must be JSON: {\"url\":…, \"secret\":…, \"events\":[\"issues\"]}")
            }
            do {
                let hook = try JSONDecoder().decode(Scenario.Webhook.self, from: request.body)
                return .json(201, Self.json(try world.addWebhook(hook)))
            } catch let error as SandboxWebhookError {
                return ControlAPI.error(400, "invalid \(error)")
            } catch let error as DecodingError {
                return ControlAPI.error(400, "invalid webhook: \(ScenarioError(file: nil, decoding: error).problemWithLocation)")
            } catch {
                return ControlAPI.error(400, "invalid webhook")
            }
        case ("DELETE", let s) where s.count == 1 && s[0] != "faults":
            guard let id = Int(s[0]), webhooks.remove(id: id) else {
                return ControlAPI.error(404, "no webhook \(s[0]); GET /_sandbox/webhooks lists them")
            }
            return OutgoingResponse(status: 204)
        case ("GET", ["deliveries"]):
            return .json(200, .array(webhooks.deliveries().map(Self.json)))
        case ("POST", ["settle"]):
            let requested = request.body.isEmpty ? Scenario.Webhook.defaultTimeoutMs * 3 : JSONValue.parse(request.body)?["timeout_ms"]?.intValue
            guard let milliseconds = requested, (0...Self.longestSettleMs).contains(milliseconds) else {
                return ControlAPI.error(400, "body must be empty or {\"timeout_ms\": N} with N from 0 to \(Self.longestSettleMs)")
            }
            let settled = await webhooks.waitUntilSettled(timeout: .milliseconds(milliseconds))
            let pending = webhooks.pendingCount()
            return settled
                ? .json(200, .object([("pending", .int(0))]))
                : .json(504, .object([
                    ("message", .string("\(pending) deliveries still pending after \(milliseconds) ms")), ("pending", .int(pending)),
                ]))
        case ("GET", ["faults"]):
            return encoded(webhooks.armedFaults())
        case ("POST", ["faults"]):
            do {
                let fault = try JSONDecoder().decode(SandboxWebhookFault.self, from: request.body)
                webhooks.inject(fault)
                return encoded(fault, status: 201)
            } catch let error as DecodingError {
                return ControlAPI.error(400, "invalid webhook fault: \(ScenarioError(file: nil, decoding: error).problem)")
            } catch {
                return ControlAPI.error(400, "invalid webhook fault")
            }
        case ("DELETE", ["faults"]):
            webhooks.clearFaults()
            return OutgoingResponse(status: 204)
        default:
            return ControlAPI.error(404, "unknown control endpoint \(request.method) \(request.path); GET /_sandbox/ lists them")
        }
    }

    /// `POST /_sandbox/relabel`.
    func relabel(_ request: IncomingRequest) async -> OutgoingResponse {
        let body = request.body.isEmpty ? JSONValue.object([]) : JSONValue.parse(request.body)
        guard let body, case .object = body else {
            return ControlAPI.error(400, "body must be empty or {\"repo\":\"owner/name\", \"number\":N, \"label\":…, \"seed\":N}")
        }
        var wanted = SandboxRelabel.Request()
        wanted.repository = body["repo"]?.stringValue
        wanted.number = body["number"]?.intValue
        if let label = body["label"]?.stringValue {
            guard !label.trimmingCharacters(in: .whitespaces).isEmpty else { return ControlAPI.error(400, "\"label\" must not be empty") }
            wanted.label = label
        }
        if let seed = body["seed"] {
            guard let value = seed.intValue, value >= 0 else { return ControlAPI.error(400, "\"seed\" must be a non-negative integer") }
            wanted.seed = UInt64(value)
        }
        switch await world.relabelAsHuman(wanted) {
        case .success(let moved):
            return .json(200, .object([
                ("owner", .string(moved.owner)), ("repo", .string(moved.repo)), ("number", .int(moved.number)),
                ("from", .array(moved.from.map(JSONValue.string))), ("to", .array(moved.to.map(JSONValue.string))),
                ("issue", ControlAPI.json(moved.issue)),
            ]))
        case .failure(let failure):
            return ControlAPI.error(failure == .numberWithoutRepository ? 400 : 404, failure.description)
        }
    }

    // MARK: Encoding

    static func json(_ hook: SandboxWebhook) -> JSONValue {
        .object([
            ("id", .int(hook.id)), ("url", .string(hook.url)), ("events", .array(hook.events.map(JSONValue.string))),
            ("signed", .bool(hook.signed)), ("timeout_ms", .int(hook.timeoutMs)),
            ("content_type", .string(hook.contentType.rawValue)), ("from_scenario", .bool(hook.fromScenario)),
            ("repository", .optional(hook.repository)), ("active", .bool(hook.active)),
        ])
    }

    static func json(_ delivery: SandboxWebhookDelivery) -> JSONValue {
        var httpStatus: JSONValue = .null
        var error: JSONValue = .null
        switch delivery.outcome {
        case .answered(let status): httpStatus = .int(status)
        case .failed(let message), .dropped(let message): error = .string(message)
        case .pending: break
        }
        return .object([
            ("id", .string(delivery.id)), ("hook_id", .int(delivery.hookID)), ("event", .string(delivery.event)),
            ("action", .string(delivery.action)), ("label", .optional(delivery.label)),
            ("repo", .string(delivery.repository)), ("issue", .int(delivery.issue)),
            ("status", .string(delivery.outcome.name)), ("http_status", httpStatus), ("error", error),
            ("time", .string(Timestamp.formatPrecise(delivery.time))), ("delay_ms", .int(delivery.delayMs)),
            ("duration_ms", delivery.durationMs.map(JSONValue.int) ?? .null),
        ])
    }

    private func encoded(_ value: some Encodable, status: Int = 200) -> OutgoingResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return ControlAPI.error(500, "cannot encode response") }
        return OutgoingResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: data)
    }
}

extension ScenarioError {
    /// The problem with its place in the document, for errors about a body rather than a file.
    var problemWithLocation: String { location.isEmpty ? problem : "\(location): \(problem)" }
}
