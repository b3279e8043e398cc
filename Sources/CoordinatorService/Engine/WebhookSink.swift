import Coordinator
import Foundation

/// One verified `issues` delivery, handed from the HTTP layer to the engine.
public struct IssueEvent: Sendable {
    /// `X-GitHub-Delivery`.
    public var delivery: String
    public var payload: IssuesWebhookPayload
    /// When the request arrived, for the webhook-to-Jenkins latency.
    public var receivedAt: ContinuousClock.Instant

    public init(delivery: String, payload: IssuesWebhookPayload, receivedAt: ContinuousClock.Instant) {
        self.delivery = delivery
        self.payload = payload
        self.receivedAt = receivedAt
    }
}

/// What the webhook endpoint hands verified deliveries to (the engine; a fake in tests).
public protocol WebhookSink: Sendable {
    /// Whether "owner/name" is a configured repository (compared case-insensitively, as GitHub does).
    func isConfigured(repository fullName: String) -> Bool
    /// Queues the event on its repository's serial queue and returns at once.
    func submit(_ event: IssueEvent)
}

/// What `/healthz` and `/api/status` read.
public protocol ServiceStatus: Sendable {
    /// nil while every loop is alive; otherwise the reason, for a `503`.
    func healthProblem() async -> String?
    /// The same JSON document as `coordinator status --json`, from the daemon's state.
    func statusJSON() async -> Data
}
