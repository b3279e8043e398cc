import Coordinator
@testable import CoordinatorService
import Crypto
import Foundation
import XCTest

final class WebhookSignatureTests: XCTestCase {
    /// GitHub's own example from "Validating webhook deliveries".
    static let vectorSecret = "It's a Secret to Everybody"
    static let vectorBody = Data("Hello, World!".utf8)
    static let vectorHeader = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    let signature = WebhookSignature(secret: Secret(vectorSecret))

    func testGitHubsKnownVectorVerifies() {
        XCTAssertTrue(signature.isValid(header: Self.vectorHeader, body: Self.vectorBody))
    }

    func testSigningReproducesTheKnownVector() {
        XCTAssertEqual(signature.header(for: Self.vectorBody), Self.vectorHeader)
    }

    func testUppercaseHexVerifies() {
        let upper = "sha256=" + Self.vectorHeader.dropFirst("sha256=".count).uppercased()
        XCTAssertTrue(signature.isValid(header: upper, body: Self.vectorBody))
    }

    func testAnotherBodyDoesNotVerify() {
        XCTAssertFalse(signature.isValid(header: Self.vectorHeader, body: Data("Hello, World?".utf8)))
    }

    func testAnotherSecretDoesNotVerify() {
        let other = WebhookSignature(secret: Secret("It's a Secret to Somebody"))
        XCTAssertFalse(other.isValid(header: Self.vectorHeader, body: Self.vectorBody))
    }

    func testOneFlippedDigitDoesNotVerify() {
        var digits = Array(Self.vectorHeader)
        digits[digits.count - 1] = "6"
        XCTAssertFalse(signature.isValid(header: String(digits), body: Self.vectorBody))
    }

    func testMissingHeaderIsInvalid() {
        XCTAssertFalse(signature.isValid(header: nil, body: Self.vectorBody))
    }

    func testMalformedHeadersAreInvalidNotATrap() {
        let hex = String(Self.vectorHeader.dropFirst("sha256=".count))
        let short = String(hex.dropLast(2))
        var malformed: [String] = ["", "sha256=", hex]  // the last without its prefix
        malformed += ["sha1=" + hex, "SHA256=" + hex, "sha256 =" + hex, " sha256=" + hex]
        malformed.append("sha256=" + String(hex.dropLast()))  // odd length
        malformed.append("sha256=" + short)  // a byte short
        malformed.append("sha256=" + hex + "00")  // a byte long
        malformed.append("sha256=" + short + "zz")  // not hex
        malformed.append("sha256=" + short + "é")  // not ASCII, same character count
        malformed.append("sha256=" + hex + ", sha256=" + hex)  // the header sent twice
        malformed.append("sha256=" + String(repeating: "0", count: 1 << 16))
        for header in malformed {
            XCTAssertFalse(signature.isValid(header: header, body: Self.vectorBody), "accepted \(header.prefix(80))")
        }
    }

    func testAnEmptySecretVerifiesNothing() {
        let empty = WebhookSignature(secret: Secret(""))
        // The HMAC of the body under an empty key: what anybody could compute.
        let mac = HMAC<SHA256>.authenticationCode(for: Self.vectorBody, using: SymmetricKey(data: Data()))
        let forged = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        XCTAssertFalse(empty.isValid(header: forged, body: Self.vectorBody))
        XCTAssertNil(empty.header(for: Self.vectorBody))
    }
}
