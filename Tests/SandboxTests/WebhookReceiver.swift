import Foundation
import Hummingbird
import Logging
import XCTest

/// A webhook receiver for tests: a Hummingbird server on 127.0.0.1 with an ephemeral port that
/// keeps every request it gets and answers with `status` after `answerDelay`.
final class WebhookReceiver: @unchecked Sendable {
    struct Delivery {
        /// Header names lower-cased; repeated headers joined with ", ".
        var headers: [String: String]
        var body: Data
        var path: String

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var action: String? { json["action"] as? String }
        var label: String? { (json["label"] as? [String: Any])?["name"] as? String }
        var issue: [String: Any] { json["issue"] as? [String: Any] ?? [:] }
        var issueLabels: [String] { (issue["labels"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
    }

    private let lock = NSLock()
    private var received: [Delivery] = []
    private var answer = 202
    private var delay: Duration = .zero
    private var serving: Task<Void, Never>?
    private(set) var port = 0

    var url: String { "http://127.0.0.1:\(port)/hook" }

    var deliveries: [Delivery] { lock.withLock { received } }

    /// What the next requests are answered with, and after how long.
    func respond(status: Int, after delay: Duration = .zero) {
        lock.withLock {
            answer = status
            self.delay = delay
        }
    }

    func start() async throws {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
            }
            let buffer = try await request.body.collect(upTo: 16 * 1024 * 1024)
            let (status, delay) = self.lock.withLock {
                self.received.append(Delivery(headers: headers, body: Data(buffer.readableBytesView), path: request.uri.path))
                return (self.answer, self.delay)
            }
            if delay > .zero { try await Task.sleep(for: delay) }
            return Response(status: .init(code: status))
        }
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let (ports, sink) = AsyncStream<Int>.makeStream()
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                sink.yield(channel.localAddress?.port ?? 0)
                sink.finish()
            },
            logger: logger
        )
        serving = Task {
            try? await application.run()
            sink.finish()
        }
        for await bound in ports {
            port = bound
            return
        }
        XCTFail("webhook receiver did not start")
        throw CancellationError()
    }

    func stop() async {
        serving?.cancel()
        await serving?.value
        serving = nil
    }
}
