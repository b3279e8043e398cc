import Coordinator
import Foundation
import Hummingbird
import Logging

/// `POST /webhooks/github`: turns one GitHub delivery into an answer, and a verified, new `issues`
/// delivery of a configured repository into an `IssueEvent` for the sink.
///
/// The order of the checks is the security of the endpoint: the body is read only up to the
/// limit, and nothing (the delivery memory, the event type, the decoder, the sink) looks at a
/// delivery before its signature has been verified. Every delivery is counted once in
/// `coordinator_webhook_deliveries_total` and logged with its delivery id, never with the
/// signature or the secret.
struct WebhookReceiver: Sendable {
    static let path = "/webhooks/github"
    /// GitHub caps payloads at 25 MB, but an `issues` delivery is a few kilobytes; anything past
    /// this is refused unread.
    static let defaultBodyLimit = 1 << 20

    static let eventHeader = HTTPFields.Element.Name("X-GitHub-Event")!
    static let deliveryHeader = HTTPFields.Element.Name("X-GitHub-Delivery")!
    static let signatureHeader = HTTPFields.Element.Name(WebhookSignature.headerName)!

    let signature: WebhookSignature
    let deliveries: any DeliveryLedger
    let sink: any WebhookSink
    let metrics: ServiceMetrics
    let bodyLimit: Int

    /// What the endpoint answers, and how the delivery is counted.
    struct Reply: Sendable, Equatable {
        var result: ServiceMetrics.DeliveryResult
        var status: HTTPResponse.Status
        var message: String
    }

    /// Reads the body within the limit and answers the delivery.
    func respond(to request: Request, logger: Logger) async throws -> Response {
        let receivedAt = ContinuousClock.now
        let delivery = request.headers[Self.deliveryHeader]
        var logger = logger
        logger[metadataKey: "github.delivery"] = .string(LoggableHeader.text(delivery))

        guard let body = try await Self.collect(request, limit: bodyLimit) else {
            let reply = Reply(
                result: .tooLarge, status: .contentTooLarge,
                message: "payload too large: the limit is \(bodyLimit) bytes")
            var response = finish(reply, logger: logger, level: .info)
            // Tells a well-behaved client to stop sending the rest of the body.
            response.headers[.connection] = "close"
            return response
        }
        let reply = await receive(
            event: request.headers[Self.eventHeader], delivery: delivery,
            signature: request.headers[Self.signatureHeader], contentType: request.headers[.contentType], body: body,
            receivedAt: receivedAt, logger: logger)
        return finish(reply, logger: logger, level: reply.result == .accepted || reply.status.code >= 400 ? .info : .debug)
    }

    /// The decision for a body read in full. Internal so the order of the checks can be tested
    /// without a socket.
    ///
    /// The signature is checked on `body` exactly as received, whichever content type it came
    /// in; only then is the JSON taken out of it (`WebhookBody`). The repository comes from the
    /// payload, so one URL serves a repository's hook, an organisation's and a GitHub App's alike.
    func receive(
        event: String?, delivery: String?, signature header: String?, contentType: String? = nil, body: Data,
        receivedAt: ContinuousClock.Instant, logger: Logger
    ) async -> Reply {
        guard signature.isValid(header: header, body: body) else {
            return Reply(
                result: .badSignature, status: .unauthorized,
                message: "signature missing or wrong: check the webhook secret on GitHub and in [serve] webhook_secret")
        }
        guard let event else {
            return Reply(result: .malformed, status: .badRequest, message: "missing X-GitHub-Event header")
        }
        if event == "ping" {
            return Reply(result: .ignored, status: .ok, message: "pong")
        }
        guard event == "issues" else {
            return Reply(
                result: .ignored, status: .accepted,
                message: "ignored: event '\(LoggableHeader.text(event))' (only 'issues' is handled)")
        }
        guard let delivery, LoggableHeader.isWellFormed(delivery) else {
            return Reply(result: .malformed, status: .badRequest, message: "missing or malformed X-GitHub-Delivery header")
        }
        guard await deliveries.remember(delivery) else {
            return Reply(result: .duplicate, status: .ok, message: "ignored: delivery \(delivery) was already received")
        }
        let json: Data
        switch WebhookBody.json(from: body, contentType: contentType) {
        case .success(let data):
            json = data
        case .failure(let problem):
            let status: HTTPResponse.Status = if case .unsupportedType = problem { .unsupportedMediaType } else { .badRequest }
            return Reply(result: .malformed, status: status, message: problem.message)
        }
        let payload: IssuesWebhookPayload
        do {
            payload = try IssuesWebhookPayload.decode(json)
        } catch {
            logger.debug("Webhook body is not an issues payload", metadata: ["error": "\(error)"])
            return Reply(result: .malformed, status: .badRequest, message: "body is not a GitHub issues webhook payload")
        }
        let item = "\(payload.repositoryFullName)#\(payload.issue.number)"
        guard sink.isConfigured(repository: payload.repositoryFullName) else {
            return Reply(
                result: .ignored, status: .accepted,
                message: "ignored: repository \(payload.repositoryFullName) is not configured")
        }
        guard !payload.isPullRequest else {
            return Reply(result: .ignored, status: .accepted, message: "ignored: \(item) is a pull request")
        }
        sink.submit(IssueEvent(delivery: delivery, payload: payload, receivedAt: receivedAt))
        return Reply(result: .accepted, status: .accepted, message: "accepted: \(item) (\(payload.action)) queued")
    }

    private func finish(_ reply: Reply, logger: Logger, level: Logger.Level) -> Response {
        metrics.webhookDelivery(reply.result)
        logger.log(
            level: level, "Webhook delivery \(reply.result.rawValue)",
            metadata: ["http.status": .stringConvertible(reply.status.code), "reason": .string(reply.message)])
        return PlainText.response(reply.status, reply.message)
    }

    /// The whole body, or nil once it is known to exceed `limit`: from `Content-Length` before
    /// reading anything, else as soon as the chunks read so far pass it. Nothing past the limit
    /// is buffered.
    static func collect(_ request: Request, limit: Int) async throws -> Data? {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return nil
        }
        var collected = Data()
        for try await chunk in request.body {
            guard chunk.readableBytes <= limit - collected.count else { return nil }
            collected.append(contentsOf: chunk.readableBytesView)
        }
        return collected
    }
}

/// Header values from outside, made safe to log and to echo: GitHub's delivery ids and event
/// names are short words of letters, digits, `-`, `_` and `.`; anything else is shown as
/// `<malformed>` rather than copied into a log line or an answer.
enum LoggableHeader {
    static let maxLength = 100

    static func isWellFormed(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= maxLength
            && value.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                    return true
                default:
                    return false
                }
            }
    }

    static func text(_ value: String?) -> String {
        guard let value else { return "<none>" }
        return isWellFormed(value) ? value : "<malformed>"
    }
}
