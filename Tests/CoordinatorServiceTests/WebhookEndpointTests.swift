import AsyncHTTPClient
import Coordinator
@testable import CoordinatorService
import Foundation
import NIOCore
import XCTest

/// `POST /webhooks/github` over real HTTP on 127.0.0.1: every answer, what reached the sink, and
/// how each delivery was counted.
final class WebhookEndpointTests: XCTestCase {
    var live: LiveServiceEndpoint!
    let signer = WebhookSignature(secret: Secret(LiveServiceEndpoint.secret))

    override func setUp() async throws {
        try await super.setUp()
        live = try await LiveServiceEndpoint.start(configured: ["acme/widgets"])
    }

    override func tearDown() async throws {
        try await live?.stop()
        live = nil
        try await super.tearDown()
    }

    static func issuesPayload(
        repository: String = "acme/widgets", number: Int = 7, action: String = "labeled", pullRequest: Bool = false
    ) -> Data {
        let pull = pullRequest ? #", "pull_request": {"url": "https://api.github.com/repos/acme/widgets/pulls/7"}"# : ""
        return Data(
            """
            {"action": "\(action)", "repository": {"full_name": "\(repository)"},
             "issue": {"number": \(number), "title": "Make widgets", "state": "open",
                       "labels": [{"name": "status-02:awaiting-planning"}], "user": {"login": "octocat"},
                       "updated_at": "2026-11-25T09:00:00Z"\(pull)}}
            """.utf8)
    }

    /// Posts `body` signed with the right secret unless `signature` says otherwise
    /// (`.some(nil)`: no signature header at all).
    func deliver(
        _ body: Data, event: String? = "issues", delivery: String? = UUID().uuidString.lowercased(),
        signature: String?? = .none, contentType: String? = "application/json"
    ) async throws -> LiveServiceEndpoint.Reply {
        var headers: [(String, String)] = []
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let event { headers.append(("X-GitHub-Event", event)) }
        if let delivery { headers.append(("X-GitHub-Delivery", delivery)) }
        let header = signature ?? signer.header(for: body)
        if let header { headers.append(("X-Hub-Signature-256", header)) }
        return try await live.send("POST", "/webhooks/github", headers: headers, body: .bytes(ByteBuffer(bytes: body)))
    }

    func deliveries(_ result: String) -> Double? {
        prometheusSample(live.metrics.render(), "coordinator_webhook_deliveries_total", "result=\"\(result)\"")
    }

    // MARK: Accepted

