import _CryptoExtras
import Foundation
import XCTest
@testable import Coordinator

/// The App's JWT is what GitHub asks for: `{"alg":"RS256","typ":"JWT"}`, `iat` a minute back,
/// `exp` within 10 minutes of it, `iss` the App id, signed RS256 with the App's key.
final class GitHubAppJWTTests: XCTestCase {
    func decode(_ part: Substring) throws -> Data {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return try XCTUnwrap(Data(base64Encoded: text))
    }

    func testTheTokenHasGitHubsHeaderClaimsAndAValidSignature() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try GitHubAppJWT.make(appID: 123456, key: key, now: now).reveal()
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        XCTAssertEqual(parts.count, 3)
        XCTAssertFalse(token.contains("="), "base64url without padding")
        XCTAssertEqual(String(decoding: try decode(parts[0]), as: UTF8.self), #"{"alg":"RS256","typ":"JWT"}"#)
        let claims = try XCTUnwrap(try JSONSerialization.jsonObject(with: try decode(parts[1])) as? [String: Any])
        XCTAssertEqual(claims["iat"] as? Int, 1_800_000_000 - 60)
        let exp = try XCTUnwrap(claims["exp"] as? Int)
        XCTAssertLessThanOrEqual(exp - 1_800_000_000, 600, "exp at most 10 minutes ahead")
        XCTAssertGreaterThan(exp, 1_800_000_000)
        XCTAssertEqual(claims["iss"] as? String, "123456")
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try decode(parts[2]))
        XCTAssertTrue(key.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5))
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        XCTAssertFalse(other.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5))
    }
}
