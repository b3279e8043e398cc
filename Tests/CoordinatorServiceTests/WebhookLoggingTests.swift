import Coordinator
@testable import CoordinatorService
import Foundation
import Logging
import NIOCore
import Synchronization
import XCTest

/// Every delivery is logged with its delivery id; neither the secret nor a signature ever is.
final class WebhookLoggingTests: XCTestCase {
    func testDeliveriesAreLoggedWithTheirIdAndNeverWithTheSignatureOrSecret() async throws {
        let logs = CapturedLogs()
        var logger = Logger(label: "webhook-logging-test") { _ in CapturingLogHandler(logs: logs) }
        logger.logLevel = .trace
        let live = try await LiveServiceEndpoint.start(logger: logger)
        let signer = WebhookSignature(secret: Secret(LiveServiceEndpoint.secret))
        let body = WebhookEndpointTests.issuesPayload()
        let good = try XCTUnwrap(signer.header(for: body))
        let forged = "sha256=" + String(repeating: "5a", count: 32)
        for (delivery, signature) in [("log-accepted-1", good), ("log-forged-2", forged)] {
            _ = try await live.send(
                "POST", "/webhooks/github",
                headers: [("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", delivery), ("X-Hub-Signature-256", signature)],
                body: .bytes(ByteBuffer(bytes: body)))
        }
        try await live.stop()

        let lines = logs.lines
        XCTAssertTrue(lines.contains { $0.contains("log-accepted-1") && $0.contains("accepted") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.contains("log-forged-2") && $0.contains("bad_signature") }, lines.joined(separator: "\n"))
        for line in lines {
            XCTAssertFalse(line.contains(LiveServiceEndpoint.secret), line)
            XCTAssertFalse(line.contains(String(good.dropFirst(7).prefix(16))), line)
            XCTAssertFalse(line.contains("5a5a5a5a"), line)
        }
    }
}

/// Every line the handlers below wrote, message and metadata together.
final class CapturedLogs: Sendable {
    private let store = Mutex<[String]>([])
    func append(_ line: String) { store.withLock { $0.append(line) } }
    var lines: [String] { store.withLock { $0 } }
}

/// A log handler (a value, as swift-log expects: metadata set on one logger stays on it) that
/// writes into a shared `CapturedLogs`.
struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        let all = self.metadata.merging(metadata ?? [:]) { $1 }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        logs.append("\(level) \(message) \(rendered)")
    }
}
