import AsyncHTTPClient
@testable import Coordinator
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import XCTest

/// What the shared transport reads from an answer, for GitHub and Jenkins alike (no server needed).
final class HTTPAnswerReadingTests: XCTestCase {
    private func answer(_ status: Int, _ body: String) -> HTTPAnswer {
        HTTPAnswer(status: status, headers: HTTPHeaders(), body: Data(body.utf8), hops: [])
    }

    func testErrorTextIsTheJSONMessageThenShortTextThenTheReasonPhrase() {
        XCTAssertEqual(answer(401, #"{"message":"Bad credentials","documentation_url":"https://docs.github.com"}"#).errorText, "Bad credentials")
        XCTAssertEqual(answer(503, "  Jenkins is going to shut down\n").errorText, "Jenkins is going to shut down")
        XCTAssertEqual(answer(500, "").errorText, "Internal Server Error")
        XCTAssertEqual(answer(502, String(repeating: "x", count: 500)).errorText.count, 200, "long text is cut")
    }

    func testHTMLErrorPageIsReducedToTheReasonPhrase() {
        let page = "<html><head><title>Error 403 No valid crumb was included in the request</title></head><body>…</body></html>"
        XCTAssertEqual(answer(403, page).errorText, "Forbidden")
        XCTAssertEqual(answer(404, "<!DOCTYPE html><p>Not here</p>").errorText, "Not Found")
    }

    func testAnswerThatIsNoJSONSaysWhatCameInstead() {
        XCTAssertThrowsError(try answer(200, "<html>proxy login</html>").decoded([String].self)) { error in
            let message = (error as? MalformedAnswer)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("not JSON: <html>proxy login"), message)
        }
        XCTAssertThrowsError(try answer(200, #"{"id": "seven"}"#).decoded(JenkinsQueueItemPayload.self)) { error in
            let message = (error as? MalformedAnswer)?.message ?? ""
            XCTAssertTrue(message.contains("id"), message)
        }
    }

    func testAttemptsAreNamedOnlyWhenThereWasMoreThanOne() {
        XCTAssertEqual(HTTPTransport.afterAttempts("connection refused", 1), "connection refused")
        XCTAssertEqual(HTTPTransport.afterAttempts("connection refused", 3), "connection refused (after 3 attempts)")
        var failure = HTTPTransportFailure(message: "timed out", retriable: true)
        failure.attempts = 2
        XCTAssertEqual(failure.text, "timed out (after 2 attempts)")
    }

    func testAFailedConnectionReadsAsWordsNamingTheTarget() {
        // What NIO throws when connect() finds the port closed.
        let refused = HTTPExchange.classify(
            IOError(errnoCode: ECONNREFUSED, reason: "connection reset (error set)"), timeout: .seconds(5),
            url: "https://jenkins.example/api/json")
        XCTAssertEqual(refused.message, "cannot connect to jenkins.example:443: connection refused")
        XCTAssertFalse(refused.mayHaveArrived)
        XCTAssertTrue(refused.retriable)

        let slow = HTTPExchange.classify(HTTPClientError.connectTimeout, timeout: .seconds(5), url: "http://10.0.0.9:8080/job/x")
        XCTAssertEqual(slow.message, "cannot connect to 10.0.0.9:8080: connection timed out")
        XCTAssertFalse(slow.mayHaveArrived)

        // A reset after the request left is no connect failure: it may have arrived.
        let reset = HTTPExchange.classify(IOError(errnoCode: ECONNRESET, reason: "read(descriptor:pointer:size:)"), timeout: .seconds(5))
        XCTAssertEqual(reset.message, "connection reset by peer")
        XCTAssertTrue(reset.mayHaveArrived)
        for text in [refused.message, slow.message, reset.message] {
            XCTAssertFalse(text.contains("errno") || text.contains("error set"), text)
        }
    }

    func testTLSVerifiesCertificatesAndHostNames() {
        XCTAssertEqual(HTTPClientFactory.tlsConfiguration().certificateVerification, .fullVerification)
    }
}
