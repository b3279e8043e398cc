import Coordinator
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// The HTTP face of `coordinator serve`: the GitHub webhook receiver, health, metrics and the
/// status API, as a Hummingbird `Application` — a swift-service-lifecycle `Service`, so the daemon
/// runs it in its `ServiceGroup` next to the engine and a graceful shutdown stops it. Plain HTTP/1.1,
/// or HTTP/1.1 inside TLS with `tls`.
///
/// Routes:
/// - `POST /webhooks/github`: GitHub `issues` deliveries (see `WebhookReceiver` for the answers);
/// - `GET /healthz`: `200 ok`, or `503` and the reason while a loop is down;
/// - `GET /metrics`: Prometheus text (`ServiceMetrics`);
/// - the operator API, each with `Authorization: Bearer <an operator's token>`
///   (`OperatorAuthentication`; `401` without one); without any operator `/api/*` does not exist:
///   - `GET /api/status`: `coordinator status --json` from the daemon's state;
///   - `GET /api/repos`: `RepoListDocument`;
///   - `GET /api/repos/{name}/issues?view=eligible|busy|all` (default `all`): `IssueListDocument`;
///   - `GET /api/repos/{name}/issues/{number}`: `IssueDetailDocument`;
///   - `GET /api/history`, `/api/repos/{name}/busy`, `/api/repos/{name}/plan`: what `history`,
///     `stuck` and `run --dry-run` print with `--json` (`OperatorReports`);
///   - `/api/console/*`: the console protocol (`ConsoleEndpoints`);
///   errors as `APIErrorDocument` (see `OperatorAPIDocuments`);
/// - anything else: `404`.
public struct ServiceEndpoint: Sendable {
    /// The address to bind; port 0 picks a free one (learn it from `onServerRunning`).
    public var host: String
    public var port: Int
    public var webhookSecret: Secret
    /// Who may use `/api/*`; empty: the `/api/*` routes are not served at all.
    public var operators: [ServeOperator]
    /// Larger webhook bodies get `413` without being read.
    public var webhookBodyLimit: Int = WebhookReceiver.defaultBodyLimit
    /// How many recent delivery ids duplicates are recognised among.
    public var deliveryMemoryCapacity: Int = DeliveryMemory.defaultCapacity
    /// Where delivery ids are remembered when instances share them (a database); nil: this
    /// process's memory, `deliveryMemoryCapacity` ids.
    public var deliveries: (any DeliveryLedger)?
    /// Where the answers of operator actions sent with an `Idempotency-Key` are kept when
    /// instances share them (a database); nil: this process's memory.
    public var idempotency: (any IdempotencyLedger)?
    /// A connection silent this long is closed, so a stalled client cannot hold one forever.
    public var idleTimeout: Duration = .seconds(60)
    /// How often a quiet event stream carries a keepalive comment.
    public var eventHeartbeat: Duration = EventStream.heartbeat
    /// `[serve] tls_cert_file` and `tls_key_file`, loaded: HTTPS with them; nil: plain HTTP.
    public var tls: ServeTLSIdentity?

    /// "https" with a certificate, else "http": for the address `serve` announces.
    public var scheme: String { tls == nil ? "http" : "https" }

    /// - Parameters:
    ///   - apiToken: the single `[serve] api_token`: the operator `api`, role operate (none when
    ///     nil or empty);
    ///   - operators: `[serve.operators.NAME]` (`ServeSettings.operators`).
    public init(host: String, port: Int, webhookSecret: Secret, apiToken: Secret? = nil, operators: [ServeOperator] = []) {
        self.host = host
        self.port = port
        self.webhookSecret = webhookSecret
        self.operators = operators + (apiToken.flatMap(ServeOperator.apiToken).map { [$0] } ?? [])
    }

    /// The concrete application type, for a caller that stores it.
    public typealias App = Application<RouterResponder<ServiceRequestContext>>

