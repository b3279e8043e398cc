import _CryptoExtras
import Foundation

/// The JSON Web Token a GitHub App signs to speak as itself (`GET /app`, the installation lookup,
/// the installation-token exchange): RS256 over `{"alg":"RS256","typ":"JWT"}` and the claims
/// `iat`, `exp`, `iss`. The signature is swift-crypto's RSA (PKCS#1 v1.5, SHA-256), not ours.
enum GitHubAppJWT {
    /// `iat` is set this far in the past: GitHub's advice against clock drift between us and it.
    static let backdating: TimeInterval = 60
    /// `exp` - `iat`: GitHub refuses more than 10 minutes; 9 leaves room for a slow clock.
    static let lifetime: TimeInterval = 9 * 60

    /// A token for `appID`, valid from a minute before `now` for `lifetime`.
    static func make(appID: Int, key: _RSA.Signing.PrivateKey, now: Date) throws -> Secret {
        let issued = Int(now.timeIntervalSince1970 - backdating)
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let claims = #"{"iat":\#(issued),"exp":\#(issued + Int(lifetime)),"iss":"\#(appID)"}"#
        let signingInput = base64URL(Data(header.utf8)) + "." + base64URL(Data(claims.utf8))
        let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return Secret(signingInput + "." + base64URL(signature.rawRepresentation))
    }

    /// Base64url without padding (RFC 7515 §2).
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
