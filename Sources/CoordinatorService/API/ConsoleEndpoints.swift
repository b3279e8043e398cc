import Coordinator
import Foundation
import HTTPTypes
import Hummingbird

/// The console protocol (`ConsoleProtocol`) on `serve`: a console attached with `--server` calls
/// these as a local one calls its backend, and gets the core's own values (`ConsoleWire`). Reads
/// come from `serve`'s repositories as the other reads do; dispatch, unstick and sync are the
/// operator actions of `OperatorWrites` (the repository's lane, `NAME (api)` in the history, the
/// same `Idempotency-Key` keeping), answered with what the core returned.
///
/// Routes, under `/api/console` (role read unless said):
/// - `GET /` → `ConsoleSessionDocument`;
/// - `GET /repos/{name}/cache` → `CacheSnapshot`;
/// - `POST /repos/{name}/live` → `[Issue]` (a live listing, the cache not written);
/// - `POST /repos/{name}/previews` with `[Issue]` → `[Int: PreviewAnswer]`;
/// - `POST /repos/{name}/busy` with `BusySurveyRequest` → `[BusyIssue]`;
/// - `GET /history` → `HistoryAudit`;
/// - `GET /rate_limit` → `RateLimitSnapshot?`;
/// - `GET /repos/{name}/issues/{number}/log?dispatch=ID` → `LogLocation`;
/// - `GET /repos/{name}/log?job=PATH&number=N&start=S&limit=L` → `BuildLogBytes?`;
/// - operate: `POST /repos/{name}/issues/{number}/dispatch` → `OperatorDispatch`,
///   `POST /repos/{name}/issues/{number}/unstick` with `{"to": …}` → `UnstickResult`,
///   `POST /repos/{name}/sync` → `CacheSnapshot`.
struct ConsoleEndpoints: Sendable {
    let repositories: any ServedRepositories
    let writes: OperatorWrites?
    /// The most bytes of a build log one read returns.
    static let logReadLimit = 1 << 20

    static func add(to api: RouterGroup<ServiceRequestContext>, _ endpoints: ConsoleEndpoints) {
        let console = api.group("console").add(middleware: ProtocolCheck())
        console.get("") { _, context -> Response in
            let caller = try context.requireCaller(.read)
            return Self.answer(ConsoleSessionDocument(
                serverVersion: CoordinatorVersion.current, operatorName: caller.name, role: caller.role.rawValue,
                repos: endpoints.repositories.servedRepositories().map(\.service.profile)))
        }
        console.get("repos/{name}/cache") { _, context -> Response in
            _ = try context.requireCaller(.read)
            let service = try endpoints.service(context)
            do {
                return Self.answer(try await service.cacheSnapshot())
            } catch {
                throw APIError.internalError("the cache of \(service.repo.name) could not be read: \(error)")
            }
        }
        console.post("repos/{name}/live") { _, context -> Response in
            _ = try context.requireCaller(.read)
            let service = try endpoints.service(context)
            do {
                return Self.answer(try await service.fetchLive())
            } catch {
                throw APIError(status: .badGateway, code: "github_unavailable", message: "GitHub could not be read for \(service.repo.name): \(error)")
            }
        }
        console.post("repos/{name}/previews") { request, context -> Response in
            _ = try context.requireCaller(.read)
            let service = try endpoints.service(context)
            let issues = try await Self.body([Issue].self, of: request, limit: 16 << 20)
            let plans = await service.previewPlans(issues)
            return Self.answer(plans.mapValues { result -> PreviewAnswer in
                switch result {
                case let .success(outcome): return .plan(outcome)
                case let .failure(failure): return .failed(failure.message)
                }
            })
        }
        console.post("repos/{name}/busy") { request, context -> Response in
            _ = try context.requireCaller(.read)
            let served = try endpoints.served(context)
            let asked = try await Self.body(BusySurveyRequest.self, of: request, limit: 16 << 20)
            guard let watch = served.watch else { return Self.answer([BusyIssue]()) }
            return Self.answer(await watch.survey(asked.issues, now: asked.now))
        }
        console.get("history") { _, context -> Response in
            _ = try context.requireCaller(.read)
            return Self.answer(await RepoService.historyAudit(endpoints.repositories.servedRepositories().map(\.service)))
        }
        console.get("rate_limit") { _, context -> Response in
            _ = try context.requireCaller(.read)
            for served in endpoints.repositories.servedRepositories() {
                if let snapshot = await served.service.rateLimit() { return Self.answer(snapshot) }
            }
            return Self.answer(RateLimitSnapshot?.none)
        }
        console.get("repos/{name}/issues/{number}/log") { request, context -> Response in
            _ = try context.requireCaller(.read)
            let service = try endpoints.service(context)
            let number = try Self.number(context)
            let dispatchID = request.uri.queryParameters.get("dispatch").map { String($0.prefix(200)) }
            do {
                return Self.answer(try await service.logLocation(issue: number, dispatchID: dispatchID))
            } catch {
                throw APIError(status: .badGateway, code: "log_unavailable", message: "\(error)")
            }
        }
        console.get("repos/{name}/log") { request, context -> Response in
            _ = try context.requireCaller(.read)
            let service = try endpoints.service(context)
            let query = request.uri.queryParameters
            guard let job = query.get("job"), !job.isEmpty, job.utf8.count <= 1024,
                let number = query.get("number").flatMap(OperatorReads.issueNumber)
            else { throw APIError.badRequest("send job=PATH&number=N, and optionally start=BYTE&limit=BYTES") }
            // The job is the repository's own: a console reads its executor's builds, nothing else.
            guard job == service.repo.executorJobPath else {
                throw APIError(status: .forbidden, code: "forbidden", message: "only the logs of \(service.repo.name)'s job \(service.repo.executorJobPath) are served")
            }
            let start = try query.get("start").map { text -> Int in
                guard let value = Self.byteCount(text) else { throw APIError.badRequest("start must be a byte offset") }
                return value
            }
            let limit = try query.get("limit").map { text -> Int in
                guard let value = Self.byteCount(text), value > 0 else { throw APIError.badRequest("limit must be a positive byte count") }
                return min(value, Self.logReadLimit)
            } ?? Self.logReadLimit
            do {
                return Self.answer(try await service.readLog(build: LogBuild(jobPath: job, number: number), start: start, limit: limit))
            } catch {
                throw APIError(status: .badGateway, code: "log_unavailable", message: "\(error)")
            }
        }
        if let writes = endpoints.writes { add(writes, to: console, endpoints) }
    }

