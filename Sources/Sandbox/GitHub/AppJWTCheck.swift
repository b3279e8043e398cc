import _CryptoExtras
import Foundation

/// How GitHub judges a GitHub App's JWT: RS256 over `header.claims`, signed with the key of the
/// App named by `iss`, issued no later than now, not yet expired, and at most 10 minutes long.
/// Each refusal carries the message GitHub sends with its `401`.
enum AppJWTCheck {
    /// GitHub's cap on `exp` - `iat`.
    static let longestLifetime = 600

    static let undecodable = "A JSON web token could not be decoded"
    static let issuedInFuture = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
    static let expired = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
    static let tooLong = "'Expiration time' claim ('exp') is too far in the future"

    /// The App the token speaks for, or GitHub's message for why it does not.
    static func verify(_ token: String, apps: [Int: Scenario.App], now: Date) -> Result<Scenario.App, Refusal> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerData = base64URLDecode(parts[0]), let claimsData = base64URLDecode(parts[1]),
            let signatureData = base64URLDecode(parts[2]),
            let header = JSONValue.parse(headerData), header["alg"]?.stringValue == "RS256",
            let claims = JSONValue.parse(claimsData)
        else { return .failure(Refusal(undecodable)) }
        // `iss` may be the App's id as a number or a string; GitHub takes both.
        let issuer = claims["iss"]?.intValue ?? claims["iss"]?.stringValue.flatMap { Int($0) }
        guard let issuer, let app = apps[issuer],
            let key = try? _RSA.Signing.PublicKey(pemRepresentation: app.publicKeyPEM),
            key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signatureData),
                for: Data("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5)
        else { return .failure(Refusal(undecodable)) }
        guard let iat = claims["iat"]?.intValue, iat <= Int(now.timeIntervalSince1970) else {
            return .failure(Refusal(issuedInFuture))
        }
        guard let exp = claims["exp"]?.intValue, exp > Int(now.timeIntervalSince1970) else {
            return .failure(Refusal(expired))
        }
        guard exp - iat <= longestLifetime else { return .failure(Refusal(tooLong)) }
        return .success(app)
    }

    /// Why a JWT is refused, in GitHub's words.
    struct Refusal: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// A JWT looks like `x.y.z`; anything else in `Authorization` is a token.
    static func looksLikeJWT(_ token: String) -> Bool {
        token.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    static func base64URLDecode(_ part: Substring) -> Data? {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }
}