    func testAnIssuesDeliveryOfAConfiguredRepositoryIsSubmittedAndAnswered202() async throws {
        let reply = try await deliver(Self.issuesPayload(), delivery: "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertTrue(reply.text.contains("acme/widgets#7"), reply.text)
        let events = live.sink.events
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?.delivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        XCTAssertEqual(events.first?.payload.repositoryFullName, "acme/widgets")
        XCTAssertEqual(events.first?.payload.action, "labeled")
        XCTAssertEqual(events.first?.payload.issue.number, 7)
        XCTAssertEqual(events.first?.payload.issue.labels, ["status-02:awaiting-planning"])
        XCTAssertEqual(deliveries("accepted"), 1)
    }

    func testTheRepositoryIsMatchedCaseInsensitively() async throws {
        let reply = try await deliver(Self.issuesPayload(repository: "Acme/Widgets"))
        XCTAssertEqual(reply.status, 202)
        XCTAssertEqual(live.sink.events.count, 1)
    }

    // MARK: Signatures

    func testAMissingSignatureIs401AndNothingElseHappens() async throws {
        let reply = try await deliver(Self.issuesPayload(), delivery: "d-1", signature: .some(nil))
        XCTAssertEqual(reply.status, 401, reply.text)
        try await assertNothingHappened(afterRejecting: "d-1")
    }

    func testAForgedSignatureIs401AndNothingElseHappens() async throws {
        let forged = "sha256=" + String(repeating: "ab", count: 32)
        let reply = try await deliver(Self.issuesPayload(), delivery: "d-2", signature: forged)
        XCTAssertEqual(reply.status, 401, reply.text)
        try await assertNothingHappened(afterRejecting: "d-2")
    }

    func testASignatureWithAnotherSecretIs401AndNothingElseHappens() async throws {
        let body = Self.issuesPayload()
        let other = WebhookSignature(secret: Secret("It's a Secret to Somebody")).header(for: body)
        let reply = try await deliver(body, delivery: "d-3", signature: other)
        XCTAssertEqual(reply.status, 401, reply.text)
        try await assertNothingHappened(afterRejecting: "d-3")
    }

    func testASignatureOfAnotherBodyIs401() async throws {
        let signedOther = signer.header(for: Self.issuesPayload(number: 8))
        let reply = try await deliver(Self.issuesPayload(number: 7), delivery: "d-4", signature: signedOther)
        XCTAssertEqual(reply.status, 401, reply.text)
        try await assertNothingHappened(afterRejecting: "d-4")
    }

    func testA401NeitherEchoesTheSignatureNorTheSecret() async throws {
        let forged = "sha256=" + String(repeating: "cd", count: 32)
        let reply = try await deliver(Self.issuesPayload(), signature: forged)
        XCTAssertEqual(reply.status, 401)
        XCTAssertFalse(reply.text.contains("cdcd"), reply.text)
        XCTAssertFalse(reply.text.contains(LiveServiceEndpoint.secret), reply.text)
    }

    /// A rejected delivery reached neither the sink nor the delivery memory (the same id, signed,
    /// is then accepted), and was counted as a bad signature.
    func assertNothingHappened(afterRejecting delivery: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        XCTAssertTrue(live.sink.events.isEmpty, "the sink saw a rejected delivery", file: file, line: line)
        XCTAssertEqual(deliveries("bad_signature"), 1, file: file, line: line)
        XCTAssertEqual(deliveries("accepted"), 0, file: file, line: line)
        let signed = try await deliver(Self.issuesPayload(), delivery: delivery)
        XCTAssertEqual(signed.status, 202, "the rejected id was remembered: \(signed.text)", file: file, line: line)
    }

    // MARK: Events other than a new issues delivery

    func testAPingIsAnswered200() async throws {
        let reply = try await deliver(Data(#"{"zen": "Keep it logically awesome.", "hook_id": 1}"#.utf8), event: "ping")
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
        XCTAssertEqual(deliveries("ignored"), 1)
    }

    func testAnUnsignedPingIs401() async throws {
        let reply = try await deliver(Data("{}".utf8), event: "ping", signature: .some(nil))
        XCTAssertEqual(reply.status, 401)
    }

    func testOtherEventsAreIgnoredWith202() async throws {
        let reply = try await deliver(Data(#"{"ref": "refs/heads/main"}"#.utf8), event: "push")
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertTrue(reply.text.contains("push"), reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
        XCTAssertEqual(deliveries("ignored"), 1)
    }

    func testADuplicateDeliveryIsAnswered200AndNotSubmittedAgain() async throws {
        let first = try await deliver(Self.issuesPayload(), delivery: "dup-1")
        let second = try await deliver(Self.issuesPayload(), delivery: "dup-1")
        XCTAssertEqual(first.status, 202)
        XCTAssertEqual(second.status, 200, second.text)
        XCTAssertTrue(second.text.contains("already"), second.text)
        XCTAssertEqual(live.sink.events.count, 1)
        XCTAssertEqual(deliveries("accepted"), 1)
        XCTAssertEqual(deliveries("duplicate"), 1)
    }

    func testABodyThatIsNotAnIssuesPayloadIs400() async throws {
        for (index, body) in ["not json", #"{"action": "opened"}"#, #"{"action": 1, "issue": {}, "repository": {}}"#].enumerated() {
            let reply = try await deliver(Data(body.utf8), delivery: "bad-\(index)")
            XCTAssertEqual(reply.status, 400, "\(body): \(reply.text)")
        }
        XCTAssertTrue(live.sink.events.isEmpty)
        XCTAssertEqual(deliveries("malformed"), 3)
    }

    func testAnIssuesDeliveryWithoutADeliveryIdIs400() async throws {
        let reply = try await deliver(Self.issuesPayload(), delivery: nil)
        XCTAssertEqual(reply.status, 400, reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
        XCTAssertEqual(deliveries("malformed"), 1)
    }

    func testAnUnconfiguredRepositoryIsIgnoredWith202() async throws {
        let reply = try await deliver(Self.issuesPayload(repository: "acme/other"))
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertTrue(reply.text.contains("not configured"), reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
        XCTAssertEqual(deliveries("ignored"), 1)
    }

    func testAPullRequestIsIgnoredWith202() async throws {
        let reply = try await deliver(Self.issuesPayload(pullRequest: true))
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertTrue(reply.text.contains("pull request"), reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
        XCTAssertEqual(deliveries("ignored"), 1)
    }

    // MARK: Content types

    /// `payload=` and `json` percent-encoded as GitHub's form deliveries are: every byte outside
    /// the unreserved set, so the JSON's own `+`, `&` and `=` survive.
    static func formBody(_ json: Data, before: String = "", after: String = "") -> Data {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let encoded = String(decoding: json, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
        return Data((before + "payload=" + encoded + after).utf8)
    }

    func testAFormEncodedDeliveryIsVerifiedOverTheRawBodyAndSubmitted() async throws {
        let json = Data(
            String(decoding: Self.issuesPayload(number: 8), as: UTF8.self)
                .replacingOccurrences(of: "Make widgets", with: "C++ & a=b 100%").utf8)
        let body = Self.formBody(json, before: "foo=1&", after: "&bar=%20")
        let reply = try await deliver(body, contentType: "application/x-www-form-urlencoded")
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertEqual(live.sink.events.first?.payload.issue.number, 8)
        XCTAssertEqual(live.sink.events.first?.payload.issue.title, "C++ & a=b 100%")
        XCTAssertEqual(deliveries("accepted"), 1)
    }

    func testAFormEncodedDeliveryWithASignatureOverTheDecodedJSONIs401() async throws {
        // The signature covers the body as it travelled, not the JSON inside it.
        let json = Self.issuesPayload()
        let reply = try await deliver(
            Self.formBody(json), signature: signer.header(for: json), contentType: "application/x-www-form-urlencoded")
        XCTAssertEqual(reply.status, 401, reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
    }

    func testAFormBodyWithoutAPayloadFieldIs400SayingSo() async throws {
        let reply = try await deliver(Data("payloads=%7B%7D&x=1".utf8), contentType: "application/x-www-form-urlencoded; charset=utf-8")
        XCTAssertEqual(reply.status, 400, reply.text)
        XCTAssertTrue(reply.text.contains("no 'payload' field"), reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
        XCTAssertEqual(deliveries("malformed"), 1)
    }

    func testAnUnknownContentTypeIs415NamingTheSetting() async throws {
        let reply = try await deliver(Self.issuesPayload(), contentType: "text/plain")
        XCTAssertEqual(reply.status, 415, reply.text)
        XCTAssertTrue(reply.text.contains("'text/plain'") && reply.text.contains("application/json"), reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
    }

    func testJSONWithoutAContentTypeIsStillRead() async throws {
        let reply = try await deliver(Self.issuesPayload(), contentType: nil)
        XCTAssertEqual(reply.status, 202, reply.text)
    }

    func testAnAppOrOrganisationPayloadWithInstallationAndOrganizationIsAccepted() async throws {
        var json = Self.issuesPayload()
        json.removeLast()
        json.append(Data(#", "installation": {"id": 49131245, "node_id": "MDIz"}, "organization": {"login": "acme", "id": 9919}}"#.utf8))
        let reply = try await deliver(json)
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertEqual(live.sink.events.count, 1)
    }

    // MARK: Size

    func testABodyOfOneMebibytePlusOneByteIs413() async throws {
        let body = Data(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
        let reply = try await deliver(body)
        XCTAssertEqual(reply.status, 413, reply.text)
        XCTAssertTrue(live.sink.events.isEmpty)
        XCTAssertEqual(deliveries("too_large"), 1)
        XCTAssertEqual(deliveries("bad_signature"), 0, "the signature is not even looked at")
    }

    func testABodyOfExactlyOneMebibyteIsRead() async throws {
        // Signed, within the limit, and not an issues payload: it gets as far as the decoder.
        let body = Data(repeating: UInt8(ascii: " "), count: 1 << 20)
        let reply = try await deliver(body)
        XCTAssertEqual(reply.status, 400, reply.text)
        XCTAssertEqual(deliveries("too_large"), 0)
    }

    func testAChunkedBodyPastTheLimitIs413() async throws {
        // No Content-Length: the endpoint has to count as it reads.
        let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 << 10)
        let chunks = (0..<17).map { _ in chunk }  // 1 MiB + 64 KiB
        let body = HTTPClientRequest.Body.stream(chunks.async, length: .unknown)
        let reply = try await live.send(
            "POST", "/webhooks/github",
            headers: [("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", "chunked-1"), ("X-Hub-Signature-256", "sha256=00")],
            body: body)
        XCTAssertEqual(reply.status, 413, reply.text)
        XCTAssertEqual(deliveries("too_large"), 1)
    }

    func testAChunkedBodyWithinTheLimitIsAccepted() async throws {
        let payload = Self.issuesPayload()
        let half = payload.count / 2
        let chunks = [ByteBuffer(bytes: payload.prefix(half)), ByteBuffer(bytes: payload.dropFirst(half))]
        let reply = try await live.send(
            "POST", "/webhooks/github",
            headers: [
                ("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", "chunked-2"),
                ("X-Hub-Signature-256", signer.header(for: payload) ?? ""),
            ],
            body: .stream(chunks.async, length: .unknown))
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertEqual(live.sink.events.count, 1)
    }

    func testTheWebhookPathTakesOnlyPost() async throws {
        let reply = try await live.send("GET", "/webhooks/github")
        XCTAssertEqual(reply.status, 404)
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence, for a streamed request body.
    fileprivate var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
