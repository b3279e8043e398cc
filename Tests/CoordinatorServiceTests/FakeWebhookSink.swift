import Coordinator
import CoordinatorService
import Foundation
import Synchronization

/// A `WebhookSink` that records what it is given: the engine's stand-in in the HTTP tests, and
/// a ready-made sink for any test that drives the webhook endpoint.
final class FakeWebhookSink: WebhookSink {
    private let configured: Set<String>
    private let received = Mutex<[IssueEvent]>([])

    /// - Parameter configured: "owner/name" of the repositories that count as configured
    ///   (compared case-insensitively, as the engine does).
    init(configured: [String] = []) {
        self.configured = Set(configured.map { $0.lowercased() })
    }

    func isConfigured(repository fullName: String) -> Bool {
        configured.contains(fullName.lowercased())
    }

    func submit(_ event: IssueEvent) {
        received.withLock { $0.append(event) }
    }

    /// Every event submitted so far, in order.
    var events: [IssueEvent] { received.withLock { $0 } }
}

/// A `ServiceStatus` whose health and status document a test sets; it serves no repository.
final class FakeServiceStatus: ServiceStatus, ServedRepositories {
    private let state: Mutex<(problem: String?, json: Data)>

    init(problem: String? = nil, json: Data = Data(#"{"repos":[]}"#.utf8)) {
        state = Mutex((problem, json))
    }

    func set(problem: String?) {
        state.withLock { $0.problem = problem }
    }

    func healthProblem() async -> String? { state.withLock { $0.problem } }
    func statusJSON() async -> Data { state.withLock { $0.json } }
    func servedRepositories() -> [ServedRepository] { [] }
}
