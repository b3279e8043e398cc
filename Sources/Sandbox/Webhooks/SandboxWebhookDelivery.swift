import Foundation

/// One webhook delivery the Sandbox queued: what it was about and what became of it. Bodies are
/// not kept (a receiver under test has them); the list keeps the most recent
/// `WebhookDispatcher.deliveryLogLimit`.
public struct SandboxWebhookDelivery: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Queued, not yet answered (or still held back by a delay fault).
        case pending
        /// The receiver answered with this HTTP status (any status: GitHub records a 500 as
        /// answered too, and does not retry it).
        case answered(status: Int)
        /// No answer: connection refused, reset, or the timeout passed.
        case failed(String)
        /// Never sent: a drop fault, a full queue, the hook removed or the Sandbox stopped first.
        case dropped(String)

        var name: String {
            switch self {
            case .pending: "pending"
            case .answered: "answered"
            case .failed: "error"
            case .dropped: "dropped"
            }
        }
    }

    /// `X-GitHub-Delivery`: a UUID, lower-case as GitHub sends it (the `guid` of GitHub's
    /// hook-deliveries API).
    public var id: String
    /// The numeric `id` of GitHub's hook-deliveries API, set when the delivery is recorded.
    public var number: Int = 0
    /// `X-GitHub-Hook-ID`.
    public var hookID: Int
    /// `X-GitHub-Event`: `issues`.
    public var event: String
    /// `labeled`, `unlabeled`, `opened`, `closed`, `reopened`, `edited`.
    public var action: String
    /// The label a `labeled`/`unlabeled` delivery is about.
    public var label: String?
    /// "owner/name".
    public var repository: String
    public var issue: Int
    public var outcome: Outcome
    /// When the change happened and the delivery was queued (the simulated clock).
    public var time: Date
    /// How long a delay fault held the delivery back before sending, in milliseconds.
    public var delayMs: Int
    /// From sending to the answer or the error; nil while pending and for dropped ones.
    public var durationMs: Int?
}
