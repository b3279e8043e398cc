import AsyncHTTPClient
import Coordinator
import CoordinatorService
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import XCTest

/// A `ServiceEndpoint` serving on 127.0.0.1 with an ephemeral port inside a `ServiceGroup`, as
/// `coordinator serve` runs it, plus an HTTP client to talk to it. `stop()` shuts the group down
/// gracefully and waits for it, bounded in time.
final class LiveServiceEndpoint: Sendable {
    static let secret = "It's a Secret to Everybody"

    let port: Int
    let sink: FakeWebhookSink
    let status: FakeServiceStatus
    let metrics: ServiceMetrics
    let client: HTTPClient
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(
        port: Int, sink: FakeWebhookSink, status: FakeServiceStatus, metrics: ServiceMetrics, client: HTTPClient,
        group: ServiceGroup, running: Task<Void, any Error>
    ) {
        self.port = port
        self.sink = sink
        self.status = status
        self.metrics = metrics
        self.client = client
        self.group = group
        self.running = running
    }

    static func start(
        apiToken: String? = nil, configured: [String] = ["acme/widgets"], logger: Logger? = nil,
        adjust: (inout ServiceEndpoint) -> Void = { _ in }
    ) async throws -> LiveServiceEndpoint {
        var endpoint = ServiceEndpoint(
            host: "127.0.0.1", port: 0, webhookSecret: Secret(secret), apiToken: apiToken.map(Secret.init))
        adjust(&endpoint)
        let sink = FakeWebhookSink(configured: configured)
        let status = FakeServiceStatus()
        let metrics = ServiceMetrics()
        let logger = logger ?? {
            var quiet = Logger(label: "service-endpoint-test")
            // A cancelled or shut-down server reports at error level; not worth printing here.
            quiet.logLevel = .critical
            return quiet
        }()
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = endpoint.application(sink: sink, status: status, repositories: status, metrics: metrics, logger: logger) { port in
            portSink.yield(port)
            portSink.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let running = Task {
            defer { portSink.finish() }
            try await group.run()
        }
        var bound: Int?
        for await port in ports {
            bound = port
        }
        guard let bound else {
            try await running.value
            throw CancellationError()
        }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10))))
        return LiveServiceEndpoint(
            port: bound, sink: sink, status: status, metrics: metrics, client: client, group: group, running: running)
    }

    /// Shuts the client down, then the service group, and waits (at most 10 s) for it to end;
    /// rethrows what the group failed with.
    func stop() async throws {
        try await client.shutdown()
        await group.triggerGracefulShutdown()
        let ended = EndedFlag()
        Task { [running] in
            _ = await running.result
            ended.set()
        }
        try await waitUntil("the service group has stopped", timeout: .seconds(10)) { ended.isSet }
        try await running.value
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var text: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// One request; `method` as on the wire ("GET", "POST").
    func send(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: HTTPClientRequest.Body? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = body }
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            text: String(buffer: bytes))
    }
}

private final class EndedFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
