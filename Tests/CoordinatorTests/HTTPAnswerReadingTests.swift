@testable import Coordinator
import Foundation
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

    func testTLSVerifiesCertificatesAndHostNames() {
        XCTAssertEqual(HTTPClientFactory.tlsConfiguration().certificateVerification, .fullVerification)
    }
}
