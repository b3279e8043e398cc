import Foundation

/// GitHub's webhook sender, in-process. The same operations are under `/_sandbox/webhooks`
/// (see `Tests/Fidelity/SANDBOX.md`).
extension SandboxServer {
    /// Registers a hook that receives an `issues` delivery for every issue change in every
    /// repository from now on. No `ping` is sent.
    /// - Parameters:
    ///   - secret: signs deliveries (`X-Hub-Signature-256`); nil or empty sends them unsigned.
    ///   - timeoutMs: how long each delivery waits for an answer (GitHub: 10 s).
    ///   - contentType: `.json`, or `.form` as GitHub's web form sets up a hook by default.
    /// - Throws: `SandboxWebhookError` naming the field that is unusable.
    @discardableResult
    public func addWebhook(
        url: String, secret: String?, events: [String] = ["issues"],
        timeoutMs: Int = Scenario.Webhook.defaultTimeoutMs, contentType: Scenario.Webhook.ContentType = .json
    ) throws -> SandboxWebhook {
        try world.addWebhook(
            Scenario.Webhook(url: url, secret: secret, events: events, timeoutMs: timeoutMs, contentType: contentType))
    }

    /// Stops deliveries to a hook (those still queued are recorded as dropped); false if unknown.
    @discardableResult
    public func removeWebhook(id: Int) -> Bool { world.webhooks.remove(id: id) }

    /// Registered hooks, scenario ones first, without their secrets.
    public func webhooks() -> [SandboxWebhook] { world.webhooks.list() }

    /// Deliveries queued so far, oldest first, at most the last 5 000.
    public func webhookDeliveries() -> [SandboxWebhookDelivery] { world.webhooks.deliveries() }

    /// Waits until every queued delivery was answered, failed or dropped. Changes made after the
    /// call may or may not be waited for.
    /// - Returns: false if deliveries were still pending when `timeout` passed.
    @discardableResult
    public func waitForWebhookDeliveries(timeout: Duration = .seconds(30)) async -> Bool {
        await world.webhooks.waitUntilSettled(timeout: timeout)
    }

    public func injectWebhookFault(_ fault: SandboxWebhookFault) { world.webhooks.inject(fault) }

    public func clearWebhookFaults() { world.webhooks.clearFaults() }

    /// Moves an issue to a pickup label as a human would, so a coordinator listening for webhooks
    /// dispatches it (the demo's "someone just triaged this" moment). See `SandboxRelabel`.
    @discardableResult
    public func relabelAsHuman(_ request: SandboxRelabel.Request = .init()) async -> Result<SandboxRelabel, SandboxRelabel.Failure> {
        await world.relabelAsHuman(request)
    }
}

extension SandboxWorld {
    nonisolated func addWebhook(_ hook: Scenario.Webhook) throws -> SandboxWebhook {
        if let (field, problem) = hook.problem() { throw SandboxWebhookError(field: field, problem: problem) }
        return webhooks.add(hook)
    }
}
