import Coordinator
import Crypto
import Foundation

/// Checks an `Authorization: Bearer <token>` header against the configured API token.
///
/// Both sides are compared as HMACs under a key made fresh for this process, with swift-crypto's
/// constant-time comparison: neither the token's content nor its length shows in how long a wrong
/// guess takes.
struct BearerToken: Sendable {
    /// Bytes rather than swift-crypto's types, which are not `Sendable` on every platform.
    private let key: [UInt8]
    private let expected: [UInt8]

    /// nil for an empty token, which would otherwise let an empty `Bearer ` through.
    init?(_ token: Secret) {
        guard !token.isEmpty else { return nil }
        let key = SymmetricKey(size: .bits256)
        self.key = key.withUnsafeBytes { Array($0) }
        expected = Array(HMAC<SHA256>.authenticationCode(for: Data(token.reveal().utf8), using: key))
    }

    /// Whether `authorization` is `Bearer <the token>` (the scheme in any case, as RFC 9110 allows).
    func authorizes(_ authorization: String?) -> Bool {
        guard let authorization else { return false }
        let scheme = "bearer "
        guard authorization.utf8.count > scheme.utf8.count,
            authorization.prefix(scheme.count).lowercased() == scheme
        else { return false }
        let presented = authorization.dropFirst(scheme.count)
        return HMAC<SHA256>.isValidAuthenticationCode(
            expected, authenticating: Data(presented.utf8), using: SymmetricKey(data: key))
    }
}
