import Coordinator
import Crypto
import Foundation

/// Checks GitHub's `X-Hub-Signature-256` header: `sha256=` followed by the lowercase hex
/// HMAC-SHA256 of the raw request body, keyed with the webhook secret.
///
/// The comparison is swift-crypto's constant-time one, so a forger learns nothing from how long a
/// wrong guess took. A header that is not exactly `sha256=` + 64 hex digits is simply invalid:
/// whatever arrives from outside, the answer is a `Bool`, never a trap.
public struct WebhookSignature: Sendable {
    /// The header GitHub signs deliveries in.
    public static let headerName = "X-Hub-Signature-256"

    private static let prefix = Array("sha256=".utf8)
    private static let digestByteCount = SHA256.byteCount

    /// nil for an empty secret: anybody could compute that HMAC, so nothing verifies against it.
    /// Bytes rather than a `SymmetricKey`, which is not `Sendable` on every platform.
    private let secret: [UInt8]?

    public init(secret: Secret) {
        self.secret = secret.isEmpty ? nil : Array(secret.reveal().utf8)
    }

    private var key: SymmetricKey? { secret.map { SymmetricKey(data: $0) } }

    /// Whether `header` is the signature of `body` under this secret.
    public func isValid(header: String?, body: some DataProtocol) -> Bool {
        guard let key, let header, let mac = Self.digest(fromHeader: header) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key)
    }

    /// The header value GitHub would send for `body`: what tests and a webhook sender sign with.
    /// nil for an empty secret.
    public func header(for body: some DataProtocol) -> String? {
        guard let key else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return "sha256=" + mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The 32 bytes a well-formed header carries; nil for anything else (no prefix, wrong length,
    /// a character that is not a hex digit).
    static func digest(fromHeader header: String) -> [UInt8]? {
        let bytes = Array(header.utf8)
        guard bytes.count == prefix.count + 2 * digestByteCount, bytes.starts(with: prefix) else { return nil }
        var digest: [UInt8] = []
        digest.reserveCapacity(digestByteCount)
        var index = prefix.count
        while index < bytes.count {
            guard let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) else { return nil }
            digest.append(high << 4 | low)
            index += 2
        }
        return digest
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
