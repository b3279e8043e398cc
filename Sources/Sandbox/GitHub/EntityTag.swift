import Foundation

/// Weak entity tags derived from the response body, so equal bodies always share a tag and a
/// client revalidating unchanged data gets `304`.
enum EntityTag {
    static func weak(for body: Data) -> String {
        "W/\"\(hex(fnv1a(body, seed: 0xcbf2_9ce4_8422_2325)))\(hex(fnv1a(body, seed: 0x8422_2325_cbf2_9ce4)))\""
    }

    /// Weak comparison (RFC 9110 §8.8.3.2) against an `If-None-Match` list.
    static func ifNoneMatch(_ header: String, matches tag: String) -> Bool {
        let wanted = opaque(tag)
        return header.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || opaque(trimmed) == wanted
        }
    }

    private static func opaque(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }

    private static func fnv1a(_ data: Data, seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
