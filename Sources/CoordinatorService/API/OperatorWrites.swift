import Coordinator
import Foundation
import Hummingbird

/// A dispatch's outcome: the answer of `POST /api/repos/{name}/issues/{n}/dispatch`, and the data
/// of a `dispatch` event (from a webhook, a poll or an operator).
public struct DispatchResultDocument: Codable, Sendable, Equatable {
    public var repo: String
    public var issue: Int
    /// `dispatched`, `recovered`, `skipped` or `failed`.
    public var outcome: String
    /// The outcome in words, as `coordinator run` prints it.
    public var summary: String
    /// The issue's labels after the move, when it was dispatched.
    public var labels: [String]?
    public var queueID: Int?
    public var buildURL: String?
    /// Who the history records, for an operator's dispatch: the operator's name and `(api)`.
    public var by: String?

    public init(repo: String, outcome: DispatchOutcome, by: String?) {
        self.repo = repo
        issue = outcome.issueNumber
        self.outcome = outcome.kind
        summary = outcome.summary
        self.by = by
        if case let .dispatched(receipt) = outcome { (labels, queueID, buildURL) = (receipt.labels, receipt.queueID, receipt.buildURL) }
        if case let .recovered(receipt) = outcome { (labels, queueID, buildURL) = (receipt.labels, receipt.queueID, receipt.buildURL) }
    }
}

/// `POST /api/repos/{name}/issues/{n}/unstick`: the label move made.
public struct UnstickResultDocument: Codable, Sendable, Equatable {
    public var repo: String
    public var issue: Int
    public var removed: String
    public var added: String
    public var labels: [String]
    public var cacheUpdated: Bool
    public var by: String
}

/// `POST /api/repos/{name}/sync`: the cache after a forced full refresh.
public struct SyncResultDocument: Codable, Sendable, Equatable {
    public var repo: String
    public var openIssues: Int
    public var lastChecked: String?
}

/// The write side of the operator API: each action runs in its repository's turn through the
/// core, recorded in the history as the operator's (`NAME (api)`); an `Idempotency-Key` makes a
/// retried request answer what the first did instead of acting twice.
struct OperatorWrites: Sendable {
    let repositories: any OperatedRepositories
    let served: any ServedRepositories
    let keys: any IdempotencyLedger

    /// The target of `{"to": "pickup" | "failure"}`; nil for anything else.
    static func unstickTarget(_ body: Data) -> UnstickTarget? {
        struct Choice: Decodable { var to: String }
        return (try? JSONDecoder().decode(Choice.self, from: body)).flatMap { UnstickTarget(rawValue: $0.to) }
    }

    /// The history's "by" for an operator's action through the API.
    static func actor(_ caller: AuthenticatedOperator) -> String { "\(caller.name) (api)" }

    func dispatch(repo: String, issue: Int, caller: AuthenticatedOperator) async throws -> APIAnswer {
        let by = Self.actor(caller)
        guard let result = await repositories.operatorDispatch(repo: repo, issue: issue, by: by) else { throw unavailable(repo) }
        let status: HTTPResponse.Status
        switch result.outcome {
        case .dispatched, .recovered:
            status = .ok
        case .skipped:
            // Not eligible live, labels changed, no branch: nothing was done, which is an answer.
            status = .conflict
        case let .failed(failure):
            status = failure.stage == .prepare ? .conflict : .badGateway
        }
        return APIAnswer(DispatchResultDocument(repo: repo, outcome: result.outcome, by: by), status: status)
    }

    func unstick(repo: String, issue: Int, to target: UnstickTarget, caller: AuthenticatedOperator) async throws -> APIAnswer {
        let by = Self.actor(caller)
        guard let result = await repositories.operatorUnstick(repo: repo, issue: issue, to: target, by: by) else { throw unavailable(repo) }
        switch result {
        case let .success(done):
            return APIAnswer(UnstickResultDocument(
                repo: repo, issue: issue, removed: done.move.remove, added: done.move.add, labels: done.labels,
                cacheUpdated: done.cacheUpdated, by: by))
        case let .failure(error as UnstickError):
            throw APIError(status: .conflict, code: "not_unstuck", message: "#\(issue) was not unstuck: \(error)")
        case let .failure(error):
            throw APIError(status: .badGateway, code: "not_unstuck", message: "#\(issue) was not unstuck: \(error)")
        }
    }

    func sync(repo: String) async throws -> APIAnswer {
        guard let result = await repositories.operatorSync(repo: repo) else { throw unavailable(repo) }
        switch result {
        case let .success(cache):
            return APIAnswer(SyncResultDocument(
                repo: repo, openIssues: cache.issues.values.filter { $0.state == .open }.count,
                lastChecked: CacheTimes(cache).lastChecked.map(Timestamp.format)))
        case let .failure(error):
            throw APIError(status: .badGateway, code: "not_synced", message: "the cache of \(repo) was not synced: \(error)")
        }
    }

    /// Runs `act` for `caller`, once per `Idempotency-Key` when the request carries one; every
    /// outcome, an error included, is the answer a retry gets.
    func respond(
        _ request: Request, caller: AuthenticatedOperator, body: Data, _ act: @escaping @Sendable () async throws -> APIAnswer
    ) async throws -> Response {
        @Sendable func run() async -> APIAnswer {
            do {
                return try await act()
            } catch let error as APIError {
                return APIAnswer(error)
            } catch {
                return APIAnswer(APIError.internalError("\(error)"))
            }
        }
        guard let key = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value else {
            return await run().response(replayed: false)
        }
        guard IdempotencyKeys.isValid(key) else {
            throw APIError.badRequest("Idempotency-Key must be 1 to 255 printable ASCII characters")
        }
        let fingerprint = "\(request.method.rawValue) \(request.uri.path) \(body.base64EncodedString())"
        let (answer, replayed) = await keys.answer(key: key, operatorName: caller.name, fingerprint: fingerprint, run)
        return answer.response(replayed: replayed)
    }

    /// An unknown repository is a 404; a known one whose turn never came, a 503.
    private func unavailable(_ repo: String) -> APIError {
        guard served.servedRepositories().contains(where: { $0.service.repo.name == repo }) else {
            return OperatorReads.noRepository(repo, among: served)
        }
        return APIError(status: .serviceUnavailable, code: "shutting_down", message: "serve is shutting down: nothing was done")
    }
}