    /// Builds the application; `run()` it, or add it to a `ServiceGroup`.
    /// - Parameter onServerRunning: called with the bound port once the server listens.
    public func application(
        sink: any WebhookSink, status: any ServiceStatus, repositories: any ServedRepositories, metrics: ServiceMetrics,
        events: EventHub = EventHub(), operated: (any OperatedRepositories)? = nil, logger: Logger,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> App {
        let requestedPort = port
        let nanoseconds = idleTimeout.components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let idle: TimeAmount = nanoseconds.overflow ? .hours(24) : .nanoseconds(nanoseconds.partialValue)
        let http1 = HTTP1Channel.Configuration(idleTimeout: idle)
        let server: HTTPServerBuilder
        if let tls {
            // What `.tls(.http1(…), tlsConfiguration:)` builds, without its `throws`: the context is
            // made when the server starts, and `ServeTLSFiles.load` already made one of this
            // configuration, so nothing is left to fail here.
            let configuration = tls.serverConfiguration
            server = HTTPServerBuilder { responder in
                try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: configuration)
            }
        } else {
            server = .http1(configuration: http1)
        }
        return Application(
            router: router(sink: sink, status: status, repositories: repositories, metrics: metrics, events: events, operated: operated),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? requestedPort) },
            logger: logger)
    }

    /// The routes alone (what `application` serves).
    func router(
        sink: any WebhookSink, status: any ServiceStatus, repositories: any ServedRepositories, metrics: ServiceMetrics,
        events: EventHub = EventHub(), operated: (any OperatedRepositories)? = nil
    ) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        let receiver = WebhookReceiver(
            signature: WebhookSignature(secret: webhookSecret), deliveries: deliveries ?? DeliveryMemory(capacity: deliveryMemoryCapacity),
            sink: sink, metrics: metrics, bodyLimit: webhookBodyLimit)
        router.post(RouterPath(WebhookReceiver.path)) { request, context -> Response in
            try await receiver.respond(to: request, logger: context.logger)
        }
        router.get("/healthz") { _, _ -> Response in
            if let problem = await status.healthProblem() {
                return PlainText.response(.serviceUnavailable, problem)
            }
            return PlainText.response(.ok, "ok")
        }
        router.get("/metrics") { _, _ -> Response in
            PlainText.response(.ok, metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        if let directory = OperatorDirectory(operators) {
            let api = router.group("/api").add(middleware: OperatorAuthentication(directory: directory))
            let reads = OperatorReads(repositories: repositories)
            api.get("status") { _, context -> Response in
                _ = try context.requireCaller(.read)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: await status.statusJSON())))
            }
            api.get("repos") { _, context -> Response in
                _ = try context.requireCaller(.read)
                return APIJSON.response(try await reads.repos())
            }
            api.get("repos/{name}/issues") { request, context -> Response in
                _ = try context.requireCaller(.read)
                let view: IssueListView
                switch request.uri.queryParameters.get("view") {
                case nil: view = .all
                case let text?:
                    guard let chosen = IssueListView(rawValue: text) else {
                        throw APIError.badRequest("view must be one of \(IssueListView.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    view = chosen
                }
                return APIJSON.response(try await reads.issues(repo: context.parameters.get("name") ?? "", view: view))
            }
            api.post("repos/{name}/refresh") { _, context -> Response in
                _ = try context.requireCaller(.read)
                return APIJSON.response(try await reads.live(repo: context.parameters.get("name") ?? ""))
            }
            OperatorReports.addReports(to: api, repositories: repositories)
            let writes = operated.map { OperatorWrites(repositories: $0, served: repositories, keys: idempotency ?? IdempotencyKeys()) }
            if let writes { Self.addWrites(to: api, writes: writes) }
            ConsoleEndpoints.add(to: api, ConsoleEndpoints(repositories: repositories, writes: writes))
            api.get("events") { request, context -> Response in
                _ = try context.requireCaller(.read)
                return EventStream.response(events, lastEventID: EventStream.lastEventID(of: request), heartbeat: eventHeartbeat)
            }
            api.get("repos/{name}/issues/{number}") { _, context -> Response in
                _ = try context.requireCaller(.read)
                guard let number = context.parameters.get("number").flatMap(OperatorReads.issueNumber) else {
                    throw APIError.badRequest("the issue number must be a whole number above zero")
                }
                return APIJSON.response(try await reads.issue(repo: context.parameters.get("name") ?? "", number: number))
            }
        }
        return router
    }

    /// The operate role's endpoints: dispatch, unstick, sync.
    private static func addWrites(to api: RouterGroup<ServiceRequestContext>, writes: OperatorWrites) {
        @Sendable func number(_ context: ServiceRequestContext) throws -> Int {
            guard let number = context.parameters.get("number").flatMap(OperatorReads.issueNumber) else {
                throw APIError.badRequest("the issue number must be a whole number above zero")
            }
            return number
        }
        api.post("repos/{name}/issues/{number}/dispatch") { request, context -> Response in
            let caller = try context.requireCaller(.operate)
            let (repo, issue) = (context.parameters.get("name") ?? "", try number(context))
            return try await writes.respond(request, caller: caller, body: Data()) {
                try await writes.dispatch(repo: repo, issue: issue, caller: caller)
            }
        }
        api.post("repos/{name}/issues/{number}/unstick") { request, context -> Response in
            let caller = try context.requireCaller(.operate)
            let (repo, issue) = (context.parameters.get("name") ?? "", try number(context))
            let body = Data(buffer: try await request.body.collect(upTo: 4096))
            guard let target = OperatorWrites.unstickTarget(body) else {
                throw APIError.badRequest(#"send {"to":"pickup"} or {"to":"failure"}"#)
            }
            return try await writes.respond(request, caller: caller, body: body) {
                try await writes.unstick(repo: repo, issue: issue, to: target, caller: caller)
            }
        }
        api.post("repos/{name}/sync") { request, context -> Response in
            let caller = try context.requireCaller(.operate)
            let repo = context.parameters.get("name") ?? ""
            return try await writes.respond(request, caller: caller, body: Data()) { try await writes.sync(repo: repo) }
        }
    }
}