    private static func add(_ writes: OperatorWrites, to console: RouterGroup<ServiceRequestContext>, _ endpoints: ConsoleEndpoints) {
        console.post("repos/{name}/issues/{number}/dispatch") { request, context -> Response in
            let caller = try context.requireCaller(.operate)
            let (repo, issue) = (try endpoints.service(context).repo.name, try Self.number(context))
            return try await writes.respond(request, caller: caller, body: Data()) {
                guard let result = await writes.repositories.operatorDispatch(repo: repo, issue: issue, by: OperatorWrites.actor(caller)) else {
                    throw APIError(status: .serviceUnavailable, code: "shutting_down", message: "serve is shutting down: nothing was done")
                }
                return Self.answerData(result)
            }
        }
        console.post("repos/{name}/issues/{number}/unstick") { request, context -> Response in
            let caller = try context.requireCaller(.operate)
            let (repo, issue) = (try endpoints.service(context).repo.name, try Self.number(context))
            let body = Data(buffer: try await request.body.collect(upTo: 4096))
            guard let target = OperatorWrites.unstickTarget(body) else { throw APIError.badRequest(#"send {"to":"pickup"} or {"to":"failure"}"#) }
            return try await writes.respond(request, caller: caller, body: body) {
                guard let result = await writes.repositories.operatorUnstick(repo: repo, issue: issue, to: target, by: OperatorWrites.actor(caller)) else {
                    throw APIError(status: .serviceUnavailable, code: "shutting_down", message: "serve is shutting down: nothing was done")
                }
                switch result {
                case let .success(done): return Self.answerData(done)
                case let .failure(error): throw APIError(status: .conflict, code: "not_unstuck", message: "\(error)")
                }
            }
        }
        console.post("repos/{name}/sync") { request, context -> Response in
            let caller = try context.requireCaller(.operate)
            let service = try endpoints.service(context)
            return try await writes.respond(request, caller: caller, body: Data()) {
                guard let result = await writes.repositories.operatorSync(repo: service.repo.name) else {
                    throw APIError(status: .serviceUnavailable, code: "shutting_down", message: "serve is shutting down: nothing was done")
                }
                switch result {
                case let .success(cache): return Self.answerData(service.snapshot(of: cache))
                case let .failure(error): throw APIError(status: .badGateway, code: "not_synced", message: "\(error)")
                }
            }
        }
    }

    private func served(_ context: ServiceRequestContext) throws -> ServedRepository {
        let name = context.parameters.get("name") ?? ""
        guard let served = repositories.servedRepositories().first(where: { $0.service.repo.name == name }) else {
            throw OperatorReads.noRepository(name, among: repositories)
        }
        return served
    }

    private func service(_ context: ServiceRequestContext) throws -> RepoService { try served(context).service }

    private static func number(_ context: ServiceRequestContext) throws -> Int {
        guard let number = context.parameters.get("number").flatMap(OperatorReads.issueNumber) else {
            throw APIError.badRequest("the issue number must be a whole number above zero")
        }
        return number
    }

    /// A byte offset or count from a query: 1 to 15 ASCII digits. Never traps.
    private static func byteCount(_ text: String) -> Int? {
        guard (1...15).contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(text)
    }

    private static func body<T: Decodable>(_ type: T.Type, of request: Request, limit: Int) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "the request body is larger than \(limit) bytes")
        }
        do {
            return try ConsoleWire.decode(type, from: Data(buffer: buffer))
        } catch {
            throw APIError.badRequest("the request body is not the console protocol's JSON for this request")
        }
    }

    static func answerData(_ value: some Encodable) -> APIAnswer {
        do {
            return APIAnswer(status: .ok, body: try ConsoleWire.data(value))
        } catch {
            return APIAnswer(APIError.internalError("the answer could not be encoded"))
        }
    }

    static func answer(_ value: some Encodable) -> Response {
        var response = answerData(value).response(replayed: false)
        if let name = HTTPField.Name(ConsoleProtocol.versionHeader) { response.headers[name] = String(ConsoleProtocol.version) }
        return response
    }
}

/// A console of another protocol version is refused with a message naming both, before it could
/// misread an answer.
private struct ProtocolCheck: RouterMiddleware {
    typealias Context = ServiceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let name = HTTPField.Name(ConsoleProtocol.versionHeader), let sent = request.headers[name], sent != String(ConsoleProtocol.version) {
            throw APIError(
                status: .conflict, code: "protocol_mismatch",
                message: "this serve (\(CoordinatorVersion.current)) speaks console protocol \(ConsoleProtocol.version), the console \(sent.prefix(8)): use the same coordinator version on both sides")
        }
        return try await next(request, context)
    }
}
